/**
 * XEP-0050 ad-hoc commands against a real server: Prosody's own commands
 * (mod_uptime's "uptime", through mod_adhoc), and the gateway's commands
 * reached through Prosody by the client's `listCommands` / `executeCommand`,
 * one of them in several stages (next, prev, complete).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startProsody, type ProsodyServer } from "../../src/testing/prosody.js";
import { MucService, executeCommand, listCommands } from "../../src/index.js";
import { BaseGateway, BaseSession, Command, CommandAccess, CommandForm, LegacyBookmarks, LegacyMUC, runGateway, type RunningGateway } from "../../src/gateway/index.js";
import { connectClient, type TestClient } from "../helpers/prosody-clients.js";

const GATEWAY = "gateway.localhost";
let server: ProsodyServer;
let alice: TestClient | undefined;
let gateway: RunningGateway | undefined;
const groups = new Map<string, string>([["g1", "Coffee"]]);

/** Two stages: where (leading on), then when. */
class Book extends Command {
  readonly name = "Book a table";
  readonly node = "book";
  readonly help = "Book a table";
  override readonly access = CommandAccess.ANY;
  async run() {
    return new CommandForm({
      title: "Where",
      hasNext: true,
      fields: [{ var: "place", label: "Place", type: "list-single", required: true, options: [{ value: "inn" }, { value: "tavern" }] }],
      handler: async (where) =>
        new CommandForm({
          title: `When, at the ${where.place}`,
          fields: [{ var: "day", label: "Day", required: true }],
          handler: async (when) => `Booked the ${where.place} on ${when.day}`,
        }),
    });
  }
}

class Gateway extends BaseGateway {
  override registrationFields = [];
  override commands = [...BaseGateway.defaultCommands, Book];
}
class Session extends BaseSession {
  override async onCreateGroup(name: string): Promise<string> {
    const id = `g${groups.size + 1}`;
    groups.set(id, name);
    return id;
  }
}
class Bookmarks extends LegacyBookmarks {
  override async fill(): Promise<void> {
    for (const id of groups.keys()) await this.byLegacyId(id);
  }
}
class MUC extends LegacyMUC {
  override async updateInfo(): Promise<void> {
    this.name = groups.get(this.legacyId);
  }
}

beforeAll(async () => {
  server = await startProsody({ extraModules: ["uptime"], component: { domain: GATEWAY, secret: "cmd-secret" }, users: [{ username: "alice", password: "alice-pw" }] });
  gateway = await runGateway({ Gateway, Session, Bookmarks, MUC }, { jid: GATEWAY, secret: "cmd-secret", server: server.componentUrl, db: ":memory:" });
  alice = await connectClient({ server, username: "alice", password: "alice-pw" });
}, 30_000);

afterAll(async () => {
  await alice?.stop();
  await gateway?.stop();
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

describe("the gateway's commands, through Prosody", () => {
  it("a user registers by command, lists the commands, reads their groups, and creates a group in a form", async () => {
    const { xmpp } = alice as TestClient;
    const muc = new MucService(xmpp);
    // Not registered yet: registering is all there is, and it works through the command too.
    expect((await listCommands(muc, GATEWAY)).map((c) => c.node)).toEqual(["register", "book"]);
    const registration = await executeCommand(muc, GATEWAY, "register");
    expect(registration.status).toBe("executing");
    expect((await registration.complete()).notes[0]?.text).toBe("You are registered");
    // The session logs in after the registration's answer.
    let nodes: string[] = [];
    for (let i = 0; i < 50 && !nodes.includes("groups"); i++) {
      nodes = (await listCommands(muc, GATEWAY)).map((c) => c.node);
      if (!nodes.includes("groups")) await new Promise((r) => setTimeout(r, 100));
    }
    expect(nodes).toEqual(["groups", "create-group", "re-login", "unregister", "book"]);

    const table = await executeCommand(muc, GATEWAY, "groups");
    expect(table.status).toBe("completed");
    expect(table.form?.items.map((row) => row.map((f) => f.values[0]))).toEqual([[`g1@${GATEWAY}`, "Coffee"]]);

    const form = await executeCommand(muc, GATEWAY, "create-group");
    expect(form.status).toBe("executing");
    expect(form.form?.fields.map((f) => f.var)).toEqual(["name"]);
    const done = await form.complete({ name: "Tea room" });
    expect(done.status).toBe("completed");
    expect(done.notes[0]?.text).toBe(`Created Tea room: g2@${GATEWAY}`);
    expect(groups.get("g2")).toBe("Tea room");
    muc.close();
  });

  it("a command of several stages: the client goes next, back (prev: the earlier values as defaults), next again, and completes", async () => {
    const muc = new MucService((alice as TestClient).xmpp);
    const where = await executeCommand(muc, GATEWAY, "book");
    expect(where).toMatchObject({ status: "executing", actions: ["next"], defaultAction: "next" });
    expect(where.form?.title).toBe("Where");

    const when = await where.next({ place: "tavern" });
    expect(when).toMatchObject({ status: "executing", sessionId: where.sessionId, actions: ["prev", "complete"], defaultAction: "complete" });
    expect(when.form?.title).toBe("When, at the tavern");

    const back = await when.prev();
    expect(back).toMatchObject({ status: "executing", sessionId: where.sessionId, actions: ["next"], defaultAction: "next" });
    expect(back.form?.title).toBe("Where");
    expect(back.form?.fields.find((f) => f.var === "place")?.values).toEqual(["tavern"]);

    // Another choice this time: stage 2 is asked anew.
    const whenAgain = await back.next({ place: "inn" });
    expect(whenAgain).toMatchObject({ actions: ["prev", "complete"] });
    expect(whenAgain.form?.title).toBe("When, at the inn");
    const done = await whenAgain.complete({ day: "friday" });
    expect(done.status).toBe("completed");
    expect(done.notes[0]?.text).toBe("Booked the inn on friday");
    // The command is over: the client has no stage to go back to.
    await expect(done.prev()).rejects.toThrow(/completed/);
    muc.close();
  });
});
