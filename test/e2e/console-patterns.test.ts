import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test"
import type { Browser, Page } from "playwright-core"
import { buildUi, isStale } from "../../scripts/build-ui.ts"
import { chromiumOrSkip, launchChromium, screenshot, watchedPage } from "../support/browser.ts"
import { json, useServer } from "../support/server-process.ts"

/**
 * The console's Patterns page in a real browser (Debian's Chromium, headless) against the real
 * server: reached from Search with its range, it lists the learned templates with counts and a
 * chart, narrows them by level with the keyboard, and a template leads to exactly its records;
 * a service's page shows its top patterns.
 * Any console error or uncaught exception fails the test.
 */

const PASSWORD = "console-admin-password"
const server = useServer(() => ({ env: { ADMIN_PASSWORD: PASSWORD, REQUIRE_AUTH_FOR_READ: "true", LOG_LEVEL: "warning", PATTERNS_FLUSH_MS: "1000" } }))
const chromiumPath = chromiumOrSkip()

describe.skipIf(chromiumPath === undefined)("console: patterns", () => {
  let browser: Browser
  let page: Page
  let problems: string[]

  beforeAll(async () => {
    if (isStale()) await buildUi()
    const now = Date.now()
    const records = Array.from({ length: 24 }, (_, i) => ({
      timestamp: new Date(now - i * 60_000 - 10_000).toISOString(),
      service: "checkout",
      level: i % 3 === 0 ? "error" : "info",
      message: i % 3 === 0 ? `card declined for order ORD-${1000 + i}` : `order ${1000 + i} paid in ${10 + i}ms`
    }))
    const response = await fetch(`${server().url}/api/v1/logs`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(records)
    })
    expect(response.status).toBe(200)
    // Logged in through the API, waiting until the learner has written both templates.
    const login = await json(
      fetch(`${server().url}/api/v1/auth/login`, { method: "POST", body: new URLSearchParams({ username: "admin", password: PASSWORD }) })
    )
    const deadline = Date.now() + 20_000
    for (;;) {
      const listed = await json(fetch(`${server().url}/api/v1/logs/patterns?from=now-1h`, { headers: { authorization: `Bearer ${login.access_token}` } }))
      if (listed.patterns?.reduce((n: number, p: { count: number }) => n + p.count, 0) === 24) break
      if (Date.now() > deadline) throw new Error(`patterns not learned: ${JSON.stringify(listed)}`)
      await Bun.sleep(200)
    }
    browser = await launchChromium()
    ;({ page, problems } = await watchedPage(browser))
  })
  afterAll(async () => {
    await browser?.close()
  })
  afterEach(() => {
    expect(problems).toEqual([])
  })

  test("from Search, the range's patterns are listed with their counts and a chart; a level narrows them", async () => {
    await page.goto(`${server().url}/`)
    await page.getByLabel("Username").fill("admin")
    await page.getByLabel("Password").fill(PASSWORD)
    await page.getByRole("button", { name: "Sign in" }).click()
    await page.getByRole("link", { name: "Patterns in this range" }).click()
    const rows = page.locator("table.patterns tbody tr")
    await rows.nth(1).waitFor()
    expect(await rows.locator("a.template").allTextContents()).toEqual(["order <NUM> paid in <DURATION>", "card declined for order <ID>"])
    expect(await rows.locator("td.num").allTextContents()).toEqual(["16", "8"])
    expect(
      await rows
        .first()
        .getByRole("img", { name: /records of "order <NUM> paid in <DURATION>"/ })
        .count()
    ).toBe(1)
    await screenshot(page, "patterns")

    const level = page.getByRole("combobox", { name: "Level" })
    await level.focus()
    await level.selectOption("ERROR")
    await page.getByRole("button", { name: "Show" }).press("Enter")
    await page.locator("table.patterns tbody tr").first().filter({ hasText: "card declined" }).waitFor()
    expect(await page.locator("table.patterns tbody tr").count()).toBe(1)
    expect(page.url()).toContain("level=ERROR")
  })

  test("a pattern leads to a search for exactly its records", async () => {
    await page.getByRole("link", { name: "card declined for order <ID>" }).click()
    await page.locator(".summary", { hasText: "8 matches" }).waitFor()
    expect(await page.locator("tr.log-row").count()).toBe(8)
    expect(await page.locator("tr.log-row", { hasText: "paid" }).count()).toBe(0)
  })

  test("a service's page lists its top patterns, each leading to its records", async () => {
    await page.goto(`${server().url}/ui/#/services/checkout`)
    const patterns = page.getByRole("region", { name: "Top patterns (last hour)" })
    await patterns.locator("a.template").nth(1).waitFor()
    expect(await patterns.locator("a.template").allTextContents()).toEqual(["order <NUM> paid in <DURATION>", "card declined for order <ID>"])
    await screenshot(page, "service-patterns")
    await patterns.getByRole("link", { name: "order <NUM> paid in <DURATION>" }).click()
    await page.locator(".summary", { hasText: "16 matches" }).waitFor()
  })
})
