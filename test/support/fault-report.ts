/**
 * The fault suite's summary: each reliability test reports one row, and the test preload
 * prints them as one table when the run ends (see setup.ts).
 */
export interface FaultRow {
  readonly fault: string
  readonly outcome: string
  readonly sent?: number
  readonly acknowledged?: number
  readonly found?: number
  /** p99 of `GET /health` while the fault or attack lasted, in milliseconds. */
  readonly healthP99Ms?: number
}

const rows: FaultRow[] = []

export const reportFault = (row: FaultRow) => void rows.push(row)

export const faultTable = (): string | undefined => {
  if (rows.length === 0) return undefined
  const cells = (r: FaultRow) => [
    r.fault,
    r.outcome,
    r.healthP99Ms === undefined ? "–" : r.healthP99Ms.toFixed(1),
    String(r.sent ?? "–"),
    String(r.acknowledged ?? "–"),
    String(r.found ?? "–")
  ]
  const header = ["fault or attack", "outcome", "health p99 (ms)", "sent", "acknowledged", "found"]
  const table = [header, ...rows.map(cells)]
  const widths = header.map((_, i) => Math.max(...table.map((row) => row[i]!.length)))
  const line = (row: string[]) => `| ${row.map((cell, i) => cell.padEnd(widths[i]!)).join(" | ")} |`
  return [line(header), `|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`, ...rows.map((r) => line(cells(r)))].join("\n")
}
