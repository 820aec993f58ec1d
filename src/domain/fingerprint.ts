/**
 * An error message's fingerprint: its first line with the parts that vary between occurrences
 * (UUIDs, hex ids, numbers) masked, so "timeout after 3000ms id=42" and "timeout after 2500ms
 * id=7" count as one error in the top-errors lists.
 */
export const fingerprint = (message: string): string => {
  const newline = message.indexOf("\n")
  const firstLine = (newline === -1 ? message : message.slice(0, newline)).slice(0, 500)
  return firstLine
    .replace(/\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/gi, "<uuid>")
    .replace(/\b0x[0-9a-f]+\b/gi, "<hex>")
    .replace(/\b(?=[0-9a-f]*\d)(?=[0-9a-f]*[a-f])[0-9a-f]{8,}\b/gi, "<hex>")
    .replace(/\d+(?:\.\d+)?/g, "<n>")
    .slice(0, 300)
}

export const isError = (level: string) => level === "ERROR" || level === "FATAL"
