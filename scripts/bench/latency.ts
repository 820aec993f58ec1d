import { parseArgs } from "node:util"
import { startWebhookReceiver } from "../../test/support/webhook-receiver.ts"
import { makeDataDir, removeDataDir, startServer, stopServer } from "../../test/support/server-process.ts"
import { fmt, percentile } from "./stats.ts"

/**
 * `bun run bench latency [--runs 50]`: how long a user waits, measured end to end against a
 * running server: from an acknowledged ingest to the line on an open live tail, and from an
 * acknowledged error burst to the webhook delivery of the rule it fires (evaluation interval
 * 1 s, so the promise is "within the interval + 1 s").
 */
export const runLatencyBench = async (argv: ReadonlyArray<string>) => {
  const { values } = parseArgs({ args: [...argv], options: { runs: { type: "string" } } })
  const runs = Number(values.runs ?? 50)
  const dataDir = makeDataDir()
  const receiver = startWebhookReceiver()
  const server = await startServer({
    dataDir,
    env: { LOG_LEVEL: "warning", RATE_LIMIT_ENABLED: "false", ADMIN_PASSWORD: "bench-admin-password", ALERT_WEBHOOK_ALLOWED_HOSTS: "127.0.0.1" }
  })
  try {
    const ingest = (lines: ReadonlyArray<object>) => fetch(`${server.url}/api/v1/logs`, { method: "POST", body: JSON.stringify(lines) })
    const tail = await tailLatencies(server.url, runs, ingest)
    const alerts = await alertLatencies(server.url, Math.max(5, Math.round(runs / 5)), ingest, receiver)
    console.log(`latency end to end (${runs} tail lines, ${alerts.length} alert bursts):`)
    console.log("  path                                  p50 (ms)   p99 (ms)   max (ms)")
    for (const [name, samples] of [
      ["ingest acknowledged → live tail line", tail],
      ["burst acknowledged → webhook delivered", alerts]
    ] as const) {
      const sorted = [...samples].sort((a, b) => a - b)
      console.log(
        `  ${name.padEnd(38)}${fmt(percentile(sorted, 50)).padStart(8)}${fmt(percentile(sorted, 99)).padStart(11)}${fmt(sorted.at(-1)!).padStart(11)}`
      )
    }
  } finally {
    receiver.stop()
    await stopServer(server)
    removeDataDir(dataDir)
  }
}

type Ingest = (lines: ReadonlyArray<object>) => Promise<Response>

const tailLatencies = async (url: string, runs: number, ingest: Ingest) => {
  const response = await fetch(`${url}/api/v1/logs/tail?service=latency-bench`)
  const reader = response.body!.getReader()
  const decoder = new TextDecoder()
  let text = ""
  const waitFor = async (marker: string) => {
    while (!text.includes(marker)) {
      const { value, done } = await reader.read()
      if (done) throw new Error("the live tail ended")
      text += decoder.decode(value)
    }
    text = text.slice(text.indexOf(marker) + marker.length)
  }
  await waitFor("event: ready")
  const samples: number[] = []
  for (let i = 0; i < runs; i++) {
    const marker = `tail-line-${i}-${Math.random().toString(36).slice(2)}`
    await ingest([{ service: "latency-bench", message: marker }])
    const acknowledged = performance.now()
    await waitFor(marker)
    samples.push(performance.now() - acknowledged)
  }
  await reader.cancel()
  return samples
}

const alertLatencies = async (url: string, runs: number, ingest: Ingest, receiver: ReturnType<typeof startWebhookReceiver>) => {
  const login = await fetch(`${url}/api/v1/auth/login`, { method: "POST", body: new URLSearchParams({ username: "admin", password: "bench-admin-password" }) })
  const headers = { authorization: `Bearer ${((await login.json()) as { access_token: string }).access_token}`, "content-type": "application/json" }
  const samples: number[] = []
  for (let i = 0; i < runs; i++) {
    const service = `burst-${i}`
    const rule = {
      name: `latency ${i}`,
      condition: "greater_than",
      threshold: 2,
      time_window: 5,
      levels: ["ERROR"],
      services: [service],
      notification_channel: "webhook",
      notification_config: { url: `${receiver.url}/${service}` },
      evaluation_interval: 1,
      cooldown: 0
    }
    const created = await fetch(`${url}/api/v1/alerts/rules`, { method: "POST", headers, body: JSON.stringify(rule) })
    if (created.status !== 201) throw new Error(`rule not created: ${created.status} ${await created.text()}`)
    const burst = await ingest(Array.from({ length: 5 }, (_, n) => ({ service, level: "error", message: `burst ${n}` })))
    if (burst.status !== 200) throw new Error(`burst not acknowledged: ${burst.status}`)
    const acknowledged = Date.now()
    while (receiver.received(`/${service}`).length === 0) await Bun.sleep(5)
    samples.push(receiver.received(`/${service}`)[0]!.at - acknowledged)
  }
  return samples
}
