import { Data } from "effect"

/**
 * How LogFlow authenticates to Elasticsearch or OpenSearch and which certificates it trusts, as
 * the `ELASTICSEARCH_*` or `OPENSEARCH_*` settings give it; and the error that says which of
 * those settings to look at when the engine refuses the connection.
 */

export type SettingsPrefix = "ELASTICSEARCH" | "OPENSEARCH"

export interface DocumentSecurity {
  /** Whose settings these are: error messages name `<settings>_…`. */
  readonly settings: SettingsPrefix
  /** Elasticsearch only: sent as `Authorization: ApiKey …`. */
  readonly apiKey?: string
  readonly username?: string
  readonly password?: string
  readonly caFile?: string
  /** SHA-256 of the CA certificate, hex, with or without colons. */
  readonly caFingerprint?: string
  readonly certFile?: string
  readonly keyFile?: string
  readonly rejectUnauthorized: boolean
}

/** No credentials and the system's CAs: the engines the tests start on loopback. */
export const noSecurity = (settings: SettingsPrefix): DocumentSecurity => ({ settings, rejectUnauthorized: true })

/**
 * What is wrong, in the words of /health: the credentials (401), their privileges (403), a
 * certificate (not trusted, another fingerprint, another host name, or a client certificate
 * missing or refused), no answer, or another error of the engine's.
 */
export type EngineProblem = "authentication" | "authorisation" | "certificate" | "unreachable" | "error"

/**
 * The engine refused LogFlow or could not be reached. Both messages name the setting to change
 * and never hold a secret; `message` (the start-up error, the server log) adds the engine's own
 * words, hosts and paths, which `publicMessage` (for /health, which anyone may read) leaves out.
 */
export class EngineRefused extends Data.TaggedError("EngineRefused")<{
  readonly problem: EngineProblem
  readonly message: string
  readonly publicMessage: string
}> {}

/** A refusal whose detail (hosts, paths, the engine's words) only the full message carries. */
export const refusal = (problem: EngineProblem, publicMessage: string, detail?: string) =>
  new EngineRefused({ problem, publicMessage, message: detail ? `${publicMessage} [${detail}]` : publicMessage })

/** The engine's name as people write it. */
export const engineName = (settings: SettingsPrefix) => (settings === "ELASTICSEARCH" ? "Elasticsearch" : "OpenSearch")

/** Host URLs without the credentials they may carry, for messages. */
export const redactHosts = (hosts: ReadonlyArray<string>) =>
  hosts
    .map((h) => {
      try {
        const url = new URL(h)
        url.username = ""
        url.password = ""
        return url.toString().replace(/\/$/, "")
      } catch {
        return "(invalid URL)"
      }
    })
    .join(",")

/** Whether a host URL carries a user (basic authentication in the URL). */
export const hasUrlCredentials = (hosts: ReadonlyArray<string>) =>
  hosts.some((h) => {
    try {
      return new URL(h).username !== ""
    } catch {
      return false
    }
  })
