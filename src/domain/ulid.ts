import { createHash } from "node:crypto"

/**
 * ULIDs: 48-bit millisecond time + 80 random bits in Crockford base32, so ids sort by creation time.
 * Monotonic within a process: ids made in the same millisecond increment the random part,
 * which keeps a batch's ids in ingest order. This runs once per ingested record, so the
 * encoded time and the unchanged head of the random part are cached between calls.
 */

const ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
/** The largest time 48 bits hold. */
const MAX_ULID_TIME = 2 ** 48 - 1
const RANDOM_DIGITS = 16

let lastTime = -1
let timePart = ""
const random = new Uint8Array(RANDOM_DIGITS) // one base32 digit (5 bits) per byte
let randomHead = "" // the first 15 digits, rebuilt only when an increment carries into them

const encodeTime = (time: number): string => {
  let out = ""
  for (let i = 9; i >= 0; i--) {
    out = ALPHABET[time % 32] + out
    time = Math.floor(time / 32)
  }
  return out
}

const encodeHead = () => {
  let head = ""
  for (let i = 0; i < RANDOM_DIGITS - 1; i++) head += ALPHABET[random[i]!]
  randomHead = head
}

const incrementRandom = (): void => {
  for (let i = RANDOM_DIGITS - 1; i >= 0; i--) {
    if (random[i]! < 31) {
      random[i]!++
      if (i < RANDOM_DIGITS - 1) encodeHead()
      return
    }
    random[i] = 0
  }
}

export const ulid = (now: number = Date.now()): string => {
  if (now > lastTime) {
    lastTime = now
    timePart = encodeTime(now)
    crypto.getRandomValues(random)
    for (let i = 0; i < RANDOM_DIGITS; i++) random[i]! &= 31
    random[0]! &= 15 // leave headroom so increments never overflow the 80 bits
    encodeHead()
  } else {
    incrementRandom()
  }
  return timePart + randomHead + ALPHABET[random[RANDOM_DIGITS - 1]!]
}

/** Epoch milliseconds encoded in a ULID, or undefined when the text is not a ULID. */
export const ulidTime = (id: string): number | undefined => {
  if (!/^[0-9A-HJKMNP-TV-Z]{26}$/.test(id)) return undefined
  let time = 0
  for (let i = 0; i < 10; i++) time = time * 32 + ALPHABET.indexOf(id[i]!)
  return time
}

/**
 * A ULID that always comes out the same for the same `key` and time: the time part is `time`
 * (so the record sorts and is found where its neighbours in time are), the 80 random bits are
 * the first 80 bits of SHA-256(key). Used for records whose identity a client names in its own
 * terms, so a resend becomes the same record and the store keeps it once.
 */
export const ulidFor = (time: number, key: string): string => {
  const digest = createHash("sha256").update(key).digest()
  let random = ""
  // 16 base32 digits of 5 bits each, read from the digest's first 10 bytes.
  for (let bit = 0; bit < 80; bit += 5) {
    const byte = bit >> 3
    const pair = (digest[byte]! << 8) | digest[byte + 1]!
    random += ALPHABET[(pair >> (11 - (bit & 7))) & 31]
  }
  return encodeTime(Math.min(Math.max(0, Math.floor(time)), MAX_ULID_TIME)) + random
}
