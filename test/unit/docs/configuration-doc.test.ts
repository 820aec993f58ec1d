import { describe, expect, test } from "bun:test"
import { readFileSync } from "node:fs"
import { CONFIGURATION_DOC, renderConfigurationDoc } from "../../../scripts/docs-config.ts"

describe("docs/configuration.md", () => {
  test("is what the schema generates (run `npm run docs:config` after changing a setting)", () => {
    expect(readFileSync(CONFIGURATION_DOC, "utf8")).toBe(renderConfigurationDoc())
  })

  test("lists every variable with its default, what it accepts and its meaning", () => {
    const doc = renderConfigurationDoc()
    expect(doc).toContain("| `API_PORT` | `8000` | integer 0–65,535 | Port of the HTTP API")
    expect(doc).toContain("| `RATE_LIMIT_LOGIN` | `20/hour` | N/second, N/minute or N/hour |")
    expect(doc).toContain("| `CACHE_ENABLED` | `true` | `true` or `false`")
    expect(doc).not.toMatch(/\| \|\n/)
  })
})
