/**
 * The lines every logging-library client in test/support/clients logs, and how it reports what
 * it sent: one JSON line on stdout, each line's level, message, the time it was logged and the
 * fields it carried, for the test to find again in LogFlow. `RUN` makes the trace ids unique.
 */
export const linesFor = (run) => [
  { level: "info", message: "order placed", fields: { order: { id: 42 }, trace_id: `${run}a1`, span_id: `${run}b1` } },
  { level: "warn", message: "payment slow", fields: { latency_ms: 1234 } },
  { level: "error", message: "card declined", fields: { trace_id: `${run}a2`, reason: "expired" } }
]

export const report = (sent) => process.stdout.write(`${JSON.stringify(sent)}\n`)
