import { ANY } from "./message-tokens.ts"

/**
 * Online clustering of messages into templates (the Drain algorithm: He et al., 2017). Messages
 * arrive as tokens (see message-tokens.ts); a fixed-depth tree sends each to the few clusters
 * with as many tokens and the same first token, and the most similar of those (share of equal
 * positions ≥ `similarity`) takes it, its differing positions becoming `<*>`. Otherwise it
 * starts a cluster of its own. Memory is bounded: past `maxClusters`, the rarest of a small
 * random sample of clusters is evicted (about least-frequently-used at a cost that does not
 * grow with the number of clusters); each length has at most `maxChildren` first tokens and
 * each leaf at most LEAF_SIZE clusters (past it, its rarest is evicted), so a flood of
 * one-off messages costs each message at most LEAF_SIZE comparisons.
 */

export interface Cluster {
  readonly id: string
  tokens: string[]
  count: number
  firstSeen: number
  lastSeen: number
  sampleId: string
  /** Whether the template or the counts changed since `takeChanges`. */
  changed: boolean
  /** Position in the clusters array (for O(1) removal). */
  slot: number
  /** Evicted: no longer held (whoever kept a reference must not count into it). */
  removed: boolean
  readonly leaf: Cluster[]
}

export interface DrainOptions {
  readonly similarity: number
  readonly maxClusters: number
  readonly maxChildren: number
  readonly newId: () => string
}

const EVICTION_SAMPLE = 16
/** Clusters one leaf compares a message with, at most: the cost per message stays bounded. */
const LEAF_SIZE = 64
const hasPlaceholder = (token: string) => /<[A-Z*]+>/.test(token)

export const templateOf = (tokens: ReadonlyArray<string>) => tokens.join(" ")

export class Drain {
  /** tokens.length → first token (or `<*>`) → clusters. */
  private readonly tree = new Map<number, Map<string, Cluster[]>>()
  private readonly all: Cluster[] = []
  private evicted: string[] = []

  constructor(private readonly options: DrainOptions) {}

  get size() {
    return this.all.length
  }

  /** Learns one message: the cluster it joined or started. */
  add(tokens: ReadonlyArray<string>, at: number, recordId: string): Cluster {
    const leaf = this.leafFor(tokens)
    const best = this.closest(leaf, tokens)
    if (best !== undefined) {
      for (let i = 0; i < tokens.length; i++) if (best.tokens[i] !== tokens[i]) best.tokens[i] = ANY
      best.count++
      best.lastSeen = Math.max(best.lastSeen, at)
      best.changed = true
      return best
    }
    return this.insert({ id: this.options.newId(), tokens: [...tokens], count: 1, firstSeen: at, lastSeen: at, sampleId: recordId }, leaf)
  }

  /**
   * Counts a message into a cluster it matches whole (each token equal or `<*>`), as `add`
   * would when that cluster is the one it picks, without the tree walk.
   */
  hit(cluster: Cluster, at: number) {
    cluster.count++
    cluster.lastSeen = Math.max(cluster.lastSeen, at)
    cluster.changed = true
  }

  /** The cluster a message belongs to, without learning from it. */
  match(tokens: ReadonlyArray<string>): Cluster | undefined {
    return this.closest(this.tree.get(tokens.length)?.get(this.firstKey(tokens)) ?? [], tokens)
  }

  /** Puts back a cluster learned before (from the pattern store), unchanged. */
  restore(cluster: { id: string; tokens: string[]; count: number; firstSeen: number; lastSeen: number; sampleId: string }) {
    const cl = this.insert(cluster, this.leafFor(cluster.tokens))
    cl.changed = false
  }

  /** Every cluster held. */
  clusters(): ReadonlyArray<Cluster> {
    return this.all
  }

  /** Ids evicted since the last call (here or in `takeChanges`). */
  takeEvicted(): string[] {
    const evicted = this.evicted
    this.evicted = []
    return evicted
  }

  /** Clusters changed since the last call, and ids evicted since then. */
  takeChanges(): { readonly changed: Cluster[]; readonly evicted: string[] } {
    const changed = this.all.filter((c) => c.changed)
    for (const c of changed) c.changed = false
    return { changed, evicted: this.takeEvicted() }
  }

  private firstKey(tokens: ReadonlyArray<string>) {
    const first = tokens[0] ?? ""
    return hasPlaceholder(first) ? ANY : first
  }

  private leafFor(tokens: ReadonlyArray<string>): Cluster[] {
    let byFirst = this.tree.get(tokens.length)
    if (byFirst === undefined) this.tree.set(tokens.length, (byFirst = new Map()))
    let key = this.firstKey(tokens)
    if (!byFirst.has(key) && byFirst.size >= this.options.maxChildren) key = ANY
    let leaf = byFirst.get(key)
    if (leaf === undefined) byFirst.set(key, (leaf = []))
    return leaf
  }

  /** The most similar cluster of a leaf at or above the threshold (ties: the one with more `<*>`). */
  private closest(leaf: ReadonlyArray<Cluster>, tokens: ReadonlyArray<string>): Cluster | undefined {
    let best: Cluster | undefined
    let bestScore = -1
    let bestAny = -1
    for (const cluster of leaf) {
      let equal = 0
      let any = 0
      for (let i = 0; i < tokens.length; i++) {
        const t = cluster.tokens[i]
        if (t === ANY) any++
        else if (t === tokens[i]) equal++
      }
      const score = tokens.length === 0 ? 1 : equal / tokens.length
      if (score > bestScore || (score === bestScore && any > bestAny)) {
        best = cluster
        bestScore = score
        bestAny = any
      }
    }
    // A message of placeholders only (`<NUM>`) has nothing to compare but its shape.
    const threshold = tokens.every((t) => hasPlaceholder(t)) ? 0 : this.options.similarity
    return best !== undefined && (bestScore >= threshold || bestScore + bestAny / Math.max(1, tokens.length) === 1) ? best : undefined
  }

  private insert(fields: Omit<Cluster, "changed" | "slot" | "leaf" | "removed">, leaf: Cluster[]): Cluster {
    const cluster: Cluster = { ...fields, changed: true, slot: this.all.length, leaf, removed: false }
    leaf.push(cluster)
    this.all.push(cluster)
    if (leaf.length > LEAF_SIZE) this.remove(rarest(leaf, cluster))
    if (this.all.length > this.options.maxClusters) {
      this.remove(
        rarest(
          Array.from({ length: EVICTION_SAMPLE }, () => this.all[Math.floor(Math.random() * this.all.length)]!),
          cluster
        )
      )
    }
    return cluster
  }

  private remove(victim: Cluster | undefined) {
    if (victim === undefined) return
    const last = this.all.pop()!
    if (last !== victim) {
      this.all[victim.slot] = last
      last.slot = victim.slot
    }
    victim.leaf.splice(victim.leaf.indexOf(victim), 1)
    victim.removed = true
    this.evicted.push(victim.id)
  }
}

/** The least frequent (then least recent) of some clusters, other than `keep`. */
const rarest = (candidates: ReadonlyArray<Cluster>, keep: Cluster): Cluster | undefined => {
  let victim: Cluster | undefined
  for (const c of candidates) {
    if (c === keep) continue
    if (victim === undefined || c.count < victim.count || (c.count === victim.count && c.lastSeen < victim.lastSeen)) victim = c
  }
  return victim
}
