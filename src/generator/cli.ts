import { parseArgs } from "node:util"
import { LogSynthesizer, SERVICE_NAMES } from "./synthesis.ts"

/**
 * `bun run generate --rate 2000 --duration 60 --services 6 --url http://localhost:8000`:
 * sends synthetic logs to the ingest API as NDJSON batches at a steady rate, printing progress
 * once a second; `--dry-run` prints the NDJSON to stdout instead.
 */

const HELP = `usage: bun run generate [options]
  --rate N        records per second (default 100)
  --duration S    seconds to run; 0 runs until interrupted (default 60)
  --services N    number of services, 1-${SERVICE_NAMES.length} (default 6)
  --url URL       LogFlow base URL (default http://localhost:8000)
  --batch N       records per request (default 500)
  --api-key KEY   sent as X-API-Key when ingest requires credentials
  --dry-run       print NDJSON to stdout instead of sending`

const positive = (name: string, text: string | undefined, fallback: number, allowZero = false) => {
  if (text === undefined) return fallback
  const n = Number(text)
  if (!Number.isInteger(n) || n < (allowZero ? 0 : 1)) throw new Error(`--${name} must be a ${allowZero ? "non-negative" : "positive"} integer, got '${text}'`)
  return n
}

/** The options, or the help text (`--help`); throws on an invalid value. */
const parseOptions = (argv: ReadonlyArray<string>) => {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      rate: { type: "string" },
      duration: { type: "string" },
      services: { type: "string" },
      url: { type: "string" },
      batch: { type: "string" },
      "api-key": { type: "string" },
      "dry-run": { type: "boolean" },
      help: { type: "boolean", short: "h" }
    }
  })
  if (values.help) return undefined
  return {
    rate: positive("rate", values.rate, 100),
    duration: positive("duration", values.duration, 60, true),
    services: Math.min(positive("services", values.services, 6), SERVICE_NAMES.length),
    url: new URL("/api/v1/logs", values.url ?? "http://localhost:8000").toString(),
    batch: positive("batch", values.batch, 500),
    apiKey: values["api-key"],
    dryRun: values["dry-run"] ?? false
  }
}

export const runGeneratorCli = async (argv: ReadonlyArray<string>): Promise<number> => {
  let options: ReturnType<typeof parseOptions>
  try {
    options = parseOptions(argv)
  } catch (e) {
    console.error(`${(e as Error).message}\n${HELP}`)
    return 2
  }
  if (options === undefined) {
    console.log(HELP)
    return 0
  }

  const synth = new LogSynthesizer(SERVICE_NAMES.slice(0, options.services))
  const started = Date.now()
  const endsAt = options.duration === 0 ? Infinity : started + options.duration * 1000
  let stopping = false
  process.once("SIGINT", () => (stopping = true))
  let made = 0
  let accepted = 0
  let rejected = 0
  let failedRequests = 0
  const inFlight = new Set<Promise<void>>()

  const send = async (body: string) => {
    try {
      const response = await fetch(options.url, {
        method: "POST",
        headers: { "content-type": "application/x-ndjson", ...(options.apiKey ? { "x-api-key": options.apiKey } : {}) },
        body
      })
      const result = (await response.json().catch(() => ({}))) as { accepted?: number; rejected?: number }
      if (response.ok) {
        accepted += result.accepted ?? 0
        rejected += result.rejected ?? 0
      } else failedRequests++
    } catch {
      failedRequests++
    }
  }

  let lastReport = started
  while (!stopping && Date.now() < endsAt) {
    const now = Date.now()
    const due = Math.min(Math.floor(((now - started) / 1000) * options.rate) - made, options.batch)
    if (due > 0) {
      let body = ""
      for (let i = 0; i < due; i++) body += `${JSON.stringify(synth.next(now))}\n`
      made += due
      if (options.dryRun) process.stdout.write(body)
      else {
        const request = send(body).finally(() => inFlight.delete(request))
        inFlight.add(request)
        if (inFlight.size >= 8) await Promise.race(inFlight)
      }
    } else {
      await Bun.sleep(Math.max(1, Math.min(50, (1000 * options.batch) / options.rate / 4)))
    }
    if (!options.dryRun && now - lastReport >= 1000) {
      lastReport = now
      console.error(`${Math.round((now - started) / 1000)}s generated=${made} accepted=${accepted} rejected=${rejected} failed_requests=${failedRequests}`)
    }
  }
  await Promise.all(inFlight)
  if (!options.dryRun) console.error(`done: generated=${made} accepted=${accepted} rejected=${rejected} failed_requests=${failedRequests}`)
  return failedRequests > 0 ? 1 : 0
}
