import { createHash } from "node:crypto"

/**
 * ULIDs: 48-bit millisecond time + 80 random bits in Crockford base32, so ids sort by creation time.
 * Monotonic within a process: ids made in the same millisecond increment the random part,
 * which keeps a batch's ids in ingest order. This runs once per ingested record, so only the
 * digits that changed since the last id are spelled again.
 */

const ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
/** The largest time 48 bits hold. */
const MAX_ULID_TIME = 2 ** 48 - 1
const RANDOM_DIGITS = 16

let lastTime = -1
const random = new Uint8Array(RANDOM_DIGITS) // one base32 digit (5 bits) per byte
/**
 * The last id's characters (ASCII codes), changed in place and read out as one string: a
 * string made of parts would be a rope, which every later join or hash has to flatten first.
 */
const spelled = new Uint8Array(10 + RANDOM_DIGITS)
const DIGIT_CODES = new TextEncoder().encode(ALPHABET)
const ascii = new TextDecoder("latin1")

const encodeTime = (time: number): string => {
  let out = ""
  for (let i = 9; i >= 0; i--) {
    out = ALPHABET[time % 32] + out
    time = Math.floor(time / 32)
  }
  return out
}

const spellTime = (time: number) => {
  for (let i = 9; i >= 0; i--) {
    spelled[i] = DIGIT_CODES[time % 32]!
    time = Math.floor(time / 32)
  }
}

const spellRandom = (from: number) => {
  for (let i = from; i < RANDOM_DIGITS; i++) spelled[10 + i] = DIGIT_CODES[random[i]!]!
}

/** Adds one to the random part; returns the first digit that changed. */
const incrementRandom = (): number => {
  for (let i = RANDOM_DIGITS - 1; i >= 0; i--) {
    if (random[i]! < 31) {
      random[i]!++
      return i
    }
    random[i] = 0
  }
  return 0
}

export const ulid = (now: number = Date.now()): string => {
  if (now > lastTime) {
    lastTime = now
    spellTime(now)
    crypto.getRandomValues(random)
    for (let i = 0; i < RANDOM_DIGITS; i++) random[i]! &= 31
    random[0]! &= 15 // leave headroom so increments never overflow the 80 bits
    spellRandom(0)
  } else {
    spellRandom(incrementRandom())
  }
  return ascii.decode(spelled)
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
