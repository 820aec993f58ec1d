import { readFileSync } from "node:fs"
import { Data, Effect, Schedule } from "effect"
import { Kafka, type KafkaConfig, logLevel, type logCreator } from "kafkajs"
import { writeLogLine } from "../../../log-line.ts"
import type { KafkaBusConfig, KafkaSecurity } from "./config.ts"

/**
 * The Kafka client as the configuration asks for it (TLS, SASL), and what a refusal by the
 * brokers means in terms of the settings to change. kafkajs's own log lines go through LogFlow's
 * log with a fixed set of fields, so nothing of the client's configuration (the SASL password)
 * can reach the log.
 */

/** The brokers refused LogFlow, or could not be reached; `message` names the setting to look at. */
export class KafkaRefused extends Data.TaggedError("KafkaRefused")<{ readonly message: string; readonly problem: KafkaProblem }> {}

export type KafkaProblem = "authentication" | "certificate" | "unreachable"

const pem = (setting: string, path: string | undefined) => {
  if (path === undefined) return undefined
  try {
    return readFileSync(path, "utf8")
  } catch (e) {
    throw new KafkaRefused({ problem: "certificate", message: `${setting}: cannot read ${path} (${(e as NodeJS.ErrnoException).code ?? e})` })
  }
}

const tlsOptions = (security: KafkaSecurity): KafkaConfig["ssl"] => {
  if (!security.ssl) return false
  const { caFile, certFile, keyFile, rejectUnauthorized } = security.ssl
  const ca = pem("KAFKA_SSL_CA_FILE", caFile)
  const cert = pem("KAFKA_SSL_CERT_FILE", certFile)
  const key = pem("KAFKA_SSL_KEY_FILE", keyFile)
  return { rejectUnauthorized, ...(ca ? { ca: [ca] } : {}), ...(cert ? { cert } : {}), ...(key ? { key } : {}) }
}

const saslOptions = (security: KafkaSecurity): KafkaConfig["sasl"] => {
  const sasl = security.sasl
  if (sasl === undefined) return undefined
  const { username, password } = sasl
  switch (sasl.mechanism) {
    case "plain":
      return { mechanism: "plain", username, password }
    case "scram-sha-256":
      return { mechanism: "scram-sha-256", username, password }
    case "scram-sha-512":
      return { mechanism: "scram-sha-512", username, password }
  }
}

const LEVELS = { [logLevel.ERROR]: "ERROR", [logLevel.WARN]: "WARN", [logLevel.INFO]: "INFO", [logLevel.DEBUG]: "INFO", [logLevel.NOTHING]: "INFO" } as const

/** kafkajs log lines: the message and the fields that say where, never the rest of the entry. */
const kafkaLog: logCreator =
  () =>
  ({ level, namespace, log }) => {
    const { message, broker, clientId, groupId, topic, error } = log as Record<string, unknown>
    const fields = Object.fromEntries(Object.entries({ namespace, broker, clientId, groupId, topic, error }).filter(([, v]) => v !== undefined))
    writeLogLine(LEVELS[level], `kafka: ${String(message)}`, fields)
  }

/** A kafkajs client for the bus's brokers; `retries` bounds how often each request is retried. */
export const kafkaClient = (config: KafkaBusConfig, retries = 8) => {
  const sasl = saslOptions(config.security)
  return new Kafka({
    clientId: config.clientId,
    brokers: [...config.brokers],
    ssl: tlsOptions(config.security),
    ...(sasl ? { sasl } : {}),
    logLevel: logLevel.WARN,
    logCreator: kafkaLog,
    retry: { retries, initialRetryTime: 200 }
  })
}

const CERTIFICATE = /certificate|self[- ]signed|unable to verify|CERT_|altname|hostname|issuer/i

/** What went wrong when the brokers did not take a connection, as the settings to look at. */
export const explainKafkaError = (e: unknown, config: KafkaBusConfig): KafkaRefused => {
  if (e instanceof KafkaRefused) return e
  const error = e as { name?: string; message?: string; code?: string }
  const detail = `${error.message ?? String(e)}${error.code && !error.message?.includes(error.code) ? ` (${error.code})` : ""}`
  if (error.name === "KafkaJSSASLAuthenticationError")
    return new KafkaRefused({
      problem: "authentication",
      message: `Kafka refused the credentials: check KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD (KAFKA_SASL_MECHANISM=${config.security.sasl?.mechanism}): ${detail}`
    })
  if (config.security.ssl && CERTIFICATE.test(detail))
    return new KafkaRefused({
      problem: "certificate",
      message: `Kafka's TLS certificate is not trusted: set KAFKA_SSL_CA_FILE to the CA that signed the brokers' certificates (and check that they name the host in KAFKA_BOOTSTRAP_SERVERS): ${detail}`
    })
  const hint = config.security.ssl ? "is the listener TLS (KAFKA_SSL)?" : "does the listener want TLS (KAFKA_SSL) or SASL (KAFKA_SASL_MECHANISM)?"
  return new KafkaRefused({
    problem: "unreachable",
    message: `Kafka brokers at KAFKA_BOOTSTRAP_SERVERS=${config.brokers.join(",")} did not answer (${hint}): ${detail}`
  })
}

/**
 * Connects once before anything else, so that a refusal stops LogFlow at start-up with its
 * reason. Brokers that do not answer yet are tried for a while (they may be starting too);
 * refused credentials or certificates are final.
 */
export const checkBrokers = (config: KafkaBusConfig) =>
  Effect.tryPromise({
    try: async () => {
      const admin = kafkaClient(config, 0).admin()
      try {
        await admin.connect()
        await admin.describeCluster()
      } finally {
        await admin.disconnect()
      }
    },
    catch: (e) => explainKafkaError(e, config)
  }).pipe(Effect.retry({ while: (e) => e.problem === "unreachable", schedule: Schedule.spaced("1 second").pipe(Schedule.upTo("30 seconds")) }))
