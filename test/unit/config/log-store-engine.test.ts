import { describe, expect, test } from "bun:test"
import { writesInFlight } from "../../../src/adapters/log-store/settings.ts"
import { ConfigError, loadConfig } from "../../../src/config.ts"

describe("configuration: which log store", () => {
  test("OPENSEARCH_HOSTS takes URLs, like ELASTICSEARCH_HOSTS, and names itself when it gets something else", () => {
    expect(loadConfig({ OPENSEARCH_HOSTS: "http://127.0.0.1:9200,https://os-2:9200" }).OPENSEARCH_HOSTS).toBe("http://127.0.0.1:9200,https://os-2:9200")
    expect(() => loadConfig({ OPENSEARCH_HOSTS: "os-1:9200" })).toThrow(/OPENSEARCH_HOSTS: expected comma-separated http\(s\):\/\/ URLs/)
  })

  test("Elasticsearch and OpenSearch at once is refused: there is one log store", () => {
    expect(() => loadConfig({ ELASTICSEARCH_HOSTS: "http://127.0.0.1:9200", OPENSEARCH_HOSTS: "http://127.0.0.1:9201" })).toThrow(ConfigError)
    expect(() => loadConfig({ ELASTICSEARCH_HOSTS: "http://127.0.0.1:9200", OPENSEARCH_HOSTS: "http://127.0.0.1:9201" })).toThrow(
      /OPENSEARCH_HOSTS: set ELASTICSEARCH_HOSTS or OPENSEARCH_HOSTS/
    )
  })

  test("the indexer keeps 8 writes in flight to Elasticsearch or OpenSearch (each waits for a refresh), 2 to SQLite, unless INDEXER_WRITES_IN_FLIGHT says", () => {
    expect(writesInFlight(loadConfig({}))).toBe(2)
    expect(writesInFlight(loadConfig({ ELASTICSEARCH_HOSTS: "http://127.0.0.1:9200" }))).toBe(8)
    expect(writesInFlight(loadConfig({ OPENSEARCH_HOSTS: "http://127.0.0.1:9200" }))).toBe(8)
    expect(writesInFlight(loadConfig({ ELASTICSEARCH_HOSTS: "http://127.0.0.1:9200", INDEXER_WRITES_IN_FLIGHT: "3" }))).toBe(3)
    expect(() => loadConfig({ INDEXER_WRITES_IN_FLIGHT: "0" })).toThrow(/INDEXER_WRITES_IN_FLIGHT/)
  })
})
