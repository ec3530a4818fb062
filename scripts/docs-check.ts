/**
 * The API reference as a reader sees it: builds it with typedoc into a
 * temporary directory (never docs/api), serves it on a loopback port, opens it
 * in Debian's Chromium and checks that
 *
 * - the site menu lists the four entry points, named as they are imported,
 *   in the order of typedoc.json (`xmpp-muc-sdk`, `…/gateway`, `…/xso`,
 *   `…/testing`);
 * - each module page shows its members in category sections, in the order of
 *   typedoc.json's `categoryOrder` (the client's: exactly {@link CLIENT_CATEGORIES}),
 *   each section with an introduction and a code example;
 * - the README's headings with inline code (`## The client (\`xmpp-muc-sdk\`)`)
 *   keep it: the heading shows it as code, its anchor and its "On This Page"
 *   entry have its text;
 *
 * and saves screenshots to test-output/api-docs-*.png. Members left out of
 * every category land in "Other": listed as a warning.
 *
 *     npx tsx scripts/docs-check.ts              # build, check; exit code 1 on a failed check
 *     npx tsx scripts/docs-check.ts --dir DIR    # check docs already built in DIR (e.g. docs/api)
 *     npx tsx scripts/docs-check.ts --strict     # members in "Other" fail the check too
 *     npx tsx scripts/docs-check.ts --keep       # keep the temporary build
 *
 * test/browser/api-docs.test.ts runs the same checks (this module exports them).
 */
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { dirname, extname, join, normalize, resolve, sep } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { chromium, type Browser, type Page } from "playwright-core";

/** The repository root. */
export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
/** Debian's Chromium (package `chromium`). */
export const CHROMIUM = "/usr/bin/chromium";
/** Where the screenshots go. */
export const OUTPUT_DIR = join(ROOT, "test-output");

/** The entry points as the menu must list them, in order. */
export const MODULES = ["xmpp-muc-sdk", "xmpp-muc-sdk/gateway", "xmpp-muc-sdk/xso", "xmpp-muc-sdk/testing"] as const;

/** The client module's categories, in order: all of them, nothing else. */
export const CLIENT_CATEGORIES = [
  "Getting started",
  "Joining & presence",
  "Occupants",
  "Messages",
  "Moderation",
  "Administration & configuration",
  "Discovery",
  "Archive (MAM)",
  "Files",
  "Ad-hoc commands",
  "Errors",
  "Enums & constants",
  "Low level",
] as const;

/** The README heading with inline code that the checks look at, as GitHub shows it. */
export const CODE_HEADING = { text: "The client (xmpp-muc-sdk)", code: "xmpp-muc-sdk", anchor: "the-client-xmpp-muc-sdk" } as const;

/** The category members fall into when they have none (typedoc's `defaultCategory`). */
export const DEFAULT_CATEGORY = "Other";

/** typedoc.json's `categoryOrder`, without the `*` wildcard. */
export async function configuredCategoryOrder(): Promise<string[]> {
  const config = JSON.parse(await readFile(join(ROOT, "typedoc.json"), "utf8")) as { categoryOrder?: string[] };
  return (config.categoryOrder ?? []).filter((c) => c !== "*");
}

/**
 * Build the API reference into `outDir` with the project's typedoc.json
 * (which treats warnings as errors).
 *
 * @returns typedoc's output.
 * @throws when typedoc fails, with its output.
 */
export function buildDocs(outDir: string): Promise<string> {
  const typedoc = join(ROOT, "node_modules", ".bin", "typedoc");
  return new Promise((done, fail) => {
    execFile(typedoc, ["--out", outDir], { cwd: ROOT, timeout: 300_000, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      const output = `${stdout}${stderr}`;
      if (error) fail(new Error(`typedoc failed (${error.message.split("\n")[0]}):\n${output}`));
      else done(output);
    });
  });
}

const CONTENT_TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".json": "application/json",
  ".png": "image/png",
  ".ico": "image/x-icon",
};

/** A static file server over a directory. */
export interface DocsServer {
  /** The base URL, ending in `/`. */
  readonly url: string;
  close(): Promise<void>;
}

/** Serve `dir` on a free loopback port (GET only; `/` is `index.html`). */
export async function serveDocs(dir: string): Promise<DocsServer> {
  const root = resolve(dir);
  const server = createServer((req, res) => {
    void (async () => {
      const path = decodeURIComponent(new URL(req.url ?? "/", "http://localhost").pathname);
      let file = normalize(join(root, path));
      if (file !== root && !file.startsWith(root + sep)) {
        res.writeHead(403).end();
        return;
      }
      try {
        if ((await stat(file)).isDirectory()) file = join(file, "index.html");
        const body = await readFile(file);
        res.writeHead(200, { "content-type": CONTENT_TYPES[extname(file)] ?? "application/octet-stream" }).end(body);
      } catch {
        res.writeHead(404).end();
      }
    })();
  });
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("no port");
  return {
    url: `http://127.0.0.1:${address.port}/`,
    close: () => new Promise<void>((done) => server.close(() => done())),
  };
}

/** Launch Debian's Chromium, headless. */
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

/** Open `url` and wait for the site menu, which typedoc's script fills in. */
export async function openDocsPage(page: Page, url: string): Promise<void> {
  await page.goto(url, { timeout: 15_000 });
  await page.locator("#tsd-nav-container > li").first().waitFor({ timeout: 15_000 });
}

/** A top-level entry of the site menu. */
export interface MenuEntry {
  /** Its text. */
  readonly text: string;
  /** Its link, absolute. */
  readonly href: string;
  /** The texts of the entries directly under it (categories, when the menu shows them). */
  readonly children: string[];
}

/** The top-level entries of the site menu of the open page. */
export function readMenu(page: Page): Promise<MenuEntry[]> {
  return page.locator("#tsd-nav-container").evaluate((nav) =>
    Array.from(nav.children).map((li) => {
      const link = li.querySelector(":scope > details > summary > a, :scope > a") as HTMLAnchorElement | null;
      const nested = li.querySelector(":scope > details > .tsd-accordion-details > ul");
      const children = nested
        ? Array.from(nested.children).map((c) => (c.querySelector(":scope > details > summary, :scope > a")?.textContent ?? "").trim())
        : [];
      return { text: (link?.textContent ?? li.textContent ?? "").trim(), href: link?.href ?? "", children };
    }),
  );
}

/** A category section of a module page. */
export interface CategorySection {
  /** The heading. */
  readonly title: string;
  /** The introduction's text (empty when it has none). */
  readonly intro: string;
  /** How many code examples the introduction holds. */
  readonly examples: number;
  /** The names of the members listed. */
  readonly members: string[];
}

/** The category sections of the open module page, in page order. */
export function readCategorySections(page: Page): Promise<CategorySection[]> {
  return page.locator(".col-content").evaluate((content) =>
    Array.from(content.querySelectorAll(":scope > details.tsd-member-group")).map((group) => {
      const intro = group.querySelector(":scope > .tsd-comment");
      return {
        title: (group.querySelector(":scope > summary h2")?.textContent ?? "").trim(),
        intro: (intro?.textContent ?? "").trim(),
        examples: intro ? intro.querySelectorAll("pre > code").length : 0,
        members: Array.from(group.querySelectorAll(":scope > dl > dt .tsd-member-summary-name > a:not(.tsd-anchor-icon)"))
          .map((a) => (a.textContent ?? "").trim())
          .filter((t) => t !== ""),
      };
    }),
  );
}

/** A Markdown heading of a page's text as rendered. */
export interface RenderedHeading {
  /** Its `id` (the anchor). */
  readonly id: string;
  /** Its text. */
  readonly text: string;
  /** The texts of its `<code>` elements. */
  readonly code: string[];
  /** Its entry in "On This Page", if any. */
  readonly navText: string | undefined;
}

/** The `h2` headings of the open page's Markdown text (the README, on the index page). */
export function readMarkdownHeadings(page: Page): Promise<RenderedHeading[]> {
  return page.evaluate(() =>
    Array.from(document.querySelectorAll(".col-content .tsd-typography h2[id]")).map((h) => {
      const nav = document.querySelector(`.page-menu a[href="#${CSS.escape(h.id)}"]`);
      return {
        id: h.id,
        text: (h.textContent ?? "").trim(),
        code: Array.from(h.querySelectorAll("code")).map((c) => c.textContent ?? ""),
        navText: nav ? (nav.textContent ?? "").trim() : undefined,
      };
    }),
  );
}

/** `order` restricted to `items`, i.e. the order `items` should come in. */
export function expectedOrder(items: readonly string[], order: readonly string[]): string[] {
  const known = order.filter((c) => items.includes(c));
  const unknown = items.filter((c) => !order.includes(c));
  return [...known, ...unknown];
}

/** Save a screenshot of the open page to test-output/api-docs-`name`.png. */
export async function screenshot(page: Page, name: string, options: { fullPage?: boolean } = {}): Promise<string> {
  await mkdir(OUTPUT_DIR, { recursive: true });
  const path = join(OUTPUT_DIR, `api-docs-${name}.png`);
  await page.screenshot({ path, fullPage: options.fullPage ?? false });
  return path;
}

/** The outcome of {@link checkDocs}. */
export interface DocsReport {
  /** What failed, one line each. */
  readonly failures: string[];
  /** What deserves a look without failing (members without a category). */
  readonly warnings: string[];
  /** The screenshots saved. */
  readonly screenshots: string[];
}

/** Run every check against the docs served at `baseUrl`. */
export async function checkDocs(browser: Browser, baseUrl: string): Promise<DocsReport> {
  const failures: string[] = [];
  const warnings: string[] = [];
  const screenshots: string[] = [];
  const order = await configuredCategoryOrder();
  const context = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
  const page = await context.newPage();
  const pageErrors: string[] = [];
  page.on("pageerror", (e) => pageErrors.push(e.message));
  try {
    // The index: the menu and the README.
    await openDocsPage(page, baseUrl);
    const menu = await readMenu(page);
    const names = menu.map((m) => m.text);
    if (JSON.stringify(names) !== JSON.stringify(MODULES)) failures.push(`menu: expected ${JSON.stringify(MODULES)}, got ${JSON.stringify(names)}`);
    const headings = await readMarkdownHeadings(page);
    const heading = headings.find((h) => h.text.startsWith("The client"));
    if (!heading) failures.push(`README: no "${CODE_HEADING.text}" heading`);
    else {
      if (heading.text !== CODE_HEADING.text) failures.push(`README: heading reads "${heading.text}"`);
      if (!heading.code.includes(CODE_HEADING.code)) failures.push(`README: heading "${heading.text}" shows no <code>${CODE_HEADING.code}</code>`);
      if (heading.id !== CODE_HEADING.anchor) failures.push(`README: heading anchor is #${heading.id}, not #${CODE_HEADING.anchor}`);
      if (heading.navText !== CODE_HEADING.text) failures.push(`README: "On This Page" shows "${heading.navText ?? "(nothing)"}" for "${CODE_HEADING.text}"`);
    }
    for (const h of headings) {
      if (h.code.length > 0 && (h.navText === undefined || h.code.some((c) => !h.navText?.includes(c)))) {
        failures.push(`README: "On This Page" lost the code of "${h.text}" (shows "${h.navText ?? "(nothing)"}")`);
      }
    }
    const target = page.locator(`[id="${CODE_HEADING.anchor}"]`);
    if ((await target.count()) > 0) {
      await target.scrollIntoViewIfNeeded();
      await page.evaluate(() => window.scrollBy(0, -80));
    }
    screenshots.push(await screenshot(page, "readme-heading"));

    // Each module page: its categories, in order, each introduced with an example.
    for (const name of MODULES) {
      const entry = menu.find((m) => m.text === name);
      if (!entry) continue;
      await openDocsPage(page, entry.href);
      const sections = await readCategorySections(page);
      const titles = sections.map((s) => s.title);
      if (titles.length === 0) failures.push(`${name}: no category sections`);
      const wanted = name === "xmpp-muc-sdk" ? [...CLIENT_CATEGORIES] : expectedOrder(titles, [...order, DEFAULT_CATEGORY]);
      if (JSON.stringify(titles) !== JSON.stringify(wanted)) failures.push(`${name}: categories ${JSON.stringify(titles)}, expected ${JSON.stringify(wanted)}`);
      if (entry.children.length > 0 && JSON.stringify(entry.children) !== JSON.stringify(titles)) {
        failures.push(`${name}: the menu lists ${JSON.stringify(entry.children)}, the page ${JSON.stringify(titles)}`);
      }
      for (const s of sections) {
        if (s.title === DEFAULT_CATEGORY) {
          warnings.push(`${name}: without a category ("${DEFAULT_CATEGORY}"): ${s.members.join(", ")}`);
          continue;
        }
        if (s.intro === "") failures.push(`${name}: category "${s.title}" has no introduction (@categoryDescription)`);
        else if (s.examples === 0) failures.push(`${name}: category "${s.title}" has no code example`);
      }
      const short = name === "xmpp-muc-sdk" ? "client" : name.slice("xmpp-muc-sdk/".length);
      screenshots.push(await screenshot(page, short));
    }

    // The client page scrolled to "Messages": a category with its example and members.
    const client = menu.find((m) => m.text === "xmpp-muc-sdk");
    if (client) {
      await openDocsPage(page, client.href);
      const messages = page.locator('.col-content [id="messages"]');
      if ((await messages.count()) === 0) failures.push('xmpp-muc-sdk: no "Messages" section');
      else {
        await messages.scrollIntoViewIfNeeded();
        await page.evaluate(() => window.scrollBy(0, (document.querySelector('.col-content [id="messages"]')?.getBoundingClientRect().top ?? 0) - 60));
        screenshots.push(await screenshot(page, "client-messages"));
      }
    }
    if (pageErrors.length) failures.push(`script errors in the pages: ${pageErrors.join("; ")}`);
  } finally {
    await context.close();
  }
  return { failures, warnings, screenshots };
}

async function main(): Promise<number> {
  const args = process.argv.slice(2);
  const dirAt = args.indexOf("--dir");
  const given = dirAt >= 0 ? args[dirAt + 1] : undefined;
  if (dirAt >= 0 && !given) throw new Error("--dir needs a directory");
  const keep = args.includes("--keep");
  const strict = args.includes("--strict");
  let tmp: string | undefined;
  let dir: string;
  if (given) {
    dir = resolve(given);
    if (!existsSync(join(dir, "index.html"))) throw new Error(`no index.html in ${dir}: build the docs first (npm run docs)`);
  } else {
    tmp = await mkdtemp(join(tmpdir(), "api-docs-"));
    dir = join(tmp, "api");
    console.log(`building the docs into ${dir} …`);
    await buildDocs(dir);
  }
  const server = await serveDocs(dir);
  let browser: Browser | undefined;
  try {
    browser = await launchChromium();
    const report = await checkDocs(browser, server.url);
    for (const w of report.warnings) console.log(`warning: ${w}`);
    for (const f of report.failures) console.log(`FAIL: ${f}`);
    for (const s of report.screenshots) console.log(`screenshot: ${s}`);
    const failed = report.failures.length > 0 || (strict && report.warnings.length > 0);
    console.log(failed ? "docs check failed" : "docs check passed");
    return failed ? 1 : 0;
  } finally {
    await browser?.close();
    await server.close();
    if (tmp && !keep) await rm(tmp, { recursive: true, force: true });
    else if (tmp) console.log(`kept ${tmp}`);
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  main().then(
    (code) => process.exit(code),
    (e: unknown) => {
      console.error(e instanceof Error ? e.message : e);
      process.exit(1);
    },
  );
}
