import { describe, expect, test } from "bun:test"
import { Layer, ManagedRuntime } from "effect"
import { makeMemoryCache } from "../../../src/adapters/cache/memory.ts"
import { makeResponseCache } from "../../../src/api/response-cache.ts"
import { makeRunEffect } from "../../../src/api/run-effect.ts"
import { Cache } from "../../../src/ports/cache.ts"

const setup = async () => {
  const runtime = ManagedRuntime.make(Layer.sync(Cache, () => makeMemoryCache(100)))
  return makeResponseCache(makeRunEffect(await runtime.runtime()), true)
}

describe("response cache", () => {
  test("concurrent misses for one key compute once (no stampede); later calls are hits", async () => {
    const cached = await setup()
    let computations = 0
    const compute = async () => {
      computations++
      await Bun.sleep(50)
      return { value: 42 }
    }
    const responses = await Promise.all(Array.from({ length: 10 }, () => cached("metrics:overview", 30, compute)))
    expect(computations).toBe(1)
    expect(await Promise.all(responses.map((r) => r.json()))).toEqual(Array(10).fill({ value: 42 }))
    expect(responses.map((r) => r.headers.get("x-cache"))).toEqual(Array(10).fill("MISS"))

    const after = await cached("metrics:overview", 30, compute)
    expect(await after.json()).toEqual({ value: 42 })
    expect([after.headers.get("x-cache"), computations]).toEqual(["HIT", 1])
  })

  test("different keys are computed separately", async () => {
    const cached = await setup()
    let computations = 0
    await Promise.all(["a", "b"].map((key) => cached(`metrics:service:${key}`, 60, async () => ++computations)))
    expect(computations).toBe(2)
  })
})
