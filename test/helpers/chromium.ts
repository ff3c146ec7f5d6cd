/**
 * The browser tests' Chromium (Debian's, through playwright-core) and the demo server it drives: where
 * Chromium is, how it starts, whether a suite runs here, and a page that records script errors and CSP
 * refusals.
 *
 * Needs /usr/bin/chromium. In CI (CI set) a missing Chromium fails the suite; locally it is skipped
 * with a warning.
 */
import { existsSync, mkdirSync } from 'node:fs'
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core'
import { afterAll, beforeAll } from 'vitest'
import { startDemoServer, type DemoServer, type DemoServerOptions } from '../../src/cli/demo-server.ts'
import { RequestLogger } from '../../src/cli/request-log.ts'

/** Where the browser tests expect Chromium (`apt-get install -y chromium`). */
export const CHROMIUM = '/usr/bin/chromium'

/** Headless, and none of the background traffic a fresh profile would make. */
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
]

/** The folder the browser tests' screenshots go to (created by {@link useChromiumDemo}). */
export const ARTIFACTS = new URL('../../test-artifacts/', import.meta.url)

/** The timeout of a browser test and of starting Chromium, in milliseconds. */
export const SLOW = 60_000

const available = existsSync(CHROMIUM)
const inCi = process.env.CI !== undefined && process.env.CI !== '' && process.env.CI !== 'false'

/**
 * Whether the suite in `file` is skipped: only locally without Chromium, and then it says so loudly. In
 * CI the suite runs and {@link useChromiumDemo} fails it.
 */
export function chromiumSkipped(file: string): boolean {
  if (available || inCi) return false
  console.warn(
    `\n${'!'.repeat(78)}\n!! ${file} SKIPPED: no Chromium at ${CHROMIUM}.\n` +
      `!! Install it (apt-get install -y chromium) to run the browser tests; in CI they fail without it.\n${'!'.repeat(78)}\n`,
  )
  return true
}

/** A suite's demo server and the Chromium driving it, from {@link useChromiumDemo}. */
export interface ChromiumDemo {
  /** The demo server (once the suite's `beforeAll` has run). */
  readonly demo: DemoServer
  /** Chromium (once the suite's `beforeAll` has run). */
  readonly browser: Browser
  /** The request log's lines (JSON), when the suite asked for them; else none. */
  readonly logLines: readonly string[]
}

/** How {@link useChromiumDemo} runs the demo server. */
export interface ChromiumDemoOptions {
  /** Keep the demo's request log, as JSON lines, in {@link ChromiumDemo.logLines}. Default false. */
  readonly requestLog?: boolean
}

/**
 * Starts the demo server with `options`, then Chromium, before the calling suite's tests (and makes
 * {@link ARTIFACTS}); stops both after them. Call it in the `describe` body. A missing Chromium fails the suite (it runs
 * only where {@link chromiumSkipped} said so).
 */
export function useChromiumDemo(options: DemoServerOptions, { requestLog = false }: ChromiumDemoOptions = {}): ChromiumDemo {
  const logLines: string[] = []
  let demo: DemoServer | undefined
  let browser: Browser | undefined
  beforeAll(async () => {
    if (!available) throw new Error(`Chromium is missing at ${CHROMIUM}: CI must install it (apt-get install -y chromium) before npm test`)
    mkdirSync(ARTIFACTS, { recursive: true })
    const logger = new RequestLogger({ format: 'json', write: (line) => logLines.push(line) })
    demo = await startDemoServer(requestLog ? { ...options, logger } : options)
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS })
  }, SLOW)
  afterAll(async () => {
    await browser?.close()
    await demo?.close()
  })
  return {
    get demo() {
      return started(demo)
    },
    get browser() {
      return started(browser)
    },
    logLines,
  }
}

/** What the suite's `beforeAll` started; reading it before then is a mistake in the test. */
function started<T>(value: T | undefined): T {
  if (value === undefined) throw new Error("the demo server and Chromium start in the suite's beforeAll")
  return value
}

/** A new page of `context` that adds its script errors and Content Security Policy refusals to `problems`. */
export async function watchedPage(context: BrowserContext, problems: string[]): Promise<Page> {
  const page = await context.newPage()
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`))
  page.on('console', (message) => {
    if (/Content Security Policy|Refused to/i.test(message.text())) problems.push(message.text())
  })
  return page
}
