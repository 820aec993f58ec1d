import { afterAll, describe, expect, test } from "bun:test"
import { SMTPServer } from "smtp-server"
import { signature } from "../../src/alerting/notification.ts"
import { reportFault } from "../support/fault-report.ts"
import { freePort, json, useServer } from "../support/server-process.ts"
import { startWebhookReceiver } from "../support/webhook-receiver.ts"

/**
 * Alerting end to end: a running LogFlow, real deliveries to a local HTTP receiver and to a
 * local SMTP server.
 */

const receiver = startWebhookReceiver()
const mails: Array<{ to: string[]; data: string }> = []
const smtpPort = freePort()
const smtp = new SMTPServer({
  authOptional: true,
  disabledCommands: ["STARTTLS"],
  logger: false,
  onData(stream, session, callback) {
    let data = ""
    stream.on("data", (chunk) => (data += chunk))
    stream.on("end", () => {
      mails.push({ to: session.envelope.rcptTo.map((r) => r.address), data })
      callback()
    })
  }
})
await new Promise<void>((resolve) => smtp.listen(smtpPort, "127.0.0.1", resolve))
afterAll(() => {
  receiver.stop()
  smtp.close()
})

const server = useServer(() => ({
  env: {
    ADMIN_PASSWORD: "admin-password-1",
    ALERT_WEBHOOK_ALLOWED_HOSTS: "127.0.0.1",
    ALERT_SYNC_INTERVAL_MS: "500",
    ALERT_WEBHOOK_RETRY_BASE_MS: "100",
    ALERT_WEBHOOK_TIMEOUT_MS: "1000",
    SMTP_HOST: "127.0.0.1",
    SMTP_PORT: String(smtpPort),
    SMTP_FROM: "LogFlow <alerts@logflow.test>"
  }
}))

const login = async (username: string, password: string) => {
  const body = await json(fetch(`${server().url}/api/v1/auth/login`, { method: "POST", body: new URLSearchParams({ username, password }) }))
  return { authorization: `Bearer ${body.access_token}`, "content-type": "application/json" }
}
const admin = () => login("admin", "admin-password-1")
const api = (path: string, init: RequestInit = {}) => fetch(`${server().url}/api/v1${path}`, init)
const createRule = async (headers: Record<string, string>, rule: Record<string, unknown>) =>
  api("/alerts/rules", { method: "POST", headers, body: JSON.stringify(rule) })
const ingestErrors = async (service: string, count: number) => {
  const lines = Array.from({ length: count }, (_, i) => JSON.stringify({ service, level: "error", message: `payment failed ${i}` })).join("\n")
  const response = await api("/logs", { method: "POST", headers: { "content-type": "application/x-ndjson" }, body: lines })
  expect((await json(response)).accepted).toBe(count)
}
const until = async <A>(read: () => A | Promise<A>, done: (a: A) => boolean, timeoutMs = 10_000) => {
  const deadline = Date.now() + timeoutMs
  let value = await read()
  while (!done(value) && Date.now() < deadline) {
    await Bun.sleep(50)
    value = await read()
  }
  return value
}
const alertsOf = async (ruleId: string) => (await json(api(`/alerts/triggered?rule_id=${ruleId}`))).alerts

describe("alerting end to end", () => {
  test("an error burst is delivered to a webhook, signed; then acknowledged and resolved", async () => {
    const headers = await admin()
    const created = await createRule(headers, {
      name: "Checkout errors",
      condition: "greater_than",
      threshold: 5,
      time_window: 5,
      levels: ["ERROR"],
      services: ["checkout"],
      notification_channel: "webhook",
      notification_config: { url: `${receiver.url}/burst` },
      evaluation_interval: 2,
      cooldown: 0
    })
    expect(created.status).toBe(201)
    const rule = await json(created)
    expect(rule.webhook_secret).toMatch(/^[0-9a-f]{64}$/)

    await ingestErrors("checkout", 8)
    const [delivery] = await until(
      () => receiver.received("/burst"),
      (d) => d.length > 0
    )
    expect(delivery).toBeDefined()
    expect(delivery!.headers.get("x-logflow-signature")).toBe(signature(delivery!.body, rule.webhook_secret))
    expect(delivery!.json).toMatchObject({ event: "alert.firing", value: 8, rule: { id: rule.id, threshold: 5 } })

    const [alert] = await alertsOf(rule.id)
    expect(alert).toMatchObject({ status: "firing", value: 8, rule_name: "Checkout errors" })
    expect(alert.sample_log_ids).toHaveLength(5)
    const sample = await json(api(`/logs/${alert.sample_log_ids[0]}`))
    expect(sample).toMatchObject({ service: "checkout", level: "ERROR" })

    const ack = await api(`/alerts/triggered/${alert.id}/acknowledge`, { method: "POST", headers })
    expect(ack.status).toBe(200)
    expect(await json(ack)).toMatchObject({ status: "acknowledged", acknowledged_by: "admin" })
    const again = await api(`/alerts/triggered/${alert.id}/acknowledge`, { method: "POST", headers })
    expect(again.status).toBe(409)
    expect((await json(again)).message).toContain("acknowledged")

    const resolved = await api(`/alerts/triggered/${alert.id}/resolve`, {
      method: "POST",
      headers,
      body: JSON.stringify({ resolution: "card processor fixed" })
    })
    expect(await json(resolved)).toMatchObject({ status: "resolved", resolved_by: "admin", resolution: "card processor fixed" })
    expect((await api(`/alerts/triggered/${alert.id}/resolve`, { method: "POST", headers })).status).toBe(409)
    expect((await api(`/alerts/triggered/${alert.id}/acknowledge`, { method: "POST" })).status).toBe(401)

    const stats = await json(api(`/alerts/rules/${rule.id}`))
    expect(stats.trigger_count).toBeGreaterThanOrEqual(1)
    expect(stats.last_triggered_at).not.toBeNull()
    expect((await json(api(`/alerts/triggered?status=resolved&rule_id=${rule.id}`))).total).toBe(1)

    const metrics = await (await fetch(`${server().url}/metrics`)).text()
    expect(metrics).toMatch(/^alerts_triggered_total\{rule_name="Checkout errors"\} [1-9]/m)
    expect(metrics).toMatch(/^alerts_checked_total [1-9]/m)
    expect(metrics).toMatch(/^alert_notifications_total\{channel="webhook",outcome="delivered"\} [1-9]/m)
  })

  test("a failing webhook is retried with backoff and every attempt is visible", async () => {
    receiver.failNext("/flaky", [500, 503])
    const rule = await json(
      createRule(await admin(), {
        name: "Flaky target",
        condition: "greater_than_or_equal",
        threshold: 1,
        time_window: 5,
        services: ["flaky"],
        notification_channel: "webhook",
        notification_config: { url: `${receiver.url}/flaky` },
        evaluation_interval: 1
      })
    )
    await ingestErrors("flaky", 1)
    const [alert] = await until(
      () => alertsOf(rule.id),
      (alerts) => alerts.length > 0
    )
    const attempts = await until(
      async () => (await json(api(`/alerts/triggered/${alert.id}/notifications`))).attempts,
      (a: unknown[]) => a.length >= 3
    )
    expect(attempts.map((a: any) => [a.attempt, a.outcome, a.http_status])).toEqual([
      [1, "failed", 500],
      [2, "failed", 503],
      [3, "delivered", 200]
    ])
    expect(receiver.received("/flaky")).toHaveLength(3)
  })

  test("a hanging webhook target delays neither evaluation nor another channel", async () => {
    receiver.hang("/hang")
    const headers = await admin()
    const hanging = await json(
      createRule(headers, {
        name: "Hanging target",
        condition: "greater_than",
        threshold: 0,
        time_window: 5,
        services: ["stuck"],
        notification_channel: "webhook",
        notification_config: { url: `${receiver.url}/hang` },
        evaluation_interval: 1
      })
    )
    const slack = await json(
      createRule(headers, {
        name: "Slack errors",
        condition: "greater_than",
        threshold: 0,
        time_window: 5,
        services: ["stuck"],
        notification_channel: "slack",
        notification_config: { url: `${receiver.url}/slack` },
        evaluation_interval: 1
      })
    )
    await ingestErrors("stuck", 2)
    const [message] = await until(
      () => receiver.received("/slack"),
      (d) => d.length > 0
    )
    expect(message!.json.text).toContain("[FIRING] Slack errors")
    expect(message!.json.blocks[0]).toMatchObject({ type: "header" })
    expect(receiver.received("/hang").length).toBeGreaterThan(0)

    // The hanging rule keeps being evaluated every second while its notification waits.
    const first = (await json(api(`/alerts/rules/${hanging.id}`))).last_evaluated_at
    const later = await until(
      async () => (await json(api(`/alerts/rules/${hanging.id}`))).last_evaluated_at,
      (t) => t !== first,
      5_000
    )
    expect(later).not.toBe(first)
    expect(slack.id).not.toBe(hanging.id)
    reportFault({ fault: "webhook target hangs", outcome: "its rule still evaluated every second; the Slack rule's message delivered meanwhile" })
  })

  test("email notifications reach a real SMTP server", async () => {
    const rule = await json(
      createRule(await admin(), {
        name: "Mail me",
        condition: "greater_than",
        threshold: 2,
        time_window: 5,
        levels: ["error"],
        services: ["mailer"],
        notification_channel: "email",
        notification_config: { to: ["oncall@example.com"] },
        evaluation_interval: 1
      })
    )
    expect(rule.notification_config).toEqual({ to: ["oncall@example.com"] })
    await ingestErrors("mailer", 3)
    const [mail] = await until(
      () => mails.filter((m) => m.to.includes("oncall@example.com")),
      (m) => m.length > 0
    )
    expect(mail!.data).toContain("Subject: [FIRING] Mail me: 3 > 2 logs in 5 min")
    expect(mail!.data).toContain("From: LogFlow <alerts@logflow.test>")
  })

  test("rules are validated field by field, webhooks cannot target the internal network, and only owners or admins change them", async () => {
    const headers = await admin()
    const base = { name: "r", condition: "greater_than", threshold: 1, time_window: 5 }
    const problem = async (rule: Record<string, unknown>) => {
      const response = await createRule(headers, rule)
      return { status: response.status, message: (await json(response)).message as string }
    }
    expect(await problem({ ...base, levels: ["LOUD"] })).toEqual({ status: 400, message: expect.stringMatching(/^levels: unknown level 'LOUD'/) })
    expect(await problem({ ...base, time_window: -5 })).toEqual({ status: 400, message: expect.stringMatching(/^time_window:/) })
    expect(await problem({ ...base, condition: "about" })).toEqual({ status: 400, message: expect.stringMatching(/^condition:/) })
    expect(await problem({ ...base, notification_channel: "webhook" })).toEqual({ status: 400, message: expect.stringMatching(/^notification_config\.url:/) })
    expect(await problem({ ...base, notification_channel: "webhook", notification_config: { url: "http://169.254.169.254/latest/meta-data" } })).toEqual({
      status: 400,
      message: expect.stringContaining("private or loopback")
    })
    expect(await problem({ ...base, notification_channel: "slack", notification_config: { url: "http://10.1.2.3/hook" } })).toEqual({
      status: 400,
      message: expect.stringMatching(/^notification_config\.url: .*10\.1\.2\.3/)
    })
    expect(await problem({ ...base, query: "status:[500 TO" })).toEqual({ status: 400, message: expect.stringMatching(/^query: syntax error at position \d+/) })
    expect(await problem({ ...base, notification_channel: "email", notification_config: { to: ["not an address"] } })).toEqual({
      status: 400,
      message: expect.stringMatching(/^notification_config\.to:/)
    })
    expect((await api("/alerts/rules", { method: "POST", body: JSON.stringify(base), headers: { "content-type": "application/json" } })).status).toBe(401)

    const rule = await json(
      createRule(headers, {
        ...base,
        name: "Admin's rule",
        notification_channel: "webhook",
        notification_config: { url: `${receiver.url}/secret-path` },
        is_active: false
      })
    )
    expect(
      (
        await api("/auth/register", {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ username: "mallory", email: "m@example.com", password: "mallory-password" })
        })
      ).status
    ).toBe(201)
    const mallory = await login("mallory", "mallory-password")
    expect((await api(`/alerts/rules/${rule.id}`, { method: "PUT", headers: mallory, body: JSON.stringify({ threshold: 1000 }) })).status).toBe(403)
    expect((await api(`/alerts/rules/${rule.id}`, { method: "DELETE", headers: mallory })).status).toBe(403)
    expect((await api(`/alerts/rules/${rule.id}/snooze`, { method: "POST", headers: mallory, body: JSON.stringify({ minutes: 5 }) })).status).toBe(403)

    // Others see where a rule notifies, not the secret URL or the signing secret.
    const seen = await json(api(`/alerts/rules/${rule.id}`))
    expect(seen.notification_config.url).toBe(`${receiver.url}/…`)
    expect(seen.webhook_secret).toBeUndefined()
    expect((await json(api(`/alerts/rules/${rule.id}`, { headers }))).notification_config.url).toBe(`${receiver.url}/secret-path`)
    expect((await json(api("/alerts/rules?is_active=false"))).map((r: { id: string }) => r.id)).toContain(rule.id)

    const changed = await json(api(`/alerts/rules/${rule.id}`, { method: "PUT", headers, body: JSON.stringify({ threshold: 10, description: "now ten" }) }))
    expect(changed).toMatchObject({ threshold: 10, description: "now ten", name: "Admin's rule", condition: "greater_than" })
    expect((await api(`/alerts/rules/${rule.id}`, { method: "PUT", headers, body: JSON.stringify({ cooldown: -1 }) })).status).toBe(400)

    const snoozed = await json(api(`/alerts/rules/${rule.id}/snooze`, { method: "POST", headers, body: JSON.stringify({ minutes: 30 }) }))
    expect(Date.parse(snoozed.snoozed_until) - Date.now()).toBeGreaterThan(29 * 60_000)
    expect((await api(`/alerts/rules/${rule.id}/snooze`, { method: "POST", headers, body: JSON.stringify({ until: "2000-01-01T00:00:00Z" }) })).status).toBe(
      400
    )
    expect((await json(api(`/alerts/rules/${rule.id}/snooze`, { method: "DELETE", headers }))).snoozed_until).toBeNull()

    expect((await api(`/alerts/rules/${rule.id}`, { method: "DELETE", headers })).status).toBe(204)
    expect((await api(`/alerts/rules/${rule.id}`)).status).toBe(404)
    expect((await api("/alerts/triggered?status=exploded")).status).toBe(400)
  })
})
