import { Context, type Effect } from "effect"
import type { MetaStoreUnavailable } from "../domain/errors.ts"

/**
 * A lease names the one process that runs a singleton job (alert evaluation, retention). A
 * holder renews it well before it expires; when the holder dies, another takes it over once it
 * has expired.
 */

/** Who holds a lease, and until when (epoch ms). */
export interface LeaseHolder {
  readonly holder: string
  readonly expiresAt: number
}

export class LeaderLease extends Context.Tag("LeaderLease")<
  LeaderLease,
  {
    /** Takes or renews the lease until `now + ttlMs`; true when `holder` holds it afterwards. */
    readonly acquire: (name: string, holder: string, ttlMs: number, now: number) => Effect.Effect<boolean, MetaStoreUnavailable>
    /** Gives the lease up at once (shutdown), so a standby need not wait for it to expire. */
    readonly release: (name: string, holder: string) => Effect.Effect<void, MetaStoreUnavailable>
    /** The last holder written down (it may have expired since: compare `expiresAt` with now), if any. */
    readonly current: (name: string) => Effect.Effect<LeaseHolder | undefined, MetaStoreUnavailable>
  }
>() {}
