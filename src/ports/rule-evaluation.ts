import { Context, type Effect } from "effect"
import type { AlertRule } from "../domain/alert-rule.ts"
import type { MetaStoreUnavailable, StoreReadError } from "../domain/errors.ts"

/** What the alert engine needs of the alerting feature: which rules to run, and one evaluation of one. */
export class RuleEvaluation extends Context.Tag("RuleEvaluation")<
  RuleEvaluation,
  {
    readonly active: Effect.Effect<ReadonlyArray<AlertRule>, MetaStoreUnavailable>
    /** Evaluates the rule against the logs of its window now, opening, updating or resolving its alert. */
    readonly evaluate: (ruleId: string) => Effect.Effect<void, MetaStoreUnavailable | StoreReadError>
  }
>() {}
