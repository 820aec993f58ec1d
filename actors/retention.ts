import { Clock, Duration, Effect, Layer, Option, Queue, Schedule } from "effect"
import { type ExpiryRule, LogStore } from "../src/ports/log-store.ts"
import { LeaderLease } from "../src/ports/leader-lease.ts"
import { RetentionRunner, type RetentionStatus } from "../src/ports/retention-runner.ts"
import { type RetentionRun, RetentionRuns } from "../src/ports/retention-runs.ts"
import { Retention } from "../src/ports/retention-settings.ts"
import { Telemetry } from "../src/ports/telemetry.ts"
import { spawn } from "./kit/actor.ts"
import { holdLease, newHolderId } from "./kit/lease.ts"

/**
 * Retention: on every tick (a timer, or a settings change) deletes the logs older than their
 * service's retention, in small batches, each its own short transaction on the store's writer,
 * so ingest keeps flowing between them. Mailbox of one, drop-newest: ticks that arrive while a
 * pass runs are redundant.
 *
 * When processes share the store (Elasticsearch, OpenSearch), one of them runs retention: the
 * holder of the `retention` lease, a lease of its own rather than the alert engine's, so that
 * a deployment without an alerting process (or with alerting off) still expires its logs and
 * the two jobs may sit on different processes. The holder runs a pass per interval slot, slots
 * counted from the last pass written down in the metadata store, so a process that takes the
 * lease over when the holder dies carries on at the next slot instead of running twice. The
 * SQLite store belongs to one process, which runs every tick as before (`solo`).
 */

export interface RetentionConfig {
  /** Time between passes. */
  readonly interval: Duration.DurationInput
  /** Records deleted per transaction. */
  readonly batchSize: number
  /** Set when other processes share the store: only the holder of this lease runs retention. */
  readonly lease?: { readonly ttlMs: number }
}

const DAY = 86_400_000
const LEASE = "retention"

const makePass = (batchSize: number) =>
  Effect.gen(function* () {
    const store = yield* LogStore
    const retention = yield* Retention
    const expireAll = (rule: ExpiryRule) =>
      Effect.gen(function* () {
        let total = 0
        for (;;) {
          const deleted = yield* store.expire(rule, batchSize)
          total += deleted
          if (deleted < batchSize) return total
        }
      })
    return Effect.gen(function* () {
      const settings = yield* retention.get
      const now = yield* Clock.currentTimeMillis
      const overridden = Object.keys(settings.retention_by_service)
      let deleted = yield* expireAll({ cutoff: now - settings.retention_days * DAY, exceptServices: overridden })
      for (const [service, days] of Object.entries(settings.retention_by_service)) {
        deleted += yield* expireAll({ cutoff: now - days * DAY, services: [service] })
      }
      if (deleted > 0) yield* Effect.logInfo(`retention deleted ${deleted} expired logs`)
      return deleted
    })
  })

/** The slot a pass is due for now, or undefined when none is: one per interval, or at once when asked for. */
export const dueSlot = (now: number, intervalMs: number, last: RetentionRun | undefined, requested: number | undefined) => {
  if (last === undefined) return now
  if (requested !== undefined && requested > last.at) return Math.max(now, requested)
  if (now < last.at + intervalMs) return undefined
  // Slots follow each other while passes keep up; after a gap (nobody held the lease) they restart from now.
  return now - last.at < 2 * intervalMs ? last.at + intervalMs : now
}

const isoTime = (ms: number) => new Date(ms).toISOString()
const runView = (run: RetentionRun) => ({ at: isoTime(run.at), by: run.by, deleted: run.deleted })

/** Wraps a pass in what every run does: count it, and log (not fail) when the store or database is down. */
const counted = <E extends { message: string }>(pass: Effect.Effect<number, E>, onRun: (deleted: number) => void) =>
  pass.pipe(
    Effect.tap((deleted) => Effect.sync(() => onRun(deleted))),
    Effect.map(Option.some),
    // A failed pass (store or database briefly down) is retried at the next tick.
    Effect.catchAll((e) => Effect.as(Effect.logWarning(`retention pass failed: ${e.message}`), Option.none<number>()))
  )

export const makeRetention = (config: RetentionConfig) =>
  Effect.gen(function* () {
    const pass = yield* makePass(config.batchSize)
    const telemetry = Option.getOrUndefined(yield* Effect.serviceOption(Telemetry))
    const intervalMs = Duration.toMillis(config.interval)
    let runs = 0
    const onRun = (deleted: number) => {
      runs++
      telemetry?.retentionRuns.inc()
      telemetry?.retentionDeleted.inc(deleted)
    }
    const scheduler = config.lease ? yield* leased(config.lease.ttlMs, intervalMs, counted(pass, onRun)) : yield* solo(intervalMs, counted(pass, onRun))
    telemetry?.retentionLeader.set(config.lease ? 0 : 1)
    const actor = yield* spawn<"tick", never>({ name: "retention", kind: "retention", capacity: 1, whenFull: "dropNewest" }, (mailbox, stats) => ({
      run: Queue.take(mailbox).pipe(
        Effect.andThen(scheduler.tick),
        Effect.andThen(() => stats.handled++),
        Effect.forever
      )
    }))
    yield* actor.send("tick").pipe(Effect.repeat(Schedule.spaced(scheduler.tickEvery)), Effect.forkScoped)
    return RetentionRunner.of({
      runNow: Effect.andThen(scheduler.request, actor.send("tick")).pipe(Effect.asVoid),
      status: Effect.map(scheduler.status, (s) => ({ ...s, interval_seconds: intervalMs / 1000, runs }))
    })
  })

type Scheduled = Effect.Effect<Option.Option<number>>

/** When passes run: `tick` decides on every tick; `request` asks for one now. */
interface Scheduler {
  readonly tickEvery: Duration.Duration
  readonly tick: Effect.Effect<void>
  readonly request: Effect.Effect<void>
  readonly status: Effect.Effect<Omit<RetentionStatus, "interval_seconds" | "runs">>
}

/** The only process on its store: a pass on every tick, as requested. */
const solo = (intervalMs: number, pass: Scheduled) =>
  Effect.sync((): Scheduler => {
    const holder = newHolderId()
    let last: RetentionRun | undefined
    return {
      tickEvery: Duration.millis(intervalMs),
      tick: Effect.gen(function* () {
        const at = yield* Clock.currentTimeMillis
        const deleted = yield* pass
        if (Option.isSome(deleted)) last = { at, by: holder, deleted: deleted.value }
      }),
      request: Effect.void,
      status: Effect.sync(() => ({ mode: "solo", this_process: holder, leader: true, ...(last ? { last_run: runView(last) } : {}) }))
    }
  })

/** One of several processes on a shared store: the lease holder runs the passes that are due. */
const leased = (ttlMs: number, intervalMs: number, pass: Scheduled) =>
  Effect.gen(function* () {
    const ledger = yield* RetentionRuns
    const leases = yield* LeaderLease
    const telemetry = Option.getOrUndefined(yield* Effect.serviceOption(Telemetry))
    const lease = yield* holdLease(LEASE, ttlMs, (leader) => Effect.sync(() => telemetry?.retentionLeader.set(leader ? 1 : 0)))
    const tick = Effect.gen(function* () {
      if (!lease.isLeader()) return
      const now = yield* Clock.currentTimeMillis
      const slot = dueSlot(now, intervalMs, yield* ledger.last, yield* ledger.requested)
      if (slot === undefined) return
      const deleted = yield* pass
      if (Option.isSome(deleted)) yield* ledger.record({ at: slot, by: lease.holder, deleted: deleted.value })
    }).pipe(Effect.catchAll((e) => Effect.logWarning(`retention schedule unavailable: ${e.message}`)))
    const status: Scheduler["status"] = Effect.gen(function* () {
      const [current, last] = yield* Effect.all([leases.current(LEASE), ledger.last])
      return {
        mode: "lease" as const,
        this_process: lease.holder,
        leader: lease.isLeader(),
        ...(current ? { lease: { name: LEASE, holder: current.holder, expires_at: isoTime(current.expiresAt) } } : {}),
        ...(last ? { last_run: runView(last) } : {})
      }
    }).pipe(Effect.orElseSucceed(() => ({ mode: "lease" as const, this_process: lease.holder, leader: lease.isLeader() })))
    const request = Effect.flatMap(Clock.currentTimeMillis, ledger.request).pipe(
      Effect.catchAll((e) => Effect.logWarning(`could not ask for a retention pass: ${e.message}`))
    )
    // Ticks twice per interval, so slots never fall behind, and at least as often as the lease is renewed.
    return { tickEvery: Duration.millis(Math.max(1, Math.min(intervalMs / 2, ttlMs / 3))), tick, request, status } satisfies Scheduler
  })

export const RetentionRunnerLive = (config: RetentionConfig) => Layer.scoped(RetentionRunner, makeRetention(config))
