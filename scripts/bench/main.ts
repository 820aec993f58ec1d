import { runDecodeBench } from "./decode.ts"
import { runIngestBench } from "./ingest.ts"
import { runLatencyBench } from "./latency.ts"
import { runMetricsBench } from "./metrics.ts"
import { runPatternsBench } from "./patterns.ts"
import { runSearchBench } from "./search.ts"
import { runSearchUnderIngestBench } from "./search-under-ingest.ts"
import { runScaleOutBench } from "./scale-out.ts"
import { runSoakBench } from "./soak.ts"
import { runStorageBench } from "./storage.ts"
import { runWildcardsBench } from "./wildcards.ts"

/** `bun run bench <name> [options]`: runs one benchmark and prints its figures. */
const BENCHES: Record<string, (argv: ReadonlyArray<string>) => Promise<void>> = {
  decode: runDecodeBench,
  ingest: runIngestBench,
  latency: runLatencyBench,
  metrics: runMetricsBench,
  patterns: runPatternsBench,
  search: runSearchBench,
  "search-under-ingest": runSearchUnderIngestBench,
  "scale-out": runScaleOutBench,
  soak: runSoakBench,
  storage: runStorageBench,
  wildcards: runWildcardsBench
}

const [name, ...argv] = process.argv.slice(2)
const bench = name ? BENCHES[name] : undefined
if (!bench) {
  console.error(`usage: bun run bench <${Object.keys(BENCHES).join("|")}> [options]`)
  process.exit(2)
}
await bench(argv)
