import { expect, test } from "bun:test"
import { counterValue } from "../support/ingest.ts"
import { json, useServer } from "../support/server-process.ts"

/** ATTRIBUTES_PER_RECORD bounds what one record may carry, in every protocol: past it that record is refused, naming the limit, and the rest of its batch is stored. */

const LIMIT = 20
const server = useServer(() => ({ env: { ATTRIBUTES_PER_RECORD: String(LIMIT) } }))

const attributes = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, `v${i}`]))
const otlpAttributes = (n: number) => Array.from({ length: n }, (_, i) => ({ key: `k${i}`, value: { stringValue: `v${i}` } }))
const nanos = () => `${Date.now()}000000`

const BODIES = {
  json: (service: string) => ({
    path: "/api/v1/logs",
    contentType: "application/x-ndjson",
    body: [
      { service, message: "fits", attributes: attributes(LIMIT) },
      { service, message: "too wide", attributes: attributes(LIMIT + 1) }
    ]
      .map((r) => JSON.stringify(r))
      .join("\n")
  }),
  bulk: (service: string) => ({
    path: "/_bulk",
    contentType: "application/x-ndjson",
    body: `{"create":{"_index":"${service}"}}\n${JSON.stringify({ message: "fits", ...attributes(LIMIT - 3) })}\n{"create":{"_index":"${service}"}}\n${JSON.stringify({ message: "too wide", ...attributes(LIMIT + 5) })}\n`
  }),
  loki: (service: string) => ({
    path: "/loki/api/v1/push",
    contentType: "application/json",
    body: JSON.stringify({
      streams: [
        {
          stream: { service_name: service },
          values: [
            [nanos(), "fits", attributes(LIMIT - 1)],
            [nanos(), "too wide", attributes(LIMIT + 1)]
          ]
        }
      ]
    })
  }),
  otlp: (service: string) => ({
    path: "/v1/logs",
    contentType: "application/json",
    body: JSON.stringify({
      resourceLogs: [
        {
          resource: { attributes: [{ key: "service.name", value: { stringValue: service } }] },
          scopeLogs: [
            {
              logRecords: [
                { timeUnixNano: nanos(), body: { stringValue: "fits" }, attributes: otlpAttributes(5) },
                { timeUnixNano: nanos(), body: { stringValue: "too wide" }, attributes: otlpAttributes(LIMIT + 1) }
              ]
            }
          ]
        }
      ]
    })
  })
} as const

test.each(Object.keys(BODIES) as Array<keyof typeof BODIES>)(
  "%s: a record past ATTRIBUTES_PER_RECORD is refused naming the limit; the other is stored",
  async (protocol) => {
    const service = `wide-${protocol}`
    const { path, contentType, body } = BODIES[protocol](service)
    const rejectedBefore = await counterValue(server().url, "ingest_records_total", { protocol, result: "rejected" })
    const response = await fetch(`${server().url}${path}`, { method: "POST", headers: { "content-type": contentType }, body })
    expect(response.status).toBeLessThan(500)
    const answer = await response.text()
    expect(answer).toContain("ATTRIBUTES_PER_RECORD")
    const found = await json(fetch(`${server().url}/api/v1/logs/search?query=${encodeURIComponent(`service:${service}`)}`))
    expect(found.logs.map((l: { message: string }) => l.message)).toEqual(["fits"])
    expect(await counterValue(server().url, "ingest_records_total", { protocol, result: "rejected" })).toBe(rejectedBefore + 1)
  }
)
