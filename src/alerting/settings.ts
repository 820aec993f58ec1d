import { z } from "zod"
import { bool, int, settingsSection } from "../settings.ts"

export const alertingSettings = settingsSection("Alerting", "The alert engine and its notification channels.", {
  ALERTING_ENABLED: bool.default(true).describe("Run the alert engine in this process (roles `all` and `alerting`)."),
  ALERT_SYNC_INTERVAL_MS: int(100, 600_000)
    .default(5_000)
    .describe("How often the engine reloads rules (changes made by other processes) and renews its leader lease."),
  ALERT_LEADER_LEASE_MS: int(1_000, 3_600_000)
    .default(20_000)
    .describe("A leader that has not renewed its lease for this long is replaced by another alerting process."),
  ALERT_FLAP_THRESHOLD: int(2, 1_000).default(6).describe("A rule that flips between firing and clear more often than this in an hour is flapping."),
  ALERT_NOTIFIER_MAILBOX: int(1, 100_000)
    .default(100)
    .describe("Pending notifications per channel; beyond it, a rule's pending notification is replaced by its newer one."),
  ALERT_WEBHOOK_TIMEOUT_MS: int(100, 60_000).default(5_000).describe("Longest wait for a webhook or Slack endpoint to answer one attempt."),
  ALERT_WEBHOOK_MAX_ATTEMPTS: int(1, 20)
    .default(4)
    .describe("Attempts per webhook or Slack notification, with exponential backoff from ALERT_WEBHOOK_RETRY_BASE_MS."),
  ALERT_WEBHOOK_RETRY_BASE_MS: int(10, 600_000).default(1_000).describe("Wait before the second attempt; doubled for each further one."),
  ALERT_WEBHOOK_ALLOWED_HOSTS: z
    .string()
    .max(4096)
    .default("")
    .describe(
      "Webhook hosts allowed even though they are private or loopback addresses (comma-separated host names, IP addresses or CIDR ranges; `*` allows all). Rules are user input, so by default they cannot reach the internal network."
    ),
  PUBLIC_URL: z.url().optional().describe("Base URL of this LogFlow as users reach it, for links in notifications."),
  SMTP_HOST: z.string().min(1).optional().describe("SMTP server for email notifications; the email channel is refused while it is unset."),
  SMTP_PORT: int(1, 65535).default(587).describe("SMTP port."),
  SMTP_SECURE: bool.default(false).describe("`true`: TLS from the first byte (port 465); otherwise STARTTLS when the server offers it."),
  SMTP_USER: z.string().min(1).optional().describe("SMTP user, when the server wants authentication."),
  SMTP_PASSWORD: z.string().optional().describe("SMTP password."),
  SMTP_FROM: z.string().min(3).default("LogFlow <logflow@localhost>").describe("Sender of notification emails.")
})
