import { existsSync, mkdirSync } from "node:fs"
import { join } from "node:path"
import { type Browser, chromium, type Page } from "playwright-core"
import { inCI } from "./ci.ts"

/**
 * Debian's Chromium driven by playwright-core, headless, for the console's end-to-end tests.
 * Every page records its console errors and uncaught exceptions: a test fails on any of them.
 */

export const CHROMIUM = "/usr/bin/chromium"
export const SCREENSHOTS = join(import.meta.dir, "../../.ci/out/screenshots")

/** Chromium is there; else, in CI, a failure; on a developer machine, undefined (skip) with the reason printed. */
export const chromiumOrSkip = (): string | undefined => {
  if (existsSync(CHROMIUM)) return CHROMIUM
  if (inCI()) throw new Error(`${CHROMIUM} is required in CI (.ci/run installs Debian's chromium package)`)
  console.warn(`skipping the console's browser tests: ${CHROMIUM} is missing (apt-get install chromium)`)
  return undefined
}

export const launchChromium = (): Promise<Browser> =>
  // playwright gives every launch a fresh temporary profile (its own --user-data-dir).
  chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      // Without these Chromium tries to reach Google's services, and fails noisily offline.
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync"
    ]
  })

export interface WatchedPage {
  readonly page: Page
  /** Console errors and page errors seen so far. */
  readonly problems: string[]
}

export const watchedPage = async (browser: Browser): Promise<WatchedPage> => {
  const context = await browser.newContext({ viewport: { width: 1366, height: 768 } })
  const page = await context.newPage()
  const problems: string[] = []
  page.on("console", (message) => {
    if (message.type() === "error") problems.push(`console error: ${message.text()} (${message.location().url})`)
  })
  page.on("pageerror", (error) => problems.push(`page error: ${error.message}`))
  return { page, problems }
}

export const screenshot = async (page: Page, name: string) => {
  mkdirSync(SCREENSHOTS, { recursive: true })
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true })
}
