import { afterAll, beforeAll, describe, expect, test } from "bun:test"
import type { Browser, Page } from "playwright-core"
import { chromiumOrSkip, launchChromium, screenshot, watchedPage } from "../support/browser.ts"
import { json, useServer } from "../support/server-process.ts"

/**
 * The API reference at /docs in a real browser with every request to another host refused, as
 * on a machine without internet: Swagger UI must come from LogFlow itself, list the operations,
 * list every operation of its OpenAPI document with its parameters, take a bearer token, and
 * "Try it out" must reach the running server, with that token.
 */

const PASSWORD = "docs-admin-password"
const server = useServer(() => ({ env: { LOG_LEVEL: "warning", ADMIN_PASSWORD: PASSWORD } }))
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

  test("every operation of the OpenAPI document is listed, with its parameters", async () => {
    const spec = await json(fetch(`${server().url}/docs/json`))
    const operations = Object.values(spec.paths as Record<string, object>).reduce((n: number, ops) => n + Object.keys(ops).length, 0)
    expect(operations).toBeGreaterThan(50)
    expect(await page.locator(".opblock").count()).toBe(operations)
    const histogram = page.locator(".opblock-get", { has: page.locator('.opblock-summary-path[data-path="/api/v1/logs/histogram"]') })
    await histogram.locator(".opblock-summary").click()
    const names = await histogram.locator(".parameters .parameter__name").allTextContents()
    expect(names.map((n) => n.replace(/[\s*]|required/g, ""))).toEqual(expect.arrayContaining(["query", "from", "to", "interval", "by"]))
    // The newest routes too, and the WebSocket tail (Elysia's `ws` method listed as its GET).
    for (const path of ["/api/v1/metrics/services", "/api/v1/logs/tail/ws"]) await page.locator(`.opblock-summary-path[data-path="${path}"]`).waitFor()
  })

  test('"Try it out" sends the bearer token given to "Authorize"', async () => {
    const { access_token } = await json(
      fetch(`${server().url}/api/v1/auth/login`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ username: "admin", password: PASSWORD })
      })
    )
    await page
      .locator(".auth-wrapper")
      .getByRole("button", { name: /Authorize/ })
      .click()
    const dialog = page.locator(".modal-ux")
    await dialog.locator("input").first().fill(access_token)
    await dialog.getByRole("button", { name: "Apply credentials" }).first().click()
    await dialog.getByRole("button", { name: "Close" }).first().click()

    const me = page.locator(".opblock-get", { has: page.locator('.opblock-summary-path[data-path="/api/v1/auth/me"]') })
    await me.locator(".opblock-summary").click()
    await me.getByRole("button", { name: "Try it out" }).click()
    await me.getByRole("button", { name: "Execute" }).click()
    const status = me.locator(".live-responses-table tbody .response-col_status").first()
    await status.waitFor()
    expect((await status.textContent())?.trim()).toStartWith("200")
    expect(await me.locator(".live-responses-table tbody .response-col_description").first().textContent()).toContain('"username": "admin"')
    await screenshot(page, "api-docs-try-it-out")
    expect(elsewhere).toEqual([])
    expect(problems).toEqual([])
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
