/**
 * One JSON log line in the shape of Effect's JSON logger, for the few places that write outside
 * an Effect (signal handlers, driver callbacks, the HTTP error hook).
 */
export const writeLogLine = (logLevel: "INFO" | "WARN" | "ERROR", message: string, annotations: Record<string, unknown> = {}) =>
  console.log(JSON.stringify({ message, logLevel, timestamp: new Date().toISOString(), annotations }))
