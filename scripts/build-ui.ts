import { existsSync, readdirSync, renameSync, rmSync, statSync } from "node:fs"
import { join } from "node:path"

/**
 * Builds the web console (`ui/`, Preact in TSX) into `dist/ui/` with Bun's bundler: one HTML
 * entry point, its script and stylesheet minified under content-hashed names served from
 * `/ui/`. Runs from `npm install`/`bun install` (the `prepare` script) and before `npm start`
 * (`--if-stale`: only when a source file is newer than the build). Nothing is fetched.
 *
 * `bun scripts/build-ui.ts [--if-stale]`
 */

const ROOT = join(import.meta.dir, "..")
export const UI_SOURCE = join(ROOT, "ui")
export const UI_DIST = join(ROOT, "dist", "ui")

const newestSource = (dir: string): number =>
  readdirSync(dir, { withFileTypes: true }).reduce((newest, entry) => {
    const path = join(dir, entry.name)
    return Math.max(newest, entry.isDirectory() ? newestSource(path) : statSync(path).mtimeMs)
  }, 0)

export const isStale = () => {
  const index = join(UI_DIST, "index.html")
  return !existsSync(index) || statSync(index).mtimeMs < newestSource(UI_SOURCE)
}

export const buildUi = async () => {
  // Build next to the live copy, then swap: a running server never sees a half-written build.
  const staging = `${UI_DIST}.staging-${process.pid}`
  rmSync(staging, { recursive: true, force: true })
  const result = await Bun.build({
    entrypoints: [join(UI_SOURCE, "index.html")],
    outdir: staging,
    target: "browser",
    minify: true,
    publicPath: "/ui/",
    naming: { entry: "[name].[ext]", chunk: "[name]-[hash].[ext]", asset: "[name]-[hash].[ext]" },
    define: { "process.env.NODE_ENV": JSON.stringify("production") }
  })
  if (!result.success) {
    rmSync(staging, { recursive: true, force: true })
    throw new AggregateError(result.logs, "the console did not build")
  }
  rmSync(UI_DIST, { recursive: true, force: true })
  renameSync(staging, UI_DIST)
  return result.outputs.map((o) => o.path.slice(staging.length + 1))
}

if (import.meta.main) {
  if (process.argv.includes("--if-stale") && !isStale()) process.exit(0)
  const files = await buildUi()
  console.log(`console built into ${UI_DIST}: ${files.join(", ")}`)
}
