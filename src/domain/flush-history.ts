/**
 * What the indexer has written: records per second over the last 15 minutes (a ring of
 * one-second buckets, so the rate stays right however often batches are flushed), and the
 * sizes and write latencies of the last 1,000 batches. Read by /api/v1/metrics/system.
 */
export class FlushHistory {
  private static readonly SECONDS = 15 * 60
  private readonly perSecond = new Float64Array(FlushHistory.SECONDS)
  private readonly secondOf = new Float64Array(FlushHistory.SECONDS)
  private readonly sizes: number[] = []
  private readonly latencies: number[] = []
  totalBatches = 0
  totalRecords = 0

  record(at: number, size: number, latencyMs: number) {
    const second = Math.floor(at / 1000)
    const slot = second % FlushHistory.SECONDS
    if (this.secondOf[slot] !== second) {
      this.secondOf[slot] = second
      this.perSecond[slot] = 0
    }
    this.perSecond[slot]! += size
    this.sizes.push(size)
    this.latencies.push(latencyMs)
    if (this.sizes.length > 1000) {
      this.sizes.shift()
      this.latencies.shift()
    }
    this.totalBatches++
    this.totalRecords += size
  }

  /** Records committed per second over the last `seconds` (at most 15 minutes). */
  rate(now: number, seconds: number) {
    const current = Math.floor(now / 1000)
    let records = 0
    for (let s = current - Math.min(seconds, FlushHistory.SECONDS) + 1; s <= current; s++) {
      const slot = s % FlushHistory.SECONDS
      if (this.secondOf[slot] === s) records += this.perSecond[slot]!
    }
    return records / seconds
  }

  /** Size and latency figures of the last batches (up to 1,000). */
  recent() {
    const sizes = [...this.sizes].sort((a, b) => a - b)
    const latencies = [...this.latencies].sort((a, b) => a - b)
    const at = (xs: number[], p: number) => (xs.length ? xs[Math.min(xs.length - 1, Math.ceil(p * xs.length) - 1)]! : 0)
    return {
      batches: sizes.length,
      size_avg: sizes.length ? sizes.reduce((a, b) => a + b, 0) / sizes.length : 0,
      size_max: sizes.at(-1) ?? 0,
      latency_ms_p50: at(latencies, 0.5),
      latency_ms_p99: at(latencies, 0.99)
    }
  }
}
