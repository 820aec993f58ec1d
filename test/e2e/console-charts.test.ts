import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test"
import type { Browser, Page } from "playwright-core"
import { buildUi, isStale } from "../../scripts/build-ui.ts"
import { chromiumOrSkip, launchChromium, screenshot, watchedPage } from "../support/browser.ts"
import { json, useServer } from "../support/server-process.ts"

/**
 * The console's charts and field list in a real browser (Debian's Chromium, headless) against
 * the real server: the search histogram stacked by level with its legend, the field list
 * narrowing a search, each service's volume and error rate, and the alert rule preview. Any
 * console error or uncaught exception fails the test; screenshots go to .ci/out/screenshots/.
 */

const PASSWORD = "charts-admin-password"
const server = useServer(() => ({
  env: { ADMIN_PASSWORD: PASSWORD, REQUIRE_AUTH_FOR_READ: "true", REQUIRE_AUTH_FOR_INGEST: "false", LOG_LEVEL: "warning", PATTERNS_FLUSH_MS: "1000" }
}))
const chromiumPath = chromiumOrSkip()

/**
 * Forty checkout lines over the last fifty minutes (every fourth an error, the next a warning,
 * the rest info; even ones from region eu, odd ones from us) and ten info lines of search-api.
 * In the last five minutes checkout logged one error.
 */
const records = (now: number) => [
  ...Array.from({ length: 40 }, (_, i) => ({
    timestamp: new Date(now - i * 75_000 - 10_000).toISOString(),
    service: "checkout",
    level: i % 4 === 0 ? "error" : i % 4 === 1 ? "warn" : "info",
    host: i % 3 === 0 ? "web-1" : "web-2",
    message: `checkout step ${i}`,
    region: i % 2 === 0 ? "eu" : "us"
  })),
  ...Array.from({ length: 10 }, (_, i) => ({
    timestamp: new Date(now - i * 240_000 - 20_000).toISOString(),
    service: "search-api",
    level: "info",
    message: `query served ${i}`
  }))
]

/** Waits (polling, bounded) until the patterns learned from the records are stored, as the services cards read them. */
const patternsStored = async (url: string) => {
  const login = await json(fetch(`${url}/api/v1/auth/login`, { method: "POST", body: new URLSearchParams({ username: "admin", password: PASSWORD }) }))
  const headers = { authorization: `Bearer ${login.access_token}` }
  const deadline = Date.now() + 20_000
  for (;;) {
    const body = await json(fetch(`${url}/api/v1/logs/patterns?from=now-1h`, { headers }))
    const total = body.patterns.reduce((n: number, p: { count: number }) => n + p.count, 0)
    if (total === 50) return
    if (Date.now() > deadline) throw new Error(`the patterns hold ${total} of 50 records`)
    await Bun.sleep(100)
  }
}

const legendEntry = (page: Page, level: string) => page.getByTestId("histogram-legend").locator(`li[data-level="${level}"]`)

describe.skipIf(chromiumPath === undefined)("console charts and field list", () => {
  let browser: Browser
  let page: Page
  let problems: string[]

  beforeAll(async () => {
    if (isStale()) await buildUi()
    const response = await fetch(`${server().url}/api/v1/logs`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(records(Date.now()))
    })
    expect(response.status).toBe(200)
    await patternsStored(server().url)
    browser = await launchChromium()
    ;({ page, problems } = await watchedPage(browser))
    await page.goto(`${server().url}/`)
    await page.getByLabel("Username").fill("admin")
    await page.getByLabel("Password").fill(PASSWORD)
    await page.getByRole("button", { name: "Sign in" }).click()
    await page.getByRole("navigation", { name: "Sections" }).waitFor()
  })
  afterAll(async () => {
    await browser?.close()
  })
  afterEach(() => {
    expect(problems).toEqual([])
  })

  test("the histogram is stacked by level, with a legend naming each level's colour and count", async () => {
    const box = page.getByRole("searchbox", { name: "Search query" })
    await box.fill("service:checkout")
    await box.press("Enter")
    await page.locator(".summary", { hasText: "40 matches" }).waitFor()
    const chart = page.getByTestId("histogram")
    expect(await chart.locator("title").textContent()).toBe("Matches per bucket over time, stacked by level")
    expect(await page.getByTestId("histogram-legend").locator("li").allTextContents()).toEqual(["ERROR 10", "WARN 10", "INFO 20"])
    // Each level's bars have the colour of its swatch in the legend, and the levels differ.
    const fills: Record<string, string> = {}
    for (const level of ["ERROR", "WARN", "INFO"]) {
      const bar = await chart
        .locator(`rect[data-level="${level}"]`)
        .first()
        .evaluate((el) => el.ownerDocument.defaultView!.getComputedStyle(el).fill)
      const swatch = await legendEntry(page, level)
        .locator("rect")
        .evaluate((el) => el.ownerDocument.defaultView!.getComputedStyle(el).fill)
      expect(bar).toBe(swatch)
      fills[level] = bar
    }
    expect(new Set(Object.values(fills)).size).toBe(3)
    // From the keyboard: End focuses the newest bucket, the arrows step back to the newest line's
    // (the current minute may have begun since it was logged); its count is read out per level.
    const focus = page.getByTestId("histogram-focus")
    await chart.focus()
    await chart.press("End")
    for (let step = 0; step < 3 && /: 0$/.test((await focus.textContent()) ?? ""); step++) await chart.press("ArrowLeft")
    expect(await focus.textContent()).toMatch(/: 1 \(ERROR 1\)$/)
    await screenshot(page, "charts-01-stacked-histogram")
  })

  test("a value in the field list adds field:value and searches again; its − adds the negation", async () => {
    const fields = page.getByRole("complementary", { name: "Fields" })
    await fields.locator('section[data-field="region"]').waitFor()
    expect(await fields.locator('section[data-field="region"] li').allTextContents()).toEqual(["eu20−", "us20−"])
    await fields.getByRole("button", { name: "Add region:eu" }).click()
    const box = page.getByRole("searchbox", { name: "Search query" })
    expect(await box.inputValue()).toBe("service:checkout region:eu")
    await page.locator(".summary", { hasText: "20 matches" }).waitFor()
    expect(page.url()).toContain("region%3Aeu")

    await fields.getByRole("button", { name: "Add -level:ERROR" }).click()
    expect(await box.inputValue()).toBe("service:checkout region:eu -level:ERROR")
    await page.locator(".summary", { hasText: "10 matches" }).waitFor()
    expect(await page.locator("tr.log-row").count()).toBe(10)
    expect(await page.locator("tr.log-row .level-error").count()).toBe(0)
    // The field list follows the new results: no error left among them.
    await fields.locator('section[data-field="level"]').filter({ hasNotText: "ERROR" }).waitFor()
    await screenshot(page, "charts-02-field-list")
  })

  test("services: each service's volume and error rate over the chosen range; one service's page charts it alone", async () => {
    await page.getByRole("link", { name: "Services" }).click()
    const checkout = page.locator('article.service-card[data-service="checkout"]')
    await checkout.locator("p", { hasText: "40 logs · 10 errors (25.0%)" }).waitFor()
    await page.locator('article.service-card[data-service="search-api"]', { hasText: "10 logs · 0 errors" }).waitFor()
    const volume = checkout.getByTestId("volume-chart")
    expect(await volume.locator("svg title").textContent()).toBe("checkout: logs per 1 min")
    // One bar per minute of the last hour.
    expect(await volume.locator("rect.col").count()).toBeGreaterThanOrEqual(60)
    expect(await checkout.getByTestId("error-rate-chart").locator("path.line").getAttribute("d")).toMatch(/^M/)
    // Each card lists its service's top patterns of the range, each leading to its records.
    await checkout.getByRole("list", { name: "Top patterns" }).locator("li").first().waitFor()
    expect(await checkout.getByRole("list", { name: "Top patterns" }).locator("li").allTextContents()).toEqual(["checkout step <NUM> 40"])
    expect(await page.locator('article.service-card[data-service="search-api"] ol.card-patterns li').allTextContents()).toEqual(["query served <NUM> 10"])

    await page.getByRole("combobox", { name: "Time range" }).selectOption("now-6h")
    await checkout.getByTestId("volume-chart").locator("svg title", { hasText: "logs per 5 min" }).waitFor({ state: "attached" })
    const rate = checkout.getByTestId("error-rate-chart").locator("svg")
    await rate.focus()
    await rate.press("End")
    await checkout
      .getByTestId("error-rate-chart")
      .locator("figcaption", { hasText: /\d\d:\d\d:\d\d\.\d{3}: [\d.]+%/ })
      .waitFor()
    await screenshot(page, "charts-03-services")

    await checkout.getByRole("link", { name: "checkout step <NUM>" }).click()
    await page.locator(".summary", { hasText: "40 matches" }).waitFor()
    await page.getByRole("link", { name: "Services" }).click()

    // A service's own page charts that service alone.
    await checkout.getByRole("link", { name: "checkout", exact: true }).click()
    await page.getByRole("heading", { name: "checkout" }).waitFor()
    await page.locator('article.service-card[data-service="checkout"]', { hasText: "40 logs · 10 errors" }).waitFor()
    expect(await page.locator("article.service-card").count()).toBe(1)
  })

  test("the rule editor previews the rule's count per window against its threshold before saving", async () => {
    await page.getByRole("link", { name: "Alerts" }).click()
    await page.getByRole("link", { name: "New rule" }).click()
    await page.getByLabel("Services (comma-separated; empty: all)").fill("checkout")
    await page.getByLabel("Threshold").fill("0")
    const preview = page.getByTestId("rule-preview")
    await preview.getByTestId("preview-summary").filter({ hasText: "Now: 1 in the last 5 min; the condition holds." }).waitFor()
    expect(await preview.getByTestId("threshold").count()).toBe(1)
    expect(await preview.locator("rect.col.hot").count()).toBeGreaterThan(0)
    await screenshot(page, "charts-04-rule-preview")

    await page.getByLabel("Threshold").fill("5")
    await preview.getByTestId("preview-summary").filter({ hasText: "the condition does not hold. 0 of the 60 windows shown meet it." }).waitFor()
    // A query the server refuses is named before the rule is saved.
    await page.getByLabel("Query (the search language; optional)").fill('"unclosed')
    await preview.getByRole("alert").filter({ hasText: "closing quote" }).waitFor()
    // Chromium logs the refused request as a console error: that one, and nothing else, is expected here.
    expect(problems).toEqual([expect.stringMatching(/status of 400 .*\/api\/v1\/logs\/histogram\?query=%22unclosed/)])
    problems.length = 0
  })
})
