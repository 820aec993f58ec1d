/**
 * Labelled log lines for pattern quality: each line made by one of the templates below, with
 * its variable parts drawn at random (numbers, durations, ids, IPs, hex, UUIDs, paths, words).
 * The label is the template's index: a perfect clustering groups exactly by it.
 */

const pick = <T>(items: ReadonlyArray<T>, r: () => number): T => items[Math.floor(r() * items.length)]!
const int = (min: number, max: number, r: () => number) => min + Math.floor(r() * (max - min + 1))
const hex = (n: number, r: () => number) => Array.from({ length: n }, () => "0123456789abcdef"[Math.floor(r() * 16)]).join("")
const ip = (r: () => number) => `${int(1, 223, r)}.${int(0, 255, r)}.${int(0, 255, r)}.${int(1, 254, r)}`
const uuid = (r: () => number) => `${hex(8, r)}-${hex(4, r)}-4${hex(3, r)}-a${hex(3, r)}-${hex(12, r)}`
const word = (r: () => number) => pick(["alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel", "india", "juliet"], r)
const method = (r: () => number) => pick(["GET", "POST", "PUT", "DELETE", "PATCH"], r)
const path = (r: () => number) => pick(["/api/orders", "/api/users/{id}", "/api/payments", "/api/cart", "/v2/search", "/healthz/live"], r)

export const TEMPLATES: ReadonlyArray<(r: () => number) => string> = [
  // The generator's own templates.
  (r) => `Request completed ${method(r)} ${path(r)} status=200 duration_ms=${int(3, 250, r)}`,
  (r) => `User ${int(1000, 99999, r)} logged in from ${ip(r)}`,
  (r) => `Order ORD-${int(100000, 999999, r)} created with ${int(1, 12, r)} items total=${(r() * 500).toFixed(2)} USD`,
  (r) => `Payment authorised for order ORD-${int(100000, 999999, r)} amount=${(r() * 900).toFixed(2)}`,
  (r) => `Cache refreshed for key product:${int(1, 5000, r)} in ${int(1, 40, r)}ms`,
  (r) => `Health check passed in ${int(1, 15, r)}ms`,
  (r) => `SQL query executed in ${int(1, 80, r)}ms rows=${int(0, 500, r)}`,
  (r) => `Feature flag checkout_v2 evaluated to ${r() < 0.5}`,
  (r) => `Retrying connection attempt ${int(1, 3, r)} to db-primary`,
  (r) => `Slow request ${method(r)} ${path(r)} took ${int(1000, 5000, r)}ms`,
  (r) => `Connection pool ${int(80, 99, r)}% utilised (max=${pick([20, 50, 100], r)})`,
  (r) => `Rate limit approaching for client ${hex(8, r)}: ${int(80, 99, r)} of 100 requests`,
  (r) => `Database connection timeout after ${int(3000, 30000, r)}ms host=db-${int(1, 3, r)}`,
  (r) => `Payment gateway returned 502 for transaction TX-${hex(6, r)}`,
  () => "Failed to publish event order.created: broker unavailable",
  (r) => `Upstream timeout calling inventory-service after ${int(1000, 10000, r)}ms`,
  // Written for this test, with noisier variables.
  (r) => `session ${uuid(r)} expired after ${int(1, 59, r)}m idle`,
  (r) => `worker ${word(r)}-${int(1, 64, r)} picked job ${uuid(r)} from queue ${pick(["emails", "thumbnails", "exports"], r)}`,
  (r) => `GC pause of ${(r() * 300).toFixed(1)}ms freed ${int(1, 900, r)}MB heap=${int(512, 4096, r)}MB`,
  (r) => `file /var/lib/app/${word(r)}/${int(1, 9999, r)}.dat checksum mismatch: expected 0x${hex(8, r)} got 0x${hex(8, r)}`,
  (r) => `TLS handshake with ${ip(r)}:${int(1024, 65535, r)} failed: certificate expired`,
  (r) => `kafka consumer lag on partition ${int(0, 31, r)} is ${int(1000, 900000, r)} messages`,
  (r) => `user ${word(r)}${int(1, 999, r)}@example.com changed password from ${ip(r)}`,
  (r) => `disk usage on /dev/sd${pick(["a", "b", "c"], r)}${int(1, 4, r)} reached ${int(80, 99, r)}%`
]

/** A seeded generator (mulberry32), so the corpus is the same every run. */
export const seeded = (seed: number) => () => {
  seed |= 0
  seed = (seed + 0x6d2b79f5) | 0
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed)
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296
}

export const labelledCorpus = (lines: number, seed = 7): Array<{ readonly label: number; readonly message: string }> => {
  const r = seeded(seed)
  return Array.from({ length: lines }, () => {
    const label = Math.floor(r() * TEMPLATES.length)
    return { label, message: TEMPLATES[label]!(r) }
  })
}

/** Adjusted Rand index of two labellings of the same items (1: identical partitions). */
export const adjustedRandIndex = (truth: ReadonlyArray<number | string>, found: ReadonlyArray<number | string>): number => {
  const pairs = (n: number) => (n * (n - 1)) / 2
  const table = new Map<string, number>()
  const rows = new Map<number | string, number>()
  const cols = new Map<number | string, number>()
  truth.forEach((t, i) => {
    const f = found[i]!
    table.set(`${t}\u0000${f}`, (table.get(`${t}\u0000${f}`) ?? 0) + 1)
    rows.set(t, (rows.get(t) ?? 0) + 1)
    cols.set(f, (cols.get(f) ?? 0) + 1)
  })
  const index = [...table.values()].reduce((s, n) => s + pairs(n), 0)
  const a = [...rows.values()].reduce((s, n) => s + pairs(n), 0)
  const b = [...cols.values()].reduce((s, n) => s + pairs(n), 0)
  const expected = (a * b) / pairs(truth.length)
  const max = (a + b) / 2
  return (index - expected) / (max - expected)
}
