/**
 * How many connections a listener has open, in all and per address, and whether one more may
 * be: a sender opening connections without end is held to the listener's two bounds
 * (FLUENT_FORWARD_MAX_CONNECTIONS / _MAX_PER_SOURCE, OTLP_GRPC_MAX_CONNECTIONS / _MAX_PER_SOURCE),
 * as the syslog TCP listener holds its senders.
 */
export class ConnectionLimits {
  private open = 0
  private readonly perSource = new Map<string, number>()

  constructor(
    private readonly maxConnections: number,
    private readonly maxPerSource: number
  ) {}

  /** Counts the connection in, or says why it is refused. */
  admit(peer: string): "limit" | "source_limit" | undefined {
    const fromPeer = this.perSource.get(peer) ?? 0
    if (this.open >= this.maxConnections) return "limit"
    if (fromPeer >= this.maxPerSource) return "source_limit"
    this.open++
    this.perSource.set(peer, fromPeer + 1)
    return undefined
  }

  release(peer: string) {
    this.open--
    const left = (this.perSource.get(peer) ?? 1) - 1
    if (left === 0) this.perSource.delete(peer)
    else this.perSource.set(peer, left)
  }
}
