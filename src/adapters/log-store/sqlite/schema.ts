/**
 * The embedded store's schema. Since version 3 records are kept in blocks (see block-codec.ts);
 * versions 1 and 2 kept a row per record, and opening such a database moves its records into
 * blocks (moveLegacyRecords in block-write.ts).
 */
export const PRAGMAS = [
  // Only possible before the first table exists; lets deleting old logs give space back later.
  "PRAGMA auto_vacuum = INCREMENTAL",
  "PRAGMA journal_mode = WAL",
  "PRAGMA busy_timeout = 5000",
  "PRAGMA temp_store = MEMORY",
  // 32 MiB of pages per connection (the writer's fills within a minute of ingest): 64 held ~30 MiB
  // more in the soak with no gain in write or read times.
  "PRAGMA cache_size = -32768",
  "PRAGMA mmap_size = 268435456"
]

/** Version 1: logs, full-text index and the per-service rollups. */
const V1 = [
  `CREATE TABLE IF NOT EXISTS logs (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL,
    ts INTEGER NOT NULL,
    received_at INTEGER NOT NULL,
    service TEXT NOT NULL,
    level TEXT NOT NULL,
    message TEXT NOT NULL,
    host TEXT,
    trace_id TEXT,
    span_id TEXT,
    correlation_id TEXT,
    attributes TEXT
  )`,
  "CREATE UNIQUE INDEX IF NOT EXISTS logs_id ON logs(id)",
  "CREATE INDEX IF NOT EXISTS logs_ts ON logs(ts)",
  "CREATE INDEX IF NOT EXISTS logs_service_ts ON logs(service, ts)",
  "CREATE INDEX IF NOT EXISTS logs_level_ts ON logs(level, ts)",
  // No column sizes: they serve bm25 ranking, and results are ordered by time instead.
  "CREATE VIRTUAL TABLE IF NOT EXISTS logs_fts USING fts5(message, content='logs', content_rowid='seq', columnsize=0)",
  // Rollups, written in the same transaction as the batch they count, so they always agree
  // with the logs (also after kill -9). The metrics endpoints read only these.
  `CREATE TABLE IF NOT EXISTS rollup_minute (
    minute INTEGER NOT NULL,
    service TEXT NOT NULL,
    level TEXT NOT NULL,
    count INTEGER NOT NULL,
    bytes INTEGER NOT NULL,
    PRIMARY KEY (minute, service, level)
  ) WITHOUT ROWID`,
  "CREATE INDEX IF NOT EXISTS rollup_minute_service ON rollup_minute(service, minute)",
  `CREATE TABLE IF NOT EXISTS rollup_totals (
    service TEXT NOT NULL,
    level TEXT NOT NULL,
    count INTEGER NOT NULL,
    bytes INTEGER NOT NULL,
    first_minute INTEGER NOT NULL,
    last_minute INTEGER NOT NULL,
    PRIMARY KEY (service, level)
  ) WITHOUT ROWID`,
  `CREATE TABLE IF NOT EXISTS error_fingerprints (
    minute INTEGER NOT NULL,
    service TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    count INTEGER NOT NULL,
    sample TEXT NOT NULL,
    PRIMARY KEY (minute, service, fingerprint)
  ) WITHOUT ROWID`
]

/** Version 2: per-level minute counts across services, so unfiltered time series read few rows. */
const V2 = [
  `CREATE TABLE rollup_level_minute (
    minute INTEGER NOT NULL,
    level TEXT NOT NULL,
    count INTEGER NOT NULL,
    bytes INTEGER NOT NULL,
    PRIMARY KEY (minute, level)
  ) WITHOUT ROWID`,
  "INSERT INTO rollup_level_minute SELECT minute, level, sum(count), sum(bytes) FROM rollup_minute GROUP BY minute, level"
]

/**
 * Version 3: records in blocks of one service. A block's summary row is what searches walk
 * (newest first by `max_ts`); its text and ids are read only for blocks that hold matches.
 * The full-text index has one document per block (its messages and field tokens), so it
 * names candidate blocks, not records: it grows with blocks, and stays cheap to write.
 * `record_ids` finds a record by id and keeps redelivered records out (until version 4).
 */
const V3 = [
  `CREATE TABLE blocks (
    block INTEGER PRIMARY KEY AUTOINCREMENT,
    service TEXT NOT NULL,
    count INTEGER NOT NULL,
    min_ts INTEGER NOT NULL,
    max_ts INTEGER NOT NULL,
    levels INTEGER NOT NULL,
    head BLOB NOT NULL,
    hosts TEXT NOT NULL
  )`,
  "CREATE INDEX blocks_max_ts ON blocks(max_ts)",
  "CREATE INDEX blocks_service_max_ts ON blocks(service, max_ts)",
  "CREATE INDEX blocks_min_ts ON blocks(min_ts)",
  // Text columns are a text and a blob of where each value ends (see block-codec.ts); text
  // searches read only the first two (the messages as searches see them).
  `CREATE TABLE block_data (
    block INTEGER PRIMARY KEY,
    search_ends BLOB NOT NULL, search_text BLOB NOT NULL,
    message_ends BLOB NOT NULL, messages TEXT NOT NULL,
    id_ends BLOB NOT NULL, ids TEXT NOT NULL,
    received_at BLOB NOT NULL,
    trace_id_ends BLOB, trace_ids TEXT,
    span_id_ends BLOB, span_ids TEXT,
    correlation_id_ends BLOB, correlation_ids TEXT
  )`,
  "CREATE TABLE block_attributes (block INTEGER NOT NULL, key TEXT NOT NULL, numbers BLOB, dictionary TEXT, indexes BLOB, PRIMARY KEY (block, key))",
  "CREATE TABLE record_ids (id TEXT PRIMARY KEY, seq INTEGER NOT NULL) WITHOUT ROWID",
  "CREATE VIRTUAL TABLE block_terms USING fts5(terms, content='', contentless_delete=1, detail=none, tokenize='unicode61 remove_diacritics 2')"
]

/**
 * Version 4: records are found by id through rows per block and id bucket (block-ids.ts)
 * instead of a row per record, and trace and correlation ids through a Bloom filter per block
 * (block-bloom.ts) instead of full-text tokens; completeOldBlocks (upgrade.ts) fills both
 * in for the blocks of version 3.
 */
const V4 = [
  "DROP TABLE record_ids",
  `CREATE TABLE block_ids (
    bucket TEXT NOT NULL,
    block INTEGER NOT NULL,
    min_id TEXT NOT NULL,
    max_id TEXT NOT NULL,
    PRIMARY KEY (bucket, block)
  ) WITHOUT ROWID`,
  "CREATE INDEX block_ids_block ON block_ids(block)",
  "CREATE TABLE block_blooms (block INTEGER PRIMARY KEY, bloom BLOB NOT NULL)"
]

/**
 * Version 5: packed blocks (block-pack.ts: each column encoded for its type and compressed on
 * its own) and sparse attributes (block-attributes.ts), with the attributes of keys past a
 * block's column limit kept per record. Blocks written before read as they always did.
 * Error fingerprints are kept once each, with one sample (`error_kinds`), and counted per
 * minute by number (`error_minutes`), instead of their text and a sample in every minute's row.
 */
const V5 = [
  "ALTER TABLE block_data ADD COLUMN other_attributes BLOB",
  `CREATE TABLE error_kinds (
    kind INTEGER PRIMARY KEY,
    service TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    sample TEXT NOT NULL,
    UNIQUE (service, fingerprint)
  )`,
  `CREATE TABLE error_minutes (
    minute INTEGER NOT NULL,
    kind INTEGER NOT NULL,
    count INTEGER NOT NULL,
    PRIMARY KEY (minute, kind)
  ) WITHOUT ROWID`,
  "INSERT INTO error_kinds (service, fingerprint, sample) SELECT service, fingerprint, max(sample) FROM error_fingerprints GROUP BY service, fingerprint",
  "INSERT INTO error_minutes (minute, kind, count) SELECT f.minute, k.kind, f.count FROM error_fingerprints f JOIN error_kinds k USING (service, fingerprint)",
  "DROP TABLE error_fingerprints"
]

/**
 * Version 6: the minute rollups in one row per service and minute (`rollup_minutes`), a count
 * and a byte total per level in its columns (n0…n5 and b0…b5, by level: TRACE, DEBUG, INFO,
 * WARN, ERROR, FATAL), the service by number (`rollup_services`), and service 0 for all
 * services (what rollup_level_minute held), instead of a row per service, minute and level
 * with the names as text and a second index by service.
 * `settled_blocks` says up to which block the messages have been packed again at a higher
 * zstd level while the writer was idle (block-settle.ts).
 */
const V6 = [
  "CREATE TABLE rollup_services (service INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE)",
  `CREATE TABLE rollup_minutes (
    service INTEGER NOT NULL,
    minute INTEGER NOT NULL,
    n0 INTEGER NOT NULL DEFAULT 0,
    n1 INTEGER NOT NULL DEFAULT 0,
    n2 INTEGER NOT NULL DEFAULT 0,
    n3 INTEGER NOT NULL DEFAULT 0,
    n4 INTEGER NOT NULL DEFAULT 0,
    n5 INTEGER NOT NULL DEFAULT 0,
    b0 INTEGER NOT NULL DEFAULT 0,
    b1 INTEGER NOT NULL DEFAULT 0,
    b2 INTEGER NOT NULL DEFAULT 0,
    b3 INTEGER NOT NULL DEFAULT 0,
    b4 INTEGER NOT NULL DEFAULT 0,
    b5 INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (service, minute)
  ) WITHOUT ROWID`,
  "INSERT INTO rollup_services (name) SELECT DISTINCT service FROM rollup_minute ORDER BY service",
  `INSERT INTO rollup_minutes SELECT s.service, r.minute,
     sum(iif(level = 'TRACE', count, 0)), sum(iif(level = 'DEBUG', count, 0)), sum(iif(level = 'INFO', count, 0)), sum(iif(level = 'WARN', count, 0)), sum(iif(level = 'ERROR', count, 0)), sum(iif(level = 'FATAL', count, 0)), sum(iif(level = 'TRACE', bytes, 0)), sum(iif(level = 'DEBUG', bytes, 0)), sum(iif(level = 'INFO', bytes, 0)), sum(iif(level = 'WARN', bytes, 0)), sum(iif(level = 'ERROR', bytes, 0)), sum(iif(level = 'FATAL', bytes, 0))
   FROM rollup_minute r JOIN rollup_services s ON s.name = r.service GROUP BY s.service, r.minute`,
  `INSERT INTO rollup_minutes SELECT 0, minute,
     sum(iif(level = 'TRACE', count, 0)), sum(iif(level = 'DEBUG', count, 0)), sum(iif(level = 'INFO', count, 0)), sum(iif(level = 'WARN', count, 0)), sum(iif(level = 'ERROR', count, 0)), sum(iif(level = 'FATAL', count, 0)), sum(iif(level = 'TRACE', bytes, 0)), sum(iif(level = 'DEBUG', bytes, 0)), sum(iif(level = 'INFO', bytes, 0)), sum(iif(level = 'WARN', bytes, 0)), sum(iif(level = 'ERROR', bytes, 0)), sum(iif(level = 'FATAL', bytes, 0))
   FROM rollup_level_minute GROUP BY minute`,
  "DROP TABLE rollup_minute",
  "DROP TABLE rollup_level_minute",
  "CREATE TABLE settled_blocks (upto INTEGER NOT NULL)",
  "INSERT INTO settled_blocks VALUES (0)"
]

/** Applied in order; `PRAGMA user_version` records how many a database has. Never edit a shipped one. */
export const SCHEMA_VERSIONS: ReadonlyArray<ReadonlyArray<string>> = [V1, V2, V3, V4, V5, V6]
