import { type LeafMatcher, type TextLeaf, textLeaf } from "./text-match.ts"
import type { TextQuery } from "./text-query.ts"
import { foldedWords, isAscii } from "./words.ts"

/**
 * Every word and phrase of a query matched in one pass over folded text, however many there
 * are: a trie of the query's words walks each token of the text once (a `prefix*` leaf is
 * found at the node where its word ends, an exact word where a token ends on it), and an
 * Aho–Corasick automaton over word numbers finds the phrases in the sequence of tokens. Each
 * trie node and automaton state reports its leaves at most once per row, so a row costs its
 * bytes plus the query's distinct leaves, never bytes × terms (200 `a*` over runs of `a` cost
 * what one does). The meaning is textLeaf's: whole words, word starts, consecutive words.
 */

const isAsciiWordChar = (c: number) => (c >= 48 && c <= 57) || (c >= 97 && c <= 122) || (c >= 65 && c <= 90)

/** No trie edge: the root is nobody's child, so 0 can mean "none". */
const NO_NODE = 0

class WordTrie {
  /** Edges on ASCII code units, 128 per node. */
  ascii = new Int32Array(128)
  /** Edges on other code units, keyed node * 65536 + unit. */
  readonly wide = new Map<number, number>()
  /** Distinct leaves whose prefix word ends at a node. */
  readonly prefixLeaves: Array<number[] | undefined> = [undefined]
  /** The word number of an exact word ending at a node, or -1. */
  readonly wordAt: number[] = [-1]

  get size() {
    return this.wordAt.length
  }

  step(node: number, unit: number): number {
    return unit < 128 ? this.ascii[node * 128 + unit]! : (this.wide.get(node * 65536 + unit) ?? NO_NODE)
  }

  insert(word: string): number {
    let node = 0
    for (let i = 0; i < word.length; i++) {
      const unit = word.charCodeAt(i)
      let child = this.step(node, unit)
      if (child === NO_NODE) {
        child = this.size
        this.prefixLeaves.push(undefined)
        this.wordAt.push(-1)
        if (this.ascii.length < (child + 1) * 128) {
          const grown = new Int32Array(this.ascii.length * 2)
          grown.set(this.ascii)
          this.ascii = grown
        }
        if (unit < 128) this.ascii[node * 128 + unit] = child
        else this.wide.set(node * 65536 + unit, child)
      }
      node = child
    }
    return node
  }
}

/** Aho–Corasick over sequences of word numbers (the phrases, a single exact word being one of one). */
class PhraseAutomaton {
  readonly edges: Array<Map<number, number>> = [new Map()]
  readonly leaves: Array<number[] | undefined> = [undefined]
  fail: Int32Array = new Int32Array(1)
  /** The nearest state down the failure chain that reports leaves, or -1. */
  report: Int32Array = new Int32Array(1).fill(-1)

  add(words: ReadonlyArray<number>, leaf: number) {
    let state = 0
    for (const w of words) {
      let next = this.edges[state]!.get(w)
      if (next === undefined) {
        next = this.edges.length
        this.edges.push(new Map())
        this.leaves.push(undefined)
        this.edges[state]!.set(w, next)
      }
      state = next
    }
    ;(this.leaves[state] ??= []).push(leaf)
  }

  /** Failure and report links, breadth first. */
  seal() {
    const n = this.edges.length
    this.fail = new Int32Array(n)
    this.report = new Int32Array(n).fill(-1)
    const queue: number[] = [...this.edges[0]!.values()]
    for (let head = 0; head < queue.length; head++) {
      const state = queue[head]!
      for (const [w, next] of this.edges[state]!) {
        let f = this.fail[state]!
        while (f !== 0 && !this.edges[f]!.has(w)) f = this.fail[f]!
        const target = this.edges[f]!.get(w)
        this.fail[next] = target !== undefined && target !== next ? target : 0
        const failed = this.fail[next]!
        this.report[next] = this.leaves[failed] ? failed : this.report[failed]!
        queue.push(next)
      }
    }
  }

  step(state: number, word: number): number {
    if (word < 0) return 0
    for (let s = state; ; s = this.fail[s]!) {
      const next = this.edges[s]!.get(word)
      if (next !== undefined) return next
      if (s === 0) return 0
    }
  }
}

export interface TextAutomaton {
  /** The query's distinct leaves; identical terms share one. */
  readonly leaves: ReadonlyArray<LeafMatcher>
  /** The distinct leaf a leaf of the query counts as. */
  readonly indexOf: (leaf: TextLeaf) => number
  /**
   * Marks, for every row i with `rows[i]` set, `found[leaf][i] = 1` for each leaf its text
   * matches. `folded` holds the rows' folded texts one after another in UTF-8 (row i ends at
   * byte `ends[i]`); `rowText` decodes a row that is not plain ASCII.
   */
  readonly scanRows: (folded: Buffer, ends: Uint32Array, rows: Uint8Array, rowText: (i: number) => string, found: ReadonlyArray<Uint8Array>) => void
  /** Which leaves one folded text matches (1 = matches), by distinct leaf. */
  readonly matchText: (folded: string) => Uint8Array
  /** The same, for folded text known to be ASCII, as its bytes (one copy shared by every query that reads it). */
  readonly matchAscii: (bytes: Uint8Array) => Uint8Array
}

/** The words and phrases of a query, wherever they stand in it. */
export const textLeavesOf = (query: TextQuery): TextLeaf[] =>
  query.kind === "term" || query.kind === "phrase"
    ? [query]
    : query.kind === "and" || query.kind === "or"
      ? query.children.flatMap(textLeavesOf)
      : query.kind === "not"
        ? textLeavesOf(query.child)
        : []

const leafKey = (leaf: LeafMatcher) => `${leaf.prefix ? "*" : "="}${leaf.words.join(" ")}`

export const textAutomaton = (queryLeaves: ReadonlyArray<TextLeaf>): TextAutomaton => {
  const leaves: LeafMatcher[] = []
  const byKey = new Map<string, number>()
  for (const q of queryLeaves) {
    const leaf = textLeaf(q)
    if (!byKey.has(leafKey(leaf))) byKey.set(leafKey(leaf), leaves.push(leaf) - 1)
  }
  const trie = new WordTrie()
  const phrases = new PhraseAutomaton()
  const everything: number[] = []
  leaves.forEach((leaf, index) => {
    if (leaf.words.length === 0) everything.push(index)
    else if (leaf.prefix) (trie.prefixLeaves[trie.insert(leaf.words[0]!)] ??= []).push(index)
    else {
      const numbers = leaf.words.map((w) => {
        const node = trie.insert(w)
        if (trie.wordAt[node] === -1) trie.wordAt[node] = node
        return node
      })
      phrases.add(numbers, index)
    }
  })
  phrases.seal()
  // A row's number: each node and state reports once per row.
  const nodeSeen = new Float64Array(trie.size)
  const stateSeen = new Float64Array(phrases.edges.length)
  let stamp = 0

  /**
   * Scans one row; `report` is called once per leaf found. Each leaf hangs at one trie node or
   * automaton state, which reports once per row, so once every leaf is found the rest of the
   * row can change nothing and is skipped (200 `a*` over runs of `a` stop at the first word).
   */
  const scanner = (report: (leaf: number) => void) => {
    let state = 0
    /** Leaves not found yet in this row. */
    let left = 0
    const mark = (leaf: number) => {
      left--
      report(leaf)
    }
    const atNode = (node: number) => {
      const found = trie.prefixLeaves[node]
      if (found && nodeSeen[node] !== stamp) {
        nodeSeen[node] = stamp
        for (const leaf of found) mark(leaf)
      }
    }
    const endToken = (node: number) => {
      state = phrases.step(state, node === NO_NODE ? -1 : trie.wordAt[node]!)
      for (let s = phrases.leaves[state] ? state : phrases.report[state]!; s > 0 && stateSeen[s] !== stamp; s = phrases.report[s]!) {
        stateSeen[s] = stamp
        for (const leaf of phrases.leaves[s]!) mark(leaf)
      }
    }
    const ascii = (bytes: Buffer | Uint8Array, start: number, end: number) => {
      stamp++
      state = 0
      left = leaves.length
      for (const leaf of everything) mark(leaf)
      let inToken = false
      let node = NO_NODE
      for (let i = start; i < end; i++) {
        const c = bytes[i]!
        if (isAsciiWordChar(c)) {
          // A token starts at the root; once the trie has no path for it, the rest of it is skipped.
          if (!inToken) {
            inToken = true
            node = trie.ascii[c]!
          } else if (node !== NO_NODE) node = trie.ascii[node * 128 + c]!
          else continue
          if (node !== NO_NODE) {
            atNode(node)
            if (left === 0) return
          }
        } else if (inToken) {
          endToken(node)
          inToken = false
          if (left === 0) return
        }
      }
      if (inToken) endToken(node)
    }
    const tokens = (text: string) => {
      stamp++
      state = 0
      left = leaves.length
      for (const leaf of everything) mark(leaf)
      for (const token of foldedWords(text)) {
        if (left === 0) return
        let node = trie.step(0, token.charCodeAt(0))
        for (let i = 1; i <= token.length && node !== NO_NODE; i++) {
          atNode(node)
          if (i < token.length) node = trie.step(node, token.charCodeAt(i))
        }
        endToken(node)
      }
    }
    return { ascii, tokens }
  }

  const scanRows: TextAutomaton["scanRows"] = (folded, ends, rows, rowText, found) => {
    let row = 0
    const scan = scanner((leaf) => {
      found[leaf]![row] = 1
    })
    for (; row < rows.length; row++) {
      if (!rows[row]) continue
      const start = row === 0 ? 0 : ends[row - 1]!
      const end = ends[row]!
      let plain = true
      for (let i = start; i < end && plain; i++) plain = folded[i]! < 0x80
      if (plain) scan.ascii(folded, start, end)
      else scan.tokens(rowText(row))
    }
  }

  const matchText = (folded: string): Uint8Array => {
    const out = new Uint8Array(leaves.length)
    const scan = scanner((leaf) => {
      out[leaf] = 1
    })
    if (isAscii(folded)) scan.ascii(Buffer.from(folded, "latin1"), 0, folded.length)
    else scan.tokens(folded)
    return out
  }

  const matchAscii = (bytes: Uint8Array): Uint8Array => {
    const out = new Uint8Array(leaves.length)
    scanner((leaf) => {
      out[leaf] = 1
    }).ascii(bytes, 0, bytes.length)
    return out
  }

  return { leaves, indexOf: (q) => byKey.get(leafKey(textLeaf(q)))!, scanRows, matchText, matchAscii }
}
