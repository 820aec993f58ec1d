import { z } from "zod"
import { int, MiB, settingsSection } from "../settings.ts"

/**
 * The field lists are written out here rather than imported from the mapping itself, because a
 * settings file may import nothing of LogFlow's; a unit test checks both say the same.
 */
const fieldList = (field: string, defaults: string, formerly: string | undefined, note = "") =>
  z
    .string()
    .min(1)
    .max(1024)
    .default(defaults)
    .describe(
      `Document keys that give a record its ${field}, comma-separated, the first present wins (JSON API, \`_bulk\`, JSON Loki lines, Fluent forward).${note}${formerly ? ` Formerly \`${formerly}\`, which is still read when this is unset.` : ""}`
    )

export const ingestSettings = settingsSection(
  "Ingest",
  "What every ingest protocol shares: body size, waiting for room and for the commit, free disk, field mapping.",
  {
    INGEST_MAX_BODY_BYTES: int(1024, 1024 * MiB)
      .default(10 * MiB)
      .describe("Largest ingest request body, after gzip is inflated; larger bodies get 413."),
    INGEST_ENQUEUE_TIMEOUT_MS: int(1, 600_000).default(5_000).describe("Longest wait for room in the pipeline before ingest answers 503 with Retry-After."),
    INGEST_COMMIT_TIMEOUT_MS: int(1, 600_000).default(30_000).describe("Longest wait for the commit of queued records before ingest answers 503."),
    ATTRIBUTES_PER_RECORD: int(1, 10_000)
      .default(256)
      .describe(
        "Most attributes one record may carry (after nested keys are flattened); a record with more is rejected with an error naming this limit, the rest of its batch is stored."
      ),
    DISK_MIN_FREE_MB: int(0, 10_000_000).default(512).describe("Ingest answers 507 once the data directory's file system has less free space than this."),
    LOG_FIELD_TIMESTAMP: fieldList("event time", "@timestamp,timestamp,time,ts,ISODATE", "ES_FIELD_TIMESTAMP"),
    LOG_FIELD_MESSAGE: fieldList("message", "message,msg,MESSAGE,log", "ES_FIELD_MESSAGE"),
    LOG_FIELD_LEVEL: fieldList(
      "level",
      "log.level,level,severity,severity_text,detected_level,syslog.severity,PRIORITY",
      "ES_FIELD_LEVEL",
      " A number is a pino/bunyan level (10–60), or a syslog severity (0–7) under a key ending in `severity` or `priority`."
    ),
    LOG_FIELD_SERVICE: fieldList(
      "service",
      "service.name,service,app,appname,programname,syslogtag,PROGRAM,kubernetes.labels.app.kubernetes.io/name,kubernetes.labels.app,kubernetes.container_name,kubernetes.container.name,name",
      "ES_FIELD_SERVICE",
      " A key named `syslogtag` is read as a syslog tag (`web[42]:` gives `web`)."
    ),
    LOG_FIELD_HOST: fieldList("host", "host.name,host.hostname,host,hostname,HOST,kubernetes.host", "ES_FIELD_HOST"),
    LOG_FIELD_TRACE_ID: fieldList("trace id", "trace.id,trace_id,traceId", undefined),
    LOG_FIELD_SPAN_ID: fieldList("span id", "span.id,span_id,spanId", undefined)
  }
)

/** Variables renamed since they were introduced: the old name is read when the new one is unset. */
export const RENAMED_INGEST_VARIABLES: Readonly<Record<string, string>> = {
  ES_FIELD_TIMESTAMP: "LOG_FIELD_TIMESTAMP",
  ES_FIELD_MESSAGE: "LOG_FIELD_MESSAGE",
  ES_FIELD_LEVEL: "LOG_FIELD_LEVEL",
  ES_FIELD_SERVICE: "LOG_FIELD_SERVICE",
  ES_FIELD_HOST: "LOG_FIELD_HOST"
}
