import type { DocumentEngine } from "./engine.ts"
import { deadLetterIndex, deadLetterMappings, logsTemplate } from "./template.ts"

/**
 * What the store puts in place at start-up, idempotently, so that any process can start first:
 * the index template of the daily indices, and the dead-letter index.
 */
export const installIndices = async (
  engine: DocumentEngine,
  config: {
    readonly index: string
    readonly shards: number
    readonly replicas: number
    readonly fieldLimit: number
    readonly maxResultWindow: number
    readonly codec?: "best_compression" | "default"
  }
) => {
  await engine.putIndexTemplate(
    logsTemplate({
      index: config.index,
      shards: config.shards,
      replicas: config.replicas,
      fieldLimit: config.fieldLimit,
      maxResultWindow: config.maxResultWindow,
      codec: config.codec ?? "best_compression",
      dialect: engine.dialect
    })
  )
  const dlq = deadLetterIndex(config.index)
  if (!(await engine.indexExists(dlq))) {
    await engine.createIndex(dlq, { mappings: deadLetterMappings, settings: { number_of_shards: 1, number_of_replicas: config.replicas } }).catch((e) => {
      // Another process created it first.
      if (!String(e?.message).includes("resource_already_exists")) throw e
    })
  }
}
