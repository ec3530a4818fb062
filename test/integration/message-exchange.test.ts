import { execFile, spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { xml } from "@xmpp/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ProsodyNotInstalledError, startProsody, type ProsodyServer } from "../../src/testing/prosody.js";
import { connectClient, nextStanza, withTimeout, type TestClient } from "../helpers/prosody-clients.js";

const USERS = [
  { username: "alice", password: "alice-pw" },
  { username: "bob", password: "bob-pw" },
];

/**
 * Whether `pid` is a live process. A killed server whose parent already exited
 * is re-parented to PID 1 and may linger as a zombie until it is reaped; that
 * counts as gone.
 */
function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  const state = processState(pid);
  return state !== undefined && state !== "Z" && state !== "X";
}

/** The one-letter state from /proc/PID/stat (Linux), or undefined if there is no such process. */
function processState(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.charAt(stat.lastIndexOf(")") + 2);
  } catch {
    return undefined;
  }
}

function bodyOf(stanza: { getChildText(name: string): string | null }): string | null {
  return stanza.getChildText("body");
}

describe("Prosody harness: one-to-one messages", () => {
  let server: ProsodyServer;
  const clients: TestClient[] = [];

  beforeAll(async () => {
    server = await startProsody({ users: USERS });
  });

  afterAll(async () => {
    await Promise.all(clients.map((c) => c.stop()));
    await server?.stop();
  });

  it("delivers a chat message from A to B over plain TCP", async () => {
    const alice = await connectClient({ server, username: "alice", password: "alice-pw" });
    clients.push(alice);
    const bob = await connectClient({ server, username: "bob", password: "bob-pw" });
    clients.push(bob);

    // Bob becomes available; the ping round trip guarantees Prosody has
    // processed his presence before Alice's message to his bare JID arrives.
    await bob.xmpp.send(xml("presence"));
    await withTimeout(
      bob.xmpp.iqCaller.request(xml("iq", { type: "get", to: server.domain }, xml("ping", { xmlns: "urn:xmpp:ping" }))),
      5_000,
      "ping",
    );

    const received = nextStanza(bob.xmpp, (s) => s.is("message") && s.attrs.id === "m1");
    await alice.xmpp.send(
      xml("message", { type: "chat", to: `bob@${server.domain}`, id: "m1" }, xml("body", {}, "hello, Bob")),
    );
    const message = await received;

    expect(message.attrs.from).toBe(alice.jid);
    expect(message.attrs.type).toBe("chat");
    expect(bodyOf(message)).toBe("hello, Bob");
    expect(alice.errors).toEqual([]);
    expect(bob.errors).toEqual([]);
  });

  it("exchanges messages between a WebSocket client and a TCP client", async () => {
    await server.createUser("carol", "carol-pw");
    const carol = await connectClient({ server, username: "carol", password: "carol-pw", transport: "websocket" });
    clients.push(carol);
    expect(carol.xmpp.options.service).toBe(server.websocketUrl);
    expect((globalThis as { WebSocket?: unknown }).WebSocket).toBeUndefined();
    const alice = await connectClient({ server, username: "alice", password: "alice-pw", resource: "second" });
    clients.push(alice);

    const atCarol = nextStanza(carol.xmpp, (s) => s.is("message") && s.attrs.id === "w1");
    await alice.xmpp.send(xml("message", { type: "chat", to: carol.jid, id: "w1" }, xml("body", {}, "over TCP")));
    const first = await atCarol;
    expect(first.attrs.from).toBe(alice.jid);
    expect(bodyOf(first)).toBe("over TCP");

    const atAlice = nextStanza(alice.xmpp, (s) => s.is("message") && s.attrs.id === "w2");
    await carol.xmpp.send(xml("message", { type: "chat", to: alice.jid, id: "w2" }, xml("body", {}, "over WebSocket")));
    const reply = await atAlice;
    expect(reply.attrs.from).toBe(carol.jid);
    expect(bodyOf(reply)).toBe("over WebSocket");
    expect(carol.errors).toEqual([]);
  });
});

describe("Prosody harness: lifecycle", () => {
  it("leaves no process and no directory behind after stop()", async () => {
    const started = Date.now();
    const server = await startProsody({ roomLocking: false, logLevel: "debug" });
    const startupMs = Date.now() - started;
    const { pid, dir } = server;
    expect(startupMs).toBeLessThan(10_000);
    expect(server.running).toBe(true);
    expect(() => process.kill(pid, 0)).not.toThrow();
    expect(existsSync(dir)).toBe(true);
    expect(server.websocketUrl).toBe(`ws://127.0.0.1:${server.httpPort}/xmpp-websocket`);
    expect(server.c2sUrl).toBe(`xmpp://127.0.0.1:${server.c2sPort}`);
    expect(server.component.domain).toBe("gateway.localhost");
    expect(server.component.secret).toMatch(/^[0-9a-f]{32}$/);
    expect(await server.readLog()).toMatch(/Activated service 'c2s'/);

    await Promise.all([server.stop(), server.stop()]);
    await server.stop();

    expect(server.running).toBe(false);
    expect(() => process.kill(pid, 0)).toThrow(expect.objectContaining({ code: "ESRCH" }));
    expect(existsSync(dir)).toBe(false);
    await expect(server.createUser("late", "pw")).rejects.toThrow(/stopped/);
  });

  it("falls back to SIGKILL when Prosody does not exit after SIGTERM", async () => {
    const server = await startProsody({ stopTimeoutMs: 200 });
    const { pid, dir } = server;
    // A stopped process cannot act on SIGTERM. Wait until it is really
    // stopped: if SIGTERM were pending alongside SIGSTOP, the kernel would
    // deliver the lower-numbered SIGTERM first.
    process.kill(pid, "SIGSTOP");
    const deadline = Date.now() + 5_000;
    while (processState(pid) !== "T" && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 5));
    expect(processState(pid)).toBe("T");
    const started = Date.now();
    await server.stop();
    const stopMs = Date.now() - started;
    expect(stopMs).toBeGreaterThanOrEqual(190); // waited for SIGTERM first
    expect(stopMs).toBeLessThan(5_000);
    expect(() => process.kill(pid, 0)).toThrow(expect.objectContaining({ code: "ESRCH" }));
    expect(existsSync(dir)).toBe(false);
  });

  it("kills the server and removes its directory when the process exits without stop()", async () => {
    const harness = new URL("../../src/testing/prosody.ts", import.meta.url).href;
    const script = [
      `import { startProsody } from ${JSON.stringify(harness)};`,
      "const server = await startProsody();",
      "console.log(JSON.stringify({ pid: server.pid, dir: server.dir }));",
      "process.exit(0);",
    ].join("\n");
    const stdout = await new Promise<string>((resolve, reject) => {
      execFile(
        process.execPath,
        ["--import", "tsx", "--input-type=module", "-e", script],
        { timeout: 20_000 },
        (err, out, errOut) => (err ? reject(new Error(`${err.message}\n${errOut}`)) : resolve(out)),
      );
    });
    const { pid, dir } = JSON.parse(stdout.trim().split("\n").at(-1) ?? "{}") as { pid: number; dir: string };
    expect(pid).toBeGreaterThan(0);
    expect(isRunning(process.pid)).toBe(true);
    const deadline = Date.now() + 5_000;
    while (isRunning(pid) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(isRunning(pid)).toBe(false);
    expect(existsSync(dir)).toBe(false);
  });

  it("kills the server and removes its directory when the process is terminated by SIGTERM", async () => {
    const harness = new URL("../../src/testing/prosody.ts", import.meta.url).href;
    const script = [
      `import { startProsody } from ${JSON.stringify(harness)};`,
      "const server = await startProsody();",
      "console.log(JSON.stringify({ pid: server.pid, dir: server.dir }));",
      "setInterval(() => {}, 1000);",
    ].join("\n");
    const child = spawn(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    const info = await withTimeout(
      new Promise<{ pid: number; dir: string }>((resolve) => {
        child.stdout.on("data", (chunk: Buffer) => {
          out += chunk.toString();
          const line = out.split("\n").find((l) => l.startsWith("{"));
          if (line) resolve(JSON.parse(line) as { pid: number; dir: string });
        });
      }),
      20_000,
      "the child's server",
    );
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.once("exit", (_code, signal) => resolve(signal)));
    child.kill("SIGTERM");
    expect(await withTimeout(exited, 10_000, "the child's exit")).toBe("SIGTERM"); // still dies of the signal
    const deadline = Date.now() + 5_000;
    while (isRunning(info.pid) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(isRunning(info.pid)).toBe(false);
    expect(existsSync(info.dir)).toBe(false);
  });

  it("explains how to install Prosody when the binary is missing", async () => {
    const attempt = startProsody({ prosodyPath: "/nonexistent/bin/prosody" });
    await expect(attempt).rejects.toBeInstanceOf(ProsodyNotInstalledError);
    await expect(attempt).rejects.toThrow(/apt-get install -y prosody/);
    await expect(attempt).rejects.toThrow(/sudo apt-get install prosody/);
  });

  it("refuses to start on a fixed port that is already in use", async () => {
    const blocker: Server = createServer();
    const port = await new Promise<number>((resolve, reject) => {
      blocker.once("error", reject);
      blocker.listen({ host: "127.0.0.1", port: 0 }, () => {
        const address = blocker.address();
        if (address && typeof address === "object") resolve(address.port);
        else reject(new Error("no port"));
      });
    });
    try {
      await expect(startProsody({ ports: { c2s: port } })).rejects.toThrow(/already in use/);
    } finally {
      await new Promise<void>((resolve) => blocker.close(() => resolve()));
    }
  });

  it("reports Prosody's own output when the configuration is rejected", async () => {
    await expect(startProsody({ extraConfig: "this is not lua" })).rejects.toThrow(/exited during start-up[\s\S]*prosody/i);
  });
});
