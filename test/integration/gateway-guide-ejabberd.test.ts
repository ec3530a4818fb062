/**
 * The README's "Write a gateway in ten minutes" against ejabberd, as
 * gateway-guide.test.ts does against Prosody: the server's component is the
 * README's ejabberd `listen:` snippet, taken from the README text (only its
 * port, domain and password replaced); the README's echo module runs with
 * the `xmpp-muc-gateway` command on that port; a client registers with the
 * README's IQ, joins the echo room and gets its message echoed as a reply.
 *
 * Requires Debian's ejabberd package (23.01): `apt-get install ejabberd`.
 * The server is the test's own (test/helpers/ejabberd.ts), on free loopback
 * ports, in a temporary directory.
 */
import { afterAll, describe, expect, it } from "vitest";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { EjabberdNotInstalledError, startEjabberd, type EjabberdServer } from "../helpers/ejabberd.js";
import { connectClient, type TestClient } from "../helpers/prosody-clients.js";
import { ejabberdListenSnippet, expectEchoGuide, readReadme, runGatewayCommand, writeEchoModule, type GatewayCommand } from "../helpers/readme-snippets.js";

const GATEWAY = "echo.localhost";
const SECRET = "change-me";

let dir: string | undefined;
let server: EjabberdServer | undefined;
let gateway: GatewayCommand | undefined;
let alice: TestClient | undefined;

afterAll(async () => {
  await alice?.stop();
  gateway?.kill();
  await server?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
}, 15_000);

describe("README: write a gateway in ten minutes, with ejabberd", () => {
  // The server starts in the test rather than in a hook, so that a missing
  // ejabberd fails the test itself (with how to install it).
  it("runs the echo module with the command on the README's ejabberd_service; a client registers, joins and is echoed", async () => {
    const readme = await readReadme();
    dir = await mkdtemp(join(tmpdir(), "gateway-guide-ejabberd-"));
    server = await startEjabberd({ listen: (port) => ejabberdListenSnippet(readme, { port, domain: GATEWAY, secret: SECRET }) });
    const { componentUrl } = server;
    const modulePath = await writeEchoModule(readme, dir);
    const db = join(dir, "echo.sqlite");
    // The account (an Erlang VM of its own, about a second) while the command starts.
    await Promise.all([
      server.register("alice", "alice-pw"),
      runGatewayCommand({ modulePath, jid: GATEWAY, secret: SECRET, server: componentUrl, db }).then((g) => (gateway = g)),
    ]);
    alice = await connectClient({ server, username: "alice", password: "alice-pw" });
    await expectEchoGuide(alice.xmpp, GATEWAY, "alice");
  }, 60_000);

  it("says how to install ejabberd when it is missing", async () => {
    const attempt = startEjabberd({ listen: () => "listen:\n  - port: 1\n", ejabberdctl: "/nonexistent/ejabberdctl" });
    await expect(attempt).rejects.toBeInstanceOf(EjabberdNotInstalledError);
    await expect(attempt).rejects.toThrow(/apt-get install -y ejabberd/);
  });
});
