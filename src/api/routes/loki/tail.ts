import { Effect } from "effect"
import type { Config } from "../../../config.ts"
import type { LogRecord } from "../../../domain/log-record.ts"
import { recordMatcher } from "../../../domain/record-matcher.ts"
import { LogStore } from "../../../ports/log-store.ts"
import type { Pipeline } from "../../../ports/pipeline.ts"
import type { LogQuery } from "../../../query/logql/ast.ts"
import { makeContext } from "../../../query/logql/context.ts"
import { LogqlError } from "../../../query/logql/errors.ts"
import { recordLabels, sortedLabels } from "../../../query/logql/labels.ts"
import { evaluateLogQuery } from "../../../query/logql/log-query.ts"
import { parseLogql } from "../../../query/logql/parser.ts"
import { compileSelector } from "../../../query/logql/selector.ts"
import { compilePipeline, type Entry } from "../../../query/logql/stages.ts"
import type { RunEffect } from "../../run-effect.ts"
import type { makeTailSessions } from "../tail-sessions.ts"
import { lokiLimit, lokiTime, type Query, requiredQuery } from "./params.ts"
import { logqlLimits } from "./query.ts"

/**
 * `/loki/api/v1/tail` over WebSocket, on LogFlow's live-tail hub: first the lines since `start`
 * (default one hour ago, at most `limit`, oldest first), then each committed line the query
 * accepts, as Loki's `{"streams": [...], "dropped_entries": [...]}` messages. The selector and
 * plain line filters match in the hub; the rest of the pipeline runs here. A client that falls
 * behind its buffer gets one `dropped_entries` entry per line it missed (the hub counts them, it
 * does not keep them, so their labels are empty), at most DROPPED_SHOWN per message.
 */

const DROPPED_SHOWN = 1000
const BACKFILL_MS = 3_600_000

type TailSessions = ReturnType<typeof makeTailSessions>

export interface TailSocket {
  readonly id: string
  send(message: string): unknown
  close(code?: number, reason?: string): unknown
}

const nanos = (ms: number) => `${ms}000000`

const message = (lines: ReadonlyArray<{ labels: Record<string, string>; ts: number; line: string }>, dropped = 0) => {
  const streams = new Map<string, { stream: Record<string, string>; values: string[][] }>()
  for (const l of lines) {
    const key = JSON.stringify(l.labels)
    const stream = streams.get(key) ?? { stream: l.labels, values: [] }
    stream.values.push([nanos(l.ts), l.line])
    streams.set(key, stream)
  }
  const shown = Math.min(dropped, DROPPED_SHOWN)
  return JSON.stringify({
    streams: [...streams.values()],
    ...(shown > 0 ? { dropped_entries: Array.from({ length: shown }, () => ({ labels: {}, timestamp: nanos(Date.now()) })) } : {})
  })
}

/** Parses and compiles the tail's query; a metric query cannot be tailed. */
export const prepareTail = (query: Query, config: Config) => {
  const parsed = parseLogql(requiredQuery(query))
  if (parsed.kind !== "log") throw new LogqlError({ message: "tail queries must be log queries, not metric queries" })
  const limit = lokiLimit(query, config.LOGQL_MAX_ENTRIES)
  const start = lokiTime("start", query.start) ?? Date.now() - BACKFILL_MS
  return { query: parsed, limit, start }
}

const compiledTail = (query: LogQuery, config: Config) =>
  Effect.gen(function* () {
    const services = [...new Set((yield* Effect.flatMap(LogStore, (s) => s.allTime())).map((c) => c.service))]
    const compiled = compileSelector(query, services)
    const store = recordMatcher(compiled.request, config.TAIL_MATCH_BYTES)
    const residual = compiled.residual
    const matches = (record: LogRecord) => !compiled.matchesNothing && store(record) && (!residual || residual(record))
    const pipeline = compilePipeline(compiled.stages, logqlLimits(config), { truncatedRegexLines: 0 })
    return { matches, pipeline }
  })

export const runSocketTail = async (
  run: RunEffect<LogStore | Pipeline>,
  sessions: TailSessions,
  config: Config,
  socket: TailSocket,
  tail: ReturnType<typeof prepareTail>,
  client: string,
  state: { closed: boolean }
) => {
  const { matches, pipeline } = await run(compiledTail(tail.query, config))
  const subscription = await sessions.subscribe(matches, client)
  try {
    const context = makeContext(logqlLimits(config))
    const backfill = await run(evaluateLogQuery(tail.query, { from: tail.start, to: Date.now(), limit: tail.limit, direction: "forward" }, context))
    // A line committed while the backfill ran may be in both; it is sent once.
    const sent = new Set(backfill.flatMap((s) => s.lines.map((l) => l.record.id)))
    const lines = backfill.flatMap((s) => s.lines.map((l) => ({ labels: s.labels, ts: l.record.timestamp, line: l.line })))
    lines.sort((a, b) => a.ts - b.ts)
    if (!state.closed) socket.send(message(lines))
    while (!state.closed) {
      const next = await subscription.next()
      if (state.closed || next === undefined) continue
      const out = []
      for (const record of next.records) {
        if (sent.has(record.id)) continue
        const entry: Entry = { record, line: record.message, labels: recordLabels(record) }
        if (pipeline(entry)) out.push({ labels: sortedLabels(entry.labels), ts: record.timestamp, line: entry.line })
      }
      if (out.length > 0 || next.missed > 0) socket.send(message(out, next.missed))
    }
  } finally {
    await subscription.close()
  }
}
