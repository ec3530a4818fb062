// The MUC client (MucService, Room, the standalone admin functions) against
// ejabberd's MUC, as muc-client-basics.test.ts and its siblings are against
// Prosody: Alice, Bob and Carol, each with a MucService of their own on
// @xmpp/client, go through what users do — create a room (ejabberd locks it
// until it is configured), join, watch occupants and presences, talk with
// tracked messages, change nick, kick and ban, set the subject, configure the
// room, read its archive (mod_mam), self-ping, and come back after the stream
// dies (resumed, then with resumption impossible: a new stream and a rejoin)
// without losing a message or getting one twice.
//
// Requires Debian's ejabberd package (23.01): `apt-get install ejabberd`. The
// server is the file's own (test/helpers/ejabberd.ts, with MUC_MODULES:
// mod_muc on conference.localhost, mod_mam, mod_muc_admin), on free loopback
// ports in a temporary directory. It starts in the first test that needs it
// rather than in a hook, so that a missing ejabberd fails the tests (with how
// to install it) instead of skipping them.

import { randomUUID } from "node:crypto";
import { xml } from "@xmpp/client";
import type { Element } from "@xmpp/xml";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import {
  LeaveMode,
  MessageState,
  MucService,
  SelfPingResult,
  XMPPError,
  createInstantRoom,
  createRoom,
  getRoomConfig,
  getRoomInfo,
  queryRoomArchive,
  setAffiliation,
  setRole,
  setRoomConfig,
  type Logger,
  type MessageTracker,
  type Room,
  type RoomEvents,
  type StanzaErrorCondition,
} from "../../src/index.js";
import { selfPingResultForCondition } from "../../src/client/self-ping.js";
import { MUC_MODULES, startEjabberd, type EjabberdServer } from "../helpers/ejabberd.js";
import { barrier, collect, connectMucClient, dumpLogs, joinFully, nextEvent, rejection, type MucClient } from "../helpers/muc-clients.js";
import { waitUntil, withTimeout } from "../helpers/prosody-clients.js";

const SM = "urn:xmpp:sm:3";

interface Env {
  server: EjabberdServer;
  mucDomain: string;
  alice: MucClient;
  bob: MucClient;
  carol: MucClient;
  clients: MucClient[];
}

const USERS = [
  { username: "alice", password: "alice-pw" },
  { username: "bob", password: "bob-pw" },
  { username: "carol", password: "carol-pw" },
] as const;

let started: Promise<Env> | undefined;
let env: Env | undefined;
/** Clients a test connected besides the three (stopped in afterAll). */
const extra: MucClient[] = [];

/** The server and the three clients, started once for the file by the first test that asks. */
function ejabberd(): Promise<Env> {
  started ??= (async () => {
    const server = await startEjabberd({ modules: MUC_MODULES });
    try {
      // `ejabberdctl register` runs an Erlang VM of its own (about a second each): in parallel.
      await Promise.all(USERS.map((u) => server.register(u.username, u.password)));
      const clients = await Promise.all(USERS.map((u) => connectMucClient(server, u.username, u.password)));
      const [alice, bob, carol] = clients as [MucClient, MucClient, MucClient];
      const mucDomain = server.mucDomain;
      if (mucDomain === undefined) throw new Error("MUC_MODULES loads no mod_muc");
      env = { server, mucDomain, alice, bob, carol, clients };
      for (const c of clients) c.log.mark(currentTest);
      return env;
    } catch (e) {
      await server.stop();
      throw e;
    }
  })();
  return started;
}

let currentTest = "";
beforeEach(({ task, onTestFailed }) => {
  currentTest = task.name;
  for (const c of [...(env?.clients ?? []), ...extra]) c.log.mark(task.name);
  onTestFailed(() => {
    if (env) dumpLogs([...env.clients, ...extra], task.name);
  });
});

afterAll(async () => {
  await Promise.all([...extra, ...(env?.clients ?? [])].map((c) => c.stop()));
  await env?.server.stop();
}, 20_000);

function freshRoom(e: Env, prefix: string): string {
  return `${prefix}-${randomUUID().slice(0, 8)}@${e.mucDomain}`;
}

/** Alice creates an instant room (nick Alice); Bob and Carol join; resolves once everyone has seen everyone. */
async function roomOfThree(e: Env, prefix: string): Promise<{ jid: string; ra: Room; rb: Room; rc: Room }> {
  const jid = freshRoom(e, prefix);
  const ra = await withTimeout(createRoom(e.alice.muc, jid, "Alice"), 5_000, "alice creating the room");
  const rb = await joinFully(e.bob, jid, "Bob");
  const rc = await joinFully(e.carol, jid, "Carol");
  await Promise.all([
    ra.getOccupant("Carol") ? undefined : nextEvent(ra, "join", (ev) => ev.occupant.nick === "Carol"),
    rb.getOccupant("Carol") ? undefined : nextEvent(rb, "join", (ev) => ev.occupant.nick === "Carol"),
  ]);
  return { jid, ra, rb, rc };
}

describe("MUC client against ejabberd: creating and joining", () => {
  it("creates a room (110, 201; ejabberd does not lock it), lists occupants, follows presence changes", async () => {
    const e = await ejabberd();
    const jid = freshRoom(e, "create");

    // Alice's join creates the room: 110 and 201, owner and moderator.
    const { room: ra, joined } = e.alice.muc.join(jid, "Alice");
    const aliceEnter = nextEvent(ra, "enter");
    await withTimeout(joined, 5_000, "alice creating the room");
    const entered = await aliceEnter;
    expect(entered.created).toBe(true);
    expect(entered.statusCodes).toEqual(expect.arrayContaining([110, 201]));
    expect(ra.me?.affiliation).toBe("owner");
    expect(ra.me?.role).toBe("moderator");

    // XEP-0045 §10.1.1 has the service lock a new room until its owner
    // configures it (Prosody answers others item-not-found meanwhile);
    // ejabberd 23.01 does not lock it: Bob enters before Alice has answered
    // the 201. The SDK relies on neither.
    const aliceSeesBob = nextEvent(ra, "join", (ev) => ev.occupant.nick === "Bob");
    const bobJoin = e.bob.muc.join(jid, "Bob");
    const bobSeesInitial = collect(bobJoin.room, "join");
    const bobEnter = nextEvent(bobJoin.room, "enter");
    const rb = await withTimeout(bobJoin.joined, 5_000, "bob joining");
    const bobEntered = await bobEnter;
    expect(bobEntered.created).toBe(false);
    expect(bobEntered.statusCodes).toContain(110);
    expect(bobSeesInitial.map((ev) => [ev.occupant.nick, ev.initial])).toEqual([["Alice", true]]);
    expect((await aliceSeesBob).initial).toBe(false);
    expect(rb.occupants.map((o) => o.nick)).toEqual(["Bob", "Alice"]);
    expect(rb.me?.role).toBe("participant");
    expect(rb.me?.affiliation).toBe("none");
    expect(rb.getOccupant("Alice")?.affiliation).toBe("owner");
    expect(ra.getOccupant("Bob")?.jid?.bare().toString()).toBe(e.bob.bareJid);
    // Semi-anonymous by default, as on Prosody: Bob does not see Alice's real JID.
    expect(rb.getOccupant("Alice")?.jid).toBeUndefined();

    // Accepting the default configuration afterwards still works.
    await withTimeout(createInstantRoom(e.alice.muc, jid), 5_000, "alice accepting the default configuration");

    const rc = await joinFully(e.carol, jid, "Carol");
    await Promise.all([
      ra.getOccupant("Carol") ? undefined : nextEvent(ra, "join", (ev) => ev.occupant.nick === "Carol"),
      rb.getOccupant("Carol") ? undefined : nextEvent(rb, "join", (ev) => ev.occupant.nick === "Carol"),
    ]);
    for (const r of [ra, rb, rc]) {
      expect(r.occupantCount).toBe(3);
      expect(r.occupants[0]).toBe(r.me);
      expect(r.occupants.map((o) => o.nick).sort()).toEqual(["Alice", "Bob", "Carol"]);
    }

    // A presence change reaches the others as statusChange of the same Occupant.
    const bobAtCarol = rc.getOccupant("Bob");
    const status = nextEvent(rc, "statusChange", (ev) => ev.occupant.nick === "Bob");
    await rb.changePresence("away", "brb");
    const changed = await status;
    expect(changed.occupant).toBe(bobAtCarol);
    expect(changed.show).toBe("away");
    expect(bobAtCarol?.status).toEqual({ "": "brb" });

    // Leaving: the others see `leave` NORMAL, the leaver `exit` NORMAL.
    const aliceSeesCarolLeave = nextEvent(ra, "leave", (ev) => ev.occupant.nick === "Carol");
    const carolExit = nextEvent(rc, "exit");
    await withTimeout(rc.leave(), 5_000, "carol leaving");
    expect((await carolExit).mode).toBe(LeaveMode.NORMAL);
    expect((await aliceSeesCarolLeave).mode).toBe(LeaveMode.NORMAL);
    expect(ra.getOccupant("Carol")).toBeUndefined();
    await Promise.all([ra.leave(), rb.leave()]);
    for (const c of e.clients) expect(c.warnings).toEqual([]);
  });
});

describe("MUC client against ejabberd: messages and subject", () => {
  it("a tracked message reaches DELIVERED_TO_RECIPIENT; the others get it once, with ejabberd's stanza-id", async () => {
    const e = await ejabberd();
    const { ra, rb, rc } = await roomOfThree(e, "messages");
    const atBob = nextEvent(rb, "message", (ev) => ev.body === "hello, tracked");
    const atCarol = nextEvent(rc, "message", (ev) => ev.body === "hello, tracked");
    const own = nextEvent(ra, "message", (ev) => ev.body === "hello, tracked");
    const tracker = ra.sendTrackedMessage("hello, tracked", { timeout: 10_000 });
    expect(await withTimeout(tracker.done, 10_000, "tracker settling")).toBe(MessageState.DELIVERED_TO_RECIPIENT);
    expect(tracker.stanzaId).toEqual(expect.any(String));
    const reflected = await own;
    expect(reflected.own).toBe(true);
    expect(reflected.tracker).toBe(tracker);
    for (const received of [await atBob, await atCarol]) {
      expect(received.nick).toBe("Alice");
      expect(received.own).toBe(false);
      expect(received.history).toBe(false);
      expect(received.stanzaId).toBe(tracker.stanzaId);
      expect(received.originId).toBe(tracker.originId);
      expect(received.occupant).toBe(received.room.getOccupant("Alice"));
    }

    const bodies = ["one", "two", "three", "four", "five"];
    const bobBodies = collect(rb, "message");
    const trackers = bodies.map((b) => rc.sendTrackedMessage(b, { timeout: 10_000 }));
    expect(await withTimeout(Promise.all(trackers.map((t) => t.done)), 10_000, "five trackers")).toEqual(bodies.map(() => MessageState.DELIVERED_TO_RECIPIENT));
    await barrier(rc, [rb], "after five");
    expect(bobBodies.map((ev) => ev.body).filter((b) => bodies.includes(b))).toEqual(bodies);

    // A private message through the room.
    const pm = nextEvent(rc, "privateMessage", (ev) => ev.body === "psst");
    await rb.sendPrivateMessage("Carol", "psst");
    expect((await pm).nick).toBe("Bob");

    // A later joiner gets the history, flagged, then the subject, then live messages.
    await rc.leave();
    const { room: rc2, joined } = e.carol.muc.join(ra.jid.toString(), "Carol", { history: { maxStanzas: 3 } });
    const order: string[] = [];
    rc2.on("message", (ev) => order.push(`${ev.history ? "history" : "live"} ${ev.body}`));
    rc2.on("subjectChange", (ev) => order.push(`subject${ev.initial ? " initial" : ""}`));
    const subject = nextEvent(rc2, "subjectChange");
    await withTimeout(joined, 5_000, "carol rejoining");
    await subject;
    await barrier(ra, [rc2], "after carol's return");
    expect(order.slice(0, 4)).toEqual(["history four", "history five", expect.stringMatching(/^history barrier after five/), "subject initial"]);
    for (const c of e.clients) expect(c.warnings).toEqual([]);
  });

  it("the subject set by the owner reaches everyone; a participant may not set it", async () => {
    const e = await ejabberd();
    const { ra, rb, rc } = await roomOfThree(e, "subject");
    expect(rb.subject).toBe("");
    const bobSees = nextEvent(rb, "subjectChange", (ev) => !ev.initial);
    const carolSees = nextEvent(rc, "subjectChange", (ev) => !ev.initial);
    const bobMessages = collect(rb, "message");
    await withTimeout(ra.setSubject("ejabberd today"), 5_000, "alice setting the subject");
    const atBob = await bobSees;
    expect(atBob.subject).toBe("ejabberd today");
    expect(atBob.setterNick).toBe("Alice");
    expect(atBob.setter).toBe(rb.getOccupant("Alice"));
    expect(rb.subject).toBe("ejabberd today");
    expect((await carolSees).subject).toBe("ejabberd today");
    expect(rc.subject).toBe("ejabberd today");
    // ejabberd archives the subject change and gives it a stanza-id: it is still no message.
    await barrier(ra, [rb], "after the subject");
    expect(bobMessages.map((m) => m.body)).toEqual([expect.stringMatching(/^barrier after the subject/)]);

    // A later joiner gets it as the initial subject.
    await rc.leave();
    const rc2 = await joinFully(e.carol, ra.jid.toString(), "Carol");
    expect(rc2.subject).toBe("ejabberd today");
    expect(rc2.subjectSetter).toBe("Alice");

    // ejabberd's default: muc#roomconfig_changesubject on. Turn it off, then Carol is refused.
    await withTimeout(setRoomConfig(e.alice.muc, ra.jid, { changeSubject: false }), 5_000, "disallowing subject changes");
    const refused = await rejection(rc2.setSubject("Carol's topic"), 5_000, "carol setting the subject");
    expect(refused).toBeInstanceOf(XMPPError);
    expect((refused as XMPPError).condition).toBe("forbidden");
    expect(rc2.subject).toBe("ejabberd today");
    for (const c of e.clients) expect(c.warnings).toEqual([]);
  });
});

describe("MUC client against ejabberd: nick changes and moderation", () => {
  it("setNick (303) keeps the Occupant; a taken nick is a conflict", async () => {
    const e = await ejabberd();
    const { ra, rb, rc } = await roomOfThree(e, "nick");
    const bobAtAlice = ra.getOccupant("Bob");
    const me = rb.me;
    const aliceJoins = collect(ra, "join");
    const aliceLeaves = collect(ra, "leave");
    const atAlice = nextEvent(ra, "nickChange");
    const atBob = nextEvent(rb, "nickChange");
    await withTimeout(rb.setNick("Bobby"), 5_000, "bob changing nick");
    const seen = await atAlice;
    expect([seen.oldNick, seen.newNick]).toEqual(["Bob", "Bobby"]);
    expect(seen.occupant).toBe(bobAtAlice);
    expect((await atBob).occupant).toBe(me);
    expect(rb.nick).toBe("Bobby");
    await barrier(rb, [ra, rc], "after nick change");
    expect(ra.getOccupant("Bob")).toBeUndefined();
    expect(ra.getOccupant("Bobby")).toBe(bobAtAlice);
    expect(aliceJoins).toEqual([]);
    expect(aliceLeaves).toEqual([]);
    expect(rb.active).toBe(true);

    const conflict = await rejection(rc.setNick("Alice"), 5_000, "carol taking alice's nick");
    expect(conflict).toBeInstanceOf(XMPPError);
    expect((conflict as XMPPError).condition).toBe("conflict");
    expect(rc.nick).toBe("Carol");
    expect(rc.active).toBe(true);
    await withTimeout(rc.setNick("Caroline"), 5_000, "carol changing nick after the conflict");
    expect(rc.nick).toBe("Caroline");
    for (const c of e.clients) expect(c.warnings).toEqual([]);
  });

  it("a kick (307) and a ban (301) with setRole and setAffiliation; the banned user cannot come back", async () => {
    const e = await ejabberd();
    const { jid, ra, rb, rc } = await roomOfThree(e, "moderation");

    const bobExit = nextEvent(rb, "exit");
    const aliceSeesKick = nextEvent(ra, "leave", (ev) => ev.occupant.nick === "Bob");
    const carolSeesKick = nextEvent(rc, "leave", (ev) => ev.occupant.nick === "Bob");
    await withTimeout(setRole(e.alice.muc, jid, "Bob", "none", { reason: "Cool down" }), 5_000, "alice kicking bob");
    const kicked = await bobExit;
    expect(kicked.mode).toBe(LeaveMode.KICKED);
    expect(kicked.reason).toBe("Cool down");
    expect(rb.joined).toBe(false);
    expect(e.bob.muc.getRoom(jid)).toBeUndefined();
    expect((await aliceSeesKick).mode).toBe(LeaveMode.KICKED);
    expect((await carolSeesKick).mode).toBe(LeaveMode.KICKED);

    // A kicked user may come back.
    const rb2 = await joinFully(e.bob, jid, "Bob");
    await waitUntil(() => ra.getOccupant("Bob") !== undefined, 5_000, "alice seeing bob again");

    const bobBanned = nextEvent(rb2, "exit");
    const carolSeesBan = nextEvent(rc, "leave", (ev) => ev.occupant.nick === "Bob");
    const carolAffiliation = nextEvent(rc, "affiliationChange", (ev) => ev.occupant.nick === "Bob");
    await withTimeout(setAffiliation(e.alice.muc, jid, e.bob.bareJid, "outcast", { reason: "Enough" }), 5_000, "alice banning bob");
    const banned = await bobBanned;
    expect(banned.mode).toBe(LeaveMode.BANNED);
    expect(banned.reason).toBe("Enough");
    expect((await carolSeesBan).mode).toBe(LeaveMode.BANNED);
    expect((await carolAffiliation).newAffiliation).toBe("outcast");
    const refused = await rejection(e.bob.muc.join(jid, "Bob").joined, 5_000, "bob joining while banned");
    expect(refused).toBeInstanceOf(XMPPError);
    expect((refused as XMPPError).condition).toBe("forbidden");
    expect(e.bob.muc.getRoom(jid)).toBeUndefined();

    // Voice: a moderator makes Carol a visitor and back.
    const carolRole = nextEvent(rc, "roleChange", (ev) => ev.occupant.isSelf);
    await withTimeout(setRole(e.alice.muc, jid, "Carol", "visitor"), 5_000, "alice silencing carol");
    expect((await carolRole).newRole).toBe("visitor");
    expect(rc.me?.role).toBe("visitor");
    for (const c of e.clients) expect(c.warnings).toEqual([]);
  });
});

describe("MUC client against ejabberd: configuration, discovery, archive", () => {
  it("the configuration form round-trips; 104/172/100 and a members-only removal (322); room info reflects it", async () => {
    const e = await ejabberd();
    const jid = freshRoom(e, "config");
    const ra = await withTimeout(createRoom(e.alice.muc, jid, "Alice", { config: { roomName: "Config room", persistent: true } }), 5_000, "alice creating a reserved room");
    expect(ra.active).toBe(true);

    const first = await withTimeout(getRoomConfig(e.alice.muc, jid), 5_000, "reading the configuration");
    expect(first.config.roomName).toBe("Config room");
    expect(first.config.persistent).toBe(true);
    expect(first.form.fields.length).toBeGreaterThan(5);

    // Non-anonymous: Alice's room says so (172), and Bob's join gets 100 and
    // shows him real JIDs.
    const aliceConfigChange = nextEvent(ra, "configChange", (ev) => ev.statusCodes.includes(172));
    await withTimeout(setRoomConfig(e.alice.muc, jid, { description: "Where settings are tried", maxUsers: 20, whois: "anyone" }), 5_000, "changing the configuration");
    expect((await aliceConfigChange).statusCodes).toEqual(expect.arrayContaining([104, 172]));
    expect(ra.features.nonAnonymous).toBe(true);
    const { room: rb, joined } = e.bob.muc.join(jid, "Bob");
    const bobEnter = nextEvent(rb, "enter");
    await withTimeout(joined, 5_000, "bob joining the non-anonymous room");
    expect((await bobEnter).statusCodes).toEqual(expect.arrayContaining([100, 110]));
    expect(rb.features.nonAnonymous).toBe(true);
    expect(rb.getOccupant("Alice")?.jid?.bare().toString()).toBe(e.alice.bareJid);

    // Members-only: Bob, no member, is removed (322) and refused afterwards.
    const bobExit = nextEvent(rb, "exit");
    await withTimeout(setRoomConfig(e.alice.muc, jid, { membersOnly: true }), 5_000, "making the room members-only");
    expect((await bobExit).mode).toBe(LeaveMode.MODERATION_CHANGE);
    const second = await withTimeout(getRoomConfig(e.alice.muc, jid), 5_000, "reading the configuration again");
    expect(second.config).toMatchObject({ roomName: "Config room", description: "Where settings are tried", persistent: true, membersOnly: true, maxUsers: 20, whois: "anyone" });

    const info = await withTimeout(getRoomInfo(e.bob.muc, jid), 5_000, "bob reading the room's info");
    expect(info.name).toBe("Config room");
    expect(info.membersOnly).toBe(true);
    expect(info.persistent).toBe(true);
    expect(info.nonAnonymous).toBe(true);

    const refused = await rejection(e.bob.muc.join(jid, "Bob").joined, 5_000, "bob joining a members-only room");
    expect((refused as XMPPError).condition).toBe("registration-required");
    // Bad input is a typed error.
    const bad = await rejection(setRoomConfig(e.bob.muc, jid, { roomName: "Bob's now" }), 5_000, "bob configuring alice's room");
    expect(bad).toBeInstanceOf(XMPPError);
    for (const c of e.clients) expect(c.warnings).toEqual([]);
  });

  it("queryRoomArchive pages through the room's archive (mod_mam)", async () => {
    const e = await ejabberd();
    const { jid, ra, rb } = await roomOfThree(e, "archive");
    const bodies = ["a1", "a2", "a3", "a4", "a5"];
    for (const body of bodies) {
      expect(await ra.sendTrackedMessage(body, { timeout: 5_000 }).done).toBe(MessageState.DELIVERED_TO_RECIPIENT);
    }
    await barrier(ra, [rb], "archived");
    const page1 = await withTimeout(queryRoomArchive(e.bob.muc, jid, { max: 3 }), 5_000, "first page");
    const all = [...page1.messages];
    let page = page1;
    for (let i = 0; !page.complete && i < 5; i++) {
      page = await withTimeout(queryRoomArchive(e.bob.muc, jid, { max: 3, after: page.last }), 5_000, "next page");
      all.push(...page.messages);
    }
    expect(page.complete).toBe(true);
    expect(page1.messages.length).toBe(3);
    const archived = all.map((m) => m.body ?? "").filter((b) => !b.startsWith("barrier "));
    expect(archived).toEqual(bodies);
    for (const m of all) {
      expect(m.nick).toBe("Alice");
      expect(m.stamp).toBeInstanceOf(Date);
      expect(m.id).toEqual(expect.any(String));
    }
    // The archive ids are the stanza-ids the room gave live: paging from one works.
    const live = collect(rb, "message");
    await barrier(ra, [rb], "ids");
    const id = live.at(-1)?.stanzaId;
    expect(all.map((m) => m.id)).not.toContain(id);
    const a3 = all.find((m) => m.body === "a3");
    const after = await withTimeout(queryRoomArchive(e.bob.muc, jid, { after: a3?.id }), 5_000, "the page after a3");
    expect(after.messages.map((m) => m.body).filter((b) => !b?.startsWith("barrier "))).toEqual(["a4", "a5"]);
    expect(after.messages.at(-1)?.id).toBe(id);
    expect(after.complete).toBe(true);
    // ejabberd 23.01 announces MAM without urn:xmpp:mam:2#extended, and
    // refuses its filters (`after-id`, `ids`) with a typed bad-request.
    const info = await withTimeout(getRoomInfo(e.bob.muc, jid), 5_000, "the room's features");
    expect(info.features).toContain("urn:xmpp:mam:2");
    expect(info.features).not.toContain("urn:xmpp:mam:2#extended");
    for (const filter of [{ afterId: a3?.id ?? "" }, { ids: [id ?? ""] }]) {
      const refused = await rejection(queryRoomArchive(e.bob.muc, jid, filter), 5_000, `an #extended filter ${JSON.stringify(filter)}`);
      expect(refused).toBeInstanceOf(XMPPError);
      expect((refused as XMPPError).condition).toBe("bad-request");
    }
    for (const c of e.clients) expect(c.warnings).toEqual([]);
  });
});

describe("MUC client against ejabberd: self-ping", () => {
  it("ejabberd answers our self-ping (XEP-0410) as joined while we are in, and as not joined once we are out", async () => {
    const e = await ejabberd();
    const { jid, ra } = await roomOfThree(e, "selfping");
    // Dave: a MucService with a short self-ping interval.
    const dave = await connectWithSelfPing(e, "dave", { interval: 300, timeout: 3_000 });
    extra.push(dave.client);
    const rd = await joinFully(dave.client, jid, "Dave");
    const pings: Element[] = [];
    const answers: Element[] = [];
    dave.client.xmpp.on("send", (el: Element) => {
      if (el.is("iq") && el.getChild("ping", "urn:xmpp:ping") && el.attrs.to === `${jid}/Dave`) pings.push(el);
    });
    dave.client.xmpp.on("stanza", (el: Element) => {
      if (el.is("iq") && pings.some((p) => p.attrs.id === el.attrs.id)) answers.push(el);
    });
    const events = collect(rd, "suspend");
    await waitUntil(() => answers.length >= 2, 5_000, "two self-ping answers");
    expect(answers.map((a) => a.attrs.type)).toEqual(answers.map(() => "result"));
    expect(events).toEqual([]);
    expect(rd.active).toBe(true);

    // Once Dave is out, ejabberd answers the same ping with an error that
    // XEP-0410 reads as "not joined" (a self-ping that gets it rejoins).
    await withTimeout(rd.leave(), 5_000, "dave leaving");
    const answer = await dave.client.xmpp.iqCaller.request(xml("iq", { type: "get", to: `${jid}/Dave` }, xml("ping", { xmlns: "urn:xmpp:ping" })), 5_000).then(
      () => undefined,
      (err: unknown) => (err as { condition?: string }).condition,
    );
    expect(answer).toBe("not-acceptable");
    expect(selfPingResultForCondition(answer as StanzaErrorCondition)).toBe(SelfPingResult.NOT_JOINED);
    // Dave's leave completes on his own unavailable presence; Alice hears of it on her own stream.
    await waitUntil(() => ra.getOccupant("Dave") === undefined, 5_000, "alice seeing dave leave");
    expect(dave.client.warnings).toEqual([]);
  });
});

describe("MUC client against ejabberd: the stream dies", () => {
  it("resumed (XEP-0198): rooms stay, nothing lost or twice; not resumable: a new stream rejoins, nothing lost or twice", async () => {
    const e = await ejabberd();
    const { jid, ra, rb, rc } = await roomOfThree(e, "reconnect");
    const bob = e.bob;
    const bobMessages: RoomEvents["message"][] = [];
    rb.on("message", (ev) => bobMessages.push(ev));
    const bobEvents: string[] = [];
    for (const name of ["suspend", "resume", "exit", "enter"] as const) rb.on(name, () => bobEvents.push(name));

    const sent: { body: string; tracker: MessageTracker }[] = [];
    let talking = true;
    const talk = async (room: Room, who: string): Promise<void> => {
      for (let i = 1; talking; i++) {
        const body = `${who}-${i}`;
        sent.push({ body, tracker: room.sendTrackedMessage(body, { timeout: 20_000 }) });
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
    };
    const talkers = [talk(ra, "alice"), talk(rc, "carol")];
    const nonzas: string[] = [];
    const onNonza = (el: Element): void => {
      if (el.attrs.xmlns === SM && el.name !== "a" && el.name !== "r") nonzas.push(el.name);
    };
    bob.xmpp.on("nonza", onNonza);
    try {
      await waitUntil(() => bobMessages.length >= 10, 5_000, "bob hearing the first messages");

      // 1. The socket dies; @xmpp/client reconnects and resumes the stream.
      await killSocket(bob, { resumable: true });
      await waitUntil(() => nonzas.includes("resumed"), 10_000, "bob's stream resumed");
      await waitUntil(() => bob.muc.connected, 5_000, "bob's service ready again");
      expect(bobEvents).toEqual([]);
      const afterResume = sent.length;
      await waitUntil(() => sent.length >= afterResume + 10, 5_000, "more messages after the resumption");

      // 2. The socket dies and the server does not know the stream any more.
      const resumed = nextEvent(rb, "resume", () => true, 15_000);
      await killSocket(bob, { resumable: false });
      await resumed;
      expect(nonzas).toContain("failed");
      const afterRejoin = sent.length;
      await waitUntil(() => sent.length >= afterRejoin + 10, 5_000, "more messages after the rejoin");
    } finally {
      talking = false;
      await Promise.allSettled(talkers);
      bob.xmpp.off("nonza", onNonza);
    }

    const outcomes = await withTimeout(Promise.all(sent.map((s) => s.tracker.done)), 25_000, "every tracker settling");
    expect(outcomes.filter((o) => o !== MessageState.DELIVERED_TO_RECIPIENT)).toEqual([]);
    await barrier(ra, [rb, rc], "end");
    const sentBodies = sent.map((s) => s.body);
    const received = bobMessages.map((m) => m.body).filter((b) => !b.startsWith("barrier "));
    const counts = new Map<string, number>();
    for (const b of received) counts.set(b, (counts.get(b) ?? 0) + 1);
    const missing = sentBodies.filter((b) => !counts.has(b));
    const twice = [...counts].filter(([, n]) => n > 1).map(([b]) => b);
    expect({ missing, twice }).toEqual({ missing: [], twice: [] });
    for (const who of ["alice", "carol"]) {
      const mine = received.filter((b) => b.startsWith(`${who}-`)).map((b) => Number(b.slice(who.length + 1)));
      expect(mine).toEqual([...mine].sort((x, y) => x - y));
    }
    expect(bobEvents).toEqual(["suspend", "resume"]);
    expect(rb.active).toBe(true);
    expect(bob.muc.getRoom(jid)).toBe(rb);
    expect(rb.occupants.map((o) => o.nick).sort()).toEqual(["Alice", "Bob", "Carol"]);
    await waitUntil(() => ra.occupants.filter((o) => o.nick === "Bob").length === 1, 5_000, "alice listing bob once");

    const hello = nextEvent(ra, "message", (ev) => ev.body === "bob is back");
    expect(await rb.sendTrackedMessage("bob is back", { timeout: 5_000 }).done).toBe(MessageState.DELIVERED_TO_RECIPIENT);
    expect((await hello).nick).toBe("Bob");
    expect(bob.test.errors.map((err) => err.message)).toEqual([]);
    for (const c of e.clients) expect(c.warnings).toEqual([]);
  }, 45_000);
});

/**
 * Destroys `client`'s TCP socket (no `</stream>`, no unavailable presence:
 * ejabberd keeps the session for resumption, as after a network failure) and
 * waits until @xmpp/client is online again. With `resumable: false` the
 * stream id is replaced before the reconnect by one ejabberd never issued, so
 * it answers `<resume/>` with `<failed/>` and a new session starts (see
 * muc-client-reconnect.test.ts).
 */
async function killSocket(client: MucClient, options: { resumable: boolean }): Promise<void> {
  const online = new Promise<void>((resolve) => client.xmpp.once("online", () => resolve()));
  const disconnected = new Promise<void>((resolve) =>
    client.xmpp.once("disconnect", () => {
      if (!options.resumable) client.xmpp.streamManagement.id = `gone-${client.xmpp.streamManagement.id}`;
      resolve();
    }),
  );
  const socket = client.xmpp.socket as unknown as { destroy(): void } | null;
  expect(socket).not.toBeNull();
  socket?.destroy();
  await withTimeout(disconnected, 5_000, `${client.name}'s disconnect`);
  // @xmpp/client emits `online` for a new session only; a resumption is `resumed` on stream management.
  if (options.resumable) return;
  await withTimeout(online, 10_000, `${client.name}'s new session`);
  await waitUntil(() => client.xmpp.streamManagement.enabled, 5_000, `stream management on ${client.name}'s new session`);
}

/** Registers `username` and connects it with a MucService whose self-ping runs every `interval` ms. */
async function connectWithSelfPing(e: Env, username: string, selfPing: { interval: number; timeout: number }): Promise<{ client: MucClient }> {
  await e.server.register(username, `${username}-pw`);
  // connectMucClient's service has self-ping off: make another over the same connection.
  const base = await connectMucClient(e.server, username, `${username}-pw`);
  base.muc.close();
  const logger: Logger = {
    debug: (message) => base.log.add("..", `sdk debug: ${message}`),
    warn: (message, ...details) => {
      base.warnings.push(`${message} ${details.map(String).join(" ")}`);
      base.log.add("!!", `sdk warn: ${message}`);
    },
  };
  const muc = new MucService(base.xmpp, { selfPing, logger });
  const client: MucClient = {
    ...base,
    muc,
    stop: async () => {
      muc.close();
      await base.stop();
    },
  };
  return { client };
}

