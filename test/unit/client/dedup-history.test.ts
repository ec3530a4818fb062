/**
 * De-duplication of room messages and the one rule of what is history, as
 * transcripts over the mock connection: a message is known by the room's
 * XEP-0359 stanza-id (live or history) and by its origin-id together with its
 * sender (XEP-0421 occupant-id, else nick); a repeat reaches neither the
 * room's `message` event nor `onMessageChange`. A message is history when it
 * comes before the subject that ends a (re)join's history and either our
 * self-presence has not come yet or it carries a `<delay/>`; the room event
 * and `onMessageChange` say the same.
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import type { Element } from "@xmpp/xml";
import { MucService, onMessageChange, type MessageChangeEvent, type Room, type RoomEvents } from "../../../src/index.js";
import { MockConnection } from "../../../src/testing/index.js";
import { answerArchive, flush } from "./room-presence-helpers.js";

const ROOM = "coven@chat.shakespeare.lit";
const ME = "hag66@shakespeare.lit/pda";
const NICK = "thirdwitch";
const MUC = "http://jabber.org/protocol/muc";
const MUC_USER = "http://jabber.org/protocol/muc#user";
const SID = "urn:xmpp:sid:0";
const MY_OCCUPANT_ID = "dd72603deec90a38ba552f7c68cbcc61bca202cd";
const FIRSTWITCH_OCCUPANT_ID = "a0b1c2d3e4f5";

// ---------------------------------------------------------------------------
// Helpers

let services: MucService[] = [];

afterEach(() => {
  for (const muc of services) muc.close();
  services = [];
  vi.useRealTimers();
});

interface Harness {
  conn: MockConnection;
  muc: MucService;
  room: Room;
  joined: Promise<Room>;
  /** Every `message` event of the room. */
  messages: RoomEvents["message"][];
  /** Every change `onMessageChange` reported. */
  changes: MessageChangeEvent[];
}

/** A service with the room being joined (join presence sent, nothing answered yet), listening to messages and changes. */
async function startJoin(): Promise<Harness> {
  const conn = new MockConnection({ jid: ME });
  const muc = new MucService(conn, { selfPing: false });
  services.push(muc);
  const changes: MessageChangeEvent[] = [];
  onMessageChange(muc, (c) => changes.push(c));
  const { room, joined } = muc.join(ROOM, NICK);
  const messages: RoomEvents["message"][] = [];
  room.on("message", (m) => messages.push(m));
  await conn.nextSent(isJoin, 1_000);
  return { conn, muc, room, joined, messages, changes };
}

/** firstwitch and our self-presence (with our occupant-id). */
function answerJoin(conn: MockConnection): void {
  conn.receive(`<presence from='${ROOM}/firstwitch' to='${ME}'><x xmlns='${MUC_USER}'><item affiliation='owner' role='moderator'/></x>
    <occupant-id xmlns='urn:xmpp:occupant-id:0' id='${FIRSTWITCH_OCCUPANT_ID}'/></presence>`);
  conn.receive(`<presence from='${ROOM}/${NICK}' to='${ME}'><x xmlns='${MUC_USER}'><item affiliation='member' role='participant'/><status code='110'/></x>
    <occupant-id xmlns='urn:xmpp:occupant-id:0' id='${MY_OCCUPANT_ID}'/></presence>`);
}

/** Joined, with the subject in (history over). */
async function joinedRoom(): Promise<Harness> {
  const h = await startJoin();
  answerJoin(h.conn);
  await h.joined;
  h.conn.receive(SUBJECT);
  h.conn.takeSent();
  return h;
}

const isJoin = (s: Element): boolean => s.is("presence") && s.attrs.type === undefined && s.getChild("x", MUC) !== undefined;

const SUBJECT = `<message from='${ROOM}/firstwitch' to='${ME}' type='groupchat' id='subj'><subject>Fire Burn and Cauldron Bubble!</subject>
  <delay xmlns='urn:xmpp:delay' from='${ROOM}' stamp='1610-04-20T00:00:00Z'/></message>`;

interface MessageOptions {
  nick?: string;
  id?: string;
  stanzaId?: string;
  originId?: string;
  occupantId?: string;
  stamp?: string;
  /** Other children (a correction, reactions). */
  extra?: string;
}

/** A groupchat message from the room; `body: undefined` for one without a body. */
function groupchat(body: string | undefined, o: MessageOptions = {}): string {
  return `<message from='${ROOM}/${o.nick ?? "firstwitch"}' to='${ME}' type='groupchat'${o.id ? ` id='${o.id}'` : ""}>${
    body === undefined ? "" : `<body>${body}</body>`
  }${o.extra ?? ""}${o.originId ? `<origin-id xmlns='${SID}' id='${o.originId}'/>` : ""}${
    o.stanzaId ? `<stanza-id xmlns='${SID}' id='${o.stanzaId}' by='${ROOM}'/>` : ""
  }${o.occupantId ? `<occupant-id xmlns='urn:xmpp:occupant-id:0' id='${o.occupantId}'/>` : ""}${
    o.stamp ? `<delay xmlns='urn:xmpp:delay' from='${ROOM}' stamp='${o.stamp}'/>` : ""
  }</message>`;
}

/** XEP-0444 reactions to the message with stanza-id `target`. */
const reactions = (target: string, ...emojis: string[]): string =>
  `<reactions xmlns='urn:xmpp:reactions:0' id='${target}'>${emojis.map((e) => `<reaction>${e}</reaction>`).join("")}</reactions>`;

/** XEP-0308 correction of the message with id `target`. */
const correction = (target: string): string => `<replace xmlns='urn:xmpp:message-correct:0' id='${target}'/>`;

/** Drop the stream, start a new session, and answer the rejoin up to our self-presence (no subject yet). */
async function newSessionRejoined(h: Harness): Promise<void> {
  h.conn.drop();
  h.conn.newSession();
  await h.conn.nextSent(isJoin, 1_000);
  answerJoin(h.conn);
}

// ---------------------------------------------------------------------------

describe("de-duplication", () => {
  it("a live message repeated with the same room stanza-id is delivered once, whatever its id attribute", async () => {
    const h = await joinedRoom();
    h.conn.receive(groupchat("Thrice the brinded cat hath mew'd.", { id: "m1", stanzaId: "sid-1" }));
    h.conn.receive(groupchat("Thrice the brinded cat hath mew'd.", { id: "m1", stanzaId: "sid-1" }));
    h.conn.receive(groupchat("Thrice the brinded cat hath mew'd.", { id: "other-id", stanzaId: "sid-1" }));
    h.conn.receive(groupchat("Thrice and once the hedge-pig whined.", { id: "m2", stanzaId: "sid-2" }));
    expect(h.messages.map((m) => [m.stanzaId, m.body, m.history])).toEqual([
      ["sid-1", "Thrice the brinded cat hath mew'd.", false],
      ["sid-2", "Thrice and once the hedge-pig whined.", false],
    ]);
  });

  it("a stanza-id claimed by someone other than the room does not make a message a duplicate", async () => {
    const h = await joinedRoom();
    h.conn.receive(groupchat("one", { id: "m1", stanzaId: "sid-1" }));
    h.conn.receive(`<message from='${ROOM}/firstwitch' to='${ME}' type='groupchat' id='m2'><body>two</body>
      <stanza-id xmlns='${SID}' id='sid-1' by='crone1@shakespeare.lit'/></message>`);
    expect(h.messages.map((m) => m.body)).toEqual(["one", "two"]);
  });

  it("the history of a rejoin repeating messages already seen (same stanza-ids) is dropped; what was missed is delivered as history", async () => {
    const h = await joinedRoom();
    h.conn.receive(groupchat("one", { id: "a", stanzaId: "sid-1", occupantId: FIRSTWITCH_OCCUPANT_ID }));
    h.conn.receive(groupchat("two", { nick: "secondwitch", id: "b", stanzaId: "sid-2" }));
    await newSessionRejoined(h);
    h.conn.receive(groupchat("one", { id: "a", stanzaId: "sid-1", occupantId: FIRSTWITCH_OCCUPANT_ID, stamp: "2030-01-01T00:00:00Z" }));
    h.conn.receive(groupchat("two", { nick: "secondwitch", id: "rewritten", stanzaId: "sid-2", stamp: "2030-01-01T00:00:01Z" }));
    h.conn.receive(groupchat("three (while away)", { id: "c", stanzaId: "sid-3", stamp: "2030-01-01T00:00:02Z" }));
    h.conn.receive(SUBJECT);
    // The room's archive holds nothing the history does not (see archive-fill.test.ts).
    await answerArchive(h.conn);
    h.conn.receive(groupchat("four (live)", { id: "d", stanzaId: "sid-4" }));
    expect(h.messages.map((m) => [m.stanzaId, m.body, m.history])).toEqual([
      ["sid-1", "one", false],
      ["sid-2", "two", false],
      ["sid-3", "three (while away)", true],
      ["sid-4", "four (live)", false],
    ]);
  });

  it("a rejoin's history of 2,000 messages seen before, each known by a stanza-id and an origin-id, is dropped whole: the room remembers messages, not keys", async () => {
    const h = await joinedRoom();
    const message = (i: number, stamp?: string): string =>
      groupchat(`m-${i}`, { nick: i % 2 ? "secondwitch" : "firstwitch", id: `id-${i}`, originId: `origin-${i}`, stanzaId: `sid-${i}`, ...(stamp ? { stamp } : {}) });
    for (let i = 0; i < 2_000; i++) h.conn.receive(message(i));
    await newSessionRejoined(h);
    for (let i = 0; i < 2_000; i++) h.conn.receive(message(i, "2030-01-01T00:00:00Z"));
    h.conn.receive(SUBJECT);
    await answerArchive(h.conn);
    h.conn.receive(groupchat("live", { id: "live", stanzaId: "sid-live" }));
    expect(h.messages).toHaveLength(2_001);
    expect(h.messages.filter((m) => m.history)).toEqual([]);
    // The 2,001st message delivered pushed the first out: a repeat of it is new again; a recent one is not.
    h.conn.receive(message(0));
    expect(h.messages.at(-1)?.body).toBe("m-0");
    h.conn.receive(message(1_999));
    expect(h.messages).toHaveLength(2_002);
  });

  it("a rejoin asks for at most 1,000 messages of history, of the seconds since the last one seen", async () => {
    const h = await joinedRoom();
    h.conn.receive(groupchat("one", { id: "a", stanzaId: "sid-1" }));
    h.conn.drop();
    h.conn.newSession();
    const rejoin = await h.conn.nextSent(isJoin, 1_000);
    const history = rejoin.getChild("x", MUC)?.getChild("history");
    expect(history?.attrs.maxstanzas).toBe("1000");
    // The margin's 60 s, and at most a second of this test.
    expect(["60", "61"]).toContain(history?.attrs.seconds);
    expect(history?.attrs.since).toBeUndefined();
  });

  it("our own message reflected again with the same origin-id and a new stanza-id is delivered once", async () => {
    const h = await joinedRoom();
    const sent = await h.room.sendMessage("Fillet of a fenny snake");
    const originId = String(sent.getChild("origin-id", SID)?.attrs.id);
    const id = String(sent.attrs.id);
    h.conn.receive(groupchat("Fillet of a fenny snake", { nick: NICK, id, originId, stanzaId: "sid-first", occupantId: MY_OCCUPANT_ID }));
    // The room stored a resend of it under a new stanza-id and passes it on again.
    h.conn.receive(groupchat("Fillet of a fenny snake", { nick: NICK, id, originId, stanzaId: "sid-resent", occupantId: MY_OCCUPANT_ID }));
    expect(h.messages.map((m) => [m.stanzaId, m.own])).toEqual([["sid-first", true]]);
  });

  it("our resend after a new session, reflected with a new stanza-id after the history showed it, is delivered once", async () => {
    const h = await joinedRoom();
    h.conn.ack();
    const sent = await h.room.sendMessage("In the cauldron boil and bake");
    const originId = String(sent.getChild("origin-id", SID)?.attrs.id);
    const id = String(sent.attrs.id);
    await newSessionRejoined(h);
    // The history shows it (so it is not resent) …
    h.conn.receive(groupchat("In the cauldron boil and bake", { nick: NICK, id, originId, stanzaId: "sid-orig", occupantId: MY_OCCUPANT_ID, stamp: "2030-01-01T00:00:00Z" }));
    h.conn.receive(SUBJECT);
    await flush();
    expect(h.conn.takeSent().filter((s) => s.is("message"))).toEqual([]);
    // … and a copy of it with another stanza-id (another client of ours resent it) is not delivered twice.
    h.conn.receive(groupchat("In the cauldron boil and bake", { nick: NICK, id: "x", originId, stanzaId: "sid-copy", occupantId: MY_OCCUPANT_ID }));
    expect(h.messages.map((m) => [m.stanzaId, m.history, m.own])).toEqual([["sid-orig", true, true]]);
  });

  it("without occupant-ids, a repeat with the same origin-id from the same nick is dropped; from another nick it is delivered", async () => {
    const h = await joinedRoom();
    h.conn.receive(groupchat("Eye of newt", { nick: "secondwitch", id: "n1", originId: "origin-1", stanzaId: "sid-n1" }));
    h.conn.receive(groupchat("Eye of newt", { nick: "secondwitch", id: "n1", originId: "origin-1", stanzaId: "sid-n2" }));
    h.conn.receive(groupchat("Eye of newt", { nick: "firstwitch", id: "n1", originId: "origin-1", stanzaId: "sid-n3" }));
    expect(h.messages.map((m) => [m.nick, m.stanzaId])).toEqual([
      ["secondwitch", "sid-n1"],
      ["firstwitch", "sid-n3"],
    ]);
  });

  it("a reaction (no body) repeated with the same stanza-id is reported once by onMessageChange, live or in a rejoin's history", async () => {
    const h = await joinedRoom();
    h.conn.receive(groupchat("toe of frog", { id: "t1", stanzaId: "sid-target" }));
    const reaction = { nick: "secondwitch", id: "r1", stanzaId: "sid-r1", extra: reactions("sid-target", "🐸") };
    h.conn.receive(groupchat(undefined, reaction));
    h.conn.receive(groupchat(undefined, reaction));
    h.conn.receive(groupchat(undefined, { ...reaction, id: "r2", stanzaId: "sid-r2", extra: reactions("sid-target", "🐸", "🔥") }));
    await newSessionRejoined(h);
    h.conn.receive(groupchat(undefined, { ...reaction, stamp: "2030-01-01T00:00:00Z" }));
    h.conn.receive(SUBJECT);
    expect(h.changes.map((c) => [c.kind, c.stanzaId, c.kind === "reactions" ? c.reactions : undefined])).toEqual([
      ["reactions", "sid-r1", ["🐸"]],
      ["reactions", "sid-r2", ["🐸", "🔥"]],
    ]);
    // Reactions have no body: no `message` event, only the reacted-to message.
    expect(h.messages.map((m) => m.stanzaId)).toEqual(["sid-target"]);
  });

  it("a correction (with a body) repeated with the same stanza-id reaches neither the message event nor onMessageChange twice", async () => {
    const h = await joinedRoom();
    const fix = { nick: "secondwitch", id: "c1", stanzaId: "sid-c1", extra: correction("orig-1") };
    h.conn.receive(groupchat("Adder's fork", fix));
    h.conn.receive(groupchat("Adder's fork", fix));
    expect(h.messages.map((m) => m.stanzaId)).toEqual(["sid-c1"]);
    expect(h.changes.map((c) => [c.kind, c.stanzaId])).toEqual([["correction", "sid-c1"]]);
  });
});

describe("history: one rule for the room and onMessageChange", () => {
  it("a delayed message after the subject is live: history false in the room event and in onMessageChange", async () => {
    const h = await joinedRoom();
    h.conn.receive(
      groupchat("and blind-worm's sting", { nick: "secondwitch", id: "late", stanzaId: "sid-late", stamp: "2030-01-01T00:00:00Z", extra: correction("orig-2") }),
    );
    expect(h.messages.map((m) => [m.stanzaId, m.history, m.delay?.toISOString()])).toEqual([["sid-late", false, "2030-01-01T00:00:00.000Z"]]);
    expect(h.changes.map((c) => [c.kind, c.stanzaId, c.history])).toEqual([["correction", "sid-late", false]]);
  });

  it("before the subject: history until our self-presence; after it, only with a delay; the subject ends it", async () => {
    const h = await startJoin();
    const fix = (id: string, stamp?: string): string =>
      groupchat(`fixed ${id}`, { nick: "secondwitch", id, stanzaId: `sid-${id}`, extra: correction(`orig-${id}`), ...(stamp ? { stamp } : {}) });
    h.conn.receive(fix("before-self"));
    answerJoin(h.conn);
    await h.joined;
    h.conn.receive(fix("after-self"));
    h.conn.receive(fix("after-self-delayed", "2030-01-01T00:00:00Z"));
    h.conn.receive(SUBJECT);
    h.conn.receive(fix("after-subject"));
    h.conn.receive(fix("after-subject-delayed", "2030-01-01T00:00:01Z"));
    const expected = [
      ["sid-before-self", true],
      ["sid-after-self", false],
      ["sid-after-self-delayed", true],
      ["sid-after-subject", false],
      ["sid-after-subject-delayed", false],
    ];
    expect(h.messages.map((m) => [m.stanzaId, m.history])).toEqual(expected);
    expect(h.changes.map((c) => [c.stanzaId, c.history])).toEqual(expected);
  });

  it("after a new session: with a delay until the subject, history; live messages before the rejoin's self-presence wait for the history's end, and what follows them waits behind them", async () => {
    const h = await joinedRoom();
    h.conn.drop();
    h.conn.newSession();
    await h.conn.nextSent(isJoin, 1_000);
    const react = (id: string, stamp?: string): string =>
      groupchat(undefined, { nick: "secondwitch", id, stanzaId: `sid-${id}`, extra: reactions("sid-target", "👍"), ...(stamp ? { stamp } : {}) });
    h.conn.receive(react("before-self"));
    answerJoin(h.conn);
    h.conn.receive(react("after-self"));
    h.conn.receive(react("after-self-delayed", "2030-01-01T00:00:00Z"));
    h.conn.receive(SUBJECT);
    h.conn.receive(react("after-subject-delayed", "2030-01-01T00:00:01Z"));
    expect(h.changes.map((c) => [c.stanzaId, c.history])).toEqual([
      ["sid-after-self-delayed", true],
      ["sid-before-self", false],
      ["sid-after-self", false],
      ["sid-after-subject-delayed", false],
    ]);
  });
});
