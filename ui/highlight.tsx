import type { ComponentChildren } from "preact"

export { highlightPattern } from "./highlight-pattern.ts"

/** The text with each match wrapped in <mark>. */
export const Highlighted = ({ text, pattern }: { text: string; pattern: RegExp | undefined }) => {
  if (!pattern) return <>{text}</>
  const parts: ComponentChildren[] = []
  let last = 0
  for (const match of text.matchAll(pattern)) {
    const at = match.index ?? 0
    if (match[0] === "") continue
    if (at > last) parts.push(text.slice(last, at))
    parts.push(<mark key={at}>{match[0]}</mark>)
    last = at + match[0].length
  }
  if (last < text.length) parts.push(text.slice(last))
  return <>{parts}</>
}
