import { describe, expect, test } from "bun:test"
import { importGraph, importCycles, ruleViolations } from "../../support/import-graph.ts"

/**
 * The dependency rules of docs/ARCHITECTURE.md, read off the import graph of src/, actors/ and
 * pipelines/ (type-only imports included: they couple modules as much as the others).
 */

const graph = importGraph(["src", "actors", "pipelines"])

describe("the import graph keeps the architecture's shape", () => {
  test("reads every module and its imports (the scan itself works)", () => {
    expect(graph.size).toBeGreaterThan(100)
    expect(graph.get("src/main.ts")).toContain("src/app-layer.ts")
  })

  test("every import follows the layer rules", () => {
    expect(ruleViolations(graph)).toEqual([])
  })

  test("there is no import cycle", () => {
    expect(importCycles(graph)).toEqual([])
  })
})
