import { hostname } from "node:os"
import { Clock, Duration, Effect, FiberMap, Layer, Queue, Schedule } from "effect"
import type { AlertRule } from "../src/domain/alert-rule.ts"
import { AlertEngine } from "../src/ports/alert-engine.ts"
import { LeaderLease } from "../src/ports/leader-lease.ts"
import { RuleEvaluation } from "../src/ports/rule-evaluation.ts"
import { spawn } from "./kit/actor.ts"

/**
 * The alert engine: an actor that keeps one evaluator actor running per active rule. On each
 * sync (a timer, or a rule changed through this process's API) it renews its leader lease and
 * reconciles: new or changed rules get a fresh evaluator, deactivated or deleted ones lose
 * theirs. Only the lease holder evaluates; a process that loses the lease stops its evaluators,
 * and a standby takes over when the holder's lease expires.
 */

export interface EngineSettings {
  readonly syncInterval: Duration.DurationInput
  readonly leaseMs: number
}

const LEASE = "alert-engine"

/** Evaluates one rule every `evaluation_interval` seconds, starting now. */
const spawnEvaluator = (rule: AlertRule) =>
  Effect.gen(function* () {
    const evaluation = yield* RuleEvaluation
    const evaluate = evaluation.evaluate(rule.id).pipe(
      // The store or the database is down: this evaluation is skipped; the next one retries.
      Effect.catchAll((e) => Effect.logWarning(`alert rule evaluation failed: ${e.message}`)),
      Effect.annotateLogs({ rule_id: rule.id, rule_name: rule.name })
    )
    const actor = yield* spawn<"tick", Effect.Effect.Context<typeof evaluate>>(
      { name: `alert-evaluator:${rule.id}`, kind: "alert-evaluator", capacity: 1, whenFull: "dropNewest" },
      (mailbox, stats) => ({
        run: Queue.take(mailbox).pipe(
          Effect.andThen(evaluate),
          Effect.andThen(() => stats.handled++),
          Effect.forever
        )
      })
    )
    yield* actor.send("tick").pipe(Effect.repeat(Schedule.spaced(Duration.seconds(rule.evaluation_interval))), Effect.forkScoped)
  })

export const makeAlertEngine = (settings: EngineSettings) =>
  Effect.gen(function* () {
    const rules = yield* RuleEvaluation
    const lease = yield* LeaderLease
    const holder = `${hostname()}:${process.pid}:${crypto.randomUUID().slice(0, 8)}`
    const evaluators = yield* FiberMap.make<string>()
    /** Rule id → the `updated_at` its evaluator was started with. */
    const running = new Map<string, string>()
    let leader = false

    const stopAll = Effect.suspend(() => {
      running.clear()
      return FiberMap.clear(evaluators)
    })

    const reconcile = (active: ReadonlyArray<AlertRule>) =>
      Effect.gen(function* () {
        const wanted = new Map(active.map((rule) => [rule.id, rule]))
        for (const id of [...running.keys()]) {
          if (!wanted.has(id)) {
            running.delete(id)
            yield* FiberMap.remove(evaluators, id)
          }
        }
        for (const rule of active) {
          if (running.get(rule.id) === rule.updated_at) continue
          running.set(rule.id, rule.updated_at)
          // Replaces (interrupts) the rule's previous evaluator, if any.
          yield* FiberMap.run(evaluators, rule.id, Effect.scoped(Effect.andThen(spawnEvaluator(rule), Effect.never)))
        }
      })

    const sync = Effect.gen(function* () {
      const now = yield* Clock.currentTimeMillis
      const isLeader = yield* lease.acquire(LEASE, holder, settings.leaseMs, now).pipe(Effect.orElseSucceed(() => false))
      if (isLeader !== leader)
        yield* Effect.logInfo(isLeader ? "this process now evaluates alert rules (leader)" : "another process evaluates alert rules (standby)")
      leader = isLeader
      if (!isLeader) return yield* stopAll
      yield* rules.active.pipe(
        Effect.flatMap(reconcile),
        Effect.catchAll((e) => Effect.logWarning(`could not load alert rules: ${e.message}`))
      )
    })

    const engine = yield* spawn<"sync", Effect.Effect.Context<typeof sync>>(
      { name: "alert-engine", kind: "alert-engine", capacity: 1, whenFull: "dropNewest" },
      (mailbox, stats) => ({
        run: Queue.take(mailbox).pipe(
          Effect.andThen(sync),
          Effect.andThen(() => stats.handled++),
          Effect.forever
        )
      })
    )
    yield* engine.send("sync").pipe(Effect.repeat(Schedule.spaced(settings.syncInterval)), Effect.forkScoped)
    // On shutdown, hand over at once rather than after the lease expires.
    yield* Effect.addFinalizer(() => (leader ? lease.release(LEASE, holder).pipe(Effect.ignore) : Effect.void))

    return AlertEngine.of({
      rulesChanged: engine.send("sync").pipe(Effect.asVoid),
      status: Effect.sync(() => ({ leader, evaluators: running.size }))
    })
  })

export const AlertEngineLive = (settings: EngineSettings) => Layer.scoped(AlertEngine, makeAlertEngine(settings))
