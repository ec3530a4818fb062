/**
 * What the browser tests of the web client (examples/browser) share: the
 * servers they run it against ({@link WebClientStack}: a throwaway Prosody,
 * maybe the gateway with the demo network, the example's web server and
 * Debian's Chromium), pages logged in through the login form, joining and
 * opening rooms, finding occupants and messages, and reading every text of a
 * page (to check that nothing internal reaches it).
 */
import { expect } from "vitest";
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium, type Browser, type BrowserContext, type BrowserContextOptions, type Page } from "playwright-core";

import { startProsody, type ProsodyExtraConfig, type ProsodyServer } from "../../src/testing/prosody.js";
import { openSqliteStore, runGateway, type RunningGateway } from "../../src/gateway/index.js";
import { MucService } from "../../src/index.js";
import { DemoNetwork, seedDemo } from "../../examples/demo-network/index.js";
import { createDemoModule } from "../../examples/demo-network/module.js";
import { startWebServer, type WebServer } from "../../examples/browser/serve.js";
import { connectClient, withTimeout, type TestClient } from "../helpers/prosody-clients.js";
import { startFaultProxy, type FaultProxy, type FaultProxyOptions } from "../helpers/fault-proxy.js";

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

/** The gateway's address: Prosody's external component, serving the demo network's groups as rooms. */
export const GATEWAY_DOMAIN = "gateway.localhost";

/** What the browser tests' stacks differ in (see {@link WebClientStack}). */
export interface WebClientStackOptions {
  /** Prosody's accounts, passwords by username; the pages log in with them. */
  readonly passwords: Readonly<Record<string, string>>;
  /** More Prosody configuration (an upload component, no stream resumption, …). */
  readonly prosodyConfig?: ProsodyExtraConfig;
  /** Run the gateway (the demo network's module) as Prosody's component {@link GATEWAY_DOMAIN}. */
  readonly gateway?: {
    /** The network it serves, seeded (`seedDemo`) before the gateway starts; a new one by default. */
    readonly network?: DemoNetwork;
    /** Accounts registered with the gateway up front, as XEP-0077 registration would: the same username and password on the network. */
    readonly registered: readonly string[];
  };
  /**
   * The pages reach Prosody's WebSocket through a fault-injecting TCP proxy
   * (test/helpers/fault-proxy.ts, {@link WebClientStack.proxy}) between the
   * web server's pass-through and Prosody's HTTP port, not directly.
   */
  readonly faultProxy?: Omit<FaultProxyOptions, "target">;
  /** Connect a Node client (this SDK's MucService, {@link WebClientStack.muc}) as this account, straight to Prosody. */
  readonly nodeClient?: string;
  /** The page's title. @default "xmpp-muc-sdk browser test" */
  readonly title?: string;
}

/** The parts of a {@link WebClientStack} that run, each there from its start to its stop. */
interface RunningParts {
  /** The temporary directory (Prosody's, the gateway's database). */
  dir: string;
  prosody: ProsodyServer;
  gateway: RunningGateway;
  proxy: FaultProxy;
  web: WebServer;
  node: { readonly client: TestClient; readonly muc: MucService };
  browser: Browser;
}

/** Run one step of a teardown within a time limit; a failure is logged, not thrown, so that the next step runs. */
async function cleanupStep(what: string, fn: () => Promise<unknown> | unknown): Promise<void> {
  try {
    await withTimeout(Promise.resolve().then(fn), 10_000, what);
  } catch (e) {
    console.error(`browser test cleanup: ${what}: ${e instanceof Error ? e.message : String(e)}`);
  }
}

/**
 * What a browser test runs the web client against: a throwaway Prosody (in
 * a temporary directory), with the options the gateway serving the demo
 * network, a fault proxy and a Node client, the example's web server, and
 * Debian's Chromium; a {@link PageHarness} for the test's pages.
 *
 * Made at the top of a test file, started in `beforeAll` and stopped in
 * `afterAll`: `stop()` closes whatever `start()` got to, also when a test or
 * the start failed, or the start is still under way (a `beforeAll` that timed
 * out); each step within a time limit (a step that fails is logged, and the
 * next one runs).
 *
 * ```ts
 * const stack = new WebClientStack({ passwords: { alice: "alice-pw", dave: "dave-pw" }, nodeClient: "dave" });
 * beforeAll(async () => {
 *   await stack.start();
 *   alice = await loginPage(stack, "alice");
 * }, 60_000);
 * afterAll(() => stack.stop(), 60_000);
 * ```
 */
export class WebClientStack implements PageHarness {
  readonly contexts: BrowserContext[] = [];
  readonly pageErrors: string[] = [];
  readonly passwords: Readonly<Record<string, string>>;
  readonly #options: WebClientStackOptions;
  readonly #network: DemoNetwork | undefined;
  /** What `stop()` runs after the browser is closed, before the Node client. */
  readonly #onStop: { what: string; fn: () => unknown }[] = [];
  #running: Partial<RunningParts> = {};
  #stopped = false;

  constructor(options: WebClientStackOptions) {
    this.#options = options;
    this.passwords = options.passwords;
    this.#network = options.gateway ? (options.gateway.network ?? new DemoNetwork()) : undefined;
  }

  /** Start Prosody, the gateway, the proxy, the web server, the Node client and the browser, in that order. */
  async start(): Promise<void> {
    const { passwords, gateway, faultProxy, nodeClient, title = "xmpp-muc-sdk browser test" } = this.#options;
    this.#stopped = false;
    const dir = await this.#started("dir", await mkdtemp(join(tmpdir(), "browser-test-")));
    const secret = "browser-test-gateway-secret";
    const prosody = await this.#started(
      "prosody",
      await startProsody({
        ...(gateway ? { component: { domain: GATEWAY_DOMAIN, secret } } : {}),
        users: Object.entries(passwords).map(([username, password]) => ({ username, password })),
        tmpDir: dir,
        ...(this.#options.prosodyConfig ? { extraConfig: this.#options.prosodyConfig } : {}),
      }),
    );

    if (gateway && this.#network) {
      await seedDemo(this.#network);
      const db = join(dir, "gateway.sqlite");
      const store = openSqliteStore(db);
      for (const u of gateway.registered) store.users.save({ jid: `${u}@${prosody.domain}`, legacyData: { username: u, password: passwords[u] ?? "" }, registeredAt: Date.now() });
      store.close();
      await this.#started("gateway", await runGateway(createDemoModule(this.#network), { jid: GATEWAY_DOMAIN, secret, server: prosody.componentUrl, db, logger: { debug() {}, warn() {} } }));
    }

    let xmppWebSocket = prosody.websocketUrl;
    if (faultProxy) {
      const proxy = await this.#started("proxy", await startFaultProxy({ ...faultProxy, target: { host: "127.0.0.1", port: prosody.httpPort } }));
      xmppWebSocket = `ws://127.0.0.1:${proxy.port}/xmpp-websocket`;
    }
    await this.#started(
      "web",
      await startWebServer({
        port: 0,
        host: "127.0.0.1",
        xmppWebSocket,
        config: { domain: prosody.domain, mucDomain: prosody.mucDomain, ...(gateway ? { gatewayDomain: GATEWAY_DOMAIN } : {}), title },
      }),
    );

    if (nodeClient !== undefined) {
      const client = await connectClient({ server: prosody, username: nodeClient, password: passwords[nodeClient] ?? "" });
      await this.#started("node", { client, muc: new MucService(client.xmpp, { selfPing: false }) });
    }

    await this.#started("browser", await launchChromium());
  }

  /** Run `fn` once, when the stack stops: after the browser is closed, before the Node client, within a time limit as the other steps. */
  onStop(what: string, fn: () => unknown): void {
    this.#onStop.push({ what, fn });
  }

  /**
   * Close the pages and the browser, run what {@link onStop} was given, close
   * the Node client, stop the web server, the proxy, the gateway and Prosody,
   * and remove the temporary directory. What is not running is skipped.
   */
  async stop(): Promise<void> {
    this.#stopped = true;
    const { dir, prosody, gateway, proxy, web, node, browser } = this.#running;
    this.#running = {};
    for (const c of this.contexts.splice(0)) await cleanupStep("closing a browser context", () => c.close());
    if (browser) await cleanupStep("closing the browser", () => browser.close());
    for (const { what, fn } of this.#onStop.splice(0)) await cleanupStep(what, fn);
    if (node) {
      await cleanupStep("closing the Node client", async () => {
        node.muc.close();
        await node.client.stop();
      });
    }
    if (web) await cleanupStep("stopping the web server", () => web.close());
    if (proxy) await cleanupStep("closing the proxy", () => proxy.close());
    if (gateway) await cleanupStep("stopping the gateway", () => gateway.stop());
    if (prosody) await cleanupStep("stopping Prosody", () => prosody.stop());
    if (dir) await rm(dir, { recursive: true, force: true });
  }

  /** The throwaway Prosody. */
  get prosody(): ProsodyServer {
    return this.#part("prosody");
  }

  /** The running gateway (with option `gateway`). */
  get gateway(): RunningGateway {
    return this.#part("gateway");
  }

  /** The demo network the gateway serves (with option `gateway`). */
  get network(): DemoNetwork {
    if (!this.#network) throw new Error("this stack runs no gateway (option gateway)");
    return this.#network;
  }

  /** The pages' way to Prosody (with option `faultProxy`). */
  get proxy(): FaultProxy {
    return this.#part("proxy");
  }

  /** The web client's URL (the example's web server). */
  get url(): string {
    return this.#part("web").url;
  }

  /** The Node client's connection (with option `nodeClient`). */
  get client(): TestClient {
    return this.#part("node").client;
  }

  /** The Node client's MucService (with option `nodeClient`), without self-pings. */
  get muc(): MucService {
    return this.#part("node").muc;
  }

  /** Debian's Chromium. */
  get browser(): Browser {
    return this.#part("browser");
  }

  #part<K extends keyof RunningParts>(name: K): RunningParts[K] {
    const part = this.#running[name];
    if (part === undefined) throw new Error(`the web client stack's ${name} is not running (not started, stopped, or not among its options)`);
    return part;
  }

  /** Note a part as running; if `stop()` came meanwhile (a `beforeAll` that timed out), stop it too, and end the start. */
  async #started<K extends keyof RunningParts>(name: K, part: RunningParts[K]): Promise<RunningParts[K]> {
    this.#running[name] = part;
    if (this.#stopped) {
      await this.stop();
      throw new Error("the web client stack was stopped while starting");
    }
    return part;
  }
}

export interface OpenPageOptions {
  /** Browser context options (viewport, isMobile, hasTouch, …); 1280×800 by default. */
  readonly context?: BrowserContextOptions;
  /** Run in the page before its scripts (stubs: `Notification`, …). */
  readonly initScript?: () => void;
  /** Called with the page before it loads the web client (to route its requests, say). */
  readonly beforeLoad?: (page: Page) => Promise<void>;
}

/** A new browser context on the web client, not logged in. */
export async function openPage(harness: PageHarness, label: string, options: OpenPageOptions = {}): Promise<Page> {
  const context = await harness.browser.newContext({ viewport: { width: 1280, height: 800 }, ...options.context });
  harness.contexts.push(context);
  if (options.initScript) await context.addInitScript(options.initScript);
  const page = await context.newPage();
  page.on("pageerror", (e) => harness.pageErrors.push(`${label}: ${e.message}`));
  const lines: string[] = [];
  consoleLines.set(page, lines);
  page.on("console", (m) => {
    lines.push(`${m.type()}: ${m.text()}`);
    if (lines.length > CONSOLE_LINES_KEPT) lines.shift();
  });
  await options.beforeLoad?.(page);
  // `?debug`: the SDK's debug log reaches the console, which a failed wait for the connection reports.
  await page.goto(`${harness.url}?debug`, { timeout: WAIT });
  return page;
}

/** The page's last console lines, for the message of a failed wait. */
const consoleLines = new WeakMap<Page, string[]>();
const CONSOLE_LINES_KEPT = 40;

/**
 * What the page shows of its connection and said on its console: appended to
 * the error of a wait for the connection, so that a login that never comes
 * online says where it stopped.
 */
async function connectionReport(page: Page): Promise<string> {
  const read = (testId: string, what: (el: Element) => string): Promise<string> =>
    page
      .getByTestId(testId)
      .first()
      .evaluate(what, undefined, { timeout: 1_000 })
      .then((text) => text.replace(/\s+/g, " ").trim())
      .catch(() => "(absent)");
  const status = await read("connection-status", (el) => `${el.getAttribute("data-state") ?? "?"} "${el.textContent ?? ""}"`);
  const banner = await read("connection-banner", (el) => `${(el as HTMLElement).hidden ? "hidden" : (el.getAttribute("data-state") ?? "?")} "${el.textContent ?? ""}"`);
  const loginError = await read("login-error", (el) => el.textContent ?? "");
  const lines = consoleLines.get(page) ?? [];
  return (
    `connection-status: ${status}; connection-banner: ${banner}; login-error: "${loginError}"\n` +
    `the page's last ${lines.length} console lines:\n${lines.map((l) => `  ${l}`).join("\n")}`
  );
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
  try {
    await page.locator("[data-testid=connection-status][data-state=online]").waitFor({ timeout: WAIT });
  } catch (e) {
    throw new Error(`${username}'s page did not come online: ${e instanceof Error ? e.message : String(e)}\n${await connectionReport(page)}`, { cause: e });
  }
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
