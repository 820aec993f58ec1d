/**
 * How deep a parsed JSON value nests, asked without recursion: a shipper's line can nest tens of
 * thousands of levels, and any recursive walk over it (JSON.stringify included) would run out of
 * stack and fail the whole request instead of that line.
 */

/** Whether arrays and objects nest deeper than `max` inside `value`; iterative, so any depth is safe to ask about. */
export const nestsDeeperThan = (value: unknown, max: number): boolean => {
  const pending: Array<[unknown, number]> = [[value, 1]]
  while (pending.length > 0) {
    const [next, depth] = pending.pop()!
    if (next === null || typeof next !== "object") continue
    if (depth > max) return true
    for (const child of Array.isArray(next) ? next : Object.values(next)) pending.push([child, depth + 1])
  }
  return false
}
