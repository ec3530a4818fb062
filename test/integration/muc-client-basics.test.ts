// The MUC client (MucService, Room, Occupant, MessageTracker) against a real
// Prosody: joining and occupant lists, the subject, tracked messages, history
// on join, nick changes. Three users, each with their own MucService; every
// test uses its own room.

import { xml } from "@xmpp/client";
import { describe, expect, it } from "vitest";
import { MessageState, XMPPError, createRoom, type MucServiceEvents, type RoomEvents } from "../../src/index.js";
import { withTimeout } from "../helpers/prosody-clients.js";
import { barrier, collect, freshRoom, joinFully, nextEvent, rejection, setupMucSuite, type MucClient } from "../helpers/muc-clients.js";

const suite = setupMucSuite();

describe("MUC client against Prosody: joining", () => {
  it("lists the occupants, self first, with the roles and affiliations Prosody assigns", async () => {
    const jid = freshRoom(suite.server, "occupants");

    // createRoom: join, see status 201, submit the instant-room form.
    const ra = await withTimeout(createRoom(suite.alice.muc, jid, "Alice"), 5_000, "alice creating the room");
    expect(ra.joined).toBe(true);
    expect(ra.active).toBe(true);
    expect(ra.nick).toBe("Alice");
    expect(ra.occupants.map((o) => o.nick)).toEqual(["Alice"]);
    expect(ra.me).toBe(ra.occupants[0]);
    expect(ra.me?.isSelf).toBe(true);
    expect(ra.me?.role).toBe("moderator");
    expect(ra.me?.affiliation).toBe("owner");
    expect(ra.me?.occupantId).toEqual(expect.any(String));
    expect(suite.alice.muc.getRoom(jid)).toBe(ra);

    const aliceSeesBob = nextEvent(ra, "join", (e) => e.occupant.nick === "Bob");
    const bobJoin = suite.bob.muc.join(jid, "Bob");
    const bobSeesInitial = collect(bobJoin.room, "join");
    const bobEnter = nextEvent(bobJoin.room, "enter");
    const rb = await withTimeout(bobJoin.joined, 5_000, "bob joining");
    const bobEntered = await bobEnter;
    expect(bobEntered.created).toBe(false);
    expect(bobEntered.statusCodes).toContain(110);
    expect(bobSeesInitial.map((e) => [e.occupant.nick, e.initial])).toEqual([["Alice", true]]);
    const joinedAtAlice = await aliceSeesBob;
    expect(joinedAtAlice.initial).toBe(false);

    expect(rb.occupants.map((o) => o.nick)).toEqual(["Bob", "Alice"]);
    expect(rb.me).toBe(rb.occupants[0]);
    expect(rb.me?.isSelf).toBe(true);
    expect(rb.me?.role).toBe("participant");
    expect(rb.me?.affiliation).toBe("none");
    const aliceAtBob = rb.getOccupant("Alice");
    expect(aliceAtBob?.isSelf).toBe(false);
    expect(aliceAtBob?.role).toBe("moderator");
    expect(aliceAtBob?.affiliation).toBe("owner");
    // Semi-anonymous (Prosody's default): only moderators see real JIDs.
    expect(aliceAtBob?.jid).toBeUndefined();
    const bobAtAlice = ra.getOccupant("Bob");
    expect(bobAtAlice?.jid?.bare().toString()).toBe(suite.bob.bareJid);
    expect(bobAtAlice?.role).toBe("participant");
    expect(bobAtAlice?.affiliation).toBe("none");

    const rc = await joinFully(suite.carol, jid, "Carol");
    await Promise.all([
      ra.getOccupant("Carol") ? undefined : nextEvent(ra, "join", (e) => e.occupant.nick === "Carol"),
      rb.getOccupant("Carol") ? undefined : nextEvent(rb, "join", (e) => e.occupant.nick === "Carol"),
    ]);
    expect(rc.occupants[0]).toBe(rc.me);
    expect(rc.occupants.map((o) => o.nick).sort()).toEqual(["Alice", "Bob", "Carol"]);
    expect(rc.occupants[0]?.nick).toBe("Carol");
    expect(ra.occupants.map((o) => o.nick)).toEqual(["Alice", "Bob", "Carol"]);
    expect(rb.occupants.map((o) => o.nick)).toEqual(["Bob", "Alice", "Carol"]);
    for (const r of [ra, rb, rc]) expect(r.occupantCount).toBe(3);

    // XEP-0421: the same occupant id for the same occupant, whoever looks.
    const ids = (nick: string) => [ra, rb, rc].map((r) => r.getOccupant(nick)?.occupantId);
    for (const nick of ["Alice", "Bob", "Carol"]) {
      const seen = ids(nick);
      expect(seen[0]).toEqual(expect.any(String));
      expect(new Set(seen).size).toBe(1);
    }
    expect(new Set(["Alice", "Bob", "Carol"].map((n) => ra.getOccupant(n)?.occupantId)).size).toBe(3);

    // Leaving: the others see `leave` NORMAL, the leaver `exit` NORMAL.
    const aliceSeesCarolLeave = nextEvent(ra, "leave", (e) => e.occupant.nick === "Carol");
    const carolExit = nextEvent(rc, "exit");
    await withTimeout(rc.leave(), 5_000, "carol leaving");
    expect((await carolExit).mode).toBe("normal");
    expect((await aliceSeesCarolLeave).mode).toBe("normal");
    expect(rc.joined).toBe(false);
    expect(suite.carol.muc.getRoom(jid)).toBeUndefined();
    expect(ra.getOccupant("Carol")).toBeUndefined();
  });
});

describe("MUC client against Prosody: subject", () => {
  it("a subject set by the owner reaches the others, and a later joiner gets it as the initial subject", async () => {
    const jid = freshRoom(suite.server, "subject");
    const ra = await withTimeout(createRoom(suite.alice.muc, jid, "Alice"), 5_000, "alice creating the room");
    const rb = await joinFully(suite.bob, jid, "Bob");
    expect(rb.subject).toBe("");

    const bobSees = nextEvent(rb, "subjectChange", (e) => !e.initial);
    const aliceSees = nextEvent(ra, "subjectChange", (e) => !e.initial);
    await withTimeout(ra.setSubject("Integration tests today"), 5_000, "alice setting the subject");
    const atBob = await bobSees;
    expect(atBob.subject).toBe("Integration tests today");
    expect(atBob.setterNick).toBe("Alice");
    expect(atBob.setter).toBe(rb.getOccupant("Alice"));
    expect(atBob.initial).toBe(false);
    expect(rb.subject).toBe("Integration tests today");
    expect(rb.subjectSetter).toBe("Alice");
    expect((await aliceSees).subject).toBe("Integration tests today");
    expect(ra.subject).toBe("Integration tests today");

    // A later joiner gets the subject as the last step of joining.
    const { room: rc, joined } = suite.carol.muc.join(jid, "Carol");
    const carolSubject = nextEvent(rc, "subjectChange");
    const carolMessages = collect(rc, "message");
    await withTimeout(joined, 5_000, "carol joining");
    const initial = await carolSubject;
    expect(initial.initial).toBe(true);
    expect(initial.subject).toBe("Integration tests today");
    expect(initial.setterNick).toBe("Alice");
    expect(rc.subject).toBe("Integration tests today");
    expect(carolMessages).toEqual([]); // the subject is not a message

    // A participant may not change it (Prosody's default: changesubject off) …
    const refused = await rejection(rc.setSubject("Carol's topic"), 5_000, "carol setting the subject");
    expect(refused).toBeInstanceOf(XMPPError);
    expect((refused as XMPPError).condition).toBe("forbidden");
    expect(rc.subject).toBe("Integration tests today");

    // … and clearing it is a change like any other.
    const cleared = nextEvent(rb, "subjectChange", (e) => e.subject === "");
    await withTimeout(ra.setSubject(""), 5_000, "alice clearing the subject");
    expect((await cleared).initial).toBe(false);
    expect(rb.subject).toBe("");
  });
});

describe("MUC client against Prosody: messages", () => {
  it("a tracked message reaches DELIVERED_TO_RECIPIENT and the others receive it with stanza-id and occupant-id", async () => {
    const { ra, rb, rc } = await suite.roomOfThree("tracked");
    const aliceOccupantId = ra.me?.occupantId;
    expect(aliceOccupantId).toEqual(expect.any(String));

    const atBob = nextEvent(rb, "message", (e) => e.body === "hello, tracked");
    const atCarol = nextEvent(rc, "message", (e) => e.body === "hello, tracked");
    const own = nextEvent(ra, "message", (e) => e.body === "hello, tracked");
    const tracker = ra.sendTrackedMessage("hello, tracked", { timeout: 10_000 });
    const states: string[] = [];
    tracker.on("stateChange", ({ state }) => states.push(state));
    expect(tracker.state).toBe(MessageState.IN_TRANSIT);

    expect(await withTimeout(tracker.done, 10_000, "tracker settling")).toBe(MessageState.DELIVERED_TO_RECIPIENT);
    expect(tracker.state).toBe(MessageState.DELIVERED_TO_RECIPIENT);
    expect(states.at(-1)).toBe(MessageState.DELIVERED_TO_RECIPIENT);
    expect(tracker.settled).toBe(true);
    expect(tracker.reflection?.attrs.from).toBe(`${ra.jid.toString()}/Alice`);
    expect(tracker.stanzaId).toEqual(expect.any(String));

    const reflected = await own;
    expect(reflected.own).toBe(true);
    expect(reflected.tracker).toBe(tracker);
    expect(reflected.stanzaId).toBe(tracker.stanzaId);

    for (const received of [await atBob, await atCarol]) {
      expect(received.nick).toBe("Alice");
      expect(received.body).toBe("hello, tracked");
      expect(received.own).toBe(false);
      expect(received.history).toBe(false);
      expect(received.tracker).toBeUndefined();
      expect(received.stanzaId).toBe(tracker.stanzaId);
      expect(received.occupantId).toBe(aliceOccupantId);
      expect(received.originId).toBe(tracker.originId);
      expect(received.occupant).toBe(received.room.getOccupant("Alice"));
    }

    // Several in a row: every tracker settles delivered, in order at the others.
    const bodies = ["one", "two", "three", "four", "five"];
    const bobBodies = collect(rb, "message");
    const trackers = bodies.map((b) => rc.sendTrackedMessage(b, { timeout: 10_000 }));
    const outcomes = await withTimeout(Promise.all(trackers.map((t) => t.done)), 10_000, "five trackers");
    expect(outcomes).toEqual(bodies.map(() => MessageState.DELIVERED_TO_RECIPIENT));
    await barrier(rc, [rb], "after five");
    expect(bobBodies.map((e) => e.body).filter((b) => bodies.includes(b))).toEqual(bodies);
    expect(new Set(trackers.map((t) => t.stanzaId)).size).toBe(5);

    // Untracked messages and private messages.
    const plain = nextEvent(rc, "message", (e) => e.body === "plain");
    await rb.sendMessage("plain");
    expect((await plain).nick).toBe("Bob");
    const pm = nextEvent(rc, "privateMessage", (e) => e.body === "psst");
    await rb.sendPrivateMessage("Carol", "psst");
    const privateMessage = await pm;
    expect(privateMessage.nick).toBe("Bob");
    expect(privateMessage.history).toBe(false);
  });

  it("history on join: maxStanzas 2 gets exactly the last two, flagged history", async () => {
    const jid = freshRoom(suite.server, "history");
    const ra = await withTimeout(createRoom(suite.alice.muc, jid, "Alice"), 5_000, "alice creating the room");
    for (const body of ["h1", "h2", "h3", "h4"]) {
      const tracker = ra.sendTrackedMessage(body, { timeout: 5_000 });
      expect(await tracker.done).toBe(MessageState.DELIVERED_TO_RECIPIENT);
    }

    const { room: rb, joined } = suite.bob.muc.join(jid, "Bob", { history: { maxStanzas: 2 } });
    const order: string[] = [];
    const messages: RoomEvents["message"][] = [];
    rb.on("message", (e) => {
      messages.push(e);
      order.push(`message ${e.body}`);
    });
    rb.on("subjectChange", () => order.push("subject"));
    rb.on("enter", () => order.push("enter"));
    const subject = nextEvent(rb, "subjectChange");
    await withTimeout(joined, 5_000, "bob joining");
    await subject;
    expect(messages.map((m) => m.body)).toEqual(["h3", "h4"]);
    expect(order).toEqual(["enter", "message h3", "message h4", "subject"]);
    for (const m of messages) {
      expect(m.history).toBe(true);
      expect(m.nick).toBe("Alice");
      expect(m.own).toBe(false);
      expect(m.delay).toBeInstanceOf(Date);
      expect(m.stanzaId).toEqual(expect.any(String));
    }

    const live = nextEvent(rb, "message", (e) => e.body === "h5");
    await ra.sendMessage("h5");
    const h5 = await live;
    expect(h5.history).toBe(false);
    expect(h5.delay).toBeUndefined();

    // maxStanzas 0: no history at all.
    const rc = await joinFully(suite.carol, jid, "Carol", { history: { maxStanzas: 0 } });
    const carolMessages = collect(rc, "message");
    await barrier(ra, [rc], "carol no history");
    expect(carolMessages.map((m) => m.body).filter((b) => /^h\d$/.test(b))).toEqual([]);
  });
});

describe("MUC client against Prosody: nick changes", () => {
  it("setNick is seen by the others as nickChange of the same Occupant; a taken nick rejects with conflict", async () => {
    const { ra, rb, rc } = await suite.roomOfThree("nick");
    const bobAtAlice = ra.getOccupant("Bob");
    const bobAtCarol = rc.getOccupant("Bob");
    expect(bobAtAlice).toBeDefined();
    const me = rb.me;
    const aliceJoins = collect(ra, "join");
    const aliceLeaves = collect(ra, "leave");
    const bobJoins = collect(rb, "join");
    const bobLeaves = collect(rb, "leave");
    const exits = collect(rb, "exit");
    const atAlice = nextEvent(ra, "nickChange");
    const atCarol = nextEvent(rc, "nickChange");
    const atBob = nextEvent(rb, "nickChange");

    await withTimeout(rb.setNick("Bobby"), 5_000, "bob changing nick");
    const seen = await atAlice;
    expect(seen.oldNick).toBe("Bob");
    expect(seen.newNick).toBe("Bobby");
    expect(seen.occupant).toBe(bobAtAlice);
    expect(bobAtAlice?.nick).toBe("Bobby");
    expect((await atCarol).occupant).toBe(bobAtCarol);
    const own = await atBob;
    expect(own.occupant).toBe(me);
    expect(own.occupant.isSelf).toBe(true);
    expect(rb.nick).toBe("Bobby");
    expect(rb.me).toBe(me);

    // Let the presence under the new nick arrive everywhere.
    await barrier(rb, [ra, rc], "after nick change");
    expect(ra.getOccupant("Bob")).toBeUndefined();
    expect(ra.getOccupant("Bobby")).toBe(bobAtAlice);
    // Self first; the order of the others is not specified.
    expect(ra.occupants[0]?.nick).toBe("Alice");
    expect(ra.occupants.map((o) => o.nick).sort()).toEqual(["Alice", "Bobby", "Carol"]);
    expect(rb.occupants[0]).toBe(me);
    expect(rb.occupants.map((o) => o.nick).sort()).toEqual(["Alice", "Bobby", "Carol"]);
    expect(aliceJoins).toEqual([]);
    expect(aliceLeaves).toEqual([]);
    expect(bobJoins).toEqual([]);
    expect(bobLeaves).toEqual([]);
    expect(exits).toEqual([]);
    expect(rb.active).toBe(true);

    // Messages under the new nick are attributed to the same occupant.
    const msg = nextEvent(ra, "message", (e) => e.body === "new name");
    await rb.sendMessage("new name");
    const m = await msg;
    expect(m.nick).toBe("Bobby");
    expect(m.occupant).toBe(bobAtAlice);
    expect(m.occupantId).toBe(bobAtAlice?.occupantId);

    // A nick in use: conflict, and nothing changes.
    const carolNickChanges = collect(rc, "nickChange");
    const conflict = await rejection(rc.setNick("Alice"), 5_000, "carol taking alice's nick");
    expect(conflict).toBeInstanceOf(XMPPError);
    expect((conflict as XMPPError).condition).toBe("conflict");
    expect(rc.nick).toBe("Carol");
    expect(rc.active).toBe(true);
    await barrier(rc, [ra, rb], "after conflict");
    expect(carolNickChanges).toEqual([]);
    expect(ra.getOccupant("Carol")?.nick).toBe("Carol");
    expect(ra.getOccupant("Alice")?.isSelf).toBe(true);

    // A nick change after a conflict still works.
    await withTimeout(rc.setNick("Caroline"), 5_000, "carol changing nick");
    expect(rc.nick).toBe("Caroline");
  });
});

describe("MUC client against Prosody: invitations", () => {
  it("a mediated invitation reaches the invitee as `invite`; declining it reaches the inviter as `decline`", async () => {
    const jid = freshRoom(suite.server, "invite");
    const ra = await withTimeout(createRoom(suite.alice.muc, jid, "Alice"), 5_000, "alice creating the room");
    // Invitations go to the invitee's bare JID: only available resources get them.
    for (const c of [suite.alice, suite.bob, suite.carol]) await becomeAvailable(c);

    const invited = waitForService(suite.carol, "invite");
    await ra.invite(suite.carol.bareJid, { reason: "Join us" });
    const invite = await invited;
    // Prosody's mediated invitation (from the room's bare JID, with a muc#user
    // <invite from='room/Alice'>) also carries an XEP-0249 <x
    // xmlns='jabber:x:conference'/> for older clients; it is still a mediated
    // invitation, from Alice (given as her occupant JID: the room is semi-anonymous).
    expect.soft(invite.kind).toBe("mediated");
    expect(invite.room.toString()).toBe(jid);
    expect.soft([`${jid}/Alice`, suite.alice.bareJid]).toContain(invite.from?.toString());
    expect.soft(invite.reason).toBe("Join us");

    const declined = waitForService(suite.alice, "decline");
    await invite.decline("Busy");
    const decline = await declined;
    expect(decline.room.toString()).toBe(jid);
    expect(decline.from?.bare().toString()).toBe(suite.carol.bareJid);
    expect(decline.reason).toBe("Busy");

    // A direct invitation (XEP-0249) goes straight to the invitee.
    const direct = waitForService(suite.bob, "invite");
    await ra.invite(suite.bob.bareJid, { mode: "direct", reason: "Come over" });
    const got = await direct;
    expect(got.kind).toBe("direct");
    expect(got.room.toString()).toBe(jid);
    expect(got.from?.bare().toString()).toBe(suite.alice.bareJid);
    expect(got.reason).toBe("Come over");
    const rb = await joinFully(suite.bob, got.room.toString(), "Bob");
    expect(rb.active).toBe(true);
  });
});

function waitForService<E extends keyof MucServiceEvents>(client: MucClient, event: E, timeoutMs = 5_000): Promise<MucServiceEvents[E]> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      client.muc.off(event, listener);
      reject(new Error(`timed out after ${timeoutMs} ms waiting for ${client.name}'s '${String(event)}'`));
    }, timeoutMs);
    const listener = (payload: MucServiceEvents[E]): void => {
      clearTimeout(timer);
      client.muc.off(event, listener);
      resolve(payload);
    };
    client.muc.on(event, listener);
  });
}

/** Sends initial presence and waits (ping round trip) until the server has processed it. */
async function becomeAvailable(client: MucClient): Promise<void> {
  await client.xmpp.send(xml("presence"));
  await withTimeout(
    client.xmpp.iqCaller.request(xml("iq", { type: "get", to: suite.server.domain }, xml("ping", { xmlns: "urn:xmpp:ping" }))),
    5_000,
    `${client.name} ping`,
  );
}
