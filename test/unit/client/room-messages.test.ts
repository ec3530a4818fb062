/**
 * Room messages as transcripts over the mock connection, through the public
 * surface only: groupchat messages (live and history) and every field of the
 * `message` payload, the subject (initial, changed, from the room itself,
 * `setSubject`), private messages, tracked messages through every state
 * (XEP-0198 ack, reflection matched by XEP-0359 origin-id or id, error,
 * timeout, abort), voice requests (XEP-0045 §7.13) and presence changes
 * (§7.7).
 *
 * Fixtures follow the examples of XEP-0045 (version 1.35.x), XEP-0359 and
 * XEP-0421.
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import type { Element } from "@xmpp/xml";
import {
  MessageState,
  MucService,
  LeaveMode,
  requestVoice,
  type MessageStateChange,
  type MessageTracker,
  type Room,
  type RoomEvents,
} from "../../../src/index.js";
import { MockConnection } from "../../../src/testing/index.js";
import { flush } from "./room-presence-helpers.js";

const ROOM = "coven@chat.shakespeare.lit";
const ME = "hag66@shakespeare.lit/pda";
const NICK = "thirdwitch";
const MUC_USER = "http://jabber.org/protocol/muc#user";
const SID = "urn:xmpp:sid:0";
const DATA = "jabber:x:data";
const OCCUPANT_ID_OF_ME = "dd72603deec90a38ba552f7c68cbcc61bca202cd";

// ---------------------------------------------------------------------------
// Helpers

type Recorded = { [K in keyof RoomEvents]: { name: K; payload: RoomEvents[K] } }[keyof RoomEvents];

const EVENT_NAMES: readonly (keyof RoomEvents)[] = [
  "enter",
  "exit",
  "suspend",
  "resume",
  "join",
  "leave",
  "nickChange",
  "roleChange",
  "affiliationChange",
  "statusChange",
  "subjectChange",
  "message",
  "privateMessage",
  "configChange",
];

/** Record every event of a room, in order. */
function recordAll(room: Room): Recorded[] {
  const seen: Recorded[] = [];
  for (const name of EVENT_NAMES) {
    room.on(name, (payload: RoomEvents[typeof name]) => seen.push({ name, payload } as Recorded));
  }
  return seen;
}

/** The payloads of one event among the recorded ones. */
function payloadsOf<K extends keyof RoomEvents>(seen: Recorded[], name: K): RoomEvents[K][] {
  return seen.filter((r) => r.name === name).map((r) => r.payload as RoomEvents[K]);
}

/** Record every state change of a tracker. */
function recordStates(tracker: MessageTracker): MessageStateChange[] {
  const changes: MessageStateChange[] = [];
  tracker.on("stateChange", (c) => changes.push(c));
  return changes;
}

function presenceOf(nick: string, affiliation: string, role: string, extra = ""): string {
  return `<presence from='${ROOM}/${nick}' to='${ME}'><x xmlns='${MUC_USER}'><item affiliation='${affiliation}' role='${role}'/>${extra}</x></presence>`;
}

function isPresence(s: Element): boolean {
  return s.is("presence");
}

function isGroupchat(s: Element): boolean {
  return s.is("message") && s.attrs.type === "groupchat";
}

interface Joined {
  conn: MockConnection;
  muc: MucService;
  room: Room;
  seen: Recorded[];
}

let services: MucService[] = [];

function newService(options: ConstructorParameters<typeof MucService>[1] = {}): { conn: MockConnection; muc: MucService } {
  const conn = new MockConnection({ jid: ME });
  const muc = new MucService(conn, { selfPing: false, ...options });
  services.push(muc);
  return { conn, muc };
}

/**
 * Join the room: firstwitch (owner, moderator) and secondwitch (admin,
 * moderator) are there; we are thirdwitch, a member, with an XEP-0421
 * occupant id. Stops before the history and the subject.
 */
async function joinRoom(options: { service?: ConstructorParameters<typeof MucService>[1]; subject?: string } = {}): Promise<Joined> {
  const { conn, muc } = newService(options.service);
  const { room, joined } = muc.join(ROOM, NICK);
  const seen = recordAll(room);
  await conn.nextSent(isPresence, 1_000);
  conn.receive(presenceOf("firstwitch", "owner", "moderator"));
  conn.receive(presenceOf("secondwitch", "admin", "moderator"));
  conn.receive(`<presence from='${ROOM}/${NICK}' to='${ME}'>
    <x xmlns='${MUC_USER}'><item affiliation='member' role='participant'/><status code='110'/></x>
    <occupant-id xmlns='urn:xmpp:occupant-id:0' id='${OCCUPANT_ID_OF_ME}'/></presence>`);
  await joined;
  if (options.subject !== undefined) {
    conn.receive(`<message from='${ROOM}/secondwitch' id='F437C672-D438-4BD3-9BFF-091050D32EE2' to='${ME}' type='groupchat'>
      <subject>${options.subject}</subject>
      <delay xmlns='urn:xmpp:delay' from='${ROOM}' stamp='1610-04-20T00:00:00Z'/></message>`);
  }
  conn.takeSent();
  return { conn, muc, room, seen };
}

afterEach(() => {
  for (const muc of services) muc.close();
  services = [];
  vi.useRealTimers();
});

// ---------------------------------------------------------------------------

describe("groupchat messages", () => {
  it("history (with delay, before the initial subject) and live messages (after it) are told apart", async () => {
    const { conn, seen } = await joinRoom();
    // XEP-0045 §7.2.14, Example 'Delivery of Discussion History'.
    conn.receive(`<message from='${ROOM}/firstwitch' id='162BEBB1-F6DB-4D9A-9BD8-CFDCC801A0B2' to='${ME}' type='groupchat'>
      <body>Thrice the brinded cat hath mew'd.</body>
      <delay xmlns='urn:xmpp:delay' from='${ROOM}' stamp='2002-10-13T23:58:37Z'/></message>`);
    conn.receive(`<message from='${ROOM}/secondwitch' id='90057840-30FD-4141-AA44-103EEDF218FC' to='${ME}' type='groupchat'>
      <body>Thrice and once the hedge-pig whined.</body>
      <delay xmlns='urn:xmpp:delay' from='${ROOM}' stamp='2002-10-13T23:58:43Z'/></message>`);
    // XEP-0045 §7.2.15, Example 'Service Informs New Occupant of Room Subject'.
    conn.receive(`<message from='${ROOM}/secondwitch' id='F437C672-D438-4BD3-9BFF-091050D32EE2' to='${ME}' type='groupchat'>
      <subject>Fire Burn and Cauldron Bubble!</subject>
      <delay xmlns='urn:xmpp:delay' from='${ROOM}' stamp='1610-04-20T00:00:00Z'/></message>`);
    conn.receive(`<message from='${ROOM}/firstwitch' id='live1' to='${ME}' type='groupchat'><body>Harpier cries: 'tis time, 'tis time.</body></message>`);
    // A live message the server delivered late (delayed) is still live: it comes after the subject.
    conn.receive(`<message from='${ROOM}/firstwitch' id='live2' to='${ME}' type='groupchat'><body>Late.</body>
      <delay xmlns='urn:xmpp:delay' from='capulet.lit' stamp='2030-01-01T00:00:00Z'/></message>`);

    const order = seen.filter((r) => r.name === "message" || r.name === "subjectChange").map((r) => r.name);
    expect(order).toEqual(["message", "message", "subjectChange", "message", "message"]);
    const messages = payloadsOf(seen, "message");
    expect(messages.map((m) => [m.nick, m.body, m.history])).toEqual([
      ["firstwitch", "Thrice the brinded cat hath mew'd.", true],
      ["secondwitch", "Thrice and once the hedge-pig whined.", true],
      ["firstwitch", "Harpier cries: 'tis time, 'tis time.", false],
      ["firstwitch", "Late.", false],
    ]);
    expect(messages[0]?.delay?.toISOString()).toBe("2002-10-13T23:58:37.000Z");
    expect(messages[2]?.delay).toBeUndefined();
    expect(messages[3]?.delay?.toISOString()).toBe("2030-01-01T00:00:00.000Z");
  });

  it("a message without delay before the subject is live, not history", async () => {
    const { conn, seen } = await joinRoom();
    conn.receive(`<message from='${ROOM}/firstwitch' id='early' to='${ME}' type='groupchat'><body>Early bird.</body></message>`);
    const [m] = payloadsOf(seen, "message");
    expect(m?.history).toBe(false);
  });

  it("carries every field: nick, occupant, bodies by xml:lang, id, origin-id, the room's stanza-id only, occupant-id, delay, own", async () => {
    const { conn, room, seen } = await joinRoom({ subject: "Fire Burn and Cauldron Bubble!" });
    // XEP-0359 Example 3 and XEP-0421 Example 6 merged, with a foreign stanza-id first.
    const stanza = conn.receive(`<message from='${ROOM}/firstwitch' id='hysf1v37' to='${ME}' type='groupchat'>
      <body>Harpier cries: 'tis time, 'tis time.</body>
      <body xml:lang='de'>Harpier schreit: es ist Zeit.</body>
      <stanza-id xmlns='${SID}' id='not-the-room' by='hag66@shakespeare.lit'/>
      <stanza-id xmlns='${SID}' id='5f3dbc5e-e1d3-4077-a492-693f3769c7ad' by='${ROOM}'/>
      <origin-id xmlns='${SID}' id='de305d54-75b4-431b-adb2-eb6b9e546013'/>
      <occupant-id xmlns='urn:xmpp:occupant-id:0' id='a1b2c3'/></message>`);
    const [m] = payloadsOf(seen, "message");
    expect(m).toBeDefined();
    expect(m?.room).toBe(room);
    expect(m?.nick).toBe("firstwitch");
    expect(m?.occupant).toBe(room.getOccupant("firstwitch"));
    expect(m?.body).toBe("Harpier cries: 'tis time, 'tis time.");
    expect(m?.bodies).toEqual({ "": "Harpier cries: 'tis time, 'tis time.", de: "Harpier schreit: es ist Zeit." });
    expect(m?.id).toBe("hysf1v37");
    expect(m?.originId).toBe("de305d54-75b4-431b-adb2-eb6b9e546013");
    expect(m?.stanzaId).toBe("5f3dbc5e-e1d3-4077-a492-693f3769c7ad");
    expect(m?.occupantId).toBe("a1b2c3");
    expect(m?.delay).toBeUndefined();
    expect(m?.history).toBe(false);
    expect(m?.own).toBe(false);
    expect(m?.tracker).toBeUndefined();
    expect(m?.stanza).toBe(stanza);
  });

  it("a stanza-id assigned by someone else than the room is not the message's stanzaId", async () => {
    const { conn, seen } = await joinRoom({ subject: "s" });
    conn.receive(`<message from='${ROOM}/firstwitch' id='x1' to='${ME}' type='groupchat'><body>hi</body>
      <stanza-id xmlns='${SID}' id='forged' by='darkcave@chat.shakespeare.lit'/></message>`);
    expect(payloadsOf(seen, "message")[0]?.stanzaId).toBeUndefined();
  });

  it("a message from someone no longer in the room has a nick but no occupant; a message from the room has neither", async () => {
    const { conn, seen } = await joinRoom();
    conn.receive(`<message from='${ROOM}/hecate' id='h9' to='${ME}' type='groupchat'><body>I was here.</body>
      <delay xmlns='urn:xmpp:delay' from='${ROOM}' stamp='2002-10-13T23:58:00Z'/></message>`);
    conn.receive(`<message from='${ROOM}' id='r1' to='${ME}' type='groupchat'><body>This room is being logged.</body></message>`);
    const [fromGone, fromRoom] = payloadsOf(seen, "message");
    expect(fromGone?.nick).toBe("hecate");
    expect(fromGone?.occupant).toBeUndefined();
    expect(fromRoom?.nick).toBeUndefined();
    expect(fromRoom?.occupant).toBeUndefined();
    expect(fromRoom?.own).toBe(false);
  });

  it("our own reflected message is `own`; others' are not", async () => {
    const { conn, seen } = await joinRoom({ subject: "s" });
    // XEP-0045 §7.4, Example 'Service Reflects Message to All Occupants'.
    conn.receive(`<message from='${ROOM}/${NICK}' id='hysf1v37' to='${ME}' type='groupchat'><body>Harpier cries: 'tis time, 'tis time.</body></message>`);
    conn.receive(`<message from='${ROOM}/secondwitch' id='other' to='${ME}' type='groupchat'><body>Aye.</body></message>`);
    expect(payloadsOf(seen, "message").map((m) => [m.nick, m.own])).toEqual([
      [NICK, true],
      ["secondwitch", false],
    ]);
  });

  it("two different live messages with the same text from the same occupant, without any id, are both delivered", async () => {
    const { conn, seen } = await joinRoom({ subject: "s" });
    conn.receive(`<message from='${ROOM}/firstwitch' to='${ME}' type='groupchat'><body>ok</body></message>`);
    conn.receive(`<message from='${ROOM}/firstwitch' to='${ME}' type='groupchat'><body>ok</body></message>`);
    expect(payloadsOf(seen, "message").map((m) => m.body)).toEqual(["ok", "ok"]);
  });

  it("two different live messages that reuse one id are both delivered (ids are chosen by senders and not unique)", async () => {
    const { conn, seen } = await joinRoom({ subject: "s" });
    conn.receive(`<message from='${ROOM}/firstwitch' id='1' to='${ME}' type='groupchat'><body>first</body></message>`);
    conn.receive(`<message from='${ROOM}/firstwitch' id='1' to='${ME}' type='groupchat'><body>second</body></message>`);
    expect(payloadsOf(seen, "message").map((m) => m.body)).toEqual(["first", "second"]);
  });

  it("sendMessage sends a groupchat message to the room's bare JID with an origin-id", async () => {
    const { conn, room } = await joinRoom({ subject: "s" });
    const sent = await room.sendMessage("Harpier cries: 'tis time, 'tis time.");
    const wire = await conn.nextSent(isGroupchat, 1_000);
    expect(wire).toBe(sent);
    expect(wire.attrs.to).toBe(ROOM);
    expect(wire.attrs.type).toBe("groupchat");
    expect(typeof wire.attrs.id).toBe("string");
    expect(wire.getChildText("body")).toBe("Harpier cries: 'tis time, 'tis time.");
    expect(wire.getChild("origin-id", SID)?.attrs.id).toEqual(expect.any(String));
  });
});

describe("subject", () => {
  it("the initial subject has `initial: true`; a later change has `initial: false` and its setter", async () => {
    const { conn, room, seen } = await joinRoom();
    conn.receive(`<message from='${ROOM}/secondwitch' id='F437C672-D438-4BD3-9BFF-091050D32EE2' to='${ME}' type='groupchat'>
      <subject>Fire Burn and Cauldron Bubble!</subject>
      <delay xmlns='urn:xmpp:delay' from='${ROOM}' stamp='1610-04-20T00:00:00Z'/></message>`);
    // XEP-0045 §8.1, Example 'Service Informs All Occupants of Subject Change' (from firstwitch here).
    conn.receive(`<message from='${ROOM}/firstwitch' id='5BCE07C5-0729-4353-A6A3-ED9818C9B498' to='${ME}' type='groupchat'>
      <subject>Double, double toil and trouble</subject></message>`);

    const [initial, change] = payloadsOf(seen, "subjectChange");
    expect(initial).toMatchObject({ subject: "Fire Burn and Cauldron Bubble!", initial: true, setterNick: "secondwitch" });
    expect(initial?.setter).toBe(room.getOccupant("secondwitch"));
    expect(initial?.delay?.toISOString()).toBe("1610-04-20T00:00:00.000Z");
    expect(change).toMatchObject({ subject: "Double, double toil and trouble", initial: false, setterNick: "firstwitch" });
    expect(change?.setter).toBe(room.getOccupant("firstwitch"));
    expect(change?.delay).toBeUndefined();
    expect(room.subject).toBe("Double, double toil and trouble");
    expect(room.subjectSetter).toBe("firstwitch");
    expect(payloadsOf(seen, "message")).toHaveLength(0);
  });

  it.each([
    ["<subject></subject>", "empty element with end tag (XEP-0045 Example 'No Subject')"],
    ["<subject/>", "self-closing element"],
  ])("an empty initial subject %s is still the initial subject (%s)", async (subjectXml) => {
    const { conn, room, seen } = await joinRoom();
    conn.receive(`<message from='${ROOM}/secondwitch' id='F437C672-D438-4BD3-9BFF-091050D32EE2' to='${ME}' type='groupchat'>${subjectXml}</message>`);
    const changes = payloadsOf(seen, "subjectChange");
    expect(changes).toHaveLength(1);
    expect(changes[0]).toMatchObject({ subject: "", initial: true });
    expect(room.subject).toBe("");
    // What follows is live.
    conn.receive(`<message from='${ROOM}/firstwitch' id='l' to='${ME}' type='groupchat'><body>now</body>
      <delay xmlns='urn:xmpp:delay' from='${ROOM}' stamp='2002-10-13T23:58:37Z'/></message>`);
    expect(payloadsOf(seen, "message")[0]?.history).toBe(false);
  });

  it("a subject from the bare room JID has no setter", async () => {
    const { conn, room, seen } = await joinRoom({ subject: "old" });
    conn.receive(`<message from='${ROOM}' id='rs1' to='${ME}' type='groupchat'><subject>Set by the service</subject></message>`);
    const change = payloadsOf(seen, "subjectChange").at(-1);
    expect(change).toMatchObject({ subject: "Set by the service", initial: false, setterNick: undefined, setter: undefined });
    expect(room.subject).toBe("Set by the service");
    expect(room.subjectSetter).toBeUndefined();
  });

  it("subjects by xml:lang", async () => {
    const { conn, room } = await joinRoom();
    conn.receive(`<message from='${ROOM}/secondwitch' id='s' to='${ME}' type='groupchat'>
      <subject>Fire Burn and Cauldron Bubble!</subject><subject xml:lang='de'>Feuer brenne, Kessel brodle!</subject></message>`);
    expect(room.subject).toBe("Fire Burn and Cauldron Bubble!");
    expect(room.subjects).toEqual({ "": "Fire Burn and Cauldron Bubble!", de: "Feuer brenne, Kessel brodle!" });
  });

  it("a message with both a subject and a body is a message, not a subject change (XEP-0045 §8.1 note)", async () => {
    const { conn, room, seen } = await joinRoom({ subject: "Fire Burn and Cauldron Bubble!" });
    const before = payloadsOf(seen, "subjectChange").length;
    conn.receive(`<message from='${ROOM}/firstwitch' id='sb' to='${ME}' type='groupchat'>
      <subject>Not a new subject</subject><body>Just talking.</body></message>`);
    expect(payloadsOf(seen, "subjectChange")).toHaveLength(before);
    expect(room.subject).toBe("Fire Burn and Cauldron Bubble!");
    expect(payloadsOf(seen, "message").map((m) => m.body)).toEqual(["Just talking."]);
  });

  it("setSubject sends the XEP-0045 §8.1 message and resolves when the room reflects it (with a rewritten id)", async () => {
    const { conn, room, seen } = await joinRoom({ subject: "old" });
    let settled = false;
    const done = room.setSubject("Fire Burn and Cauldron Bubble!").then(() => {
      settled = true;
    });
    const sent = await conn.nextSent((s) => s.is("message"), 1_000);
    expect(sent.attrs.to).toBe(ROOM);
    expect(sent.attrs.type).toBe("groupchat");
    expect(sent.getChildText("subject")).toBe("Fire Burn and Cauldron Bubble!");
    expect(sent.getChild("body")).toBeUndefined();
    await Promise.resolve();
    expect(settled).toBe(false);
    conn.receive(`<message from='${ROOM}/${NICK}' id='5BCE07C5-0729-4353-A6A3-ED9818C9B498' to='${ME}' type='groupchat'>
      <subject>Fire Burn and Cauldron Bubble!</subject></message>`);
    await done;
    expect(room.subject).toBe("Fire Burn and Cauldron Bubble!");
    expect(room.subjectSetter).toBe(NICK);
    expect(payloadsOf(seen, "subjectChange").at(-1)).toMatchObject({ initial: false, setterNick: NICK, setter: room.me });
  });

  it("setSubject to the current subject resolves at once and sends nothing (servers do not re-broadcast it)", async () => {
    const { conn, room } = await joinRoom({ subject: "old" });
    conn.takeSent();
    await expect(room.setSubject("old")).resolves.toBeUndefined();
    expect(conn.takeSent().filter((s) => s.is("message"))).toEqual([]);
  });

  it("setSubject resolves on a reflection from the bare room JID with the same id", async () => {
    const { conn, room } = await joinRoom({ subject: "old" });
    const done = room.setSubject("");
    const sent = await conn.nextSent((s) => s.is("message"), 1_000);
    conn.receive(`<message from='${ROOM}' id='${String(sent.attrs.id)}' to='${ME}' type='groupchat'><subject/></message>`);
    await expect(done).resolves.toBeUndefined();
    expect(room.subject).toBe("");
  });

  it("setSubject rejects with XMPPError forbidden on an error message with the same id; the subject stays", async () => {
    const { conn, room } = await joinRoom({ subject: "old" });
    const done = room.setSubject("Fire Burn and Cauldron Bubble!");
    const sent = await conn.nextSent((s) => s.is("message"), 1_000);
    // XEP-0045 §8.1, Example 'Service Returns Error Related to Unauthorized Subject Change'.
    conn.receive(`<message from='${ROOM}' id='${String(sent.attrs.id)}' to='${ME}' type='error'>
      <subject>Fire Burn and Cauldron Bubble!</subject>
      <error by='${ROOM}' type='auth'><forbidden xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></message>`);
    await expect(done).rejects.toMatchObject({ name: "XMPPError", condition: "forbidden", type: "auth" });
    expect(room.subject).toBe("old");
  });

  it("setSubject ignores an error with another id, and times out", async () => {
    const { conn, room } = await joinRoom({ subject: "old" });
    const done = room.setSubject("new", { timeout: 100 });
    await conn.nextSent((s) => s.is("message"), 1_000);
    conn.receive(`<message from='${ROOM}' id='someone-else' to='${ME}' type='error'>
      <error type='auth'><forbidden xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></message>`);
    await expect(done).rejects.toMatchObject({ name: "TimeoutError" });
  });
});

describe("private messages", () => {
  it("a chat message from an occupant JID with muc#user x is a privateMessage, not a message", async () => {
    const { conn, room, seen } = await joinRoom({ subject: "s" });
    // XEP-0045 §7.5, Example 'Recipient Receives the Private Message'.
    const stanza = conn.receive(`<message from='${ROOM}/secondwitch' id='hgn27af1' to='${ME}' type='chat'>
      <body>I'll give thee a wind.</body><x xmlns='${MUC_USER}' /></message>`);
    const pms = payloadsOf(seen, "privateMessage");
    expect(pms).toHaveLength(1);
    expect(pms[0]).toMatchObject({ nick: "secondwitch", body: "I'll give thee a wind.", id: "hgn27af1", own: false, history: false });
    expect(pms[0]?.occupant).toBe(room.getOccupant("secondwitch"));
    expect(pms[0]?.stanza).toBe(stanza);
    expect(payloadsOf(seen, "message")).toHaveLength(0);
  });

  it("sendPrivateMessage sends a chat message with muc#user x to the occupant JID (XEP-0045 §7.5)", async () => {
    const { conn, room } = await joinRoom({ subject: "s" });
    const returned = await room.sendPrivateMessage("firstwitch", "I'll give thee a wind.");
    const sent = await conn.nextSent((s) => s.is("message"), 1_000);
    expect(sent).toBe(returned);
    expect(sent.attrs.to).toBe(`${ROOM}/firstwitch`);
    expect(sent.attrs.type).toBe("chat");
    expect(sent.getChildText("body")).toBe("I'll give thee a wind.");
    expect(sent.getChild("x", MUC_USER)).toBeDefined();
  });

  it("sendPrivateMessage rejects with MucStateError before joining and for an invalid nick", async () => {
    const { conn, muc } = newService();
    const { room } = muc.join(ROOM, NICK);
    await expect(room.sendPrivateMessage("firstwitch", "hi")).rejects.toMatchObject({ name: "MucStateError" });
    await conn.nextSent(isPresence, 1_000);
    conn.receive(presenceOf(NICK, "member", "participant", "<status code='110'/>"));
    await expect(room.sendPrivateMessage("", "hi")).rejects.toMatchObject({ name: "MucStateError" });
    await expect(room.sendPrivateMessage("bad\u0000nick", "hi")).rejects.toMatchObject({ name: "MucStateError" });
  });
});

// Some of these run under fake timers, where nextSent cannot time out by itself: bound them with a short test timeout.
describe("tracked messages", { timeout: 5_000 }, () => {
  it("IN_TRANSIT → DELIVERED_TO_SERVER (ack) → DELIVERED_TO_RECIPIENT (reflection matched by origin-id, id rewritten)", async () => {
    const { conn, room, seen } = await joinRoom({ subject: "s" });
    const tracker = room.sendTrackedMessage("Harpier cries: 'tis time, 'tis time.");
    expect(tracker.state).toBe(MessageState.IN_TRANSIT);
    const changes = recordStates(tracker);
    const sent = await conn.nextSent(isGroupchat, 1_000);
    expect(sent).toBe(tracker.stanza);
    const originId = sent.getChild("origin-id", SID)?.attrs.id as string;
    expect(originId).toEqual(expect.any(String));

    conn.ack();
    expect(tracker.state).toBe(MessageState.DELIVERED_TO_SERVER);

    const reflection = conn.receive(`<message from='${ROOM}/${NICK}' id='server-rewrote-it' to='${ME}' type='groupchat'>
      <body>Harpier cries: 'tis time, 'tis time.</body>
      <stanza-id xmlns='${SID}' id='5f3dbc5e-e1d3-4077-a492-693f3769c7ad' by='${ROOM}'/>
      <origin-id xmlns='${SID}' id='${originId}'/></message>`);
    expect(tracker.state).toBe(MessageState.DELIVERED_TO_RECIPIENT);
    expect(tracker.reflection).toBe(reflection);
    expect(tracker.stanzaId).toBe("5f3dbc5e-e1d3-4077-a492-693f3769c7ad");
    await expect(tracker.done).resolves.toBe(MessageState.DELIVERED_TO_RECIPIENT);
    expect(changes.map((c) => [c.previous, c.state])).toEqual([
      [MessageState.IN_TRANSIT, MessageState.DELIVERED_TO_SERVER],
      [MessageState.DELIVERED_TO_SERVER, MessageState.DELIVERED_TO_RECIPIENT],
    ]);
    const [m] = payloadsOf(seen, "message");
    expect(m).toMatchObject({ own: true, nick: NICK, body: "Harpier cries: 'tis time, 'tis time." });
    expect(m?.tracker).toBe(tracker);
  });

  it("a reflection without origin-id (dropped by the server) is matched by id", async () => {
    const { conn, room, seen } = await joinRoom({ subject: "s" });
    const tracker = room.sendTrackedMessage("hello");
    const sent = await conn.nextSent(isGroupchat, 1_000);
    conn.receive(`<message from='${ROOM}/${NICK}' id='${String(sent.attrs.id)}' to='${ME}' type='groupchat'><body>hello</body></message>`);
    expect(tracker.state).toBe(MessageState.DELIVERED_TO_RECIPIENT);
    expect(payloadsOf(seen, "message")[0]?.tracker).toBe(tracker);
    expect(payloadsOf(seen, "message")[0]?.own).toBe(true);
  });

  it("a reflection straight from IN_TRANSIT (no stream management ack) is delivered", async () => {
    const { conn, room } = await joinRoom({ subject: "s" });
    const tracker = room.sendTrackedMessage("hello");
    const changes = recordStates(tracker);
    const sent = await conn.nextSent(isGroupchat, 1_000);
    conn.receive(`<message from='${ROOM}/${NICK}' id='${String(sent.attrs.id)}' to='${ME}' type='groupchat'><body>hello</body>
      <origin-id xmlns='${SID}' id='${String(sent.getChild("origin-id", SID)?.attrs.id)}'/></message>`);
    expect(changes.map((c) => [c.previous, c.state])).toEqual([[MessageState.IN_TRANSIT, MessageState.DELIVERED_TO_RECIPIENT]]);
  });

  it("another occupant's message carrying our origin-id and id does not deliver the tracker", async () => {
    const { conn, room, seen } = await joinRoom({ subject: "s" });
    const tracker = room.sendTrackedMessage("hello", { timeout: 60_000 });
    const sent = await conn.nextSent(isGroupchat, 1_000);
    const originId = String(sent.getChild("origin-id", SID)?.attrs.id);
    conn.receive(`<message from='${ROOM}/firstwitch' id='${String(sent.attrs.id)}' to='${ME}' type='groupchat'><body>hello</body>
      <origin-id xmlns='${SID}' id='${originId}'/></message>`);
    expect(tracker.state).toBe(MessageState.IN_TRANSIT);
    expect(payloadsOf(seen, "message")[0]).toMatchObject({ own: false, tracker: undefined });
    tracker.close();
  });

  it("an error reply with the message's id → ERROR with the XMPPError", async () => {
    const { conn, room, seen } = await joinRoom({ subject: "s" });
    const tracker = room.sendTrackedMessage("I have no voice");
    const sent = await conn.nextSent(isGroupchat, 1_000);
    // XEP-0045 §7.4: a visitor in a moderated room gets <forbidden/>.
    conn.receive(`<message from='${ROOM}' id='${String(sent.attrs.id)}' to='${ME}' type='error'>
      <body>I have no voice</body>
      <error by='${ROOM}' type='auth'><forbidden xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/>
      <text xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'>You are a visitor</text></error></message>`);
    expect(tracker.state).toBe(MessageState.ERROR);
    expect(tracker.error).toMatchObject({ name: "XMPPError", condition: "forbidden", type: "auth", text: "You are a visitor" });
    await expect(tracker.done).resolves.toBe(MessageState.ERROR);
    expect(payloadsOf(seen, "message")).toHaveLength(0);
  });

  it("a send the connection rejects waits for the next stream: IN_TRANSIT, then written once the stream is resumed", async () => {
    const { conn, room } = await joinRoom({ subject: "s" });
    // MockConnection.send rejects when the connection is not online, as a real
    // one does; the stream dropped before any event reached the room.
    conn.status = "disconnect";
    const tracker = room.sendTrackedMessage("into the void", { timeout: 60_000 });
    await flush();
    expect(tracker.state).toBe(MessageState.IN_TRANSIT);
    expect(conn.sent.filter(isGroupchat)).toEqual([]);
    conn.resume();
    const sent = await conn.nextSent(isGroupchat, 1_000);
    expect(sent.getChildText("body")).toBe("into the void");
    expect(tracker.state).toBe(MessageState.IN_TRANSIT);
    tracker.close();
  });

  it("no reflection within the timeout → TIMED_OUT (fake timers)", async () => {
    vi.useFakeTimers();
    const { conn, room } = await joinRoom({ subject: "s" });
    const tracker = room.sendTrackedMessage("into the void", { timeout: 5_000 });
    await conn.nextSent(isGroupchat, 1_000);
    await vi.advanceTimersByTimeAsync(4_999);
    expect(tracker.state).toBe(MessageState.IN_TRANSIT);
    await vi.advanceTimersByTimeAsync(1);
    expect(tracker.state).toBe(MessageState.TIMED_OUT);
    await expect(tracker.done).resolves.toBe(MessageState.TIMED_OUT);
  });

  it("the service's trackerTimeout is the default timeout (fake timers)", async () => {
    vi.useFakeTimers();
    const { conn, room } = await joinRoom({ subject: "s", service: { trackerTimeout: 2_000 } });
    const tracker = room.sendTrackedMessage("into the void");
    await conn.nextSent(isGroupchat, 1_000);
    await vi.advanceTimersByTimeAsync(2_000);
    expect(tracker.state).toBe(MessageState.TIMED_OUT);
  });

  it("without any option a tracker times out after 120 s (fake timers)", async () => {
    vi.useFakeTimers();
    const { conn, room } = await joinRoom({ subject: "s" });
    const tracker = room.sendTrackedMessage("into the void");
    await conn.nextSent(isGroupchat, 1_000);
    await vi.advanceTimersByTimeAsync(119_999);
    expect(tracker.state).toBe(MessageState.IN_TRANSIT);
    await vi.advanceTimersByTimeAsync(1);
    expect(tracker.state).toBe(MessageState.TIMED_OUT);
  });

  it("leaving the room → ABORTED", async () => {
    const { conn, room } = await joinRoom({ subject: "s" });
    const tracker = room.sendTrackedMessage("last words");
    await conn.nextSent(isGroupchat, 1_000);
    conn.ack();
    const left = room.leave();
    await conn.nextSent((s) => s.is("presence") && s.attrs.type === "unavailable", 1_000);
    conn.receive(`<presence from='${ROOM}/${NICK}' to='${ME}' type='unavailable'>
      <x xmlns='${MUC_USER}'><item affiliation='member' jid='${ME}' role='none'/><status code='110'/></x></presence>`);
    await left;
    expect(tracker.state).toBe(MessageState.ABORTED);
    await expect(tracker.done).resolves.toBe(MessageState.ABORTED);
  });

  it("being kicked → ABORTED", async () => {
    const { conn, room, seen } = await joinRoom({ subject: "s" });
    const tracker = room.sendTrackedMessage("last words");
    await conn.nextSent(isGroupchat, 1_000);
    conn.receive(`<presence from='${ROOM}/${NICK}' to='${ME}' type='unavailable'>
      <x xmlns='${MUC_USER}'><item affiliation='none' role='none'><actor nick='firstwitch'/><reason>Avaunt, you cullion!</reason></item>
      <status code='110'/><status code='307'/></x></presence>`);
    expect(payloadsOf(seen, "exit")[0]?.mode).toBe(LeaveMode.KICKED);
    expect(tracker.state).toBe(MessageState.ABORTED);
  });

  it("sendTrackedMessage throws MucStateError when not in the room", () => {
    const { muc } = newService();
    const { room } = muc.join(ROOM, NICK);
    expect(() => room.sendTrackedMessage("too early")).toThrow(expect.objectContaining({ name: "MucStateError" }));
  });
});

describe("voice requests and presence", () => {
  it("requestVoice sends the XEP-0045 §7.13 form to the room's bare JID", async () => {
    const { conn, muc, room } = await joinRoom({ subject: "s" });
    await requestVoice(muc, room.jid);
    const sent = await conn.nextSent((s) => s.is("message"), 1_000);
    // Example 'Occupant Requests Voice': a normal message (no type) to the room with a submitted muc#request form.
    expect(sent.attrs.to).toBe(ROOM);
    expect(sent.attrs.type === undefined || sent.attrs.type === "normal").toBe(true);
    expect(sent.getChild("body")).toBeUndefined();
    const form = sent.getChild("x", DATA);
    expect(form?.attrs.type).toBe("submit");
    const fields = new Map((form?.getChildren("field") ?? []).map((f) => [String(f.attrs.var), f]));
    expect([...fields.keys()].sort()).toEqual(["FORM_TYPE", "muc#role"]);
    expect(fields.get("FORM_TYPE")?.getChildren("value").map((v) => v.text())).toEqual(["http://jabber.org/protocol/muc#request"]);
    expect(fields.get("muc#role")?.getChildren("value").map((v) => v.text())).toEqual(["participant"]);
  });

  it("requestVoice rejects with MucStateError when not in the room", async () => {
    const { muc } = newService();
    const { room } = muc.join(ROOM, NICK);
    await expect(requestVoice(muc, room.jid)).rejects.toMatchObject({ name: "MucStateError" });
  });

  it("changePresence sends show and status to our occupant JID (XEP-0045 §7.7); the reflection updates `me`", async () => {
    const { conn, room, seen } = await joinRoom({ subject: "s" });
    await room.changePresence("xa", "gone where the goblins go");
    const sent = await conn.nextSent(isPresence, 1_000);
    expect(sent.attrs.to).toBe(`${ROOM}/${NICK}`);
    expect(sent.attrs.type).toBeUndefined();
    expect(sent.getChildText("show")).toBe("xa");
    expect(sent.getChildText("status")).toBe("gone where the goblins go");
    // A presence update is not a join: no <x xmlns='…/muc'/>.
    expect(sent.getChild("x", "http://jabber.org/protocol/muc")).toBeUndefined();

    conn.receive(`<presence from='${ROOM}/${NICK}' to='${ME}'><show>xa</show><status>gone where the goblins go</status>
      <x xmlns='${MUC_USER}'><item affiliation='member' role='participant'/><status code='110'/></x></presence>`);
    expect(room.me?.show).toBe("xa");
    expect(room.me?.status).toEqual({ "": "gone where the goblins go" });
    const [change] = payloadsOf(seen, "statusChange");
    expect(change?.occupant).toBe(room.me);
    expect(change).toMatchObject({ show: "xa", status: { "": "gone where the goblins go" } });
  });

  it("changePresence() with no arguments is plain available", async () => {
    const { conn, room } = await joinRoom({ subject: "s" });
    await room.changePresence("dnd", "busy");
    await conn.nextSent(isPresence, 1_000);
    await room.changePresence();
    const sent = await conn.nextSent(isPresence, 1_000);
    expect(sent.getChild("show")).toBeUndefined();
    expect(sent.getChild("status")).toBeUndefined();
  });

  it("another occupant's availability change fires statusChange (XEP-0045 §7.7)", async () => {
    const { conn, room, seen } = await joinRoom({ subject: "s" });
    conn.receive(`<presence from='${ROOM}/secondwitch' id='86E11ABF-26BC-46F1-AD3B-F5E54F3C1EE5' to='${ME}'>
      <show>xa</show><status>gone where the goblins go</status>
      <x xmlns='${MUC_USER}'><item affiliation='admin' jid='wiccarocks@shakespeare.lit/laptop' role='moderator'/></x></presence>`);
    const [change] = payloadsOf(seen, "statusChange");
    expect(change?.occupant).toBe(room.getOccupant("secondwitch"));
    expect(room.getOccupant("secondwitch")?.show).toBe("xa");
    expect(room.getOccupant("secondwitch")?.jid?.toString()).toBe("wiccarocks@shakespeare.lit/laptop");
  });
});
