import { z } from "zod"
import { bool, int, settingsSection } from "../settings.ts"

export const serverSettings = settingsSection("Server", "The process: its HTTP API, data directory and shutdown.", {
  LOGFLOW_ENV: z
    .enum(["development", "production", "test"])
    .default("development")
    .describe(
      "`production` refuses default secrets and plain-text or unverified connections to engines beyond loopback, and turns authentication on by default; `test` is for the test suite."
    ),
  ALLOW_INSECURE_ENGINES: bool
    .default(false)
    .describe(
      "In production, accept plain-text connections to Kafka, Elasticsearch, OpenSearch, PostgreSQL or Redis beyond loopback, and `…_REJECT_UNAUTHORIZED=false`, with a warning at start-up (e.g. a private network you trust)."
    ),
  LOG_LEVEL: z.enum(["debug", "info", "warning", "error"]).default("info").describe("Lowest level of LogFlow's own log lines (JSON on stdout)."),
  API_HOST: z.string().min(1).default("0.0.0.0").describe("Address the HTTP API listens on."),
  API_PORT: int(0, 65535).default(8000).describe("Port of the HTTP API and the web console (0: any free port)."),
  DATA_DIR: z
    .string()
    .min(1)
    .default("./data")
    .describe("Directory of the embedded log store (`logs.db`) and, without PostgreSQL, the metadata store (`meta.db`)."),
  SHUTDOWN_TIMEOUT_MS: int(100, 600_000)
    .default(10_000)
    .describe("Deadline for a graceful stop on SIGTERM/SIGINT (mailboxes drained, offsets committed); a process still running then exits with status 1."),
  CORS_ORIGINS: z
    .string()
    .max(4096)
    .default("")
    .describe("Browser origins allowed to call the API (comma-separated, or `*`); none by default (same origin only)."),
  TLS_CERT_FILE: z.string().min(1).optional().describe("Serve HTTPS with this certificate (PEM file); set with TLS_KEY_FILE."),
  TLS_KEY_FILE: z.string().min(1).optional().describe("The private key (PEM file) for TLS_CERT_FILE."),
  TRUST_PROXY: bool.default(false).describe("Believe X-Forwarded-For for the client address (only behind a proxy you run).")
})
