import http from "node:http"
import https from "node:https"
import type { LookupFunction } from "node:net"
import type { Target } from "./ssrf-guard.ts"

/**
 * POSTs a body to a checked target over a connection to exactly the address that was checked:
 * the name in the URL still goes in the Host header and, for https, in SNI and the certificate
 * check, but it is not resolved again. Redirects are not followed (node:http never does).
 */
export const postPinned = (target: Target, body: string, headers: Record<string, string>, timeoutMs: number): Promise<number> =>
  new Promise((resolve, reject) => {
    const pinned: LookupFunction = (_host, options, callback) => {
      if (options.all) callback(null, [{ address: target.address, family: target.family }])
      else callback(null, target.address, target.family)
    }
    const client = target.url.protocol === "https:" ? https : http
    const request = client.request(
      target.url,
      { method: "POST", headers: { ...headers, "content-length": String(Buffer.byteLength(body)) }, lookup: pinned },
      (response) => {
        response.resume()
        response.on("end", () => resolve(response.statusCode ?? 0))
        response.on("error", reject)
      }
    )
    // One deadline for the whole attempt (connect, send, answer), not an idle timeout per socket.
    const deadline = setTimeout(() => request.destroy(Object.assign(new Error("timed out"), { name: "TimeoutError" })), timeoutMs)
    request.on("close", () => clearTimeout(deadline))
    request.on("error", reject)
    request.end(body)
  })
