/**
 * ULIDs: 48-bit millisecond time + 80 random bits in Crockford base32, so ids sort by creation time.
 * Monotonic within a process: ids made in the same millisecond increment the random part,
 * which keeps a batch's ids in ingest order.
 */
const ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

let lastTime = -1
const lastRandom = new Uint8Array(16) // one base32 digit (5 bits) per byte

const encodeTime = (time: number): string => {
  let out = ""
  for (let i = 9; i >= 0; i--) {
    out = ALPHABET[time % 32] + out
    time = Math.floor(time / 32)
  }
  return out
}

const incrementRandom = (): void => {
  for (let i = 15; i >= 0; i--) {
    if (lastRandom[i]! < 31) {
      lastRandom[i]!++
      return
    }
    lastRandom[i] = 0
  }
}

export const ulid = (now: number = Date.now()): string => {
  if (now > lastTime) {
    lastTime = now
    crypto.getRandomValues(lastRandom)
    for (let i = 0; i < 16; i++) lastRandom[i]! &= 31
    lastRandom[0]! &= 15 // leave headroom so increments never overflow the 80 bits
  } else {
    incrementRandom()
  }
  let random = ""
  for (let i = 0; i < 16; i++) random += ALPHABET[lastRandom[i]!]
  return encodeTime(lastTime) + random
}

/** Epoch milliseconds encoded in a ULID, or undefined when the text is not a ULID. */
export const ulidTime = (id: string): number | undefined => {
  if (!/^[0-9A-HJKMNP-TV-Z]{26}$/.test(id)) return undefined
  let time = 0
  for (let i = 0; i < 10; i++) time = time * 32 + ALPHABET.indexOf(id[i]!)
  return time
}
