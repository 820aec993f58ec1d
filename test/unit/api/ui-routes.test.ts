import { beforeAll, describe, expect, test } from "bun:test"
import { Elysia } from "elysia"
import { buildUi, isStale } from "../../../scripts/build-ui.ts"
import { prefersHtml, uiRoutes } from "../../../src/api/routes/ui.ts"

const accepting = (accept: string | undefined) => new Request("http://localhost/", accept === undefined ? {} : { headers: { accept } })

describe("content negotiation at /", () => {
  test("a browser's navigation prefers HTML", () => {
    expect(prefersHtml(accepting("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"))).toBe(true)
  })

  test("API clients keep JSON: no Accept, */*, JSON first, or HTML ranked lower", () => {
    expect(prefersHtml(accepting(undefined))).toBe(false)
    expect(prefersHtml(accepting("*/*"))).toBe(false)
    expect(prefersHtml(accepting("application/json"))).toBe(false)
    expect(prefersHtml(accepting("application/json, text/html;q=0.5"))).toBe(false)
    expect(prefersHtml(accepting("text/html;q=0"))).toBe(false)
  })
})

describe("console files", () => {
  beforeAll(async () => {
    if (isStale()) await buildUi()
  })
  const app = () => new Elysia().use(uiRoutes())
  const get = (path: string) => app().handle(new Request(`http://localhost${path}`))

  test("the page revalidates on every load and allows only its own origin", async () => {
    const page = await get("/ui/")
    expect(page.status).toBe(200)
    expect(page.headers.get("content-type")).toBe("text/html; charset=utf-8")
    expect(page.headers.get("cache-control")).toBe("no-cache")
    expect(page.headers.get("content-security-policy")).toContain("default-src 'self'")
  })

  test("the build's hashed files are cached for good, with their content type", async () => {
    const html = await (await get("/ui/")).text()
    const script = /src="(\/ui\/[^"]+\.js)"/.exec(html)![1]!
    const stylesheet = /href="(\/ui\/[^"]+\.css)"/.exec(html)![1]!
    for (const [path, type] of [
      [script, "text/javascript"],
      [stylesheet, "text/css"]
    ] as const) {
      const response = await get(path)
      expect(response.status).toBe(200)
      expect(response.headers.get("content-type")).toContain(type)
      expect(response.headers.get("cache-control")).toBe("public, max-age=31536000, immutable")
    }
  })

  test("nothing outside the build is served", async () => {
    for (const path of ["/ui/..%2F..%2Fpackage.json", "/ui/%2e%2e%2fpackage.json", "/ui/nope.js", "/ui/.staging"]) {
      expect((await get(path)).status).toBe(404)
    }
  })
})
