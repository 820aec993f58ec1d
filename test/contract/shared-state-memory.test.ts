import { Layer } from "effect"
import { makeMemoryCache } from "../../src/adapters/cache/memory.ts"
import { makeMemoryRateLimiter } from "../../src/adapters/rate-limiter/memory.ts"
import { Cache } from "../../src/ports/cache.ts"
import { RateLimiter } from "../../src/ports/rate-limiter.ts"
import { sharedStateContract, testClockSleep } from "./shared-state.ts"

sharedStateContract(
  "memory",
  () =>
    Layer.mergeAll(
      Layer.sync(Cache, () => makeMemoryCache(100)),
      Layer.sync(RateLimiter, makeMemoryRateLimiter)
    ),
  testClockSleep,
  true
)
