/**
 * What the browser tests of the web client (examples/browser) share: Debian's
 * Chromium, pages logged in through the login form, joining and opening
 * rooms, finding occupants and messages, and reading every text of a page
 * (to check that nothing internal reaches it).
 */
import { expect } from "vitest";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { chromium, type Browser, type BrowserContext, type BrowserContextOptions, type Page } from "playwright-core";

/** Debian's Chromium (package `chromium`). */
export const CHROMIUM = "/usr/bin/chromium";
/** How long any one wait may take. */
export const WAIT = 15_000;
/** Where screenshots go. */
export const OUTPUT_DIR = join(process.cwd(), "test-output");

/** What internal error text looks like: none of it may reach the page. */
export const INTERNALS = /Cannot read|TypeError|ECONN|null|recipient-unavailable|registration-required|feature-not-implemented|item-not-found|not-authorized/;

/** Headless Debian Chromium (never a downloaded one). */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`Chromium is missing at ${CHROMIUM}: install it with "apt-get install -y chromium" (as root; or sudo apt-get install chromium). .ci/run does this.`);
  }
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
  });
}

/** The browser and web server the pages are opened in, and what the pages collect. */
export interface PageHarness {
  readonly browser: Browser;
  /** The web client's URL. */
  readonly url: string;
  /** Every context opened (to close them at the end). */
  readonly contexts: BrowserContext[];
  /** Uncaught errors of every page, `username: message`. */
  readonly pageErrors: string[];
  /** Passwords by username. */
  readonly passwords: Readonly<Record<string, string>>;
}

export interface OpenPageOptions {
  /** Browser context options (viewport, isMobile, hasTouch, …); 1280×800 by default. */
  readonly context?: BrowserContextOptions;
  /** Run in the page before its scripts (stubs: `Notification`, …). */
  readonly initScript?: () => void;
}

/** A new browser context on the web client, not logged in. */
export async function openPage(harness: PageHarness, label: string, options: OpenPageOptions = {}): Promise<Page> {
  const context = await harness.browser.newContext({ viewport: { width: 1280, height: 800 }, ...options.context });
  harness.contexts.push(context);
  if (options.initScript) await context.addInitScript(options.initScript);
  const page = await context.newPage();
  page.on("pageerror", (e) => harness.pageErrors.push(`${label}: ${e.message}`));
  await page.goto(harness.url, { timeout: WAIT });
  return page;
}

/** Fill the login form and submit it (without waiting for the result). */
export async function submitLogin(page: Page, username: string, password: string): Promise<void> {
  await page.getByTestId("login-username").fill(username, { timeout: WAIT });
  await page.getByTestId("login-password").fill(password);
  await page.getByTestId("login-submit").click();
}

/** A new browser context logged in through the page as `username`. */
export async function loginPage(harness: PageHarness, username: string, options: OpenPageOptions = {}): Promise<Page> {
  const page = await openPage(harness, username, options);
  await submitLogin(page, username, harness.passwords[username] ?? "");
  await page.locator("[data-testid=connection-status][data-state=online]").waitFor({ timeout: WAIT });
  await page.getByTestId("shell").waitFor({ state: "visible", timeout: WAIT });
  return page;
}

/** Join `jid` from the page with the "join a room by address" form. */
export async function joinFromPage(page: Page, jid: string, nick: string): Promise<void> {
  await page.getByTestId("open-join").click({ timeout: WAIT });
  await page.getByTestId("join-room").fill(jid, { timeout: WAIT });
  await page.getByTestId("join-nick").fill(nick);
  await page.getByTestId("join-submit").click();
  await page.locator(`[data-testid=room-view][data-jid="${jid}"][data-state=joined]`).waitFor({ timeout: WAIT });
}

/** Open an already-joined room in the page (its entry in the sidebar). */
export async function openRoom(page: Page, jid: string): Promise<void> {
  await page.locator(`[data-testid=room-item][data-jid="${jid}"]`).first().click({ timeout: WAIT });
  await page.locator(`[data-testid=room-view][data-jid="${jid}"]`).waitFor({ timeout: WAIT });
}

export function occupant(page: Page, nick: string) {
  return page.locator(`[data-testid=occupants] [data-testid=occupant][data-nick="${nick}"]`);
}

export function messageWith(page: Page, text: string, extra = "") {
  return page.locator(`[data-testid=messages] [data-testid=message]${extra}`).filter({ hasText: text });
}

/** Every text of a page, hidden ones included: its text, titles, placeholders and labels. */
export function pageText(page: Page): Promise<string> {
  return page.evaluate(() => {
    const parts = [document.title, document.body.textContent ?? ""];
    for (const el of Array.from(document.querySelectorAll("[title], [placeholder], [aria-label]"))) {
      for (const name of ["title", "placeholder", "aria-label"]) parts.push(el.getAttribute(name) ?? "");
    }
    return parts.join("\n");
  });
}

/** Type `text` into the composer and send it. */
export async function send(page: Page, text: string): Promise<void> {
  const input = page.getByTestId("composer-input");
  await input.fill(text, { timeout: WAIT });
  await page.getByTestId("composer-send").click();
}

/** No error toast on the page. */
export async function expectNoErrorToast(page: Page): Promise<void> {
  await expect(page.getByTestId("error-banner").isHidden()).resolves.toBe(true);
}
