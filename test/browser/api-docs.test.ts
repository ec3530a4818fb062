/**
 * The API reference (typedoc) in headless Chromium, as a reader sees it: the
 * four entry points in the menu, the members of each module grouped by task
 * in the configured order, and README headings that keep their inline code.
 * The docs are built once, into a temporary directory (never docs/api), and
 * served on a loopback port; screenshots go to test-output/api-docs-*.png.
 * The checks are scripts/docs-check.ts's (`npx tsx scripts/docs-check.ts`
 * runs them from the command line).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdtemp, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser, BrowserContext, Page } from "playwright-core";
import {
  CLIENT_CATEGORIES,
  CODE_HEADING,
  DEFAULT_CATEGORY,
  MODULES,
  buildDocs,
  configuredCategoryOrder,
  expectedOrder,
  launchChromium,
  openDocsPage,
  readCategorySections,
  readMarkdownHeadings,
  readMenu,
  screenshot,
  serveDocs,
  type DocsServer,
  type MenuEntry,
} from "../../scripts/docs-check.js";

let tmp: string | undefined;
let server: DocsServer | undefined;
let browser: Browser | undefined;
let context: BrowserContext | undefined;
let page: Page;
let menu: MenuEntry[];
const pageErrors: string[] = [];

/** The absolute URL of a page of the docs. */
function url(path = ""): string {
  if (!server) throw new Error("not started");
  return new URL(path, server.url).href;
}

/** The menu entry of a module. */
function moduleEntry(name: string): MenuEntry {
  const entry = menu.find((m) => m.text === name);
  if (!entry) throw new Error(`no menu entry ${name}`);
  return entry;
}

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), "api-docs-test-"));
  const out = join(tmp, "api");
  await buildDocs(out); // typedoc.json treats warnings as errors: a warning fails here
  server = await serveDocs(out);
  browser = await launchChromium();
  context = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
  page = await context.newPage();
  page.on("pageerror", (e) => pageErrors.push(e.message));
  await openDocsPage(page, url());
  menu = await readMenu(page);
}, 240_000);

afterAll(async () => {
  await context?.close().catch(() => {});
  await browser?.close().catch(() => {});
  await server?.close().catch(() => {});
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

describe("API reference", () => {
  it("lists the four entry points in the menu, named as they are imported", async () => {
    expect(menu.map((m) => m.text)).toEqual([...MODULES]);
    for (const entry of menu) expect(entry.href).toMatch(/\/modules\/xmpp-muc-sdk[\w-]*\.html$/);
    // Each module's menu entry holds its categories, not a flat list of members.
    expect(moduleEntry("xmpp-muc-sdk").children).toEqual([...CLIENT_CATEGORIES]);
    await page.locator("#tsd-nav-container").scrollIntoViewIfNeeded();
    await screenshot(page, "menu");
  });

  it("shows the client's members by category, in the configured order, each with an introduction and an example", async () => {
    await openDocsPage(page, moduleEntry("xmpp-muc-sdk").href);
    const sections = await readCategorySections(page);
    const titles = sections.map((s) => s.title);
    expect(titles).toEqual([...CLIENT_CATEGORIES]);
    expect(titles.indexOf("Messages")).toBeLessThan(titles.indexOf("Moderation"));
    for (const s of sections) {
      expect(s.intro, `introduction of "${s.title}"`).not.toBe("");
      expect(s.examples, `examples of "${s.title}"`).toBeGreaterThan(0);
      expect(s.members.length, `members of "${s.title}"`).toBeGreaterThan(0);
    }
    const members = (title: string) => sections.find((s) => s.title === title)?.members ?? [];
    expect(members("Getting started")).toEqual(expect.arrayContaining(["MucService", "Room", "JoinOptions"]));
    expect(members("Messages")).toEqual(expect.arrayContaining(["MessageTracker", "sendCorrection", "sendReactions", "onMessageChange"]));
    expect(members("Moderation")).toEqual(expect.arrayContaining(["setRole", "setAffiliation", "moderateMessage"]));
    expect(members("Archive (MAM)")).toContain("queryRoomArchive");
    await screenshot(page, "client");
    const heading = page.locator('.col-content [id="messages"]');
    await heading.scrollIntoViewIfNeeded();
    await page.evaluate(() => window.scrollBy(0, (document.querySelector('.col-content [id="messages"]')?.getBoundingClientRect().top ?? 0) - 60));
    expect(await heading.isVisible()).toBe(true);
    await screenshot(page, "client-messages");
  });

  it("groups the gateway, xso and testing modules by category too, in the configured order", async () => {
    const order = await configuredCategoryOrder();
    const wanted: Record<string, string[]> = {
      "xmpp-muc-sdk/gateway": ["Gateway & sessions", "Rooms", "Running a gateway", "Store", "Errors"],
      "xmpp-muc-sdk/xso": ["Codec machinery", "Core stanzas", "Multi-User Chat", "Data forms", "Errors"],
      "xmpp-muc-sdk/testing": ["Throwaway Prosody", "Mock connections"],
    };
    for (const [name, some] of Object.entries(wanted)) {
      await openDocsPage(page, moduleEntry(name).href);
      const sections = await readCategorySections(page);
      const titles = sections.map((s) => s.title);
      expect(titles, name).toEqual(expectedOrder(titles, [...order, DEFAULT_CATEGORY]));
      expect(titles, name).toEqual(expect.arrayContaining(some));
      expect(moduleEntry(name).children, `${name} in the menu`).toEqual(titles);
      for (const s of sections) {
        if (s.title === DEFAULT_CATEGORY) continue; // members not tagged yet (scripts/docs-check.ts warns)
        expect(s.examples, `${name}: examples of "${s.title}"`).toBeGreaterThan(0);
      }
      await screenshot(page, name.slice("xmpp-muc-sdk/".length));
    }
  });

  it("keeps inline code in README headings", async () => {
    await openDocsPage(page, url());
    const headings = await readMarkdownHeadings(page);
    const heading = headings.find((h) => h.id === CODE_HEADING.anchor);
    expect(heading, `#${CODE_HEADING.anchor} among ${headings.map((h) => h.id).join(", ")}`).toBeDefined();
    expect(heading?.text).toBe(CODE_HEADING.text);
    expect(heading?.code).toEqual([CODE_HEADING.code]);
    expect(heading?.navText).toBe(CODE_HEADING.text);
    for (const h of headings.filter((x) => x.code.length > 0)) {
      expect(h.navText, h.text).toBe(h.text);
      expect(h.id, h.text).not.toMatch(/-$/);
    }
    // The code is rendered as code: monospace, as in the body text.
    const code = page.locator(`[id="${CODE_HEADING.anchor}"] code`);
    expect(await code.evaluate((el) => getComputedStyle(el).fontFamily)).toMatch(/mono|courier|consolas/i);
    await page.locator(`[id="${CODE_HEADING.anchor}"]`).scrollIntoViewIfNeeded();
    await page.evaluate(() => window.scrollBy(0, -80));
    const path = await screenshot(page, "readme-heading");
    expect((await stat(path)).size).toBeGreaterThan(0);
  });

  it("runs the pages without script errors", () => {
    expect(pageErrors).toEqual([]);
  });
});
