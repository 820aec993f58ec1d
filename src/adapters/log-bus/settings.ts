import { int, settingsSection } from "../../settings.ts"

export const busSettings = settingsSection(
  "Embedded bus",
  "The in-process partitioned queue between ingest and the indexer (when KAFKA_BOOTSTRAP_SERVERS is unset).",
  {
    BUS_PARTITIONS: int(1, 256).default(4).describe("Partitions of the embedded bus (one consumer actor each)."),
    BUS_PARTITION_CAPACITY: int(1, 100_000).default(64).describe("Request-sized deliveries a partition holds before publishers wait.")
  }
)
