/**
 * The README's "Write a gateway in ten minutes": its echo module, copied from
 * the README (only the package import pointed at this checkout's source), run
 * by the `xmpp-muc-gateway` command against Prosody; a client registers with
 * the README's own IQ (no form, no password), joins the echo room and gets
 * its message echoed back as a reply. gateway-guide-ejabberd.test.ts does the
 * same against ejabberd.
 */
import { afterAll, beforeAll, describe, it } from "vitest";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startProsody, type ProsodyServer } from "../../src/testing/prosody.js";
import { connectClient, type TestClient } from "../helpers/prosody-clients.js";
import { expectEchoGuide, readReadme, runGatewayCommand, writeEchoModule, type GatewayCommand } from "../helpers/readme-snippets.js";

const GATEWAY = "echo.localhost";
const SECRET = "change-me";

let dir: string;
let server: ProsodyServer;
let gateway: GatewayCommand | undefined;
let alice: TestClient | undefined;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "gateway-guide-"));
  server = await startProsody({ component: { domain: GATEWAY, secret: SECRET }, users: [{ username: "alice", password: "alice-pw" }] });
}, 30_000);

afterAll(async () => {
  await alice?.stop();
  gateway?.kill();
  await server?.stop();
  await rm(dir, { recursive: true, force: true });
});

describe("README: write a gateway in ten minutes", () => {
  it("runs the echo module with the command; a client registers without a password, joins and is echoed", async () => {
    const modulePath = await writeEchoModule(await readReadme(), dir);
    // The command, as the README runs it (only the server's port is this test's).
    gateway = await runGatewayCommand({ modulePath, jid: GATEWAY, secret: SECRET, server: server.componentUrl, db: join(dir, "echo.sqlite") });
    alice = await connectClient({ server, username: "alice", password: "alice-pw" });
    await expectEchoGuide(alice.xmpp, GATEWAY, "alice");
  }, 60_000);
});
