import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test"
import type { Browser, Page } from "playwright-core"
import { buildUi, isStale } from "../../scripts/build-ui.ts"
import { chromiumOrSkip, launchChromium, screenshot, watchedPage } from "../support/browser.ts"
import { json, useServer } from "../support/server-process.ts"

/**
 * The web console in a real browser (Debian's Chromium, headless) against the real server:
 * log in, search, zoom the histogram, open a line's context, live tail, services, alert rules
 * and triggered alerts (down to the records that fired one). Reads need
 * a token here, so every call the console makes must carry it. Any console error or uncaught
 * exception fails the test; each page is saved as a screenshot under .ci/out/screenshots/.
 */

const PASSWORD = "console-admin-password"
const server = useServer(() => ({
  env: { ADMIN_PASSWORD: PASSWORD, REQUIRE_AUTH_FOR_READ: "true", REQUIRE_AUTH_FOR_INGEST: "false", LOG_LEVEL: "warning" }
}))
const chromiumPath = chromiumOrSkip()

const ingest = async (records: unknown[]) => {
  const response = await fetch(`${server().url}/api/v1/logs`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(records)
  })
  expect(response.status).toBe(200)
}

describe.skipIf(chromiumPath === undefined)("web console", () => {
  let browser: Browser
  let page: Page
  let problems: string[]

  beforeAll(async () => {
    if (isStale()) await buildUi()
    // Thirty checkout lines, one every two minutes over the last hour; half of them "declined".
    const now = Date.now()
    await ingest(
      Array.from({ length: 30 }, (_, i) => ({
        timestamp: new Date(now - i * 120_000 - 30_000).toISOString(),
        service: "checkout",
        level: i % 2 === 0 ? "error" : "info",
        message: i % 2 === 0 ? `card declined for order ${1000 + i}` : `order ${1000 + i} paid`,
        order: 1000 + i
      }))
    )
    browser = await launchChromium()
    ;({ page, problems } = await watchedPage(browser))
  })
  afterAll(async () => {
    await browser?.close()
  })
  afterEach(() => {
    expect(problems).toEqual([])
  })

  test("a browser at / gets the console; an API client keeps the JSON root", async () => {
    const api = await fetch(`${server().url}/`)
    expect(api.headers.get("content-type")).toContain("application/json")
    expect((await api.json()).links.console).toBe("/ui/")
    const html = await fetch(`${server().url}/`, { headers: { accept: "text/html,application/xhtml+xml,*/*;q=0.8" } })
    expect(html.headers.get("content-type")).toContain("text/html")
    const asset = /src="(\/ui\/[^"]+\.js)"/.exec(await html.text())![1]!
    const script = await fetch(`${server().url}${asset}`)
    expect(script.headers.get("content-type")).toContain("javascript")
    expect(script.headers.get("cache-control")).toContain("immutable")
    expect((await fetch(`${server().url}/ui/..%2Fpackage.json`)).status).toBe(404)
  })

  test("logs in", async () => {
    await page.goto(`${server().url}/`)
    await page.getByLabel("Username").fill("admin")
    await page.getByLabel("Password").fill(PASSWORD)
    await screenshot(page, "01-login")
    await page.getByRole("button", { name: "Sign in" }).click()
    await page.getByRole("navigation", { name: "Sections" }).waitFor()
    await page.locator(".user", { hasText: "admin" }).waitFor()
  })

  test("searches with the query language, highlights the matches and opens a line as JSON", async () => {
    const box = page.getByRole("searchbox", { name: "Search query" })
    await page.locator("body").press("/")
    expect(await box.evaluate((el) => el === el.ownerDocument.activeElement)).toBe(true)
    await box.fill("declined service:checkout")
    await box.press("Enter")
    await page.locator(".summary", { hasText: "15 matches" }).waitFor()
    expect(await page.locator("tr.log-row").count()).toBe(15)
    expect(await page.locator("tr.log-row mark").first().textContent()).toBe("declined")
    expect(page.url()).toContain("query=declined")

    const first = page.locator("tr.log-row").first()
    await first.focus()
    await first.press("Enter")
    const detail = page.locator("tr.log-detail pre.json")
    await detail.waitFor()
    expect(JSON.parse((await detail.textContent()) ?? "")).toMatchObject({ service: "checkout", level: "ERROR", attributes: { order: 1000 } })
    await screenshot(page, "02-search")
  })

  test("dragging across the histogram zooms into that time range", async () => {
    const chart = page.getByTestId("histogram")
    const box = (await chart.boundingBox())!
    // The right quarter of the last hour: the newest few lines only.
    await page.mouse.move(box.x + box.width * 0.75, box.y + box.height / 2)
    await page.mouse.down()
    await page.mouse.move(box.x + box.width * 0.9, box.y + box.height / 2, { steps: 5 })
    await page.mouse.move(box.x + box.width * 0.995, box.y + box.height / 2, { steps: 5 })
    await page.mouse.up()
    await page.getByTestId("range-label").filter({ hasText: "→" }).waitFor()
    await page.locator(".summary", { hasText: "matches" }).waitFor()
    const shown = await page.locator("tr.log-row").count()
    expect(shown).toBeGreaterThan(0)
    expect(shown).toBeLessThan(15)
    const params = new URLSearchParams(page.url().split("?")[1])
    expect(Number(params.get("from"))).toBeGreaterThan(Date.now() - 3_600_000 + 30 * 60_000)
    expect(await page.getByRole("combobox", { name: "Time range" }).inputValue()).toBe("custom")
    await screenshot(page, "03-histogram-zoom")
  })

  test("shows the lines around a record; Escape closes it; a line leads to more from its service", async () => {
    await page.getByRole("button", { name: "Show context" }).first().click()
    const dialog = page.getByRole("dialog", { name: /Context: checkout/ })
    await dialog.waitFor()
    await dialog.locator("li.context-line.current").waitFor()
    // Same service: the paid and the declined lines around it.
    expect(await dialog.locator("li.context-line").count()).toBeGreaterThan(5)
    expect(await dialog.locator("li.context-line", { hasText: "paid" }).count()).toBeGreaterThan(0)
    await screenshot(page, "04-context")
    await page.keyboard.press("Escape")
    await dialog.waitFor({ state: "hidden" })
    // From an open line to everything its service logged in the same range.
    await page.getByRole("link", { name: "More from checkout" }).first().click()
    await page.locator("tr.log-row", { hasText: "paid" }).first().waitFor()
    expect(await page.getByRole("searchbox", { name: "Search query" }).inputValue()).toBe('service:"checkout"')
  })

  test("live tail shows a newly ingested line; pause holds lines until resume", async () => {
    await page.getByRole("link", { name: "Live tail" }).click()
    await page.getByTestId("tail-status").filter({ hasText: "live" }).waitFor()
    const first = `fresh line ${crypto.randomUUID()}`
    await ingest([{ service: "tail-test", level: "warn", message: first }])
    await page.locator("tr.log-row", { hasText: first }).waitFor({ timeout: 5_000 })

    await page.getByRole("button", { name: "Pause" }).click()
    const held = `held line ${crypto.randomUUID()}`
    await ingest([{ service: "tail-test", message: held }])
    await page.getByRole("button", { name: "Resume (1 new)" }).waitFor({ timeout: 5_000 })
    expect(await page.locator("tr.log-row", { hasText: held }).count()).toBe(0)
    await screenshot(page, "05-tail-paused")
    await page.getByRole("button", { name: /Resume/ }).click()
    await page.locator("tr.log-row", { hasText: held }).waitFor()
    await page.getByTestId("tail-status").filter({ hasText: "live" }).waitFor()
    await screenshot(page, "06-tail")
  })

  test("services: rates, error rate and health per service, top errors; one service's page", async () => {
    await page.getByRole("link", { name: "Services" }).click()
    const row = page.locator("table.services tr", { hasText: "checkout" })
    await row.waitFor()
    // Fifteen of the thirty checkout lines are errors, but only the last 15 minutes count here.
    expect(await row.locator(".health").textContent()).toMatch(/healthy|degraded|critical/)
    await page.locator("table.top-errors", { hasText: "card declined" }).waitFor()
    await screenshot(page, "07-services")
    await row.getByRole("link", { name: "checkout" }).click()
    await page.getByRole("heading", { name: "checkout" }).waitFor()
    await page.locator(".stats").first().waitFor()
    await screenshot(page, "08-service")
  })

  test("alerts: create a rule, see it fire, acknowledge and resolve the alert, edit and snooze the rule", async () => {
    await page.getByRole("link", { name: "Alerts" }).click()
    await page.getByRole("link", { name: "New rule" }).click()
    await page.getByLabel("Name").fill("checkout declines")
    await page.getByLabel("Threshold").fill("2")
    await page.getByLabel("over the last (minutes)").fill("1")
    await page.getByLabel("Services (comma-separated; empty: all)").fill("alert-test")
    await page.getByLabel("Evaluate every (seconds)").fill("1")
    expect(await page.getByRole("checkbox", { name: "ERROR" }).isChecked()).toBe(true)
    await screenshot(page, "09-alert-rule-form")
    await page.getByRole("button", { name: "Create rule" }).click()
    const rule = page.locator("table.rules tr", { hasText: "checkout declines" })
    await rule.waitFor()
    expect(await rule.textContent()).toContain("count > 2 in 1 min")

    // Three errors in the window: more than two, so the rule fires at its next evaluation.
    await ingest(Array.from({ length: 3 }, (_, i) => ({ service: "alert-test", level: "error", message: `card declined ${i}` })))
    const alert = page.locator("table.alerts tr", { hasText: "checkout declines" })
    const deadline = Date.now() + 20_000
    while (!(await alert.isVisible())) {
      if (Date.now() > deadline) throw new Error("the alert did not fire within 20 s")
      await page.getByRole("button", { name: "Refresh" }).click()
      await Bun.sleep(500)
    }
    expect(await alert.locator(".alert-status").textContent()).toBe("firing")
    await screenshot(page, "10-alert-firing")

    await alert.getByRole("button", { name: "Acknowledge" }).click()
    await alert.waitFor({ state: "detached" })
    await page.getByRole("button", { name: "Acknowledged" }).click()
    await alert.filter({ hasText: "acknowledged by admin" }).waitFor()
    await screenshot(page, "11-alert-acknowledged")
    await alert.getByRole("button", { name: "Resolve" }).click()
    await alert.waitFor({ state: "detached" })
    await page.getByRole("button", { name: "Resolved" }).click()
    await alert.filter({ hasText: "resolved by hand (admin)" }).waitFor()

    await rule.getByRole("link", { name: "Edit" }).click()
    const threshold = page.getByLabel("Threshold")
    await page.getByRole("heading", { name: "Edit rule: checkout declines" }).waitFor()
    expect(await threshold.inputValue()).toBe("2")
    await threshold.fill("5")
    await page.getByRole("button", { name: "Save" }).click()
    await rule.filter({ hasText: "count > 5 in 1 min" }).waitFor()
    await rule.getByRole("button", { name: "Snooze 1 h" }).click()
    await rule.filter({ hasText: "snoozed until" }).waitFor()
    await screenshot(page, "12-alerts")
    await rule.getByRole("button", { name: "Unsnooze" }).click()
    await rule.getByRole("button", { name: "Snooze 1 h" }).waitFor()

    // The alert links to the records that fired it: its rule's search over the alert's windows.
    // (Resolved by hand while its condition still held, the rule may have fired again since, and
    // that alert resolved itself once the threshold rose: the one resolved by hand is the one.)
    await page.getByRole("button", { name: "Resolved" }).click()
    await alert.filter({ hasText: "resolved by hand (admin)" }).getByRole("link", { name: "Logs" }).click()
    await page.locator(".summary", { hasText: "3 matches" }).waitFor()
    expect(await page.getByRole("searchbox", { name: "Search query" }).inputValue()).toBe("service:alert-test level:ERROR")
    expect(await page.locator("tr.log-row", { hasText: "card declined" }).count()).toBe(3)
  }, 60_000) // waits for the rule's evaluator, also when run without package.json's --timeout

  test("signing out returns to the login form", async () => {
    await page.getByRole("button", { name: "Sign out" }).click()
    await page.getByRole("button", { name: "Sign in" }).waitFor()
    const root = await json(fetch(`${server().url}/`))
    expect(root.name).toBe("LogFlow")
  })
})
