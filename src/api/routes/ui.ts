import { Data } from "effect"
import { existsSync, readdirSync } from "node:fs"
import { join } from "node:path"
import { Elysia } from "elysia"
import { errors } from "../plugins/errors.ts"

/**
 * The web console: the prebuilt files of `dist/ui/` (built from `ui/` by
 * `scripts/build-ui.ts` at install and start) under `/ui/`, and the console's page at `/` for
 * browsers that ask for HTML (API clients keep the JSON root, see routes/system.ts).
 *
 * Only files present in the build are served, by exact name: no path from the request ever
 * reaches the file system. Hashed assets are cached for a year; the page itself is revalidated
 * on every load so that a new build is picked up at once.
 */

export const UI_DIST = join(import.meta.dir, "../../../dist/ui")

class ConsoleNotBuilt extends Data.TaggedError("ConsoleNotBuilt")<{ readonly message: string }> {
  readonly status = 503
  readonly code = "console_not_built"
}
class NoSuchFile extends Data.TaggedError("NoSuchFile")<{ readonly message: string }> {
  readonly status = 404
  readonly code = "not_found"
}

/** True when the client prefers HTML to JSON (a browser's navigation does; curl, fetch and API clients do not). */
export const prefersHtml = (request: Request) => {
  const accept = request.headers.get("accept") ?? ""
  const quality = (type: string) => {
    for (const part of accept.split(",")) {
      const [name = "", ...params] = part.split(";").map((s) => s.trim().toLowerCase())
      if (name !== type) continue
      const q = params.find((p) => p.startsWith("q="))
      return q === undefined ? 1 : Number(q.slice(2)) || 0
    }
    return 0
  }
  const html = quality("text/html")
  return html > 0 && html >= quality("application/json")
}

// Restricts the page to this origin: scripts, styles and API calls (CSP also stops injected markup from running).
const PAGE_HEADERS = {
  "content-type": "text/html; charset=utf-8",
  "cache-control": "no-cache",
  "content-security-policy":
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  vary: "Accept"
}

const ASSET_CACHE = "public, max-age=31536000, immutable"

const listBuild = () => (existsSync(UI_DIST) ? new Set(readdirSync(UI_DIST).filter((name) => name !== "index.html")) : new Set<string>())

export const consolePage = async () => {
  const index = Bun.file(join(UI_DIST, "index.html"))
  if (!(await index.exists())) throw new ConsoleNotBuilt({ message: "the web console is not built: run `bun scripts/build-ui.ts` (npm install does it)" })
  return new Response(index, { headers: PAGE_HEADERS })
}

export const uiRoutes = () => {
  let files = listBuild()
  const asset = (name: string) => {
    // A rebuild while running renames the hashed files: look again before answering 404.
    if (!files.has(name)) files = listBuild()
    if (!files.has(name)) throw new NoSuchFile({ message: `no console file ${name}` })
    const file = Bun.file(join(UI_DIST, name))
    return new Response(file, { headers: { "content-type": file.type, "cache-control": ASSET_CACHE, "x-content-type-options": "nosniff" } })
  }
  return new Elysia({ name: "routes/ui" })
    .use(errors)
    .get("/ui/", () => consolePage(), { detail: { summary: "The web console", tags: ["system"] } })
    .get("/ui/index.html", () => consolePage(), { detail: { hide: true } })
    .get("/ui/:file", ({ params }) => asset(params.file), { detail: { hide: true } })
}
