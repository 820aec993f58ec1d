/** The API's JSON shapes the console reads (see docs/api.md). */

export interface LogJson {
  readonly id: string
  readonly timestamp: string
  readonly received_at: string
  readonly service: string
  readonly level: string
  readonly message: string
  readonly host?: string
  readonly trace_id?: string
  readonly span_id?: string
  readonly correlation_id?: string
  readonly attributes: Readonly<Record<string, string | number | boolean>>
}

export interface SearchPage {
  readonly total: number
  readonly total_is_lower_bound: boolean
  readonly logs: ReadonlyArray<LogJson>
  readonly next_cursor: string | null
  readonly took_ms: number
}

export interface ContextJson {
  readonly before: ReadonlyArray<LogJson>
  readonly record: LogJson
  readonly after: ReadonlyArray<LogJson>
}

export interface User {
  readonly id: string | number
  readonly username: string
  readonly is_admin?: boolean
}
