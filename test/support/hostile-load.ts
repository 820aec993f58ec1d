import { readFileSync } from "node:fs"
import { expect } from "bun:test"
import { reportFault } from "./fault-report.ts"
import { startIngestLoad, storedIds } from "./ingest-load.ts"
import type { ServerProcess } from "./server-process.ts"

/**
 * One attack against a running server, with a prober timing `GET /health` every 20 ms and a
 * well-behaved shipper ingesting tagged records beside it. Afterwards: every acknowledged
 * record is searchable (counted by id), RSS grew less than `rssBoundMiB`, and, where asked,
 * health's p99 during the attack is within `healthP99BoundMs`; the row goes in the fault table.
 *
 * The prober first runs as long again without the attack, the shipper running, while a process
 * outside LogFlow burns one core: the control, what one more core's worth of demand on this
 * machine does to health at this moment. An attack that stalls LogFlow's main thread shows in
 * the median (health waits behind it), so the median must stay within the bound; the p99 must
 * be within the bound or, on a machine whose other work already keeps the control above it,
 * within three times the control (a p99 of a few hundred samples on a busy machine varies that
 * much from one run to the next), so the test says whether the attack stalls LogFlow, not whether the
 * machine is busy. The figures go in the row.
 */

export interface Attack {
  readonly name: string
  /** Starts the attack; the returned function ends it and says what LogFlow did. */
  readonly start: () => Promise<() => Promise<string>>
  readonly durationMs: number
}

export interface Bounds {
  readonly rssBoundMiB: number
  /** Health's bound: its median always, its p99 unless `p99Reported`; reported either way. */
  readonly healthBoundMs?: number
  /** The p99 is reported only: the attack's cost is main-thread work by design (say why where it is set). */
  readonly p99Reported?: boolean
}

const rssMiB = (pid: number) => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))![1]) / 1024

const percentileOf = (samples: number[], p: number) => {
  const sorted = [...samples].sort((a, b) => a - b)
  return sorted[Math.max(0, Math.ceil(sorted.length * p) - 1)]!
}

export const underAttack = async (server: ServerProcess, attack: Attack, bounds: Bounds) => {
  const tag = attack.name.replace(/\W+/g, "-").toLowerCase()
  let health: number[] = []
  let probing = true
  const prober = (async () => {
    while (probing) {
      const started = performance.now()
      const response = await fetch(`${server.url}/health`)
      await response.arrayBuffer()
      health.push(response.ok ? performance.now() - started : Number.POSITIVE_INFINITY)
      await Bun.sleep(20)
    }
  })()
  const load = startIngestLoad({ url: () => server.url, service: `hostile-${tag}`, writers: 1, batch: 50, resend: true })
  const burner = Bun.spawn([process.execPath, "-e", "for (;;) {}"], { stdout: "ignore", stderr: "ignore" })
  await Bun.sleep(attack.durationMs)
  burner.kill(9)
  await burner.exited
  const controlP99 = percentileOf(health, 0.99)
  health = []
  const baseline = rssMiB(server.process.pid)
  let peak = baseline
  const end = await attack.start()
  const deadline = Date.now() + attack.durationMs
  while (Date.now() < deadline) {
    peak = Math.max(peak, rssMiB(server.process.pid))
    await Bun.sleep(100)
  }
  const outcome = await end()
  // The prober's figures are of the attack only: it stops before the tagged records are counted.
  probing = false
  await prober
  peak = Math.max(peak, rssMiB(server.process.pid))
  await load.untilAcknowledged(load.acknowledged.length + 100)
  await load.stop()
  const stored = new Set(await storedIds(server.url, `hostile-${tag}`))
  const found = load.acknowledged.filter((id) => stored.has(id)).length
  const p99 = percentileOf(health, 0.99)
  const p50 = percentileOf(health, 0.5)
  reportFault({
    fault: attack.name,
    outcome: `${outcome}; RSS ${baseline.toFixed(0)}→${peak.toFixed(0)} MiB; health p50 ${p50.toFixed(1)} ms, p99 with a one-core burner instead ${controlP99.toFixed(1)} ms`,
    healthP99Ms: p99,
    sent: load.sent(),
    acknowledged: load.acknowledged.length,
    found
  })
  expect(load.acknowledged.length).toBeGreaterThan(0)
  expect(found).toBe(load.acknowledged.length)
  if (bounds.healthBoundMs !== undefined) {
    expect(p50).toBeLessThanOrEqual(bounds.healthBoundMs)
    if (!bounds.p99Reported) expect(p99).toBeLessThanOrEqual(Math.max(bounds.healthBoundMs, 3 * controlP99))
  }
  expect(peak - baseline).toBeLessThan(bounds.rssBoundMiB)
  return { p50, p99, controlP99 }
}
