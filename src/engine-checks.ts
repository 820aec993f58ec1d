/**
 * What production refuses about the connections to the engines, unless ALLOW_INSECURE_ENGINES
 * says otherwise: plain text beyond loopback (where anyone on the path reads the logs and the
 * credentials), and certificates not checked (where anyone on the path can pose as the engine).
 * One line per problem, naming the setting to change.
 */

/** The settings the checks read (a part of the configuration). */
export interface EngineConnectionSettings {
  readonly KAFKA_BOOTSTRAP_SERVERS?: string | undefined
  readonly KAFKA_SSL_REJECT_UNAUTHORIZED: boolean
  readonly ELASTICSEARCH_HOSTS?: string | undefined
  readonly ELASTICSEARCH_TLS_REJECT_UNAUTHORIZED: boolean
  readonly OPENSEARCH_HOSTS?: string | undefined
  readonly OPENSEARCH_TLS_REJECT_UNAUTHORIZED: boolean
}

export interface EngineUrls {
  /** The metadata store's URL: postgres://… or sqlite://… */
  readonly metaDatabase: string
  readonly redis: string | undefined
  readonly kafkaSsl: boolean
  /** Node's own switch, which turns certificate checks off for every TLS connection of the process. */
  readonly nodeTlsRejectUnauthorized: string | undefined
}

export const isLoopback = (host: string) => /^(localhost|127(\.\d{1,3}){3}|\[?::1\]?)$/i.test(host)

const urlHost = (url: string) => {
  try {
    return new URL(url).hostname
  } catch {
    return ""
  }
}

const list = (value: string | undefined) => (value ?? "").split(",").filter((v) => v !== "")

const kafkaProblems = (c: EngineConnectionSettings, kafkaSsl: boolean) => {
  const brokers = list(c.KAFKA_BOOTSTRAP_SERVERS)
  const remote = brokers.filter((b) => !isLoopback(b.replace(/:\d+$/, "")))
  if (remote.length > 0 && !kafkaSsl) return [`  KAFKA_SSL: ${remote.join(",")} is reached in plain text; set KAFKA_SSL=true`]
  if (brokers.length > 0 && kafkaSsl && !c.KAFKA_SSL_REJECT_UNAUTHORIZED)
    return ["  KAFKA_SSL_REJECT_UNAUTHORIZED: false accepts any certificate; give KAFKA_SSL_CA_FILE instead"]
  return []
}

const searchEngineProblems = (c: EngineConnectionSettings) =>
  (["ELASTICSEARCH", "OPENSEARCH"] as const).flatMap((name) => {
    const hosts = list(c[`${name}_HOSTS`])
    if (hosts.length === 0) return []
    const plain = hosts.filter((h) => h.startsWith("http://") && !isLoopback(urlHost(h)))
    return [
      ...(plain.length > 0 ? [`  ${name}_HOSTS: ${plain.map(urlHost).join(",")} is reached in plain text; use https://`] : []),
      ...(!c[`${name}_TLS_REJECT_UNAUTHORIZED`] && hosts.some((h) => h.startsWith("https://"))
        ? [`  ${name}_TLS_REJECT_UNAUTHORIZED: false accepts any certificate; give ${name}_CA_FILE or ${name}_CA_FINGERPRINT instead`]
        : [])
    ]
  })

/** `sslmode` of a PostgreSQL URL: libpq's default is `prefer`, which falls back to plain text and checks no certificate. */
const sslmode = (url: string) => /[?&]sslmode=([a-z-]+)/.exec(url)?.[1] ?? "prefer"

const postgresProblems = (database: string) => {
  if (!/^postgres(ql)?:/.test(database) || isLoopback(urlHost(database))) return []
  const mode = sslmode(database)
  if (mode === "verify-full" || mode === "verify-ca") return []
  if (mode === "require") return [`  DATABASE_URL: sslmode=require does not check PostgreSQL's certificate (${urlHost(database)}); use sslmode=verify-full`]
  return [`  DATABASE_URL: PostgreSQL at ${urlHost(database)} is reached in plain text (sslmode=${mode}); add ?sslmode=verify-full`]
}

export const insecureEngineProblems = (c: EngineConnectionSettings, urls: EngineUrls): string[] => [
  ...kafkaProblems(c, urls.kafkaSsl),
  ...searchEngineProblems(c),
  ...postgresProblems(urls.metaDatabase),
  // rediss:// checks Redis's certificate against the system's CAs; LogFlow has no setting that turns that off.
  ...(urls.redis?.startsWith("redis://") && !isLoopback(urlHost(urls.redis))
    ? [`  REDIS_URL: Redis at ${urlHost(urls.redis)} is reached in plain text; use rediss://`]
    : []),
  ...(urls.nodeTlsRejectUnauthorized === "0"
    ? ["  NODE_TLS_REJECT_UNAUTHORIZED: 0 turns certificate checks off for every engine; unset it and give the engines' CA files"]
    : [])
]
