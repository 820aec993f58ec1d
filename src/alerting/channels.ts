import { Layer } from "effect"
import nodemailer from "nodemailer"
import type { Config } from "../config.ts"
import { writeLogLine } from "../log-line.ts"
import type { Channel } from "../domain/alert-rule.ts"
import { type DeliveryResult, NotificationSenders, type Sender } from "../ports/notification-senders.ts"
import type { Notification } from "../domain/notification.ts"
import { emailMessage, headline, signature, slackMessage, webhookPayload } from "./notification.ts"
import { postPinned } from "./pinned-post.ts"
import { checkTarget, parseAllowList } from "./ssrf-guard.ts"

/** The NotificationSenders port: console, webhook and Slack over HTTP, email over SMTP. */

const delivered = (http_status: number | null = null): DeliveryResult => ({ outcome: "delivered", http_status, error: null, retryable: false })

const describe = (e: unknown) =>
  e instanceof Error && (e.name === "TimeoutError" || e.name === "AbortError") ? "timed out" : e instanceof Error ? e.message : String(e)

/**
 * POSTs JSON to the rule's URL, after checking where the URL points now, to the address that
 * was checked; redirects are not followed.
 */
const httpSender = (config: Config, body: (n: Notification) => string, headers: (n: Notification, body: string) => Record<string, string>): Sender => {
  const allow = parseAllowList(config.ALERT_WEBHOOK_ALLOWED_HOSTS)
  return async (n) => {
    const target = await checkTarget(String(n.rule.notification_config.url), allow)
    if (typeof target === "string") return { outcome: "refused", http_status: null, error: `notification_config.url: ${target}`, retryable: false }
    const text = body(n)
    try {
      const status = await postPinned(
        target,
        text,
        { "content-type": "application/json", "user-agent": "LogFlow-Alerts", ...headers(n, text) },
        config.ALERT_WEBHOOK_TIMEOUT_MS
      )
      if (status >= 200 && status < 300) return delivered(status)
      const retryable = status >= 500 || status === 408 || status === 429
      return { outcome: "failed", http_status: status, error: `HTTP ${status}`, retryable }
    } catch (e) {
      return { outcome: "failed", http_status: null, error: describe(e), retryable: true }
    }
  }
}

const webhookSender = (config: Config) =>
  httpSender(
    config,
    (n) => JSON.stringify(webhookPayload(n, config.publicUrl)),
    (n, body) => ({
      "x-logflow-event": `alert.${n.event}`,
      "x-logflow-delivery": `${n.alert.id}:${n.event}:${n.at}`,
      ...(n.rule.webhook_secret ? { "x-logflow-signature": signature(body, n.rule.webhook_secret) } : {})
    })
  )

const slackSender = (config: Config) =>
  httpSender(
    config,
    (n) => JSON.stringify(slackMessage(n, config.publicUrl)),
    () => ({})
  )

/** A structured log line on the server's output (development, or a log-shipping sidecar). */
const consoleSender: Sender = async (n) => {
  writeLogLine(n.event === "resolved" ? "INFO" : "WARN", headline(n), {
    alert_event: n.event,
    alert_id: n.alert.id,
    rule_id: n.rule.id,
    rule_name: n.rule.name,
    value: n.alert.value,
    threshold: n.rule.threshold
  })
  return delivered()
}

const emailSender = (config: Config): Sender => {
  const transport = nodemailer.createTransport({
    host: config.SMTP_HOST,
    port: config.SMTP_PORT,
    secure: config.SMTP_SECURE,
    ...(config.SMTP_USER ? { auth: { user: config.SMTP_USER, pass: config.SMTP_PASSWORD ?? "" } } : {}),
    connectionTimeout: config.ALERT_WEBHOOK_TIMEOUT_MS,
    greetingTimeout: config.ALERT_WEBHOOK_TIMEOUT_MS,
    socketTimeout: config.ALERT_WEBHOOK_TIMEOUT_MS
  })
  return async (n) => {
    try {
      const to = n.rule.notification_config.to as string[]
      await transport.sendMail({ from: config.SMTP_FROM, to, ...emailMessage(n, config.publicUrl) })
      return delivered()
    } catch (e) {
      // SMTP 5xx replies are permanent (unknown mailbox, refused); anything else may pass later.
      const code = (e as { responseCode?: number }).responseCode
      return { outcome: "failed", http_status: null, error: describe(e), retryable: code === undefined || code < 500 }
    }
  }
}

/** The senders this configuration can use; email only when SMTP is configured. */
export const makeSenders = (config: Config): Partial<Record<Channel, Sender>> => ({
  console: consoleSender,
  webhook: webhookSender(config),
  slack: slackSender(config),
  ...(config.SMTP_HOST ? { email: emailSender(config) } : {})
})

export const NotificationSendersLive = (config: Config) => Layer.succeed(NotificationSenders, makeSenders(config))
