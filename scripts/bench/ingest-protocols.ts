import { LogSynthesizer, SERVICE_NAMES } from "../../src/generator/synthesis.ts"
import { disposeServer, freePort, startServer } from "../../test/support/server-process.ts"
import { acceptedIn, encodeHttpBatch, encodeSyslogFrames, PROTOCOLS, type BenchProtocol, type HttpProtocol } from "./protocol-encoders.ts"
import { benchForward, benchOtlpGrpc } from "./ingest-streams.ts"
import { fmt } from "./stats.ts"

/**
 * `bun run bench ingest --protocol otlp,bulk,syslog`: sustained ingest per protocol beside plain
 * NDJSON, each on a fresh LogFlow (own DATA_DIR), with the same synthetic records encoded as
 * that protocol's shippers send them. HTTP protocols count a record once its request was
 * answered (after the commit); OTLP/gRPC and Fluent forward once their call is answered or
 * their chunk acknowledged (ingest-streams.ts), which also follows the commit. Syslog has no answer: the clock stops when the server's
 * `ingest_records_total{protocol="syslog"}` (committed, dropped or rejected) reaches what was sent.
 */

export interface ProtocolBenchOptions {
  readonly protocols: ReadonlyArray<BenchProtocol>
  readonly records: number
  readonly batch: number
  readonly concurrency: number
}

interface Figure {
  readonly protocol: BenchProtocol
  readonly accepted: number
  readonly seconds: number
  readonly bytes: number
  readonly failures: number
  readonly dropped: number
}

export const parseProtocols = (value: string): BenchProtocol[] => {
  const wanted = value
    .split(",")
    .map((p) => p.trim())
    .filter((p) => p !== "")
  const unknown = wanted.find((p) => !(PROTOCOLS as ReadonlyArray<string>).includes(p))
  if (unknown !== undefined) throw new Error(`--protocol: '${unknown}' is not one of ${PROTOCOLS.join(", ")}`)
  // Plain NDJSON always runs first, as the reference the others are read against.
  return ["json", ...wanted.filter((p) => p !== "json")] as BenchProtocol[]
}

const synthesise = (count: number, batch: number) => {
  const synth = new LogSynthesizer(SERVICE_NAMES.slice(0, 8))
  const start = Date.now() - 3_600_000
  return Array.from({ length: count }, (_, b) => Array.from({ length: batch }, (_, i) => synth.next(start + (b * batch + i) * 3)))
}

const benchHttp = async (protocol: HttpProtocol, options: ProtocolBenchOptions, url: string): Promise<Figure> => {
  const bodies = synthesise(64, options.batch).map((logs) => encodeHttpBatch(protocol, logs))
  const byteLength = (b: string | Uint8Array) => (typeof b === "string" ? Buffer.byteLength(b) : b.byteLength)
  let next = 0
  let accepted = 0
  let failures = 0
  let bytes = 0
  const started = performance.now()
  const worker = async () => {
    while (next * options.batch < options.records) {
      const batch = bodies[next++ % bodies.length]!
      const response = await fetch(`${url}${batch.path}`, { method: "POST", headers: { "content-type": batch.contentType }, body: batch.body as BodyInit })
      const stored = await acceptedIn(protocol, response, options.batch)
      if (!response.ok) failures++
      accepted += stored
      bytes += byteLength(batch.body)
    }
  }
  await Promise.all(Array.from({ length: options.concurrency }, worker))
  return { protocol, accepted, seconds: (performance.now() - started) / 1000, bytes, failures, dropped: 0 }
}

const syslogCounters = async (url: string) => {
  const text = await (await fetch(`${url}/metrics`)).text()
  const read = (result: string) => Number(new RegExp(`^ingest_records_total\\{protocol="syslog",result="${result}"\\} (\\S+)$`, "m").exec(text)?.[1] ?? 0)
  return { accepted: read("accepted"), dropped: read("dropped"), rejected: read("rejected") + read("failed") }
}

/** Streams octet-counted frames over `concurrency` TCP connections, honouring each socket's backpressure. */
const benchSyslog = async (options: ProtocolBenchOptions, url: string, port: number): Promise<Figure> => {
  const frames = synthesise(64, options.batch).map(encodeSyslogFrames)
  const batches = Math.ceil(options.records / options.batch)
  let next = 0
  let bytes = 0
  const started = performance.now()
  const connection = async () => {
    let drained: (() => void) | undefined
    const socket = await Bun.connect({
      hostname: "127.0.0.1",
      port,
      socket: {
        data() {},
        drain() {
          drained?.()
        }
      }
    })
    while (next < batches) {
      let chunk = frames[next++ % frames.length]!
      bytes += chunk.byteLength
      while (chunk.byteLength > 0) {
        const written = socket.write(chunk)
        chunk = chunk.subarray(Math.max(0, written))
        if (chunk.byteLength > 0) await new Promise<void>((resolve) => (drained = resolve))
      }
    }
    socket.end()
  }
  await Promise.all(Array.from({ length: options.concurrency }, connection))
  const sent = batches * options.batch
  for (;;) {
    const counters = await syslogCounters(url)
    if (counters.accepted + counters.dropped + counters.rejected >= sent) {
      return {
        protocol: "syslog",
        accepted: counters.accepted,
        seconds: (performance.now() - started) / 1000,
        bytes,
        failures: counters.rejected,
        dropped: counters.dropped
      }
    }
    if (performance.now() - started > 600_000) throw new Error(`syslog: only ${JSON.stringify(counters)} of ${sent} after 10 minutes`)
    await Bun.sleep(20)
  }
}

const benchOne = async (protocol: BenchProtocol, options: ProtocolBenchOptions, url: string, ports: { syslog: number; grpc: number; forward: number }) => {
  if (protocol === "syslog") return benchSyslog(options, url, ports.syslog)
  if (protocol === "otlp-grpc") return { protocol, dropped: 0, ...(await benchOtlpGrpc(synthesise(64, options.batch), options, ports.grpc)) }
  if (protocol === "forward") return { protocol, dropped: 0, ...(await benchForward(synthesise(64, options.batch), options, ports.forward)) }
  return benchHttp(protocol as HttpProtocol, options, url)
}

export const runProtocolBench = async (options: ProtocolBenchOptions) => {
  console.log(
    `ingest by protocol: ${fmt(options.records, 0)} records each, batches of ${options.batch}, ${options.concurrency} concurrent requests (syslog: connections), a fresh LogFlow per protocol`
  )
  const figures: Figure[] = []
  for (const protocol of options.protocols) {
    const ports = { syslog: freePort(), grpc: freePort(), forward: freePort() }
    const server = await startServer({
      env: {
        LOG_LEVEL: "warning",
        RATE_LIMIT_ENABLED: "false",
        SYSLOG_HOST: "127.0.0.1",
        SYSLOG_TCP_PORT: String(ports.syslog),
        OTLP_GRPC_HOST: "127.0.0.1",
        OTLP_GRPC_PORT: String(ports.grpc),
        FLUENT_FORWARD_HOST: "127.0.0.1",
        FLUENT_FORWARD_PORT: String(ports.forward)
      }
    })
    try {
      const figure = await benchOne(protocol, options, server.url, ports)
      figures.push(figure)
      const reference = figures[0]!
      const rate = figure.accepted / figure.seconds
      console.log(
        `  ${protocol.padEnd(10)} ${fmt(rate, 0).padStart(8)} records/s  ${fmt(figure.bytes / figure.seconds / 1048576).padStart(5)} MiB/s on the wire` +
          `  (${fmt(figure.accepted, 0)} stored in ${fmt(figure.seconds, 2)} s; ${figure.failures} failed, ${figure.dropped} dropped)` +
          (figure === reference ? "  [reference]" : `  ${fmt((100 * rate) / (reference.accepted / reference.seconds), 0)}% of NDJSON`)
      )
    } finally {
      await disposeServer(server)
    }
  }
}
