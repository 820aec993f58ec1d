import { hostname } from "node:os"
import { Duration, Effect } from "effect"
import { LeaderLease } from "../../src/ports/leader-lease.ts"

/**
 * Holds a leader lease for as long as the scope is open: takes it (or stands by) at once, then
 * renews it every third of its time to live, so a holder that is alive never lets it lapse,
 * and a standby takes it over within a third of the TTL after the holder's lease expired.
 * Renewal runs on its own fiber, so a long job under the lease does not let it expire. On
 * close, the lease is given up, so a standby need not wait for it to expire.
 */

export interface HeldLease {
  readonly name: string
  /** This process's holder id: host, pid and a random part (a restarted process is another holder). */
  readonly holder: string
  /** Whether this process held the lease at its last renewal. */
  readonly isLeader: () => boolean
}

export const newHolderId = () => `${hostname()}:${process.pid}:${crypto.randomUUID().slice(0, 8)}`

export const holdLease = (name: string, ttlMs: number, onChange: (leader: boolean) => Effect.Effect<void> = () => Effect.void) =>
  Effect.gen(function* () {
    const lease = yield* LeaderLease
    const holder = newHolderId()
    let leader = false
    const renew = Effect.gen(function* () {
      const now = yield* Effect.clockWith((clock) => clock.currentTimeMillis)
      // A database that does not answer cannot confirm the lease: stand by until it does.
      const held = yield* lease.acquire(name, holder, ttlMs, now).pipe(Effect.orElseSucceed(() => false))
      if (held !== leader) {
        leader = held
        yield* Effect.logInfo(held ? `this process now holds the ${name} lease` : `another process holds the ${name} lease (standby)`)
        yield* onChange(held)
      }
    })
    yield* renew
    // Added before the renewal fiber, so it runs after that fiber is interrupted and no renewal follows the release.
    yield* Effect.addFinalizer(() => (leader ? lease.release(name, holder).pipe(Effect.ignore) : Effect.void))
    yield* renew.pipe(
      Effect.catchAllCause((cause) => Effect.logWarning("lease renewal failed", cause)),
      Effect.delay(Duration.millis(Math.max(1, Math.floor(ttlMs / 3)))),
      Effect.forever,
      Effect.annotateLogs({ module: "lease", lease: name }),
      Effect.forkScoped
    )
    return { name, holder, isLeader: () => leader } satisfies HeldLease
  })
