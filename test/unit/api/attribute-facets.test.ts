import { describe, expect, test } from "bun:test"
import { countAttributes } from "../../../src/api/routes/attribute-facets.ts"
import type { LogRecord } from "../../../src/domain/log-record.ts"

const record = (attributes: LogRecord["attributes"]) => ({ attributes }) as LogRecord

describe("the field list's attributes: the keys most present, each with its most frequent values", () => {
  test("keys by how many records carry them, values by count, numbers and booleans as text", () => {
    const records = [record({ status: 500, region: "eu", retry: true }), record({ status: 200, region: "eu" }), record({ status: 500 })]
    expect(countAttributes(records, 2, 1)).toEqual([
      { key: "status", count: 3, values: [{ value: "500", count: 2 }] },
      { key: "region", count: 2, values: [{ value: "eu", count: 2 }] }
    ])
  })
})
