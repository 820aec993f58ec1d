import { LogSynthesizer, SERVICE_NAMES } from "../../src/generator/synthesis.ts"

/** Stands for the send time in bodies made with `live` timestamps; as long as an ISO-8601 time. */
export const SEND_TIME = "@send-time-of-the-request@"

/**
 * `count` NDJSON bodies of `batch` synthetic records each. Timestamps are spread over the last
 * hour, or, with `live`, are SEND_TIME, for the sender to replace with the time it sends the
 * body (as a shipper sends what was just logged), so that replayed bodies are not old news.
 */
export const ndjsonBodies = (count: number, batch: number, options: { readonly live?: boolean } = {}): string[] => {
  const synth = new LogSynthesizer(SERVICE_NAMES.slice(0, 8))
  const start = Date.now() - 3_600_000
  return Array.from({ length: count }, (_, b) => {
    let body = ""
    for (let i = 0; i < batch; i++) {
      const record = synth.next(start + (b * batch + i) * 3)
      body += `${JSON.stringify(options.live ? { ...record, timestamp: SEND_TIME } : record)}\n`
    }
    return body
  })
}

/** The body as sent now: SEND_TIME replaced by the current time. */
export const sentNow = (body: string) => body.replaceAll(SEND_TIME, new Date().toISOString())
