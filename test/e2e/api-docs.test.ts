import { afterAll, beforeAll, describe, expect, test } from "bun:test"
import type { Browser, Page } from "playwright-core"
import { chromiumOrSkip, launchChromium, screenshot, watchedPage } from "../support/browser.ts"
import { useServer } from "../support/server-process.ts"

/**
 * The API reference at /docs in a real browser with every request to another host refused, as
 * on a machine without internet: Swagger UI must come from LogFlow itself, list the operations,
 * offer the bearer token input, and "Try it out" must reach the running server.
 */

const server = useServer(() => ({ env: { LOG_LEVEL: "warning" } }))
const chromiumPath = chromiumOrSkip()

describe.skipIf(chromiumPath === undefined)("API docs (/docs)", () => {
  let browser: Browser
  let page: Page
  let problems: string[]
  const elsewhere: string[] = []

  beforeAll(async () => {
    browser = await launchChromium()
    ;({ page, problems } = await watchedPage(browser))
    const own = new URL(server().url).host
    await page.route("**/*", (route) => {
      const url = new URL(route.request().url())
      if (url.host === own) return route.continue()
      elsewhere.push(url.href)
      return route.abort()
    })
  })
  afterAll(async () => {
    await browser?.close()
  })

  test("Swagger UI loads from the server alone and lists the operations", async () => {
    await page.goto(`${server().url}/docs`)
    await page.locator(".opblock").first().waitFor()
    const paths = await page.locator(".opblock-summary-path").allTextContents()
    expect(paths.map((p) => p.replace(/\u200b/g, ""))).toEqual(expect.arrayContaining(["/api/v1/logs/search", "/api/v1/logs", "/health"]))
    await page
      .getByRole("button", { name: /Authorize/ })
      .first()
      .waitFor()
    await screenshot(page, "api-docs")
    expect(elsewhere).toEqual([])
    expect(problems).toEqual([])
  })

  test('"Try it out" calls the running server', async () => {
    const health = page.locator(".opblock-get", { has: page.locator('.opblock-summary-path[data-path="/health"]') })
    await health.locator(".opblock-summary").click()
    await health.getByRole("button", { name: "Try it out" }).click()
    await health.getByRole("button", { name: "Execute" }).click()
    const status = health.locator(".live-responses-table tbody .response-col_status").first()
    await status.waitFor()
    expect((await status.textContent())?.trim()).toStartWith("200")
    expect(elsewhere).toEqual([])
  })

  test("serves only Swagger UI's two files, by exact name and version", async () => {
    const html = await (await fetch(`${server().url}/docs`)).text()
    const [, script] = /<script src="([^"]+)"/.exec(html) ?? []
    expect(script).toMatch(/^\/docs\/assets\/\d+\.\d+\.\d+\/swagger-ui-bundle\.js$/)
    expect((await fetch(`${server().url}${script}`)).headers.get("cache-control")).toContain("immutable")
    const folder = script!.slice(0, script!.lastIndexOf("/"))
    for (const other of ["package.json", "..%2Fpackage.json", "swagger-initializer.js"])
      expect((await fetch(`${server().url}${folder}/${other}`)).status).toBe(404)
    expect((await fetch(`${server().url}/docs/assets/0.0.0/swagger-ui-bundle.js`)).status).toBe(404)
  })
})
