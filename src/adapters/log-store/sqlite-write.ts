import type { Database } from "bun:sqlite"
import { fingerprint, isError } from "../../domain/fingerprint.ts"
import type { LogRecord } from "../../domain/log-record.ts"
import type { ExpiryRule } from "../../ports/log-store.ts"

/**
 * Writes one batch in one transaction. Records whose id is already stored are skipped
 * (redelivery); the FTS index is filled with one INSERT … SELECT over the new rows, which is
 * cheaper than a call per record; the rollups count exactly the rows inserted.
 */
export const makeBatchWriter = (db: Database) => {
  const insertLog = db.query(
    `INSERT INTO logs (id, ts, received_at, service, level, message, host, trace_id, span_id, correlation_id, attributes)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(id) DO NOTHING`
  )
  const lastSeq = db.query<{ seq: number }, []>("SELECT coalesce(max(seq), 0) AS seq FROM logs")
  const indexText = db.query("INSERT INTO logs_fts (rowid, message) SELECT seq, message FROM logs WHERE seq > ?")
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

  return db.transaction((batch: ReadonlyArray<LogRecord>) => {
    const before = lastSeq.get()!.seq
    const rollup = new RollupDelta()
    for (const r of batch) {
      let attributes: string | null = null
      for (const _ in r.attributes) {
        attributes = JSON.stringify(r.attributes)
        break
      }
      const inserted = insertLog.run(
        r.id, r.timestamp, r.received_at, r.service, r.level, r.message,
        r.host ?? null, r.trace_id ?? null, r.span_id ?? null, r.correlation_id ?? null, attributes
      )
      if (inserted.changes === 1) rollup.add(r)
    }
    indexText.run(before)
    for (const m of rollup.minutes.values()) addMinute.run(m.minute, m.service, m.level, m.count, m.bytes)
    for (const m of rollup.levelMinutes.values()) addLevelMinute.run(m.minute, m.level, m.count, m.bytes)
    for (const t of rollup.totals.values()) addTotal.run(t.service, t.level, t.count, t.bytes, t.firstMinute, t.lastMinute)
    for (const f of rollup.fingerprints.values()) addFingerprint.run(f.minute, f.service, f.fingerprint, f.count, f.sample)
  })
}

/**
 * Deletes up to `limit` records older than the rule's cutoff, with their full-text entries
 * (an external-content FTS5 index is told of each deleted row), then gives the freed pages back.
 */
export const makeExpirer = (db: Database) => {
  const candidates = db.query<{ seq: number; message: string }, [number, string | null, string | null, number]>(
    `SELECT seq, message FROM logs WHERE ts < ?
       AND (?2 IS NULL OR service IN (SELECT value FROM json_each(?2)))
       AND (?3 IS NULL OR service NOT IN (SELECT value FROM json_each(?3)))
     LIMIT ?4`
  )
  const forgetText = db.query("INSERT INTO logs_fts (logs_fts, rowid, message) VALUES ('delete', ?, ?)")
  const deleteRow = db.query("DELETE FROM logs WHERE seq = ?")
  const expire = db.transaction((rule: ExpiryRule, limit: number) => {
    const rows = candidates.all(
      rule.cutoff,
      rule.services ? JSON.stringify(rule.services) : null,
      rule.exceptServices?.length ? JSON.stringify(rule.exceptServices) : null,
      limit
    )
    for (const row of rows) {
      forgetText.run(row.seq, row.message)
      deleteRow.run(row.seq)
    }
    return rows.length
  })
  return (rule: ExpiryRule, limit: number) => {
    const deleted = expire(rule, limit)
    if (deleted > 0) db.run("PRAGMA incremental_vacuum(2000)")
    return deleted
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
