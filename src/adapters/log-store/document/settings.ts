import { z } from "zod"
import { bool, int, pemFile, secretFile, settingsSection, urlList } from "../../../settings.ts"

/** SHA-256 of a certificate as Elasticsearch prints it at first start: 64 hex digits, with or without colons between pairs. */
const fingerprint = z
  .string()
  .regex(/^([0-9A-Fa-f]{2}:){31}[0-9A-Fa-f]{2}$|^[0-9A-Fa-f]{64}$/, "expected a SHA-256 fingerprint (64 hex digits, colons between pairs allowed)")

/** How LogFlow authenticates to one engine and which certificates it trusts, as `<PREFIX>_*` variables. */
const securitySettings = <Prefix extends "ELASTICSEARCH" | "OPENSEARCH">(prefix: Prefix, engine: string) => {
  const shape = {
    USERNAME: z.string().min(1).optional().describe(`${engine} user (basic authentication), with ${prefix}_PASSWORD; credentials in the URL work too.`),
    PASSWORD: z.string().min(1).optional().describe(`Password of ${prefix}_USERNAME (never logged).`),
    PASSWORD_FILE: secretFile(`${prefix}_PASSWORD`),
    CA_FILE: pemFile(`CA certificates (PEM file) that signed ${engine}'s HTTP certificate, when not a public CA.`),
    CA_FINGERPRINT: fingerprint
      .optional()
      .describe(
        `SHA-256 fingerprint of the CA that signed ${engine}'s HTTP certificate (as Elasticsearch prints it at first start): the CA ${engine} sends with its certificate is trusted when it has this fingerprint, in place of ${prefix}_CA_FILE; host names are still checked.`
      ),
    CERT_FILE: pemFile(`Client certificate (PEM file) for mutual TLS to ${engine}; set with ${prefix}_KEY_FILE.`),
    KEY_FILE: pemFile(`Private key (PEM file) of ${prefix}_CERT_FILE.`),
    TLS_REJECT_UNAUTHORIZED: bool
      .default(true)
      .describe(
        `Refuse a ${engine} certificate that is not trusted or names another host; \`false\` only for tests (production refuses it without ALLOW_INSECURE_ENGINES).`
      )
  }
  return Object.fromEntries(Object.entries(shape).map(([key, value]) => [`${prefix}_${key}`, value])) as {
    [Key in keyof typeof shape as `${Prefix}_${Key}`]: (typeof shape)[Key]
  }
}

/** Elasticsearch's API keys; OpenSearch has none (its security plugin takes users and passwords, or client certificates). */
const elasticsearchApiKey = {
  ELASTICSEARCH_API_KEY: z
    .string()
    .min(1)
    .optional()
    .describe(
      "Elasticsearch API key, sent as `Authorization: ApiKey`: the `encoded` form Elasticsearch answers with, or `id:api_key`; not with ELASTICSEARCH_USERNAME."
    ),
  ELASTICSEARCH_API_KEY_FILE: secretFile("ELASTICSEARCH_API_KEY")
}

export const documentSettings = settingsSection(
  "Elasticsearch and OpenSearch",
  "Elasticsearch or OpenSearch as the log store (scale-out); set one of the two hosts variables.",
  {
    ELASTICSEARCH_HOSTS: urlList.optional().describe("Elasticsearch for logs (scale-out); SQLite in DATA_DIR when unset."),
    OPENSEARCH_HOSTS: urlList
      .optional()
      .describe(
        "OpenSearch (3.x) for logs instead, through the same store; the ELASTICSEARCH_INDEX, _SHARDS, _REPLICAS, _REFRESH, _FIELD_LIMIT and _TIMEOUT_MS settings apply to it too. Not with ELASTICSEARCH_HOSTS."
      ),
    ELASTICSEARCH_INDEX: z
      .string()
      .regex(/^[a-z0-9][a-z0-9_-]{0,100}$/, "expected a lower-case index name")
      .default("logflow-logs")
      .describe("Alias over the daily indices `<index>-YYYY.MM.DD`, and their name prefix."),
    ELASTICSEARCH_SHARDS: int(1, 64).default(1).describe("Primary shards of each daily index LogFlow creates."),
    ELASTICSEARCH_REPLICAS: int(0, 16).default(0).describe("Replicas of each daily index LogFlow creates."),
    ELASTICSEARCH_REFRESH: z
      .enum(["true", "false", "wait_for"])
      .default("wait_for")
      .describe("When written logs become searchable: `wait_for` (before the batch counts as stored), `true` (forced, slower), `false` (within a second)."),
    ELASTICSEARCH_FIELD_LIMIT: int(100, 100_000).default(1_000).describe("Mapped fields per daily index; attributes beyond it are kept but not searchable."),
    ELASTICSEARCH_INDEX_CODEC: z
      .enum(["best_compression", "default"])
      .default("best_compression")
      .describe(
        "Stored-fields codec of the daily indices LogFlow creates (Elasticsearch and OpenSearch): `best_compression` keeps `_source` smaller (see BENCHMARKS.md for bytes per record), `default` writes it a little faster."
      ),
    ELASTICSEARCH_TIMEOUT_MS: int(100, 600_000).default(30_000).describe("Longest wait for one Elasticsearch/OpenSearch request."),
    ...elasticsearchApiKey,
    ...securitySettings("ELASTICSEARCH", "Elasticsearch"),
    ...securitySettings("OPENSEARCH", "OpenSearch")
  }
)
