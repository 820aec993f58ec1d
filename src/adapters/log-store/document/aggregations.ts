import type { estypes } from "@elastic/elasticsearch"
import { Effect } from "effect"
import type { StoreReadError } from "../../../domain/errors.ts"
import type { Level } from "../../../domain/log-record.ts"
import type { AllTimeCount, ErrorGroup, LevelCount, LogStore, RollupFilter, SeriesPoint } from "../../../ports/log-store.ts"
import { serviceAndLevel } from "./query.ts"

/**
 * What the metrics endpoints and alert rules read (counts, series, top errors, all-time
 * totals), as aggregations over the stored records: no rollup index to keep consistent with
 * redelivery, at the price of forgetting what retention deleted.
 */

export type Aggregate = (
  query: estypes.QueryDslQueryContainer,
  aggs: Record<string, estypes.AggregationsAggregationContainer>
) => Effect.Effect<Record<string, any>, StoreReadError>

type Buckets = { buckets: Array<{ key: string | number; doc_count: number } & Record<string, any>> }
export const buckets = (agg: unknown) => (agg as Buckets | undefined)?.buckets ?? []

/** Rollup windows are whole minutes, both ends included, as in SQLite's per-minute tables. */
const minuteRange = (filter: RollupFilter) => ({
  range: { timestamp: { gte: Math.floor(filter.from / 60_000) * 60_000, lte: (Math.floor(filter.to / 60_000) + 1) * 60_000 - 1 } }
})

const rollupQuery = (filter: RollupFilter) => ({ bool: { filter: [minuteRange(filter), ...serviceAndLevel(filter)] } })

/** The most frequent error fingerprints per service, each with its newest message. */
const topErrors =
  (aggregate: Aggregate): LogStore["Type"]["topErrors"] =>
  (filter, limit) =>
    // Fingerprints are of errors only: a level filter does not apply.
    aggregate(
      { bool: { filter: [minuteRange(filter), ...serviceAndLevel({ services: filter.services }), { exists: { field: "fingerprint" } }] } },
      {
        services: {
          terms: { field: "service", size: 10_000 },
          aggs: {
            errors: {
              terms: { field: "fingerprint", size: limit },
              aggs: { last: { max: { field: "timestamp" } }, sample: { top_hits: { size: 1, _source: ["message"], sort: [{ timestamp: { order: "desc" } }] } } }
            }
          }
        }
      }
    ).pipe(
      Effect.map((aggs) =>
        buckets(aggs.services)
          .flatMap((s) =>
            buckets(s.errors).map(
              (e): ErrorGroup => ({
                fingerprint: String(e.key),
                service: String(s.key),
                count: e.doc_count,
                sample: e.sample.hits.hits[0]?._source?.message ?? "",
                last_seen: Math.floor(e.last.value / 60_000) * 60_000
              })
            )
          )
          .sort((x, y) => y.count - x.count || y.last_seen - x.last_seen)
          .slice(0, limit)
      )
    )

export const metricsQueries = (aggregate: Aggregate): Pick<LogStore["Type"], "counts" | "series" | "topErrors" | "allTime"> => ({
  counts: (filter) =>
    aggregate(rollupQuery(filter), {
      services: {
        terms: { field: "service", size: 10_000 },
        aggs: { levels: { terms: { field: "level", size: 10 }, aggs: { bytes: { sum: { field: "bytes" } } } } }
      }
    }).pipe(
      Effect.map((aggs) =>
        buckets(aggs.services).flatMap((s) =>
          buckets(s.levels).map((l): LevelCount => ({ service: String(s.key), level: String(l.key) as Level, count: l.doc_count, bytes: l.bytes.value ?? 0 }))
        )
      )
    ),

  series: (filter, bucketMinutes) =>
    aggregate(rollupQuery(filter), {
      buckets: {
        date_histogram: { field: "timestamp", fixed_interval: `${bucketMinutes}m`, min_doc_count: 1 },
        aggs: { levels: { terms: { field: "level", size: 10, order: { _key: "asc" } } } }
      }
    }).pipe(
      Effect.map((aggs) =>
        buckets(aggs.buckets).flatMap((b) =>
          buckets(b.levels).map((l): SeriesPoint => ({ bucket: Number(b.key), level: String(l.key) as Level, count: l.doc_count }))
        )
      )
    ),

  topErrors: topErrors(aggregate),

  allTime: (service) =>
    aggregate(service === undefined ? { match_all: {} } : { term: { service } }, {
      services: {
        terms: { field: "service", size: 10_000 },
        aggs: {
          levels: {
            terms: { field: "level", size: 10 },
            aggs: { bytes: { sum: { field: "bytes" } }, first: { min: { field: "timestamp" } }, last: { max: { field: "timestamp" } } }
          }
        }
      }
    }).pipe(
      Effect.map((aggs) =>
        buckets(aggs.services).flatMap((s) =>
          buckets(s.levels).map(
            (l): AllTimeCount => ({
              service: String(s.key),
              level: String(l.key) as Level,
              count: l.doc_count,
              bytes: l.bytes.value ?? 0,
              first_seen: Math.floor(l.first.value / 60_000) * 60_000,
              last_seen: (Math.floor(l.last.value / 60_000) + 1) * 60_000 - 1
            })
          )
        )
      )
    )
})
