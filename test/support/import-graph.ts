import { readdirSync, readFileSync, statSync } from "node:fs"
import { dirname, join, normalize, relative } from "node:path"
import ts from "typescript"

/**
 * The repository's import graph (module → the modules it imports, repository-relative paths)
 * and the layer rules it must follow. Rules are data: which layer a path belongs to, and which
 * layers each layer may import.
 */

const ROOT = join(import.meta.dir, "../..")

const sources = (dir: string): string[] =>
  readdirSync(join(ROOT, dir)).flatMap((name) => {
    const path = join(dir, name)
    if (statSync(join(ROOT, path)).isDirectory()) return sources(path)
    return /\.tsx?$/.test(name) ? [path] : []
  })

/** Relative imports of each module under `roots`; package imports are left out. */
export const importGraph = (roots: ReadonlyArray<string>): Map<string, string[]> => {
  const graph = new Map<string, string[]>()
  for (const file of roots.flatMap(sources)) {
    const info = ts.preProcessFile(readFileSync(join(ROOT, file), "utf8"), true, true)
    const targets = info.importedFiles.map((i) => i.fileName).filter((name) => name.startsWith(".") && /\.tsx?$/.test(name))
    graph.set(
      file,
      targets.map((name) => normalize(join(dirname(file), name)))
    )
  }
  return graph
}

export type Layer = "domain" | "ports" | "base" | "adapters" | "actor-kit" | "actors" | "pipelines" | "features" | "composition"

/**
 * Leaf modules any layer may use: the configuration (one schema, composed of the settings
 * schemas next to the features they configure) and its production checks of the engine
 * connections, the version, the log line written outside Effect.
 */
const BASE = ["src/config.ts", "src/engine-checks.ts", "src/settings.ts", "src/version.ts", "src/log-line.ts"]

/** The layer of a repository path; order matters (the first match wins). */
export const layerOf = (path: string): Layer => {
  if (path === "src/main.ts" || path === "src/app-layer.ts") return "composition"
  if (path.startsWith("src/domain/")) return "domain"
  if (path.startsWith("src/ports/")) return "ports"
  if (BASE.includes(path) || /^src\/.*\/settings\.ts$/.test(path)) return "base"
  if (path.startsWith("src/adapters/")) return "adapters"
  if (path.startsWith("actors/kit/")) return "actor-kit"
  if (path.startsWith("actors/")) return "actors"
  if (path.startsWith("pipelines/")) return "pipelines"
  return "features"
}

/** What each layer may import, besides itself. */
export const ALLOWED: Record<Layer, ReadonlyArray<Layer>> = {
  domain: [],
  ports: ["domain"],
  base: [],
  adapters: ["domain", "ports", "base"],
  "actor-kit": ["domain", "ports"],
  actors: ["domain", "ports", "base", "actor-kit"],
  pipelines: ["domain", "ports", "base", "actors", "actor-kit"],
  features: ["domain", "ports", "base"],
  composition: ["domain", "ports", "base", "adapters", "actor-kit", "actors", "pipelines", "features"]
}

export const ruleViolations = (graph: Map<string, string[]>) =>
  [...graph].flatMap(([from, targets]) =>
    targets.flatMap((to) => {
      const [a, b] = [layerOf(from), layerOf(to)]
      return a === b || ALLOWED[a].includes(b) ? [] : [`${from} (${a}) imports ${relative(ROOT, join(ROOT, to))} (${b})`]
    })
  )

/** Every cycle, each as the list of modules on it (found by depth-first search). */
export const importCycles = (graph: Map<string, string[]>) => {
  const cycles: string[][] = []
  const state = new Map<string, "open" | "done">()
  const stack: string[] = []
  const visit = (node: string) => {
    state.set(node, "open")
    stack.push(node)
    for (const next of graph.get(node) ?? []) {
      if (state.get(next) === "open") cycles.push([...stack.slice(stack.indexOf(next)), next])
      else if (!state.has(next) && graph.has(next)) visit(next)
    }
    stack.pop()
    state.set(node, "done")
  }
  for (const node of graph.keys()) if (!state.has(node)) visit(node)
  return cycles
}
