import { describe, expect, test } from "bun:test"
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { ConfigError, loadConfig } from "../../../src/config.ts"

/**
 * What production refuses about the connections to the engines, as a table: every engine ×
 * plain text, verified TLS or unverified TLS × loopback or a remote host × with or without
 * ALLOW_INSECURE_ENGINES. A refusal names the setting to change; ALLOW_INSECURE_ENGINES turns
 * it into a line of the start-up warning instead.
 */

const PRODUCTION = {
  LOGFLOW_ENV: "production",
  SECRET_KEY: "7c1e94b0d25a38f6e04b9d1c7a52e3f86d0b4a91c2e7f53a8d6b0e4c19f72a35",
  ADMIN_PASSWORD: "a-real-admin-password"
}

type Transport = "plain" | "tls" | "unverified"
type Engine = "kafka" | "elasticsearch" | "opensearch" | "postgres" | "redis"

/** The settings that reach `host` over `transport`; undefined where the engine has no way to say it (Redis cannot turn checks off). */
const settings = (engine: Engine, transport: Transport, host: string): Record<string, string> | undefined => {
  switch (engine) {
    case "kafka":
      return {
        KAFKA_BOOTSTRAP_SERVERS: `${host}:9093`,
        ...(transport !== "plain" ? { KAFKA_SSL: "true" } : {}),
        ...(transport === "unverified" ? { KAFKA_SSL_REJECT_UNAUTHORIZED: "false" } : {})
      }
    case "elasticsearch":
    case "opensearch": {
      const prefix = engine.toUpperCase()
      return {
        [`${prefix}_HOSTS`]: `${transport === "plain" ? "http" : "https"}://${host}:9200`,
        ...(transport === "unverified" ? { [`${prefix}_TLS_REJECT_UNAUTHORIZED`]: "false" } : {})
      }
    }
    case "postgres":
      return { DATABASE_URL: `postgres://logflow@${host}:5432/logflow${{ plain: "", tls: "?sslmode=verify-full", unverified: "?sslmode=require" }[transport]}` }
    case "redis":
      return transport === "unverified" ? undefined : { REDIS_URL: `${transport === "plain" ? "redis" : "rediss"}://${host}:6379/0` }
  }
}

/** The setting a refusal names, or none when production accepts the connection. */
const refusedSetting = (engine: Engine, transport: Transport, remote: boolean): string | undefined => {
  if (transport === "tls") return undefined
  if (transport === "plain" && !remote) return undefined
  switch (engine) {
    case "kafka":
      return transport === "plain" ? "KAFKA_SSL" : "KAFKA_SSL_REJECT_UNAUTHORIZED"
    case "elasticsearch":
    case "opensearch":
      return `${engine.toUpperCase()}_${transport === "plain" ? "HOSTS" : "TLS_REJECT_UNAUTHORIZED"}`
    // sslmode=require on loopback is no worse than plain text there, which is accepted.
    case "postgres":
      return remote ? "DATABASE_URL" : undefined
    case "redis":
      return "REDIS_URL"
  }
}

const ENGINES: ReadonlyArray<Engine> = ["kafka", "elasticsearch", "opensearch", "postgres", "redis"]
const TRANSPORTS: ReadonlyArray<Transport> = ["plain", "tls", "unverified"]
const HOSTS = [
  { remote: false, host: "127.0.0.1" },
  { remote: false, host: "localhost" },
  { remote: true, host: "engines.example.net" }
] as const

const cases = ENGINES.flatMap((engine) =>
  TRANSPORTS.flatMap((transport) =>
    HOSTS.flatMap(({ remote, host }) => {
      const env = settings(engine, transport, host)
      return env === undefined
        ? []
        : [false, true].map((allow) => ({ engine, transport, host, allow, env, refused: refusedSetting(engine, transport, remote) }))
    })
  )
)

describe("production checks of the engine connections", () => {
  test.each(cases.map((c) => [`${c.engine} ${c.transport} ${c.host}${c.allow ? " ALLOW_INSECURE_ENGINES" : ""}`, c] as const))("%s", (_, c) => {
    const env = { ...PRODUCTION, ...c.env, ...(c.allow ? { ALLOW_INSECURE_ENGINES: "true" } : {}) }
    if (c.refused === undefined) {
      expect(loadConfig(env).insecureEngines).toEqual([])
    } else if (c.allow) {
      const warning = loadConfig(env).insecureEngines
      expect(warning).toHaveLength(1)
      expect(warning[0]).toStartWith(`  ${c.refused}: `)
    } else {
      expect(() => loadConfig(env)).toThrow(ConfigError)
      expect(() => loadConfig(env)).toThrow(new RegExp(`refusing to start in production with insecure connections[^]*\\n  ${c.refused}: `))
    }
  })

  test("outside production nothing is refused, not even plain text to a remote host", () => {
    const config = loadConfig({ ...settings("kafka", "plain", "engines.example.net"), ...settings("redis", "plain", "engines.example.net") })
    expect(config.insecureEngines).toEqual([])
  })

  test("every problem at once is listed, one line per setting", () => {
    const remote = "engines.example.net"
    const env = {
      ...PRODUCTION,
      ...settings("kafka", "plain", remote),
      ...settings("elasticsearch", "unverified", remote),
      ...settings("redis", "plain", remote)
    }
    const lines = loadConfig({ ...env, ALLOW_INSECURE_ENGINES: "true" }).insecureEngines.map((l) => l.trim().split(":")[0])
    expect(lines).toEqual(["KAFKA_SSL", "ELASTICSEARCH_TLS_REJECT_UNAUTHORIZED", "REDIS_URL"])
  })

  test("a certificate check turned off for a plain-text engine, where it changes nothing, is not refused", () => {
    const env = {
      ...PRODUCTION,
      ...settings("elasticsearch", "plain", "127.0.0.1"),
      ELASTICSEARCH_TLS_REJECT_UNAUTHORIZED: "false",
      KAFKA_SSL_REJECT_UNAUTHORIZED: "false"
    }
    expect(loadConfig(env).insecureEngines).toEqual([])
  })

  test("NODE_TLS_REJECT_UNAUTHORIZED=0, which turns every certificate check off, is refused in production", () => {
    expect(() => loadConfig({ ...PRODUCTION, NODE_TLS_REJECT_UNAUTHORIZED: "0" })).toThrow(/NODE_TLS_REJECT_UNAUTHORIZED: 0 turns certificate checks off/)
    expect(loadConfig({ ...PRODUCTION, NODE_TLS_REJECT_UNAUTHORIZED: "0", ALLOW_INSECURE_ENGINES: "true" }).insecureEngines).toHaveLength(1)
  })

  test("PostgreSQL from POSTGRES_HOST is checked like DATABASE_URL", () => {
    expect(() => loadConfig({ ...PRODUCTION, POSTGRES_HOST: "engines.example.net" })).toThrow(
      /DATABASE_URL: PostgreSQL at engines.example.net is reached in plain text/
    )
  })
})

describe("Elasticsearch and OpenSearch credentials in the configuration", () => {
  test("a password from ELASTICSEARCH_PASSWORD_FILE, its final newline dropped", () => {
    const dir = mkdtempSync(join(tmpdir(), "logflow-secret-"))
    try {
      writeFileSync(join(dir, "password"), "from-a-file\n")
      const config = loadConfig({ ELASTICSEARCH_USERNAME: "logflow", ELASTICSEARCH_PASSWORD_FILE: join(dir, "password") })
      expect(config.ELASTICSEARCH_PASSWORD).toBe("from-a-file")
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  test("an API key and a user at once, a user without a password, a CA file and a fingerprint at once: each refused by name", () => {
    expect(() => loadConfig({ ELASTICSEARCH_API_KEY: "a2V5", ELASTICSEARCH_USERNAME: "u", ELASTICSEARCH_PASSWORD: "p" })).toThrow(
      /ELASTICSEARCH_API_KEY: set an API key or ELASTICSEARCH_USERNAME\/ELASTICSEARCH_PASSWORD, not both/
    )
    expect(() => loadConfig({ OPENSEARCH_USERNAME: "u" })).toThrow(/OPENSEARCH_USERNAME and OPENSEARCH_PASSWORD: set both/)
    expect(() => loadConfig({ ELASTICSEARCH_CA_FILE: "/ca.pem", ELASTICSEARCH_CA_FINGERPRINT: "ab".repeat(32) })).toThrow(/ELASTICSEARCH_CA_FINGERPRINT: set/)
  })

  test("a fingerprint as Elasticsearch prints it, with colons or without; anything else names the setting", () => {
    const colons = Array.from({ length: 32 }, () => "A1").join(":")
    expect(loadConfig({ ELASTICSEARCH_CA_FINGERPRINT: colons }).ELASTICSEARCH_CA_FINGERPRINT).toBe(colons)
    expect(loadConfig({ ELASTICSEARCH_CA_FINGERPRINT: "a1".repeat(32) }).ELASTICSEARCH_CA_FINGERPRINT).toBe("a1".repeat(32))
    expect(() => loadConfig({ ELASTICSEARCH_CA_FINGERPRINT: "a1".repeat(20) })).toThrow(/ELASTICSEARCH_CA_FINGERPRINT: expected a SHA-256 fingerprint/)
  })

  test("OPENSEARCH_API_KEY is refused: OpenSearch has no API keys", () => {
    expect(() => loadConfig({ OPENSEARCH_API_KEY: "a2V5" })).toThrow(/OPENSEARCH_API_KEY: OpenSearch has no API keys/)
  })
})
