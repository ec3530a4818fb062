/**
 * The xmpp-muc-gateway command with the demo module, against a real Prosody:
 * --help and --version, a one-line error and the right exit code for each
 * configuration or connection mistake (and no database left behind), SIGINT
 * and SIGTERM, a SIGKILL in the middle of a user's burst of messages, and a
 * TypeScript module loaded by the command when node runs
 * it without any loader flag.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import * as esbuild from "esbuild";
import { xml } from "@xmpp/client";
import { openSqliteStore } from "../../src/gateway/index.js";
import { startProsody, type ProsodyServer } from "../../src/testing/prosody.js";
import { MessageState, MucService, queryRoomArchive, type MessageTracker } from "../../src/index.js";
import { connectClient, waitUntil, withTimeout, type TestClient } from "../helpers/prosody-clients.js";

const DEMO = "examples/demo-network/gateway-module.ts";

let server: ProsodyServer;
let dir: string;
let cli: ChildProcess | undefined;
let client: TestClient | undefined;
/** Every command started, killed at the end if still running. */
const children: ChildProcess[] = [];
/** A TypeScript module (in a directory outside the project) that extends the demo's classes and reports its stop and logouts. */
let observed: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "gateway-cli-"));
  server = await startProsody({ component: { domain: "gateway.localhost", secret: "cli-secret" }, users: [{ username: "alice", password: "alice-pw" }] });
  await writeFile(join(dir, "package.json"), JSON.stringify({ type: "module" }));
  observed = join(dir, "observed.ts");
  await writeFile(
    observed,
    `import * as demo from ${JSON.stringify(pathToFileURL(resolve(DEMO)).href)};
const slowStop: number = Number(process.env.GATEWAY_TEST_SLOW_STOP ?? 0);
export class Gateway extends demo.Gateway {
  override async stop(): Promise<void> {
    console.log("gateway stop begins");
    if (slowStop > 0) await new Promise<void>((resolve) => setTimeout(resolve, slowStop));
    await super.stop();
  }
}
export class Session extends demo.Session {
  override async logout(): Promise<void> {
    console.log(\`logged out \${this.userJid.toString()}\`);
    await super.logout();
  }
}
export const Bookmarks = demo.Bookmarks;
export const MUC = demo.MUC;
`,
  );
}, 30_000);

afterAll(async () => {
  await client?.stop();
  for (const child of [cli, ...children]) if (child && child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  await server?.stop();
  await rm(dir, { recursive: true, force: true });
});

interface Cli {
  readonly child: ChildProcess;
  /** stdout and stderr, interleaved. */
  output(): string;
  stdout(): string;
  stderr(): string;
  readonly exited: Promise<number | null>;
}

/** Spawns the command, by default as `node --import tsx src/gateway/cli.ts …`. */
function run(args: string[], options: { readonly command?: readonly string[]; readonly env?: NodeJS.ProcessEnv } = {}): Cli {
  const command = options.command ?? ["--import", "tsx", "src/gateway/cli.ts"];
  const child = spawn(process.execPath, [...command, ...args], { stdio: ["ignore", "pipe", "pipe"], env: options.env ?? process.env });
  children.push(child);
  let out = "";
  let stdout = "";
  let stderr = "";
  child.stdout?.on("data", (c: Buffer) => {
    out += c.toString();
    stdout += c.toString();
  });
  child.stderr?.on("data", (c: Buffer) => {
    out += c.toString();
    stderr += c.toString();
  });
  // "close", not "exit": the output is complete then.
  const exited = new Promise<number | null>((resolve) => child.once("close", (code) => resolve(code)));
  return { child, output: () => out, stdout: () => stdout, stderr: () => stderr, exited };
}

function waitForOutput(cli: Cli, text: string, ms = 20_000): Promise<void> {
  return withTimeout(
    new Promise<void>((resolve, reject) => {
      const timer = setInterval(() => {
        if (cli.output().includes(text)) {
          clearInterval(timer);
          resolve();
        } else if (cli.child.exitCode !== null) {
          clearInterval(timer);
          reject(new Error(`the command exited (${cli.child.exitCode}) before printing ${JSON.stringify(text)}: ${cli.output()}`));
        }
      }, 20);
    }),
    ms,
    `the command to print ${JSON.stringify(text)}`,
  );
}

/** A database that already has alice registered (legacy account alice/wonderland of the demo network). */
function seededDb(name: string): string {
  const db = join(dir, name);
  const store = openSqliteStore(db);
  store.users.save({ jid: `alice@${server.domain}`, legacyData: { username: "alice", password: "wonderland" }, registeredAt: Date.now() });
  store.close();
  return db;
}

const leftovers = (db: string): string[] => ["", "-wal", "-shm", "-journal"].map((s) => db + s).filter((f) => existsSync(f));

describe("xmpp-muc-gateway", () => {
  it("explains a bad configuration and exits with 2", async () => {
    const { exited, output } = run(["--module", "examples/demo-network/gateway-module.ts"]);
    expect(await withTimeout(exited, 20_000, "the command's exit")).toBe(2);
    expect(output()).toMatch(/xmpp-muc-gateway: invalid gateway configuration: jid is missing/);
  });

  it("runs the demo module: a user registers and joins a room; SIGINT stops it cleanly", async () => {
    const started = run([
      "--module",
      "examples/demo-network/gateway-module.ts",
      "--jid",
      "gateway.localhost",
      "--secret",
      "cli-secret",
      "--server",
      server.componentUrl,
      "--db",
      join(dir, "gateway.sqlite"),
    ]);
    cli = started.child;
    await withTimeout(
      new Promise<void>((resolve) => {
        const timer = setInterval(() => {
          if (started.output().includes("connected to")) {
            clearInterval(timer);
            resolve();
          }
        }, 20);
      }),
      20_000,
      "the gateway to connect",
    );
    client = await connectClient({ server, username: "alice", password: "alice-pw" });
    const form = xml(
      "x",
      { xmlns: "jabber:x:data", type: "submit" },
      xml("field", { var: "username" }, xml("value", {}, "alice")),
      xml("field", { var: "password" }, xml("value", {}, "wonderland")),
    );
    await withTimeout(client.xmpp.iqCaller.request(xml("iq", { type: "set", to: "gateway.localhost" }, xml("query", { xmlns: "jabber:iq:register" }, form))), 10_000, "registration");
    const muc = new MucService(client.xmpp, { selfPing: false });
    const { room, joined } = muc.join("coffee@gateway.localhost", "alice");
    await withTimeout(joined, 10_000, "join");
    expect(room.getOccupant("Bob")).toBeDefined();
    muc.close();
    cli.kill("SIGINT");
    expect(await withTimeout(started.exited, 10_000, "the command's exit")).toBe(0);
  });
});

describe("xmpp-muc-gateway --help and --version", () => {
  for (const flag of ["--help", "-h"]) {
    it(`${flag} prints the usage on stdout and exits with 0`, async () => {
      const started = run([flag, "--bogus"]);
      expect(await withTimeout(started.exited, 20_000, "the command's exit")).toBe(0);
      expect(started.stderr()).toBe("");
      const text = started.stdout();
      expect(text).toMatch(/^Usage: xmpp-muc-gateway --module FILE/);
      for (const word of ["--module", "GATEWAY_MODULE", "--jid", "GATEWAY_JID", "--secret", "GATEWAY_SECRET", "--server", "GATEWAY_SERVER", "--db", "GATEWAY_DB", "--config", "GATEWAY_CONFIG", "--verbose", "GATEWAY_DEBUG", "--version", "Example:", "Exit status:"]) {
        expect(text).toContain(word);
      }
    });
  }

  for (const flag of ["--version", "-V"]) {
    it(`${flag} prints the package's version and exits with 0`, async () => {
      const { version } = JSON.parse(readFileSync("package.json", "utf8")) as { version: string };
      const started = run([flag]);
      expect(await withTimeout(started.exited, 20_000, "the command's exit")).toBe(0);
      expect(started.stdout()).toBe(`${version}\n`);
      expect(started.stderr()).toBe("");
    });
  }
});

// Concurrent: each case is a process of its own; the timeout case waits for the 10 s connect timeout.
describe.concurrent("xmpp-muc-gateway explains each mistake in one line", { timeout: 60_000 }, () => {
  /** Runs the command to its end: exactly one line on stderr, nothing on stdout, no stack trace, the given exit code. */
  async function expectOneLine(args: string[], code: number, message: RegExp, env?: NodeJS.ProcessEnv): Promise<void> {
    const started = run(args, env ? { env: { ...process.env, ...env } } : {});
    const exitCode = await withTimeout(started.exited, 45_000, "the command's exit");
    const output = started.output();
    expect(output, output).not.toMatch(/^\s+at /m);
    expect(started.stdout(), output).toBe("");
    const lines = started.stderr().split("\n");
    expect(lines, output).toHaveLength(2);
    expect(lines[1]).toBe("");
    expect(lines[0]).toMatch(/^xmpp-muc-gateway: /);
    expect(lines[0]).toMatch(message);
    expect(exitCode, output).toBe(code);
  }
  let dbs = 0;
  const connect = (over: Record<string, string> = {}): string[] => {
    const values = { module: DEMO, jid: "gateway.localhost", secret: "cli-secret", server: server.componentUrl, db: join(dir, `failed-${++dbs}.sqlite`), ...over };
    return Object.entries(values).flatMap(([k, v]) => [`--${k}`, v]);
  };
  /** A port nothing listens on. */
  async function closedPort(): Promise<number> {
    const probe = createServer();
    await new Promise<void>((res) => probe.listen(0, "127.0.0.1", res));
    const address = probe.address();
    await new Promise<void>((res) => probe.close(() => res()));
    return typeof address === "object" && address ? address.port : 0;
  }

  it("no flags at all: 2", () => expectOneLine([], 2, /--module is missing.*see xmpp-muc-gateway --help$/));
  it("an unknown flag: 2", () => expectOneLine(["--bogus", "1"], 2, /unknown argument "--bogus"/));
  it("a flag without its value: 2", () => expectOneLine(["--module", DEMO, "--jid"], 2, /--jid needs a value/));
  it("missing values: 2", () => expectOneLine(["--module", DEMO], 2, /invalid gateway configuration: jid is missing.*secret is missing.*server is missing/));
  it("a bad server URL: 2", () => expectOneLine(connect({ server: "http://127.0.0.1:5347" }), 2, /server "http:\/\/127\.0\.0\.1:5347" must look like xmpp:\/\/host:port/));
  it("an unreadable config file: 2", () => expectOneLine(["--config", join(dir, "nope.json")], 2, /cannot read the config file .*nope\.json/));
  it("a config file that is not JSON: 2", async () => {
    const file = join(dir, "broken.json");
    await writeFile(file, "{ not json");
    await expectOneLine([], 2, /the config file .*broken\.json is not valid JSON/, { GATEWAY_CONFIG: file });
  });
  it("a module file that does not exist: 2", () => expectOneLine(connect({ module: "nope/gateway.ts" }), 2, /^xmpp-muc-gateway: check --module: the module file nope\/gateway\.ts \(.*\) does not exist$/));
  it("a module without the classes: 2", async () => {
    const file = join(dir, "empty.mjs");
    await writeFile(file, "export const nothing = 1;\n");
    await expectOneLine(connect({ module: file }), 2, /check --module: .*must export the classes Gateway and Session.*\(it exports: nothing\)$/);
  });
  it("a TypeScript module that does not compile: 2", async () => {
    const file = join(dir, "broken.ts");
    await writeFile(file, "export const x: = ;\n");
    await expectOneLine(connect({ module: file }), 2, /check --module: cannot load the module .*broken\.ts: .*broken\.ts:1:/);
  });
  it("a database in a directory that does not exist: 2", () => expectOneLine(connect({ db: join(dir, "no-such-dir", "g.sqlite") }), 2, /check --db: cannot open the database/));

  it("nothing listening on the port: 3, and no database left", async () => {
    const db = join(dir, "refused.sqlite");
    await expectOneLine(connect({ server: `xmpp://127.0.0.1:${await closedPort()}`, db }), 3, /check --server: nothing is listening at xmpp:\/\/127\.0\.0\.1:\d+ \(ECONNREFUSED\)/);
    expect(leftovers(db)).toEqual([]);
  });
  it("a wrong secret: 3, and no database left", async () => {
    const db = join(dir, "secret.sqlite");
    await expectOneLine(connect({ secret: "wrong", db }), 3, /check --secret: the server at .* refused the component secret for gateway\.localhost \(not-authorized/);
    expect(leftovers(db)).toEqual([]);
  });
  it("a domain the server has no component for: 3", async () => {
    const db = join(dir, "domain.sqlite");
    await expectOneLine(connect({ jid: "unknown.localhost", db }), 3, /check --jid and --server: .* has no component unknown\.localhost \(host-unknown/);
    expect(leftovers(db)).toEqual([]);
  });
  it("the client port instead of the component port: 3", () =>
    expectOneLine(connect({ server: `xmpp://127.0.0.1:${server.c2sPort}` }), 3, /check --jid and --server: .*host-unknown.*not the client port/));
  it("a host that does not resolve: 3", () => expectOneLine(connect({ server: "xmpp://no-such-host.invalid:5347" }), 3, /check --server: cannot resolve the host of xmpp:\/\/no-such-host\.invalid:5347 \(E[A-Z_]+\)$/));
  it("a server that never answers: 3 after the connect timeout", async () => {
    const silent: Server = createServer(() => {});
    await new Promise<void>((res) => silent.listen(0, "127.0.0.1", res));
    const address = silent.address();
    const port = typeof address === "object" && address ? address.port : 0;
    try {
      await expectOneLine(connect({ server: `xmpp://127.0.0.1:${port}` }), 3, /check --server: .* did not complete the component handshake in time \(timeout/);
    } finally {
      silent.close();
    }
  });
  it("--verbose (or GATEWAY_DEBUG=1) adds the stack trace", async () => {
    for (const [args, env] of [
      [[...connect({ secret: "wrong" }), "--verbose"], {}],
      [connect({ secret: "wrong" }), { GATEWAY_DEBUG: "1" }],
    ] as const) {
      const started = run([...args], { env: { ...process.env, ...env } });
      expect(await withTimeout(started.exited, 20_000, "the command's exit")).toBe(3);
      expect(started.stderr()).toMatch(/^xmpp-muc-gateway: check --secret: /m);
      expect(started.stderr()).toMatch(/^ComponentError: not-authorized/m);
      expect(started.stderr()).toMatch(/^\s+at /m);
    }
  });
});

describe("xmpp-muc-gateway killed mid-flow", () => {
  it("SIGKILL while a user sends a burst: every tracker settles, the gateway comes back from its database, what the room reflected is archived once, and the user, who never left, is still in the room", async () => {
    const db = seededDb("sigkill.sqlite");
    const args = ["--module", DEMO, "--jid", "gateway.localhost", "--secret", "cli-secret", "--server", server.componentUrl, "--db", db];
    const first = run(args);
    await waitForOutput(first, "connected to");
    const user = await connectClient({ server, username: "alice", password: "alice-pw" });
    const muc = new MucService(user.xmpp, { selfPing: false, trackerTimeout: 5_000 });
    try {
      const { room, joined } = muc.join("coffee@gateway.localhost", "alice", { history: { maxStanzas: 0 } });
      await withTimeout(joined, 10_000, "joining");
      let exits = 0;
      room.on("exit", () => exits++);

      // A burst; the gateway is killed once the room has reflected ten of it.
      const sent: { body: string; tracker: MessageTracker }[] = [];
      const delivered = (): number => sent.filter((s) => s.tracker.state === MessageState.DELIVERED_TO_RECIPIENT).length;
      let killed = false;
      for (let i = 0; i < 40; i++) {
        const body = `burst-${i}`;
        sent.push({ body, tracker: room.sendTrackedMessage(body) });
        if (!killed && delivered() >= 10) {
          first.child.kill("SIGKILL");
          killed = true;
        }
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      if (!killed) {
        await waitUntil(() => delivered() >= 10, 10_000, "ten messages reflected");
        first.child.kill("SIGKILL");
      }
      await withTimeout(first.exited, 10_000, "the killed command's exit");
      expect(first.child.signalCode).toBe("SIGKILL");

      // Nothing is left waiting: reflected, refused by the server for the gateway that is gone, or timed out.
      await waitUntil(() => sent.every((s) => s.tracker.settled), 15_000, "every tracker settled");
      const states = new Set(sent.map((s) => s.tracker.state));
      for (const state of states) expect([MessageState.DELIVERED_TO_RECIPIENT, MessageState.ERROR, MessageState.TIMED_OUT]).toContain(state);
      const reflected = sent.filter((s) => s.tracker.state === MessageState.DELIVERED_TO_RECIPIENT).map((s) => s.body);
      expect(reflected.length).toBeGreaterThanOrEqual(10);

      // The same database: the gateway starts again (no corruption), alice is still registered and in the room.
      const second = run(args);
      await waitForOutput(second, "connected to");
      try {
        const after = room.sendTrackedMessage("after the restart");
        await waitUntil(() => after.settled, 10_000, "the message after the restart settled");
        expect(after.state).toBe(MessageState.DELIVERED_TO_RECIPIENT);
        expect({ joined: room.joined, exits }).toEqual({ joined: true, exits: 0 });

        // Every message the room reflected before the kill is in its archive, once, in order.
        const page = await withTimeout(queryRoomArchive(muc, "coffee@gateway.localhost", { max: 200 }), 10_000, "the archive");
        const archived = page.messages.map((m) => m.body).filter((b): b is string => b !== undefined && (b.startsWith("burst-") || b === "after the restart"));
        expect(new Set(archived).size).toBe(archived.length);
        expect(archived.filter((b) => reflected.includes(b))).toEqual(reflected);
        expect(archived.at(-1)).toBe("after the restart");
      } finally {
        second.child.kill("SIGINT");
        expect(await withTimeout(second.exited, 15_000, "the command's exit")).toBe(0);
      }
    } finally {
      muc.close();
      await user.stop();
    }
  }, 90_000);
});

describe("xmpp-muc-gateway stops on signals", () => {
  it("SIGTERM: sessions logged out, component and store closed, exit 0; another gateway on the same domain was refused meanwhile (3)", async () => {
    const db = seededDb("sigterm.sqlite");
    const started = run(["--module", observed, "--jid", "gateway.localhost", "--secret", "cli-secret", "--server", server.componentUrl, "--db", db]);
    await waitForOutput(started, "connected to");

    const second = run(["--module", DEMO, "--jid", "gateway.localhost", "--secret", "cli-secret", "--server", server.componentUrl, "--db", join(dir, "second.sqlite")]);
    expect(await withTimeout(second.exited, 20_000, "the second command's exit")).toBe(3);
    expect(second.stderr()).toMatch(/^xmpp-muc-gateway: check --jid: another component is already connected to .* as gateway\.localhost \(conflict/);
    expect(leftovers(join(dir, "second.sqlite"))).toEqual([]);

    started.child.kill("SIGTERM");
    expect(await withTimeout(started.exited, 15_000, "the command's exit")).toBe(0);
    const out = started.stdout();
    expect(out).toContain(`logged out alice@${server.domain}`);
    expect(out).toMatch(/gateway stop begins\n(?:.*\n)*logged out .*\n(?:.*\n)*gateway gateway\.localhost stopped\n$/);
    // The store was closed: SQLite removes the WAL files when the last connection closes.
    expect(leftovers(db)).toEqual([db]);
    // The component was closed: the domain is free again.
    const again = run(["--module", DEMO, "--jid", "gateway.localhost", "--secret", "cli-secret", "--server", server.componentUrl, "--db", join(dir, "again.sqlite")]);
    await waitForOutput(again, "connected to");
    again.child.kill("SIGINT");
    expect(await withTimeout(again.exited, 15_000, "the command's exit")).toBe(0);
  });

  it("a second signal during a slow stop exits at once: 143 after SIGTERM, 130 after SIGINT", async () => {
    for (const [signal, code] of [
      ["SIGTERM", 143],
      ["SIGINT", 130],
    ] as const) {
      const started = run(["--module", observed, "--jid", "gateway.localhost", "--secret", "cli-secret", "--server", server.componentUrl, "--db", ":memory:"], {
        env: { ...process.env, GATEWAY_TEST_SLOW_STOP: "60000" },
      });
      await waitForOutput(started, "connected to");
      started.child.kill(signal);
      await waitForOutput(started, "gateway stop begins");
      const t = Date.now();
      started.child.kill(signal);
      expect(await withTimeout(started.exited, 10_000, "the command's exit")).toBe(code);
      // "At once": the stop would have taken a minute.
      expect(Date.now() - t).toBeLessThan(5_000);
      expect(started.stderr()).toContain(`${signal} again: exiting without waiting for the stop`);
    }
  });

  it("a signal during the start ends it: exit 0, no database left", async () => {
    const silent = createServer(() => {});
    await new Promise<void>((res) => silent.listen(0, "127.0.0.1", res));
    const address = silent.address();
    const port = typeof address === "object" && address ? address.port : 0;
    try {
      const db = join(dir, "interrupted.sqlite");
      const started = run(["--module", DEMO, "--jid", "gateway.localhost", "--secret", "cli-secret", "--server", `xmpp://127.0.0.1:${port}`, "--db", db]);
      await withTimeout(
        new Promise<void>((res) => {
          const timer = setInterval(() => {
            if (existsSync(db)) {
              clearInterval(timer);
              res();
            }
          }, 20);
        }),
        20_000,
        "the database to be opened",
      );
      started.child.kill("SIGTERM");
      expect(await withTimeout(started.exited, 5_000, "the command's exit")).toBe(0);
      expect(leftovers(db)).toEqual([]);
    } finally {
      silent.close();
    }
  });
});

describe("xmpp-muc-gateway run by node without a TypeScript loader", () => {
  let bundleDir: string;
  let bundle: string;

  beforeAll(async () => {
    // The command as plain JavaScript, like dist/gateway/cli.js, inside the
    // repository so that its packages (and its fallback tsx) resolve.
    await mkdir(resolve("test-output"), { recursive: true });
    bundleDir = await mkdtemp(join(resolve("test-output"), "gateway-cli-"));
    bundle = join(bundleDir, "cli.mjs");
    await esbuild.build({ entryPoints: ["src/gateway/cli.ts"], bundle: true, platform: "node", format: "esm", packages: "external", outfile: bundle, logLevel: "silent" });
  });
  afterAll(async () => {
    await rm(bundleDir, { recursive: true, force: true });
  });

  it("loads a .ts module by itself (no --import tsx), connects, and stops on SIGINT", async () => {
    const env = { ...process.env };
    delete env.NODE_OPTIONS;
    const started = run(["--module", observed, "--jid", "gateway.localhost", "--secret", "cli-secret", "--server", server.componentUrl, "--db", seededDb("no-loader.sqlite")], {
      command: [bundle],
      env,
    });
    await waitForOutput(started, "connected to");
    expect(started.child.spawnargs.slice(1, 2)).toEqual([bundle]);
    started.child.kill("SIGINT");
    expect(await withTimeout(started.exited, 15_000, "the command's exit")).toBe(0);
    expect(started.stdout()).toContain(`logged out alice@${server.domain}`);
  });

  it("--version works from the built file too", async () => {
    const started = run(["--version"], { command: [bundle] });
    expect(await withTimeout(started.exited, 10_000, "the command's exit")).toBe(0);
    expect(started.stdout()).toBe(`${(JSON.parse(readFileSync("package.json", "utf8")) as { version: string }).version}\n`);
  });
});
