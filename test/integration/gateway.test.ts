/**
 * The gateway connected to a real Prosody as its component, serving the demo
 * network; this SDK's client joins the demo rooms through Prosody.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createHash } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { xml } from "@xmpp/client";
import type { Element } from "@xmpp/xml";
import { startProsody, type ProsodyServer } from "../../src/testing/prosody.js";
import { runGateway, type RunningGateway } from "../../src/gateway/index.js";
import { LeaveMode, MessageState, MucService, getAvatar, type Room, type RoomEvents } from "../../src/index.js";
import { DEMO_BADGES, DemoNetwork, demoAvatar, seedDemo, type DemoAvatar } from "../../examples/demo-network/index.js";
import { createDemoModule } from "../../examples/demo-network/module.js";
import { connectClient, nextRoomEvent, withTimeout, type TestClient } from "../helpers/prosody-clients.js";

/** The next room event that `predicate` accepts (see `nextRoomEvent`). */
const next = nextRoomEvent;

const GW = "gateway.localhost";
const SECRET = "gateway-secret";

let server: ProsodyServer;
let network: DemoNetwork;
let running: RunningGateway | undefined;
let dir: string;
const clients: TestClient[] = [];
const services: MucService[] = [];

async function startGateway(): Promise<RunningGateway> {
  running = await runGateway(createDemoModule(network), {
    jid: GW,
    secret: SECRET,
    server: server.componentUrl,
    db: join(dir, "gateway.sqlite"),
    logger: { debug() {}, warn() {} },
  });
  return running;
}

async function user(username: string): Promise<{ client: TestClient; muc: MucService }> {
  const client = await connectClient({ server, username, password: `${username}-pw` });
  clients.push(client);
  const muc = new MucService(client.xmpp, { selfPing: false });
  services.push(muc);
  return { client, muc };
}

/** XEP-0077 registration with the gateway's data form. */
async function register(client: TestClient, username: string, password: string): Promise<void> {
  const form = xml(
    "x",
    { xmlns: "jabber:x:data", type: "submit" },
    xml("field", { var: "FORM_TYPE", type: "hidden" }, xml("value", {}, "jabber:iq:register")),
    xml("field", { var: "username" }, xml("value", {}, username)),
    xml("field", { var: "password" }, xml("value", {}, password)),
  );
  await withTimeout(client.xmpp.iqCaller.request(xml("iq", { type: "set", to: GW }, xml("query", { xmlns: "jabber:iq:register" }, form))), 10_000, "registration");
}


beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "gateway-test-"));
  server = await startProsody({
    component: { domain: GW, secret: SECRET },
    users: ["alice", "bob", "carol", "mallory"].map((u) => ({ username: u, password: `${u}-pw` })),
  });
  network = new DemoNetwork();
  await seedDemo(network);
  await startGateway();
}, 60_000);

afterAll(async () => {
  for (const m of services) m.close();
  await Promise.all(clients.map((c) => c.stop()));
  await running?.stop();
  await server?.stop();
  await rm(dir, { recursive: true, force: true });
});

describe("gateway through Prosody", () => {
  it("an unregistered user is refused with registration-required", async () => {
    const { muc } = await user("mallory");
    const { joined } = muc.join(`coffee@${GW}`, "mallory");
    await expect(joined).rejects.toMatchObject({ condition: "registration-required" });
  });

  it("a registered user joins a demo room: occupants, subject, history; messages both ways; a tracked message is delivered", async () => {
    const { client, muc } = await user("alice");
    await register(client, "alice", "wonderland");
    const { room, joined } = muc.join(`coffee@${GW}`, "alice", { history: { maxStanzas: 10 } });
    const history: string[] = [];
    room.on("message", ({ body, history: h }) => {
      if (h) history.push(body);
    });
    const subject = next(room, "subjectChange");
    await joined;
    expect((await subject).initial).toBe(true);
    const nicks = room.occupants.map((o) => o.nick);
    expect(nicks[0]).toBe(room.nick);
    expect(nicks).toEqual(expect.arrayContaining(["Bob", "Carol"]));
    expect(room.getOccupant("Bob")?.affiliation).toBe("admin");
    expect(history.length).toBeGreaterThan(0);

    const fromBob = next(room, "message", (m) => m.body === "Anyone for a flat white?");
    await network.as("bob").send("coffee", "Anyone for a flat white?");
    const m = await fromBob;
    expect(m.nick).toBe("Bob");
    expect(m.stanzaId).toBeDefined();
    expect(m.occupantId).toBeDefined();

    const tracker = room.sendTrackedMessage("Yes please!");
    expect(await withTimeout(tracker.done, 5_000, "tracked message")).toBe(MessageState.DELIVERED_TO_RECIPIENT);
    expect(network.history("coffee").at(-1)).toMatchObject({ senderId: "alice", text: "Yes please!" });
  });

  it("two resources of one user in one room each get the room", async () => {
    const second = await connectClient({ server, username: "alice", password: "alice-pw" });
    clients.push(second);
    const muc2 = new MucService(second.xmpp, { selfPing: false });
    services.push(muc2);
    const { room, joined } = muc2.join(`coffee@${GW}`, "alice");
    await joined;
    const got = next(room, "message", (m) => m.body === "to both resources");
    await network.as("carol").send("coffee", "to both resources");
    expect((await got).nick).toBe("Carol");
  });

  it("a member's presence, picture and badges show on the Occupant, change live, and getAvatar fetches the picture through Prosody", async () => {
    const sha1 = (a: DemoAvatar | undefined): string | undefined => (a === undefined ? undefined : createHash("sha1").update(a.data).digest("hex"));
    const { muc } = await user("alice"); // registered by an earlier test
    const { room, joined } = muc.join(`coffee@${GW}`, "alice", { history: { maxStanzas: 0 } });
    await joined;

    // As seeded: bob is away, has a picture, and wears the Admin and Barista badges; alice wears Owner.
    const bob = room.getOccupant("Bob");
    if (!bob) throw new Error("Bob is not listed");
    expect(bob.show).toBe("away");
    expect(bob.status).toEqual({ "": "Out for lunch 🥪" });
    expect(bob.avatarHash).toBe(sha1(network.avatar("bob")));
    expect(bob.hats.map((h) => [h.title, h.hue])).toEqual([["Admin", 210], ["Barista", 25]]);
    expect(room.getOccupant(room.nick)?.hats.map((h) => h.title)).toEqual(["Owner"]);
    const carol = room.getOccupant("Carol");
    expect([carol?.show, carol?.hats, carol?.avatarHash !== undefined]).toEqual([undefined, [], true]);

    // The vCard IQ goes to bob's occupant JID on the gateway component, through Prosody.
    const picture = await withTimeout(getAvatar(muc, bob), 10_000, "bob's avatar");
    expect(picture).toEqual({ kind: "inline", type: "image/png", data: network.avatar("bob")?.data });

    const status = next(room, "statusChange", (e) => e.occupant.nick === "Bob");
    await network.as("bob").setPresence("dnd", "Roasting beans");
    expect(await status).toMatchObject({ show: "dnd", status: { "": "Roasting beans" } });
    expect(bob.show).toBe("dnd");

    const haircut = demoAvatar("bob, after the haircut");
    const oldHash = bob.avatarHash;
    const avatarChange = next(room, "avatarChange", (e) => e.occupant.nick === "Bob");
    await network.as("bob").setAvatar(haircut);
    const changed = await avatarChange;
    expect([changed.oldHash, changed.newHash]).toEqual([oldHash, sha1(haircut)]);
    expect(await withTimeout(getAvatar(muc, changed.occupant), 10_000, "bob's new avatar")).toEqual({ kind: "inline", type: "image/png", data: haircut.data });

    const hatsChange = next(room, "hatsChange", (e) => e.occupant.nick === "Bob");
    await network.as("alice").setBadges("coffee", "bob", [DEMO_BADGES.admin]);
    const hats = await hatsChange;
    expect(hats.oldHats.map((h) => h.title)).toEqual(["Admin", "Barista"]);
    expect(hats.newHats.map((h) => h.title)).toEqual(["Admin"]);
  });

  it("a legacy kick and ban are seen as the right exit modes", async () => {
    const { client, muc } = await user("carol");
    await register(client, "carol", "christmas");
    const { room, joined } = muc.join(`coffee@${GW}`, "carol");
    await joined;
    const kicked = next(room, "exit");
    await network.as("bob").kick("coffee", "carol", "too loud");
    expect(await kicked).toMatchObject({ mode: LeaveMode.KICKED, reason: "too loud" });

    const news = muc.join(`announcements@${GW}`, "carol");
    await news.joined;
    const banned = next(news.room, "exit");
    await network.as("alice").ban("announcements", "carol", "spoilers");
    expect(await banned).toMatchObject({ mode: LeaveMode.BANNED, reason: "spoilers" });
  });

  it("a client catches up through Prosody with MAM after-id, and reads the archive metadata", async () => {
    const { client: alice, muc } = await user("alice");
    const { room, joined } = muc.join(`book-club@${GW}`, "alice", { history: { maxStanzas: 0 } });
    await joined;
    const seen = async (text: string): Promise<string> => {
      const live = next(room, "message", (m) => m.body === text);
      await network.as("carol").send("book-club", text);
      const { stanzaId } = await live;
      expect(stanzaId).toBeDefined();
      return stanzaId as string;
    };
    const known = await seen("first, seen live");
    await seen("second");
    const newest = await seen("third");

    const results: { id: string; body: string | null }[] = [];
    const onStanza = (el: Element): void => {
      const result = el.getChild("result", "urn:xmpp:mam:2");
      if (el.is("message") && result?.attrs.queryid === "catch-up") {
        results.push({ id: result.attrs.id as string, body: result.getChild("forwarded", "urn:xmpp:forward:0")?.getChild("message")?.getChildText("body") ?? null });
      }
    };
    alice.xmpp.on("stanza", onStanza);
    const form = xml(
      "x",
      { xmlns: "jabber:x:data", type: "submit" },
      xml("field", { var: "FORM_TYPE", type: "hidden" }, xml("value", {}, "urn:xmpp:mam:2")),
      xml("field", { var: "after-id" }, xml("value", {}, known)),
    );
    const fin: Element = await withTimeout(
      alice.xmpp.iqCaller.request(xml("iq", { type: "set", to: `book-club@${GW}` }, xml("query", { xmlns: "urn:xmpp:mam:2", queryid: "catch-up" }, form))),
      10_000,
      "MAM query",
    );
    alice.xmpp.removeListener("stanza", onStanza);
    expect(results.map((r) => r.body)).toEqual(["second", "third"]);
    expect(fin.getChild("fin", "urn:xmpp:mam:2")?.attrs.complete).toBe("true");

    const metadata: Element = await withTimeout(
      alice.xmpp.iqCaller.request(xml("iq", { type: "get", to: `book-club@${GW}` }, xml("metadata", { xmlns: "urn:xmpp:mam:2" }))),
      10_000,
      "MAM metadata",
    );
    expect(metadata.getChild("metadata", "urn:xmpp:mam:2")?.getChild("end")?.attrs.id).toBe(newest);
  });

  it("a gateway restart keeps registrations and the archive", async () => {
    await running?.stop();
    running = undefined;
    await startGateway();
    const { client } = await user("bob");
    void client;
    const alice = await connectClient({ server, username: "alice", password: "alice-pw" });
    clients.push(alice);
    const muc = new MucService(alice.xmpp, { selfPing: false });
    services.push(muc);
    const { room, joined } = muc.join(`coffee@${GW}`, "alice", { history: { maxStanzas: 50 } });
    const bodies: string[] = [];
    room.on("message", ({ body }) => bodies.push(body));
    const subject = next(room, "subjectChange");
    await joined;
    await subject;
    expect(bodies).toEqual(expect.arrayContaining(["Anyone for a flat white?", "Yes please!"]));
  });

  it("a client that stayed joined across a gateway restart gets what was said while the gateway was down, in order, before newer live messages", async () => {
    const { muc } = await user("alice");
    const { room, joined } = muc.join(`book-club@${GW}`, "alice", { history: { maxStanzas: 0 } });
    await joined;
    const bodies: string[] = [];
    room.on("message", ({ body }) => bodies.push(body));

    await running?.stop();
    running = undefined;
    await network.as("carol").send("book-club", "while the gateway was down");
    await network.as("carol").send("book-club", "still down");
    await startGateway();
    const live = next(room, "message", (m) => m.body === "after the restart", 10_000);
    await network.as("carol").send("book-club", "after the restart");
    await live;
    expect(bodies).toEqual(["while the gateway was down", "still down", "after the restart"]);
  });
});
