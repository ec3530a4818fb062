/** XEP-0050 ad-hoc commands against a real server: Prosody's own commands (mod_uptime's "uptime", through mod_adhoc). */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startProsody, type ProsodyServer } from "../../src/testing/prosody.js";
import { MucService, executeCommand, listCommands } from "../../src/index.js";
import { connectClient, type TestClient } from "../helpers/prosody-clients.js";

let server: ProsodyServer;
let alice: TestClient | undefined;

beforeAll(async () => {
  server = await startProsody({ extraModules: ["uptime"], users: [{ username: "alice", password: "alice-pw" }] });
  alice = await connectClient({ server, username: "alice", password: "alice-pw" });
}, 30_000);

afterAll(async () => {
  await alice?.stop();
  await server?.stop();
});

describe("ad-hoc commands on Prosody", () => {
  it("lists the server's commands and runs one to completion", async () => {
    const muc = new MucService((alice as TestClient).xmpp);
    const commands = await listCommands(muc, server.domain);
    const uptime = commands.find((c) => c.node === "uptime");
    expect(uptime?.name).toBe("Get uptime");
    expect(uptime?.jid.toString()).toBe(server.domain);
    const stage = await executeCommand(muc, server.domain, "uptime");
    expect(stage.status).toBe("completed");
    expect(stage.notes[0]?.text).toMatch(/running/i);
    muc.close();
  });

  it("passes the server's refusal of an unknown command on as an XMPPError (Prosody: service-unavailable)", async () => {
    const muc = new MucService((alice as TestClient).xmpp);
    await expect(executeCommand(muc, server.domain, "no-such-command")).rejects.toMatchObject({ name: "XMPPError", condition: "service-unavailable" });
    muc.close();
  });
});
