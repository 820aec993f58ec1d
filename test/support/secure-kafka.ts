import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll } from "bun:test"
import { hasOpenssl, makeTestCa, P12_PASSWORD, type TestCa } from "./certificates.ts"
import { freePort } from "./server-process.ts"

/**
 * A Kafka broker of the test's own with a SASL_SSL listener (a certificate from a CA the test
 * made; PLAIN and SCRAM users) beside a PLAINTEXT one, started with scripts/engines/kafka.sh and
 * stopped after the file. Undefined (with the reason printed) when Kafka or openssl cannot be
 * had outside CI; in CI that fails.
 */

export const SASL_USERS = {
  plain: { username: "plain-user", password: "plain-secret-7d1f" },
  "scram-sha-512": { username: "scram-user", password: "scram-secret-90ab" },
  "scram-sha-256": { username: "scram-user", password: "scram-secret-90ab" }
} as const

export interface SecureKafka {
  /** host:port of the PLAINTEXT listener. */
  readonly plaintext: string
  /** host:port of the SASL_SSL listener. */
  readonly saslSsl: string
  readonly ca: TestCa
}

const ROOT = join(import.meta.dir, "../..")

const unavailable = (why: string) => {
  if (process.env.CI) throw new Error(`a secure Kafka broker is required in CI: ${why}`)
  console.warn(`skipping secure Kafka tests: ${why}`)
  return undefined
}

const properties = (dir: string, ports: { plaintext: number; saslSsl: number; controller: number }, keystore: string) => `process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:${ports.controller}
listeners=PLAINTEXT://127.0.0.1:${ports.plaintext},SASL_SSL://127.0.0.1:${ports.saslSsl},CONTROLLER://127.0.0.1:${ports.controller}
advertised.listeners=PLAINTEXT://127.0.0.1:${ports.plaintext},SASL_SSL://127.0.0.1:${ports.saslSsl}
controller.listener.names=CONTROLLER
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,SASL_SSL:SASL_SSL,CONTROLLER:PLAINTEXT
inter.broker.listener.name=PLAINTEXT
sasl.enabled.mechanisms=PLAIN,SCRAM-SHA-256,SCRAM-SHA-512
listener.name.sasl_ssl.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required user_${SASL_USERS.plain.username}="${SASL_USERS.plain.password}";
listener.name.sasl_ssl.scram-sha-256.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;
listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;
ssl.keystore.type=PKCS12
ssl.keystore.location=${keystore}
ssl.keystore.password=${P12_PASSWORD}
ssl.key.password=${P12_PASSWORD}
log.dirs=${dir}/data
offsets.topic.replication.factor=1
offsets.topic.num.partitions=4
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
auto.create.topics.enable=false
`

export const useSecureKafka = async (): Promise<SecureKafka | undefined> => {
  if (!hasOpenssl()) return unavailable("openssl is not installed")
  const fetched = Bun.spawnSync(["bash", join(ROOT, "scripts/engines/fetch.sh"), "kafka"], { stdout: "pipe", stderr: "pipe" })
  if (fetched.exitCode !== 0) return unavailable(`scripts/engines/fetch.sh kafka failed:\n${fetched.stderr.toString()}`)
  const ca = makeTestCa("kafka")
  const broker = ca.issue("broker", ["localhost", "127.0.0.1"])
  const dir = mkdtempSync(join(tmpdir(), "logflow-secure-kafka-"))
  const ports = { plaintext: freePort(), saslSsl: freePort(), controller: freePort() }
  writeFileSync(join(dir, "server.properties"), properties(dir, ports, broker.p12File))
  const { username, password } = SASL_USERS["scram-sha-512"]
  const scramUsers = ["SCRAM-SHA-512", "SCRAM-SHA-256"].map((m) => `${m}=[name=${username},password=${password}]`).join(" ")
  const start = Bun.spawn(["bash", join(ROOT, "scripts/engines/kafka.sh"), "start", "--dir", dir], {
    env: { ...process.env, KAFKA_SCRAM_USERS: scramUsers },
    stdout: "pipe",
    stderr: "pipe"
  })
  const [code, err] = await Promise.all([start.exited, new Response(start.stderr).text()])
  const stop = () => {
    Bun.spawnSync(["bash", join(ROOT, "scripts/engines/kafka.sh"), "stop", "--dir", dir])
    rmSync(dir, { recursive: true, force: true })
    rmSync(ca.dir, { recursive: true, force: true })
  }
  if (code !== 0) {
    stop()
    return unavailable(`scripts/engines/kafka.sh start failed:\n${err}`)
  }
  afterAll(stop)
  return { plaintext: `127.0.0.1:${ports.plaintext}`, saslSsl: `127.0.0.1:${ports.saslSsl}`, ca }
}
