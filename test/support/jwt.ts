import { createHmac } from "node:crypto"

/** Hand-made tokens for the security tests (forged, unsigned, expired…), built with HMAC directly. */
const b64 = (value: unknown) => Buffer.from(typeof value === "string" ? value : JSON.stringify(value)).toString("base64url")

export const signHs256 = (payload: Record<string, unknown>, secret: string, header: Record<string, unknown> = { alg: "HS256", typ: "JWT" }) => {
  const unsigned = `${b64(header)}.${b64(payload)}`
  return `${unsigned}.${createHmac("sha256", secret).update(unsigned).digest("base64url")}`
}

export const unsignedToken = (payload: Record<string, unknown>) => `${b64({ alg: "none", typ: "JWT" })}.${b64(payload)}.`

export const decodePayload = (token: string): Record<string, unknown> => JSON.parse(Buffer.from(token.split(".")[1]!, "base64url").toString())
