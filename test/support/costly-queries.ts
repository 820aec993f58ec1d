import { json } from "./server-process.ts"

/**
 * What makes a query costly for the store: records made of long runs of `a`, and a query of
 * many `a*` terms, the shape an attacker used to stall the server (issue: one search of 200
 * `a*` terms over 3,000 such records ran 17–20 s when each term scanned on its own).
 */

/** `terms` times `a*`: every term a wildcard that matches every word of the planted records. */
export const wildcardQuery = (terms: number) => Array.from({ length: terms }, () => "a*").join(" ")

/**
 * 199 × `a*` and `omega*`, which the planted records hold only as their last word: a match is
 * known only at the end of a row, so every byte of every row is read (the attack as sent, 200
 * `a*`, is done with a row at its first word).
 */
export const wholeRowQuery = () => `${wildcardQuery(199)} omega*`

/** A message of `words` words of 100 `a`s (about 100 bytes each), ending in `omega`. */
const longRuns = (words: number, i: number) => `${Array.from({ length: words }, () => "a".repeat(100)).join(" ")} a${i} omega`

/**
 * Stores `perService` records of about 4 KiB under each of `services` services (the embedded
 * store keeps a service's records in blocks of their own, so each service is at least one block
 * a search must read), and returns the services' names.
 */
export const plantLongRuns = async (url: string, prefix: string, services: number, perService: number) => {
  const names = Array.from({ length: services }, (_, s) => `${prefix}-${s}`)
  for (const service of names) {
    for (let sent = 0; sent < perService; sent += 500) {
      const lines = Array.from({ length: Math.min(500, perService - sent) }, (_, i) =>
        JSON.stringify({ service, level: "error", message: longRuns(40, sent + i) })
      )
      const response = await fetch(`${url}/api/v1/logs`, { method: "POST", headers: { "content-type": "application/x-ndjson" }, body: lines.join("\n") })
      const body = await json(response)
      if (body.accepted !== lines.length) throw new Error(`planting ${service}: ${JSON.stringify(body)}`)
    }
  }
  return names
}
