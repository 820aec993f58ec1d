import { type Cluster, Drain, templateOf } from "./drain.ts"
import { LEVELS, type Level, type LogRecord } from "./log-record.ts"
import { messageTokens } from "./message-tokens.ts"

/** What learning reads of a record. */
export type LearnRecord = Pick<LogRecord, "id" | "service" | "level" | "timestamp" | "message">

/**
 * The patterns of every service, learned from committed records: one Drain per service (at most
 * `maxPerService` templates each, the rarest evicted), and per template a count per minute of
 * event time with the level mix and one sample record id. What changed since the last
 * `takeChanges` is handed to the pattern store as deltas, so that several processes (or a
 * restart) add to the same rows instead of overwriting them.
 */

export interface PatternBookOptions {
  readonly similarity: number
  readonly maxPerService: number
  readonly maxServices: number
  readonly maxChildren: number
  readonly maxTokens: number
  /** Per-minute buckets held between flushes, at most (a store that stays down cannot grow memory). */
  readonly maxPendingMinutes: number
  /**
   * Message shapes (first lines with every digit as 0) remembered with the template they went
   * to, across services, at most (0: none); past it they are forgotten all at once. Default
   * DEFAULT_SHAPE_CACHE.
   */
  readonly shapeCache?: number
  readonly newId: () => string
}

export const DEFAULT_SHAPE_CACHE = 20_000

/** A template as stored: `count` is the total known, `added` what changed since the last flush. */
export interface PatternRow {
  readonly id: string
  readonly service: string
  readonly template: string
  readonly count: number
  readonly firstSeen: number
  readonly lastSeen: number
  readonly sampleId: string
}

export interface MinuteRow {
  readonly patternId: string
  readonly service: string
  /** Start of the minute, epoch ms. */
  readonly minute: number
  count: number
  /** Records per level, in LEVELS order. */
  readonly levels: number[]
  readonly sampleId: string
}

export interface PatternChanges {
  /** Templates changed since the last flush, each with how many records it gained (`added`). */
  readonly patterns: ReadonlyArray<PatternRow & { readonly added: number }>
  readonly minutes: ReadonlyArray<MinuteRow>
  /** Templates evicted (their history goes with them). */
  readonly evicted: ReadonlyArray<string>
}

export interface LearnOutcome {
  readonly learned: number
  /** Records of services beyond `maxServices`: not learned. */
  readonly serviceCap: number
  /** Records learned but not counted: their minute found the pending buckets full. */
  readonly pendingFull: number
}

export const MINUTE_MS = 60_000

const LEVEL_INDEX = Object.fromEntries(LEVELS.map((level, i) => [level, i])) as Record<Level, number>

/**
 * A message's shape: its first line (at most 1,000 characters, as messageTokens reads it) with
 * every ASCII digit replaced by 0. The tokenizer's rules treat all digits alike (\d, [0-9a-f],
 * \w), so two messages of one shape have the same tokens, unless a token kept literal holds
 * digits (`v2`): such shapes are not remembered.
 */
const shapeOf = (message: string) => {
  const newline = message.indexOf("\n")
  const line = newline === -1 ? message : message.slice(0, newline)
  return (line.length > 1_000 ? line.slice(0, 1_000) : line).replace(DIGIT, "0")
}
const DIGIT = /\d/g
const HAS_DIGIT = /\d/

interface ServiceBook {
  readonly drain: Drain
  /** Shape → the cluster a message of that shape joined (it matched that cluster whole). */
  readonly shapes: Map<string, Cluster>
}

export class PatternBook {
  private readonly services = new Map<string, ServiceBook>()
  private readonly serviceOf = new Map<Drain, string>()
  private readonly shapeCap: number
  private shapeCount = 0
  /** Records learned through a remembered shape (no tokens, no tree walk), since the book was made. */
  shapeHits = 0
  /** Cluster → minute → bucket, for the buckets not yet flushed. */
  private pending = new Map<Cluster, Map<number, MinuteRow>>()
  private pendingCount = 0
  private evicted: string[] = []

  constructor(private readonly options: PatternBookOptions) {
    this.shapeCap = options.shapeCache ?? DEFAULT_SHAPE_CACHE
  }

  get serviceCount() {
    return this.services.size
  }

  /** Templates held for a service. */
  sizeOf(service: string) {
    return this.services.get(service)?.drain.size ?? 0
  }

  /** Shapes remembered, across services (at most `shapeCache`). */
  get shapesHeld() {
    return this.shapeCount
  }

  learn(records: ReadonlyArray<LearnRecord>): LearnOutcome {
    let learned = 0
    let serviceCap = 0
    let pendingFull = 0
    for (const record of records) {
      const cluster = this.place(record)
      if (cluster === undefined) serviceCap++
      else if (this.count(cluster, record)) learned++
      else pendingFull++
    }
    this.collectEvictions()
    return { learned, serviceCap, pendingFull }
  }

  /**
   * The cluster a record joins (learning from it), or undefined past `maxServices`. A message
   * of a shape seen before goes straight to the cluster that shape went to, while that cluster
   * is held: it matched the cluster whole then, and a template only ever gains `<*>`, so it
   * still does. Otherwise the message is tokenized and clustered (Drain), and its shape
   * remembered.
   */
  place(record: LearnRecord): Cluster | undefined {
    const book = this.bookFor(record.service)
    if (book === undefined) return undefined
    if (this.shapeCap === 0) return book.drain.add(messageTokens(record.message, this.options.maxTokens), record.timestamp, record.id)
    const shape = shapeOf(record.message)
    const known = book.shapes.get(shape)
    if (known !== undefined && !known.removed) {
      this.shapeHits++
      book.drain.hit(known, record.timestamp)
      return known
    }
    const tokens = messageTokens(record.message, this.options.maxTokens)
    const cluster = book.drain.add(tokens, record.timestamp, record.id)
    if (tokens.every((t) => !HAS_DIGIT.test(t))) {
      if (known === undefined) {
        if (this.shapeCount >= this.shapeCap) {
          for (const b of this.services.values()) b.shapes.clear()
          this.shapeCount = 0
        }
        this.shapeCount++
      }
      book.shapes.set(shape, cluster)
    }
    return cluster
  }

  /** Puts back templates loaded from the pattern store (after a restart). */
  restore(rows: ReadonlyArray<PatternRow>) {
    for (const row of rows) {
      const drain = this.bookFor(row.service)?.drain
      drain?.restore({ id: row.id, tokens: tokensOf(row.template), count: row.count, firstSeen: row.firstSeen, lastSeen: row.lastSeen, sampleId: row.sampleId })
    }
    this.collectEvictions()
  }

  /** What changed since the last call; the caller stores it, or hands it back with `putBack`. */
  takeChanges(): PatternChanges {
    const patterns: Array<PatternRow & { added: number }> = []
    const minutes: MinuteRow[] = []
    for (const [drain, service] of this.serviceOf) {
      for (const cluster of drain.takeChanges().changed) {
        const buckets = this.pending.get(cluster)
        let added = 0
        for (const bucket of buckets?.values() ?? []) {
          added += bucket.count
          minutes.push(bucket)
        }
        patterns.push({ ...rowOf(cluster, service), added })
      }
    }
    this.pending = new Map()
    this.pendingCount = 0
    const evicted = this.evicted
    this.evicted = []
    return { patterns, minutes, evicted }
  }

  /**
   * A flush that failed: its changes are kept for the next one (templates are written whole,
   * so only the counts and evictions need keeping). Bounded like any pending buckets.
   */
  putBack(changes: PatternChanges) {
    const clusters = new Map<string, Cluster>()
    for (const drain of this.serviceOf.keys()) for (const c of drain.clusters()) clusters.set(c.id, c)
    for (const minute of changes.minutes) {
      const cluster = clusters.get(minute.patternId)
      if (cluster === undefined) continue
      cluster.changed = true
      const buckets = this.bucketsOf(cluster)
      const held = buckets.get(minute.minute)
      if (held === undefined) {
        if (this.pendingCount >= this.options.maxPendingMinutes) continue
        buckets.set(minute.minute, minute)
        this.pendingCount++
      } else {
        held.count += minute.count
        minute.levels.forEach((n, i) => {
          held.levels[i]! += n
        })
      }
    }
    for (const p of changes.patterns) {
      const cluster = clusters.get(p.id)
      if (cluster !== undefined) cluster.changed = true
    }
    this.evicted.push(...changes.evicted)
  }

  private bookFor(service: string): ServiceBook | undefined {
    let book = this.services.get(service)
    if (book === undefined) {
      if (this.services.size >= this.options.maxServices) return undefined
      const { similarity, maxPerService, maxChildren, newId } = this.options
      book = { drain: new Drain({ similarity, maxClusters: maxPerService, maxChildren, newId }), shapes: new Map() }
      this.services.set(service, book)
      this.serviceOf.set(book.drain, service)
    }
    return book
  }

  /** Adds a record to its cluster's bucket of the minute; false when no bucket could be had. */
  private count(cluster: Cluster, record: LearnRecord): boolean {
    const minute = Math.floor(record.timestamp / MINUTE_MS) * MINUTE_MS
    const buckets = this.bucketsOf(cluster)
    let bucket = buckets.get(minute)
    if (bucket === undefined) {
      if (this.pendingCount >= this.options.maxPendingMinutes) return false
      bucket = { patternId: cluster.id, service: record.service, minute, count: 0, levels: LEVELS.map(() => 0), sampleId: record.id }
      buckets.set(minute, bucket)
      this.pendingCount++
    }
    bucket.count++
    bucket.levels[LEVEL_INDEX[record.level]]!++
    return true
  }

  private bucketsOf(cluster: Cluster) {
    let buckets = this.pending.get(cluster)
    if (buckets === undefined) this.pending.set(cluster, (buckets = new Map()))
    return buckets
  }

  /** Evicted clusters lose their pending buckets; their ids are deleted from the store at the next flush. */
  private collectEvictions() {
    for (const drain of this.serviceOf.keys()) {
      const gone = drain.takeEvicted()
      if (gone.length === 0) continue
      const ids = new Set(gone)
      for (const [cluster, buckets] of this.pending) {
        if (!ids.has(cluster.id)) continue
        this.pendingCount -= buckets.size
        this.pending.delete(cluster)
      }
      this.evicted.push(...gone)
    }
  }
}

const rowOf = (cluster: Cluster, service: string): PatternRow => ({
  id: cluster.id,
  service,
  template: templateOf(cluster.tokens),
  count: cluster.count,
  firstSeen: cluster.firstSeen,
  lastSeen: cluster.lastSeen,
  sampleId: cluster.sampleId
})

/** A stored template's tokens (templates are tokens joined by one space; tokens hold no whitespace). */
export const tokensOf = (template: string): string[] => (template === "" ? [] : template.split(" "))
