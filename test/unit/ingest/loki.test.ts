import { describe, expect, test } from "bun:test"
import { parseLabelSet } from "../../../src/ingest/loki/protobuf.ts"
import { lokiToRecords } from "../../../src/ingest/loki/decode.ts"

const NOW = Date.parse("2026-11-30T12:00:00Z")

describe("Loki push decoding", () => {
  test("label sets in Prometheus text form, escapes included", () => {
    expect(parseLabelSet(`{level="error", app="api",msg="say \\"hi\\"\\n"}`)).toEqual({ level: "error", app: "api", msg: 'say "hi"\n' })
    expect(parseLabelSet("{}")).toEqual({})
    expect(() => parseLabelSet("app=api")).toThrow("are not a")
    expect(() => parseLabelSet(`{app="api" env="x"}`)).toThrow("are not a")
  })

  test("the first service label wins; an unknown level label is kept as an attribute", () => {
    const { records } = lokiToRecords({ streams: [{ stream: { job: "j", app: "a", level: "chatty" }, values: [["1795946400000000000", "x"]] }] }, NOW)
    expect(records[0]).toMatchObject({ service: "a", level: "INFO", timestamp: 1795946400000, attributes: { job: "j", level: "chatty" } })
  })
})
