import { createHmac } from "node:crypto"
import { CONDITION_SYMBOLS, isPatternCondition } from "../domain/alert-rule.ts"
import type { Notification, NotificationEvent } from "../domain/notification.ts"

/** A notification as each channel words it: headline, links, webhook body, Slack and email text. */

const STATE: Record<NotificationEvent, string> = { firing: "FIRING", repeat: "STILL FIRING", resolved: "RESOLVED", flapping: "FLAPPING" }

/** What a pattern alert says of its template: `new pattern "Disk full on <PATH>" (payment): 57 logs in 5 min`. */
const patternSummary = ({ rule, alert }: Notification) => {
  const pattern = alert.pattern
  if (pattern === null) return `no pattern ${rule.condition === "new_pattern" ? "is new" : "spikes"} in ${rule.time_window} min`
  const named = `"${pattern.template}" (${pattern.service})`
  return rule.condition === "new_pattern"
    ? `new pattern ${named}: ${alert.value} logs in ${rule.time_window} min`
    : `pattern ${named} at ${alert.value}× its rate of the previous ${rule.baseline} min`
}

/** `[FIRING] Payment errors: 57 > 50 logs in 5 min` */
export const headline = (n: Notification) =>
  isPatternCondition(n.rule.condition)
    ? `[${STATE[n.event]}] ${n.rule.name}: ${patternSummary(n)}`
    : `[${STATE[n.event]}] ${n.rule.name}: ${n.alert.value} ${CONDITION_SYMBOLS[n.rule.condition]} ${n.rule.threshold} logs in ${n.rule.time_window} min`

export const links = ({ rule, alert }: Notification, publicUrl: string) => {
  const search = new URLSearchParams({ from: `now-${rule.time_window}m` })
  // A pattern alert links to its template's records; the rule's query filters templates, not records.
  if (alert.pattern) search.set("query", alert.pattern.search)
  else if (rule.query) search.set("query", rule.query)
  if (alert.pattern) search.set("service", alert.pattern.service)
  else if (rule.services.length) search.set("service", rule.services.join(","))
  if (rule.levels.length) search.set("level", rule.levels.join(","))
  return {
    alert: `${publicUrl}/api/v1/alerts/triggered/${alert.id}`,
    rule: `${publicUrl}/api/v1/alerts/rules/${rule.id}`,
    logs: `${publicUrl}/api/v1/logs/search?${search}`
  }
}

/** The webhook body: the rule, the alert, the value and links to look further. */
export const webhookPayload = (n: Notification, publicUrl: string) => ({
  event: `alert.${n.event}`,
  summary: headline(n),
  sent_at: n.at,
  value: n.alert.value,
  rule: {
    id: n.rule.id,
    name: n.rule.name,
    description: n.rule.description,
    condition: n.rule.condition,
    threshold: n.rule.threshold,
    time_window: n.rule.time_window,
    baseline: n.rule.baseline,
    services: n.rule.services,
    levels: n.rule.levels,
    query: n.rule.query
  },
  alert: n.alert,
  links: links(n, publicUrl)
})

/** `X-LogFlow-Signature: sha256=<hex HMAC-SHA256 of the raw body with the rule's secret>` */
export const signature = (body: string, secret: string) => `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`

/** Slack's incoming-webhook format: a fallback `text` and Block Kit blocks. */
export const slackMessage = (n: Notification, publicUrl: string) => {
  const to = links(n, publicUrl)
  const samples = n.alert.sample_log_ids
    .slice(0, 5)
    .map((id) => `\`${id}\``)
    .join(", ")
  return {
    text: headline(n),
    blocks: [
      { type: "header", text: { type: "plain_text", text: headline(n).slice(0, 150) } },
      {
        type: "section",
        fields: [
          { type: "mrkdwn", text: `*Value*\n${n.alert.value}` },
          { type: "mrkdwn", text: `*Condition*\n${CONDITION_SYMBOLS[n.rule.condition]} ${n.rule.threshold} in ${n.rule.time_window} min` },
          { type: "mrkdwn", text: `*Services*\n${n.rule.services.join(", ") || "all"}` },
          { type: "mrkdwn", text: `*Levels*\n${n.rule.levels.join(", ") || "all"}` }
        ]
      },
      ...(samples ? [{ type: "context", elements: [{ type: "mrkdwn", text: `Sample logs: ${samples}` }] }] : []),
      { type: "section", text: { type: "mrkdwn", text: `<${to.logs}|Matching logs> · <${to.alert}|Alert> · <${to.rule}|Rule>` } }
    ]
  }
}

export const emailMessage = (n: Notification, publicUrl: string) => {
  const to = links(n, publicUrl)
  return {
    subject: headline(n),
    text: [
      headline(n),
      "",
      n.rule.description ?? "",
      `Value: ${n.alert.value} (threshold ${CONDITION_SYMBOLS[n.rule.condition]} ${n.rule.threshold} over ${n.rule.time_window} min)`,
      `Services: ${n.rule.services.join(", ") || "all"}; levels: ${n.rule.levels.join(", ") || "all"}`,
      `Triggered at: ${n.alert.triggered_at}`,
      n.alert.sample_log_ids.length ? `Sample logs: ${n.alert.sample_log_ids.join(", ")}` : "",
      "",
      `Matching logs: ${to.logs}`,
      `Alert: ${to.alert}`
    ]
      .filter((line, i, all) => line !== "" || all[i - 1] !== "")
      .join("\n")
  }
}
