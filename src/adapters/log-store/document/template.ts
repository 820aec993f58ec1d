import type { estypes } from "@elastic/elasticsearch"
import { ATTR_NUMBER, ATTR_TEXT, type Dialect } from "./query.ts"

/**
 * The index template of the daily log indices (`<index>-YYYY.MM.DD`, all behind the alias
 * `<index>`): explicit mappings for record fields; attributes kept verbatim in `_source`
 * (`attributes`, not indexed) and indexed as keywords (`attr.*`) and numbers (`attr_num.*`)
 * by dynamic templates, with a cap on how many fields they may add.
 *
 * OpenSearch (3.x) knows neither `subobjects: false` (attribute keys are escaped instead, see
 * `Dialect`) nor `ignore_dynamic_beyond_limit`: there a record whose attributes would take a
 * daily index past the field limit is refused by the engine and goes to the dead-letter index.
 */

export interface TemplateOptions {
  readonly index: string
  readonly shards: number
  readonly replicas: number
  /** Most mapped fields per index; attributes beyond it stay in `_source` unindexed. */
  readonly fieldLimit: number
  /** Deepest `from` a facet sample may need (newest N matches). */
  readonly maxResultWindow: number
  /** Stored-fields codec: `best_compression` (smaller `_source`) or the engine's `default`. */
  readonly codec: "best_compression" | "default"
  readonly dialect: Dialect
}

const keyword = { type: "keyword" } as const

export const logsTemplate = (o: TemplateOptions): estypes.IndicesPutIndexTemplateRequest => {
  const elasticsearch = o.dialect.engine === "elasticsearch"
  return {
    name: o.index,
    index_patterns: [`${o.index}-*`],
    priority: 200,
    template: {
      aliases: { [o.index]: {} },
      settings: {
        number_of_shards: o.shards,
        number_of_replicas: o.replicas,
        max_result_window: o.maxResultWindow,
        codec: o.codec,
        "mapping.total_fields.limit": o.fieldLimit,
        // Past the limit, new attribute fields are kept unindexed instead of failing the document.
        ...(elasticsearch ? { "mapping.total_fields.ignore_dynamic_beyond_limit": true } : {})
      },
      mappings: {
        dynamic: "strict",
        properties: {
          id: keyword,
          timestamp: { type: "date", format: "epoch_millis" },
          received_at: { type: "date", format: "epoch_millis", index: false },
          service: keyword,
          level: keyword,
          // Results are ordered by time, never scored: no norms to store.
          message: { type: "text", norms: false },
          host: keyword,
          trace_id: keyword,
          span_id: keyword,
          correlation_id: keyword,
          attributes: { type: "object", enabled: false },
          // Only on ERROR and FATAL records: the grouping key of top errors.
          fingerprint: keyword,
          bytes: { type: "integer", index: false },
          // Attribute names may hold dots: keep them as one field name, not nested objects
          // (OpenSearch: escaped keys instead).
          [ATTR_TEXT]: { type: "object", dynamic: true, ...(elasticsearch ? { subobjects: false } : {}) },
          [ATTR_NUMBER]: { type: "object", dynamic: true, ...(elasticsearch ? { subobjects: false } : {}) }
        },
        dynamic_templates: [
          { attr_number: { path_match: `${ATTR_NUMBER}.*`, mapping: { type: "double" } } },
          { attr_text: { path_match: `${ATTR_TEXT}.*`, mapping: { type: "keyword", ignore_above: 1024 } } }
        ]
      }
    }
  }
}

/** Documents the store rejected for good (mapping errors): the record and the reason. */
export const deadLetterIndex = (index: string) => `${index}.dead-letters`

export const deadLetterMappings: estypes.MappingTypeMapping = {
  dynamic: "strict",
  properties: {
    id: keyword,
    reason: { type: "text" },
    status: { type: "integer" },
    at: { type: "date", format: "epoch_millis" },
    record: { type: "object", enabled: false }
  }
}
