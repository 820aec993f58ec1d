import { tmpdir } from "node:os"
import { join } from "node:path"
import { gzipSync } from "node:zlib"
import { describe, expect, test } from "bun:test"
import { createLogger, format } from "winston"
import LokiTransport from "winston-loki"
import { counterValue, createIngestKey, eventually, searchLogs } from "../support/ingest.ts"
import { expectShipped, nodePresent, runClient } from "../support/node-clients.ts"
import { requireProgram } from "../support/programs.ts"
import { useServer } from "../support/server-process.ts"

const server = useServer(() => ({ env: { REQUIRE_AUTH_FOR_INGEST: "true" } }))

const curlPath = Bun.which("curl") ?? undefined

/** Pushes with curl, as the Loki documentation shows; returns the status code and body. */
const curl = async (args: ReadonlyArray<string>): Promise<{ status: number; body: string }> => {
  const proc = Bun.spawn([curlPath!, "-sS", "-o", "-", "-w", "\n%{http_code}", ...args], { stdout: "pipe", stderr: "pipe" })
  const out = await new Response(proc.stdout).text()
  if ((await proc.exited) !== 0) throw new Error(`curl failed: ${await new Response(proc.stderr).text()}`)
  const cut = out.lastIndexOf("\n")
  return { status: Number(out.slice(cut + 1)), body: out.slice(0, cut) }
}
const push = (key: string, body: string, contentType = "application/json") =>
  curl(["-X", "POST", `${server().url}/loki/api/v1/push`, "-H", `Content-Type: ${contentType}`, "-H", `X-API-Key: ${key}`, "--data-binary", body])

const ns = (iso: string) => `${Date.parse(iso)}000000`

describe("Loki push API driven by curl", () => {
  const present = requireProgram("curl", curlPath, "apt-get install curl")

  test.skipIf(!present)("stream labels become service, level, host and attributes; structured metadata is kept", async () => {
    const key = await createIngestKey(server().url)
    const response = await push(
      key,
      JSON.stringify({
        streams: [
          {
            stream: { service_name: "loki-checkout", level: "error", host: "web-9", env: "prod", cluster: "eu-1" },
            values: [
              [ns("2026-11-29T10:00:00.250Z"), "payment failed for order 42", { trace_id: "5b8efff798038103d269b633813fc60c", order_id: "42" }],
              [ns("2026-11-29T10:00:01Z"), "retry scheduled"]
            ]
          },
          { stream: { job: "loki-cron" }, values: [[ns("2026-11-29T10:00:02Z"), "nightly job done"]] }
        ]
      })
    )
    expect(response).toEqual({ status: 204, body: "" })
    const logs = await searchLogs(server().url, { service: "loki-checkout" })
    expect(logs.map((l) => [l.level, l.message, l.timestamp, l.host])).toEqual([
      ["ERROR", "retry scheduled", "2026-11-29T10:00:01.000Z", "web-9"],
      ["ERROR", "payment failed for order 42", "2026-11-29T10:00:00.250Z", "web-9"]
    ])
    expect(logs[1]).toMatchObject({ trace_id: "5b8efff798038103d269b633813fc60c", attributes: { env: "prod", cluster: "eu-1", order_id: "42" } })
    expect((await searchLogs(server().url, { service: "loki-cron" })).map((l) => [l.level, l.message])).toEqual([["INFO", "nightly job done"]])
    expect((await searchLogs(server().url, { query: "env:prod cluster:eu-1", service: "loki-checkout" })).length).toBe(2)
  })

  test.skipIf(!present)("a level in structured metadata (where current Loki appenders put it) sets the level; the rest become attributes", async () => {
    const key = await createIngestKey(server().url)
    const response = await push(
      key,
      JSON.stringify({
        streams: [
          {
            stream: { service_name: "loki-meta", host_name: "web-2" },
            values: [
              [ns("2026-11-29T11:00:00Z"), "disk almost full", { level: "WARN", detected_level: "warn", mount: "/var" }],
              [ns("2026-11-29T11:00:01Z"), "disk full", { severity: "2" }],
              [ns("2026-11-29T11:00:02Z"), JSON.stringify({ level: 50, msg: "write failed", path: "/var/x" })]
            ]
          }
        ]
      })
    )
    expect(response.status).toBe(204)
    const logs = await searchLogs(server().url, { service: "loki-meta" })
    expect(logs.map((l) => [l.level, l.message, l.host])).toEqual([
      ["ERROR", "write failed", "web-2"],
      ["FATAL", "disk full", "web-2"],
      ["WARN", "disk almost full", "web-2"]
    ])
    // detected_level lost to level, so it stays an attribute.
    expect(logs[2].attributes).toEqual({ mount: "/var", detected_level: "warn" })
    expect(logs[0].attributes).toEqual({ path: "/var/x" })
  })

  test.skipIf(!present)("gzip bodies are accepted; a bad entry is rejected alone and reported", async () => {
    const key = await createIngestKey(server().url)
    const counted = (result: string) => counterValue(server().url, "ingest_records_total", { protocol: "loki", result })
    const [rejectedBefore, acceptedBefore] = [await counted("rejected"), await counted("accepted")]
    const path = join(tmpdir(), `logflow-loki-push-${process.pid}.json.gz`)
    await Bun.write(
      path,
      gzipSync(
        JSON.stringify({
          streams: [
            {
              stream: { app: "loki-partial" },
              values: [
                [ns("2026-11-29T11:00:00Z"), "kept"],
                ["yesterday", "refused"],
                [ns("2026-11-29T11:00:01Z"), 42]
              ]
            }
          ]
        })
      )
    )
    try {
      const response = await curl([
        "-X",
        "POST",
        `${server().url}/loki/api/v1/push`,
        "-H",
        "Content-Type: application/json",
        "-H",
        "Content-Encoding: gzip",
        "-H",
        `Authorization: Basic ${Buffer.from(`tenant:${key}`).toString("base64")}`,
        "--data-binary",
        `@${path}`
      ])
      expect(response.status).toBe(200)
      expect(JSON.parse(response.body)).toEqual({
        accepted: 1,
        rejected: 2,
        errors: [
          { line: 2, path: "streams[0].values[1]", message: "timestamp must be a string of nanoseconds since the epoch" },
          { line: 3, path: "streams[0].values[2]", message: "the log line must be a string" }
        ]
      })
    } finally {
      await Bun.file(path).delete()
    }
    expect((await searchLogs(server().url, { service: "loki-partial" })).map((l) => l.message)).toEqual(["kept"])
    expect(await counted("rejected")).toBe(rejectedBefore + 2)
    expect(await counted("accepted")).toBe(acceptedBefore + 1)
  })

  test.skipIf(!present)("the same auth and input errors as /api/v1/logs", async () => {
    const key = await createIngestKey(server().url)
    const one = JSON.stringify({ streams: [{ stream: { app: "x" }, values: [[ns("2026-11-29T11:00:00Z"), "x"]] }] })
    expect((await curl(["-X", "POST", `${server().url}/loki/api/v1/push`, "-H", "Content-Type: application/json", "--data-binary", one])).status).toBe(401)
    const none = await push(key, JSON.stringify({ streams: [{ stream: { app: "x" }, values: [["1", 1]] }] }))
    expect(none.status).toBe(400)
    expect(JSON.parse(none.body).message).toBe("streams[0].values[0]: the log line must be a string")
    expect((await push(key, '{"streams": 1}')).status).toBe(400)
    expect((await push(key, one, "text/plain")).status).toBe(415)
  })
})

describe("Loki push from winston-loki, a Loki client library", () => {
  /** Logs three lines through winston with the Loki transport and waits until they are sent. */
  const ship = async (json: boolean, service: string, key: string) => {
    const errors: unknown[] = []
    const transport = new LokiTransport({
      host: server().url,
      json,
      basicAuth: `tenant:${key}`,
      labels: { service_name: service, env: "prod" },
      replaceTimestamp: false,
      gracefulShutdown: false,
      interval: 0.2,
      format: format.printf((info) => String(info.message)),
      onConnectionError: (e: unknown) => errors.push(e)
    })
    // The encoding the client chose (it falls back to JSON when it cannot load snappy).
    expect((transport as unknown as { batcher: { contentType: string } }).batcher.contentType).toBe(json ? "application/json" : "application/x-protobuf")
    const logger = createLogger({ transports: [transport] })
    logger.error("payment failed for order 42", { timestamp: "2026-11-29T10:00:00.250Z" })
    logger.warn("retrying payment", { timestamp: "2026-11-29T10:00:01.000Z" })
    logger.info("payment accepted", { timestamp: "2026-11-29T10:00:02.000Z" })
    await Bun.sleep(50)
    await transport.flush()
    logger.close()
    expect(errors).toEqual([])
  }
  const expectShipped = async (service: string) => {
    const logs = await eventually(
      () => searchLogs(server().url, { service }),
      (l) => l.length >= 3
    )
    expect(logs.map((l) => [l.level, l.message, l.timestamp])).toEqual([
      ["INFO", "payment accepted", "2026-11-29T10:00:02.000Z"],
      ["WARN", "retrying payment", "2026-11-29T10:00:01.000Z"],
      ["ERROR", "payment failed for order 42", "2026-11-29T10:00:00.250Z"]
    ])
    expect(logs[2].attributes).toMatchObject({ env: "prod" })
  }

  test("its default encoding, snappy-compressed protobuf", async () => {
    await ship(false, "winston-proto", await createIngestKey(server().url))
    await expectShipped("winston-proto")
    expect(await counterValue(server().url, "ingest_records_total", { protocol: "loki", result: "accepted" })).toBeGreaterThanOrEqual(3)
  })

  test("its JSON encoding", async () => {
    await ship(true, "winston-json", await createIngestKey(server().url))
    await expectShipped("winston-json")
  })

  test("a protobuf body that is not snappy, or would inflate past the body limit, is refused", async () => {
    const key = await createIngestKey(server().url)
    const post = (body: Uint8Array) =>
      fetch(`${server().url}/loki/api/v1/push`, {
        method: "POST",
        headers: { "content-type": "application/x-protobuf", "x-api-key": key },
        body: body as BodyInit
      })
    expect((await post(new Uint8Array([0xff, 0xff, 0xff, 0xff, 0xff, 0xff]))).status).toBe(400)
    // A snappy header announcing 1 GiB: refused before inflating.
    expect((await post(new Uint8Array([0x80, 0x80, 0x80, 0x80, 0x04, 0x00]))).status).toBe(413)
  })
})

describe("Loki push from pino with pino-loki, at its defaults", () => {
  const present = nodePresent()

  test.skipIf(!present)("every line searchable with its service, level, time, host, trace ids and fields; its metadata kept", async () => {
    const run = crypto.randomUUID().slice(0, 8)
    const sent = await runClient("pino-loki", { url: server().url, key: await createIngestKey(server().url), service: "pino-loki", run })
    const logs = await eventually(
      () => searchLogs(server().url, { service: "pino-loki" }),
      (l) => l.length >= sent.length
    )
    expectShipped(logs, sent)
    expect(logs.find((l) => l.message === "ledger unreachable").attributes).toMatchObject({ tenant: "acme", pid: expect.any(Number) })
    expect(await counterValue(server().url, "ingest_records_total", { protocol: "loki", result: "accepted" })).toBeGreaterThanOrEqual(sent.length)
  })
})
