import { Effect } from "effect"
import { Elysia } from "elysia"
import { z } from "zod"
import { RetentionRunner } from "../../ports/retention-runner.ts"
import type { ApiKeys } from "../../accounts/api-keys.ts"
import type { Users } from "../../accounts/users.ts"
import type { Config } from "../../config.ts"
import { Retention } from "../../ports/retention-settings.ts"
import type { TelemetryInstruments } from "../../ports/telemetry.ts"
import { authPlugin } from "../plugins/auth.ts"
import { errors } from "../plugins/errors.ts"
import type { RunEffect } from "../run-effect.ts"

/** Run-time settings (admin): retention, overall and per service. */

const Days = z.number().int().min(1).max(36_500)
const ConfigUpdate = z.object({
  retention_days: Days.optional().describe("Days logs are kept"),
  retention_by_service: z.record(z.string().min(1).max(128), Days).optional().describe("Days per service, replacing the previous overrides")
})

export const adminConfigRoutes = (run: RunEffect<Retention | RetentionRunner | Users | ApiKeys>, config: Config, telemetry: TelemetryInstruments) => {
  const view = Effect.map(
    Effect.flatMap(Retention, (r) => r.get),
    (settings) => ({
      ...settings,
      retention_interval_seconds: config.RETENTION_INTERVAL_MS / 1000,
      disk_min_free_mb: config.DISK_MIN_FREE_MB
    })
  )
  return new Elysia({ name: "routes/admin-config", prefix: "/api/v1/admin/config" })
    .use(errors)
    .use(authPlugin(run, config, telemetry))
    .get("", () => run(view), { auth: "admin", detail: { summary: "Retention and storage settings (admin)", tags: ["admin"] } })
    .put(
      "",
      ({ body, account }) =>
        run(
          Effect.gen(function* () {
            const retention = yield* Retention
            const current = yield* retention.get
            yield* retention.put(
              {
                retention_days: body.retention_days ?? current.retention_days,
                retention_by_service: body.retention_by_service ?? current.retention_by_service
              },
              account.username
            )
            yield* Effect.flatMap(RetentionRunner, (r) => r.runNow)
            return yield* view
          })
        ),
      { auth: "admin", body: ConfigUpdate, detail: { summary: "Change retention; takes effect at once (admin)", tags: ["admin"] } }
    )
}
