import { Context, type Effect } from "effect"
import type { MetaStoreUnavailable } from "../domain/errors.ts"

/**
 * How long logs are kept: `RETENTION_DAYS` by default, changed at run time (and per service) by
 * an admin through /api/v1/admin/config, stored in `system_config` so that every process and
 * every restart sees the same settings.
 */
export interface RetentionSettings {
  readonly retention_days: number
  /** Per-service overrides, in days. */
  readonly retention_by_service: Readonly<Record<string, number>>
}

export class Retention extends Context.Tag("Retention")<
  Retention,
  {
    readonly get: Effect.Effect<RetentionSettings, MetaStoreUnavailable>
    readonly put: (settings: RetentionSettings, by: string) => Effect.Effect<RetentionSettings, MetaStoreUnavailable>
  }
>() {}
