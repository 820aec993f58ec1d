import type { Database } from "bun:sqlite"
import { fingerprint, isError } from "../../../domain/fingerprint.ts"
import { LEVELS } from "../../../domain/log-record.ts"
import { decodeText, textAt } from "./block-text.ts"
import type { BlockColumns } from "./block-codec.ts"
import { decodeHead } from "./block-head.ts"

/**
 * Rollups, written in the same transaction as the records they count, so they always agree
 * with what is stored (also after kill -9 and redelivery: only records stored now are counted).
 * The metrics endpoints read only these.
 */
export const makeRollupWriter = (db: Database) => {
  const levelColumns = LEVELS.map((_, code) => `n${code}, b${code}`).join(", ")
  const added = LEVELS.map((_, code) => `n${code} = n${code} + excluded.n${code}, b${code} = b${code} + excluded.b${code}`).join(", ")
  // One row per service (0: all services) and minute, a count and bytes per level (schema.ts, version 6).
  const addMinute = db.query(
    `INSERT INTO rollup_minutes (service, minute, ${levelColumns}) VALUES (${Array(2 + 2 * LEVELS.length)
      .fill("?")
      .join(", ")})
     ON CONFLICT DO UPDATE SET ${added}`
  )
  const serviceNumber = db.query<{ service: number }, [string]>("SELECT service FROM rollup_services WHERE name = ?")
  const addService = db.query<{ service: number }, [string]>("INSERT INTO rollup_services (name) VALUES (?) RETURNING service")
  const addTotal = db.query(
    `INSERT INTO rollup_totals (service, level, count, bytes, first_minute, last_minute) VALUES (?, ?, ?, ?, ?, ?)
     ON CONFLICT DO UPDATE SET count = count + excluded.count, bytes = bytes + excluded.bytes,
       first_minute = min(first_minute, excluded.first_minute), last_minute = max(last_minute, excluded.last_minute)`
  )
  const kindOf = db.query<{ kind: number }, [string, string]>("SELECT kind FROM error_kinds WHERE service = ? AND fingerprint = ?")
  const addKind = db.query<{ kind: number }, [string, string, string]>("INSERT INTO error_kinds (service, fingerprint, sample) VALUES (?, ?, ?) RETURNING kind")
  const putSample = db.query("UPDATE error_kinds SET sample = ? WHERE kind = ?")
  const addErrorMinute = db.query("INSERT INTO error_minutes (minute, kind, count) VALUES (?, ?, ?) ON CONFLICT DO UPDATE SET count = count + excluded.count")
  // Looked up per batch, not kept: a number given in a batch that then failed was never stored.
  const numberOf = (service: string) => (serviceNumber.get(service) ?? addService.get(service)!).service

  /**
   * Each fingerprint's number, and the minute its sample was last written. A fingerprint keeps a
   * sample of its latest minute: written the first time a minute has it, not with every batch
   * (an upsert per fingerprint per batch was most of the rollups' cost). Known only from
   * batches that committed: `forget` after a failed one.
   */
  const kinds = new Map<string, { readonly kind: number; sampleMinute: number }>()
  const kindFor = (f: { minute: number; service: string; fingerprint: string; sample: string }) => {
    const key = `${f.service}\u0000${f.fingerprint}`
    let known = kinds.get(key)
    if (known === undefined) {
      const stored = kindOf.get(f.service, f.fingerprint)
      known = stored ? { kind: stored.kind, sampleMinute: -1 } : { kind: addKind.get(f.service, f.fingerprint, f.sample)!.kind, sampleMinute: f.minute }
      kinds.set(key, known)
    }
    if (f.minute > known.sampleMinute) {
      putSample.run(f.sample, known.kind)
      known.sampleMinute = f.minute
    }
    return known.kind
  }

  const add = (blocks: ReadonlyArray<BlockColumns>) => {
    const rollup = new RollupDelta()
    for (const block of blocks) rollup.addBlock(block)
    const numbers = new Map<string, number>()
    for (const m of rollup.minutes.values()) {
      let service = 0
      if (m.service !== undefined) {
        service = numbers.get(m.service) ?? numberOf(m.service)
        numbers.set(m.service, service)
      }
      addMinute.run(service, m.minute, ...m.levels)
    }
    for (const t of rollup.totals.values()) addTotal.run(t.service, t.level, t.count, t.bytes, t.firstMinute, t.lastMinute)
    for (const f of rollup.fingerprints.values()) addErrorMinute.run(f.minute, kindFor(f), f.count)
  }
  return { add, forget: () => kinds.clear() }
}

const IS_ERROR = LEVELS.map(isError)

/** What one batch adds to the rollups, grouped in memory so each row is upserted once. */
class RollupDelta {
  /** Per service (undefined: all services) and minute, count and bytes per level code, as rollup_minutes' columns n0, b0, n1, b1 … */
  readonly minutes = new Map<string, { minute: number; service: string | undefined; levels: number[] }>()
  readonly totals = new Map<string, { service: string; level: string; count: number; bytes: number; firstMinute: number; lastMinute: number }>()
  readonly fingerprints = new Map<string, { minute: number; service: string; fingerprint: string; count: number; sample: string }>()

  /**
   * A block is of one service and in time order: its records are tallied per level for one
   * minute at a time, and each minute's tallies are added once.
   */
  addBlock(block: BlockColumns) {
    const { ts, level } = decodeHead(block.head)
    const messages = decodeText(block.messages.text, block.messages.ends)
    const ends = messages.ends
    const counts = new Array<number>(LEVELS.length).fill(0)
    const bytes = new Array<number>(LEVELS.length).fill(0)
    let minute = Math.floor(ts[0]! / 60_000)
    for (let i = 0; i < block.count; i++) {
      const m = Math.floor(ts[i]! / 60_000)
      if (m !== minute) {
        this.addMinute(minute, block.service, counts, bytes)
        minute = m
      }
      const code = level[i]!
      counts[code]!++
      bytes[code]! += ends[i]! - (i === 0 ? 0 : ends[i - 1]!)
      if (IS_ERROR[code]) this.addError(minute, block.service, textAt(messages, i))
    }
    this.addMinute(minute, block.service, counts, bytes)
  }

  /** Adds one minute's tallies per level (and clears them). */
  private addMinute(minute: number, service: string, counts: number[], bytes: number[]) {
    for (let code = 0; code < LEVELS.length; code++) {
      const count = counts[code]!
      if (count === 0) continue
      this.add(minute, service, code, count, bytes[code]!)
      counts[code] = 0
      bytes[code] = 0
    }
  }

  private addToMinute(key: string, minute: number, service: string | undefined, code: number, count: number, bytes: number) {
    let m = this.minutes.get(key)
    if (!m) this.minutes.set(key, (m = { minute, service, levels: new Array<number>(2 * LEVELS.length).fill(0) }))
    m.levels[2 * code]! += count
    m.levels[2 * code + 1]! += bytes
  }

  private add(minute: number, service: string, code: number, count: number, bytes: number) {
    this.addToMinute(`${minute}\u0000${service}`, minute, service, code, count, bytes)
    this.addToMinute(`${minute}`, minute, undefined, code, count, bytes)
    const level = LEVELS[code]!

    const totalKey = `${service}\u0000${level}`
    const t = this.totals.get(totalKey)
    if (t) {
      t.count += count
      t.bytes += bytes
      t.firstMinute = Math.min(t.firstMinute, minute)
      t.lastMinute = Math.max(t.lastMinute, minute)
    } else this.totals.set(totalKey, { service, level, count, bytes, firstMinute: minute, lastMinute: minute })
  }

  private addError(minute: number, service: string, message: string) {
    const print = fingerprint(message)
    const printKey = `${minute}\u0000${service}\u0000${print}`
    const f = this.fingerprints.get(printKey)
    if (f) f.count++
    else this.fingerprints.set(printKey, { minute, service, fingerprint: print, count: 1, sample: message.slice(0, 500) })
  }
}
