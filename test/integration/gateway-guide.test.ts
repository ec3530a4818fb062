/**
 * The README's "Write a gateway in ten minutes": its echo module, copied from
 * the README (only the package import pointed at this checkout's source), run
 * by the `xmpp-muc-gateway` command against Prosody; a client registers with
 * the README's own IQ (no form, no password), joins the echo room and gets
 * its message echoed back as a reply.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { xml } from "@xmpp/client";
import type { Element } from "@xmpp/xml";
import { startProsody, type ProsodyServer } from "../../src/testing/prosody.js";
import { MucService, isXMPPError, messageRefs, type MessageEvent, type Room } from "../../src/index.js";
import { connectClient, withTimeout, type TestClient } from "../helpers/prosody-clients.js";

const ROOT = join(import.meta.dirname, "..", "..");
const GATEWAY = "echo.localhost";
const SECRET = "change-me";

/** The ```ts block of the README that starts with `// echo.ts`. */
function echoModule(readme: string): string {
  const match = /```ts\n(\/\/ echo\.ts\n[\s\S]*?)```/.exec(readme);
  if (!match?.[1]) throw new Error("README: no ```ts block starting with // echo.ts");
  return match[1];
}

let dir: string;
let server: ProsodyServer;
let gateway: ChildProcess | undefined;
let alice: TestClient | undefined;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "gateway-guide-"));
  server = await startProsody({ component: { domain: GATEWAY, secret: SECRET }, users: [{ username: "alice", password: "alice-pw" }] });
}, 30_000);

afterAll(async () => {
  await alice?.stop();
  if (gateway && gateway.exitCode === null && gateway.signalCode === null) gateway.kill("SIGKILL");
  await server?.stop();
  await rm(dir, { recursive: true, force: true });
});

describe("README: write a gateway in ten minutes", () => {
  it("runs the echo module with the command; a client registers without a password, joins and is echoed", async () => {
    const source = echoModule(await readFile(join(ROOT, "README.md"), "utf8"));
    expect(source).toContain('from "xmpp-muc-sdk/gateway"');
    const modulePath = join(dir, "echo.ts");
    await writeFile(modulePath, source.replace('"xmpp-muc-sdk/gateway"', JSON.stringify(join(ROOT, "src", "gateway", "index.ts"))));

    // The command, as the README runs it (only the server's port is this test's).
    gateway = spawn(
      process.execPath,
      ["--import", "tsx", "src/gateway/cli.ts", "--module", modulePath, "--jid", GATEWAY, "--secret", SECRET, "--server", server.componentUrl, "--db", join(dir, "echo.sqlite")],
      { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] },
    );
    let output = "";
    gateway.stdout?.on("data", (c: Buffer) => (output += c.toString()));
    gateway.stderr?.on("data", (c: Buffer) => (output += c.toString()));
    await withTimeout(
      (async () => {
        while (!output.includes(`gateway ${GATEWAY} connected`)) {
          if (gateway?.exitCode !== null) throw new Error(`the gateway exited: ${output}`);
          await new Promise((r) => setTimeout(r, 50));
        }
      })(),
      20_000,
      "the gateway connecting",
    );

    alice = await connectClient({ server, username: "alice", password: "alice-pw" });
    const { xmpp } = alice;
    const welcome = new Promise<string>((resolve) => {
      xmpp.on("stanza", (el: Element) => {
        if (el.name === "message" && el.attrs.from === GATEWAY) resolve(el.getChildText("body") ?? "");
      });
    });
    await xmpp.send(xml("presence")); // available, as a chat client is: messages to the bare JID reach it
    // The README's registration, verbatim but for the gateway's address.
    await xmpp.iqCaller.set(xml("query", { xmlns: "jabber:iq:register" }), GATEWAY);
    expect(await withTimeout(welcome, 10_000, "the welcome message")).toMatch(/Thank you for registering/);

    // The room the module's Bookmarks.fill listed.
    const items = await xmpp.iqCaller.get(xml("query", { xmlns: "http://jabber.org/protocol/disco#items" }), GATEWAY);
    const rooms = (items as Element | undefined)?.getChildren("item").map((i: Element) => [i.attrs.jid as string, i.attrs.name as string | undefined]);
    expect(rooms).toEqual([[`chamber@${GATEWAY}`, "Echo chamber"]]);

    const muc = new MucService(xmpp);
    const { room, joined } = muc.join(`chamber@${GATEWAY}`, "alice");
    await withTimeout(joined, 10_000, "joining the echo room").catch((e: unknown) => {
      throw isXMPPError(e) ? new Error(`join refused: ${e.condition} ${e.text ?? ""}`) : e;
    });
    expect(room.getOccupant("Echo")).toBeDefined();

    const echoed = nextFrom(room, "Echo");
    const tracker = room.sendTrackedMessage("hello");
    const mine = await withTimeout(nextOwn(room), 10_000, "our message reflected");
    const echo = await withTimeout(echoed, 10_000, "the echo");
    expect(echo.body).toBe("hello? hello!");
    expect(messageRefs(echo).reply?.id).toBe(mine.stanzaId);
    expect(await tracker.done).toBe("delivered-to-recipient");
  }, 60_000);
});

function nextFrom(room: Room, nick: string): Promise<MessageEvent> {
  return new Promise((resolve) => room.on("message", (m) => void (m.nick === nick && resolve(m))));
}

function nextOwn(room: Room): Promise<MessageEvent> {
  return new Promise((resolve) => room.on("message", (m) => void (m.own && resolve(m))));
}
