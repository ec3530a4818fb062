/** The xmpp-muc-gateway command with the demo module, against a real Prosody. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { xml } from "@xmpp/client";
import { startProsody, type ProsodyServer } from "../../src/testing/prosody.js";
import { MucService } from "../../src/index.js";
import { connectClient, withTimeout, type TestClient } from "../helpers/prosody-clients.js";

let server: ProsodyServer;
let dir: string;
let cli: ChildProcess | undefined;
let client: TestClient | undefined;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "gateway-cli-"));
  server = await startProsody({ component: { domain: "gateway.localhost", secret: "cli-secret" }, users: [{ username: "alice", password: "alice-pw" }] });
}, 30_000);

afterAll(async () => {
  await client?.stop();
  if (cli && cli.exitCode === null) cli.kill("SIGKILL");
  await server?.stop();
  await rm(dir, { recursive: true, force: true });
});

function run(args: string[]): { child: ChildProcess; output: () => string; exited: Promise<number | null> } {
  const child = spawn(process.execPath, ["--import", "tsx", "src/gateway/cli.ts", ...args], { stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  child.stdout?.on("data", (c: Buffer) => (out += c.toString()));
  child.stderr?.on("data", (c: Buffer) => (out += c.toString()));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return { child, output: () => out, exited };
}

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
