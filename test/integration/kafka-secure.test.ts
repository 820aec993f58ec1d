import { describe, expect, setDefaultTimeout, test } from "bun:test"
import { writeFileSync } from "node:fs"
import { join } from "node:path"
import { Cause, Effect, Exit, Layer } from "effect"
import { KafkaBusLive } from "../../src/adapters/log-bus/kafka/bus.ts"
import type { KafkaBusConfig, KafkaSecurity } from "../../src/adapters/log-bus/kafka/config.ts"
import { makeTestCa } from "../support/certificates.ts"
import { SASL_USERS, useSecureKafka } from "../support/secure-kafka.ts"
import { json, makeDataDir, removeDataDir, startServer, stopServer } from "../support/server-process.ts"
import { kafkaBusSuite } from "./kafka-bus-suite.ts"

setDefaultTimeout(90_000)

/**
 * Kafka over SASL_SSL, on a broker of this file's own: the bus suite passes with SCRAM-SHA-512
 * and with PLAIN; a wrong password and a CA that did not sign the broker's certificate stop the
 * start with an error naming the setting, and the password is never printed.
 */

const kafka = await useSecureKafka()

const saslSsl = (mechanism: keyof typeof SASL_USERS, caFile = kafka?.ca.caFile): KafkaSecurity => ({
  ssl: { rejectUnauthorized: true, ...(caFile ? { caFile } : {}) },
  sasl: { mechanism, ...SASL_USERS[mechanism] }
})

kafkaBusSuite("SASL_SSL, SCRAM-SHA-512", kafka && { brokers: kafka.saslSsl, security: saslSsl("scram-sha-512") })
kafkaBusSuite("SASL_SSL, PLAIN", kafka && { brokers: kafka.saslSsl, security: saslSsl("plain") })

/** Why the bus does not start with `security`, as the error's text. */
const startFailure = async (security: KafkaSecurity) => {
  const config: KafkaBusConfig = {
    brokers: [kafka!.saslSsl],
    clientId: "logflow-test",
    topic: "logs-refused",
    deadLetterTopic: "logs-refused.dlq",
    partitions: 1,
    replicationFactor: 1,
    groupId: "refused",
    partitionBuffer: 1,
    commitInterval: "1 second",
    publishTimeout: "5 seconds",
    sessionTimeout: "6 seconds",
    security
  }
  const exit = await Effect.runPromiseExit(Layer.build(KafkaBusLive(config)).pipe(Effect.scoped))
  expect(Exit.isFailure(exit)).toBe(true)
  return Exit.isFailure(exit) ? Cause.pretty(exit.cause) : ""
}

describe.skipIf(!kafka)("Kafka refusals (SASL_SSL)", () => {
  test("a wrong password stops the start, naming KAFKA_SASL_PASSWORD, without printing it", async () => {
    const security: KafkaSecurity = {
      ...saslSsl("scram-sha-512"),
      sasl: { mechanism: "scram-sha-512", username: "scram-user", password: "not-the-password-1234" }
    }
    const why = await startFailure(security)
    expect(why).toContain("KAFKA_SASL_PASSWORD")
    expect(why).not.toContain("not-the-password-1234")
  })

  test("a CA that did not sign the broker's certificate stops the start, naming KAFKA_SSL_CA_FILE", async () => {
    const other = makeTestCa("other")
    expect(await startFailure(saslSsl("scram-sha-512", other.caFile))).toContain("KAFKA_SSL_CA_FILE")
  })

  test("SCRAM-SHA-256 connects too", async () => {
    const exit = await Effect.runPromiseExit(
      Layer.build(
        KafkaBusLive({
          brokers: [kafka!.saslSsl],
          clientId: "logflow-test",
          topic: "logs-sha256",
          deadLetterTopic: "logs-sha256.dlq",
          partitions: 1,
          replicationFactor: 1,
          groupId: "sha256",
          partitionBuffer: 1,
          commitInterval: "1 second",
          publishTimeout: "5 seconds",
          sessionTimeout: "6 seconds",
          security: saslSsl("scram-sha-256")
        })
      ).pipe(Effect.scoped)
    )
    expect(Exit.isSuccess(exit)).toBe(true)
  })

  test("LogFlow takes the settings from the environment (password from a file) and prints the password nowhere", async () => {
    const dataDir = makeDataDir()
    const passwordFile = join(dataDir, "kafka-password")
    writeFileSync(passwordFile, `${SASL_USERS["scram-sha-512"].password}\n`)
    const env = {
      KAFKA_BOOTSTRAP_SERVERS: kafka!.saslSsl,
      KAFKA_TOPIC: "logs-env",
      KAFKA_DLQ_TOPIC: "logs-env.dlq",
      KAFKA_GROUP_ID: "env-indexers",
      KAFKA_SSL: "true",
      KAFKA_SSL_CA_FILE: kafka!.ca.caFile,
      KAFKA_SASL_MECHANISM: "scram-sha-512",
      KAFKA_SASL_USERNAME: SASL_USERS["scram-sha-512"].username,
      KAFKA_SASL_PASSWORD_FILE: passwordFile,
      LOG_LEVEL: "debug"
    }
    const server = await startServer({ role: "api", dataDir, env })
    try {
      const health = await json(fetch(`${server.url}/health`))
      expect(health.services.kafka).toBe("healthy")
      const accepted = await fetch(`${server.url}/api/v1/logs`, { method: "POST", body: JSON.stringify({ service: "secure", message: "over SASL_SSL" }) })
      expect(accepted.status).toBe(200)
    } finally {
      await stopServer(server)
    }
    expect(server.output()).not.toContain(SASL_USERS["scram-sha-512"].password)

    // The same with a wrong password: the process stops at once with the setting named.
    writeFileSync(passwordFile, "wrong-password-5678\n")
    const refused = Bun.spawnSync([process.execPath, "run", "src/main.ts", "api"], {
      cwd: join(import.meta.dir, "../.."),
      env: { ...process.env, ...env, DATA_DIR: dataDir, API_PORT: "0" },
      stdout: "pipe",
      stderr: "pipe"
    })
    const output = refused.stdout.toString() + refused.stderr.toString()
    expect(refused.exitCode).not.toBe(0)
    expect(output).toContain("KAFKA_SASL_PASSWORD")
    expect(output).not.toContain("wrong-password-5678")
    removeDataDir(dataDir)
  })
})
