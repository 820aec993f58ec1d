import type { Database } from "bun:sqlite"
import type { LogRecord } from "../../domain/log-record.ts"

/**
 * Writes one batch in one transaction. Records whose id is already stored are skipped
 * (redelivery); the FTS index is filled with one INSERT … SELECT over the new rows, which is
 * cheaper than a call per record.
 */
export const makeBatchWriter = (db: Database) => {
  const insertLog = db.query(
    `INSERT INTO logs (id, ts, received_at, service, level, message, host, trace_id, span_id, correlation_id, attributes)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(id) DO NOTHING`
  )
  const lastSeq = db.query<{ seq: number }, []>("SELECT coalesce(max(seq), 0) AS seq FROM logs")
  const indexText = db.query("INSERT INTO logs_fts (rowid, message) SELECT seq, message FROM logs WHERE seq > ?")

  return db.transaction((batch: ReadonlyArray<LogRecord>) => {
    const before = lastSeq.get()!.seq
    for (const r of batch) {
      let attributes: string | null = null
      for (const _ in r.attributes) {
        attributes = JSON.stringify(r.attributes)
        break
      }
      insertLog.run(
        r.id, r.timestamp, r.received_at, r.service, r.level, r.message,
        r.host ?? null, r.trace_id ?? null, r.span_id ?? null, r.correlation_id ?? null, attributes
      )
    }
    indexText.run(before)
  })
}
