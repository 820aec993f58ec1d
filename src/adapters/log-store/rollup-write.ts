import type { Database } from "bun:sqlite"
import { fingerprint, isError } from "../../domain/fingerprint.ts"
import type { LogRecord } from "../../domain/log-record.ts"

/**
 * Rollups, written in the same transaction as the records they count, so they always agree
 * with what is stored (also after kill -9 and redelivery: only records stored now are counted).
 * The metrics endpoints read only these.
 */
export const makeRollupWriter = (db: Database) => {
  const addMinute = db.query(
    `INSERT INTO rollup_minute (minute, service, level, count, bytes) VALUES (?, ?, ?, ?, ?)
     ON CONFLICT DO UPDATE SET count = count + excluded.count, bytes = bytes + excluded.bytes`
  )
  const addLevelMinute = db.query(
    `INSERT INTO rollup_level_minute (minute, level, count, bytes) VALUES (?, ?, ?, ?)
     ON CONFLICT DO UPDATE SET count = count + excluded.count, bytes = bytes + excluded.bytes`
  )
  const addTotal = db.query(
    `INSERT INTO rollup_totals (service, level, count, bytes, first_minute, last_minute) VALUES (?, ?, ?, ?, ?, ?)
     ON CONFLICT DO UPDATE SET count = count + excluded.count, bytes = bytes + excluded.bytes,
       first_minute = min(first_minute, excluded.first_minute), last_minute = max(last_minute, excluded.last_minute)`
  )
  const addFingerprint = db.query(
    `INSERT INTO error_fingerprints (minute, service, fingerprint, count, sample) VALUES (?, ?, ?, ?, ?)
     ON CONFLICT DO UPDATE SET count = count + excluded.count, sample = excluded.sample`
  )

  return (records: ReadonlyArray<LogRecord>) => {
    const rollup = new RollupDelta()
    for (const r of records) rollup.add(r)
    for (const m of rollup.minutes.values()) addMinute.run(m.minute, m.service, m.level, m.count, m.bytes)
    for (const m of rollup.levelMinutes.values()) addLevelMinute.run(m.minute, m.level, m.count, m.bytes)
    for (const t of rollup.totals.values()) addTotal.run(t.service, t.level, t.count, t.bytes, t.firstMinute, t.lastMinute)
    for (const f of rollup.fingerprints.values()) addFingerprint.run(f.minute, f.service, f.fingerprint, f.count, f.sample)
  }
}

/** What one batch adds to the rollups, grouped in memory so each row is upserted once. */
class RollupDelta {
  readonly minutes = new Map<string, { minute: number; service: string; level: string; count: number; bytes: number }>()
  readonly levelMinutes = new Map<string, { minute: number; level: string; count: number; bytes: number }>()
  readonly totals = new Map<string, { service: string; level: string; count: number; bytes: number; firstMinute: number; lastMinute: number }>()
  readonly fingerprints = new Map<string, { minute: number; service: string; fingerprint: string; count: number; sample: string }>()

  add(r: LogRecord) {
    const minute = Math.floor(r.timestamp / 60_000)
    const bytes = r.message.length
    const minuteKey = `${minute}\u0000${r.service}\u0000${r.level}`
    const m = this.minutes.get(minuteKey)
    if (m) {
      m.count++
      m.bytes += bytes
    } else this.minutes.set(minuteKey, { minute, service: r.service, level: r.level, count: 1, bytes })

    const levelKey = `${minute}\u0000${r.level}`
    const l = this.levelMinutes.get(levelKey)
    if (l) {
      l.count++
      l.bytes += bytes
    } else this.levelMinutes.set(levelKey, { minute, level: r.level, count: 1, bytes })

    const totalKey = `${r.service}\u0000${r.level}`
    const t = this.totals.get(totalKey)
    if (t) {
      t.count++
      t.bytes += bytes
      t.firstMinute = Math.min(t.firstMinute, minute)
      t.lastMinute = Math.max(t.lastMinute, minute)
    } else this.totals.set(totalKey, { service: r.service, level: r.level, count: 1, bytes, firstMinute: minute, lastMinute: minute })

    if (!isError(r.level)) return
    const print = fingerprint(r.message)
    const printKey = `${minute}\u0000${r.service}\u0000${print}`
    const f = this.fingerprints.get(printKey)
    if (f) f.count++
    else this.fingerprints.set(printKey, { minute, service: r.service, fingerprint: print, count: 1, sample: r.message.slice(0, 500) })
  }
}
