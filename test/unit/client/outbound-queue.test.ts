/**
 * The service's one outbound path, as transcripts over the mock connection:
 * what is sent while the stream is down waits in order (or is refused with a
 * NotConnectedError when not queued); a resumed stream (XEP-0198) writes it
 * in its original order; a new session first rejoins every room (one join
 * presence per room on that stream), holds what is sent to a room until its
 * rejoin's subject, and resends the messages the dead stream lost ahead of
 * anything newer, unless the history showed them or their tracker settled;
 * IQs wait too, with their own timeout.
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import type { Element } from "@xmpp/xml";
import {
  getRoomConfig,
  isNotConnectedError,
  MessageState,
  MucService,
  NotConnectedError,
  type MucServiceOptions,
  type Room,
  type RoomEvents,
} from "../../../src/index.js";
import { MockConnection } from "../../../src/testing/index.js";
import { flush } from "./room-presence-helpers.js";

const ROOM = "coven@chat.shakespeare.lit";
const ROOM2 = "darkcave@chat.shakespeare.lit";
const ME = "hag66@shakespeare.lit/pda";
const NICK = "thirdwitch";
const MUC = "http://jabber.org/protocol/muc";
const MUC_USER = "http://jabber.org/protocol/muc#user";
const MUC_OWNER = "http://jabber.org/protocol/muc#owner";
const SID = "urn:xmpp:sid:0";

// ---------------------------------------------------------------------------
// Helpers

let services: MucService[] = [];

function newService(options: MucServiceOptions = {}, connOptions: ConstructorParameters<typeof MockConnection>[0] = {}): { conn: MockConnection; muc: MucService } {
  const conn = new MockConnection({ jid: ME, ...connOptions });
  const muc = new MucService(conn, { selfPing: false, ...options });
  services.push(muc);
  return { conn, muc };
}

afterEach(() => {
  for (const muc of services) muc.close();
  services = [];
  vi.useRealTimers();
});

/** `p`, or a rejection when it does not settle within `ms` (every wait of these tests is bounded). */
async function within<T>(p: Promise<T>, ms = 1_000): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`not settled within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([p, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function presenceOf(room: string, nick: string, affiliation: string, role: string, extra = ""): string {
  return `<presence from='${room}/${nick}' to='${ME}'><x xmlns='${MUC_USER}'><item affiliation='${affiliation}' role='${role}'/>${extra}</x></presence>`;
}

function selfPresence(room: string): string {
  return presenceOf(room, NICK, "member", "participant", "<status code='110'/>");
}

function subject(room: string): string {
  return `<message from='${room}/firstwitch' to='${ME}' type='groupchat' id='subj'><subject>Fire Burn and Cauldron Bubble!</subject>
    <delay xmlns='urn:xmpp:delay' from='${room}' stamp='1610-04-20T00:00:00Z'/></message>`;
}

const isJoinTo =
  (room: string) =>
  (s: Element): boolean =>
    s.is("presence") && s.attrs.to === `${room}/${NICK}` && s.attrs.type === undefined && s.getChild("x", MUC) !== undefined;

const isGroupchatTo =
  (room: string) =>
  (s: Element): boolean =>
    s.is("message") && s.attrs.type === "groupchat" && s.attrs.to === room && s.getChild("body") !== undefined;

const isIq = (s: Element): boolean => s.is("iq");

/** A one-line summary of a sent stanza, to compare transcripts. */
function line(s: Element): string {
  if (s.is("presence")) return `${s.getChild("x", MUC) ? "join" : "presence"} ${String(s.attrs.to)}`;
  if (s.is("iq")) return `iq ${String(s.attrs.type)} ${String(s.attrs.to)}`;
  const body = s.getChildText("body");
  return `${String(s.attrs.type ?? "normal")} ${String(s.attrs.to)} ${body ?? ""}`.trimEnd();
}

/** Join `room` (firstwitch is there), answer with the subject, and forget what was sent. */
async function joinRoom(conn: MockConnection, muc: MucService, room: string): Promise<Room> {
  const { room: r, joined } = muc.join(room, NICK);
  await conn.nextSent(isJoinTo(room), 1_000);
  conn.receive(presenceOf(room, "firstwitch", "owner", "moderator"));
  conn.receive(selfPresence(room));
  await within(joined);
  conn.receive(subject(room));
  conn.takeSent();
  return r;
}

/** Answer a rejoin: firstwitch, our self-presence (the subject is left to the test). */
function answerRejoin(conn: MockConnection, room: string): void {
  conn.receive(presenceOf(room, "firstwitch", "owner", "moderator"));
  conn.receive(selfPresence(room));
}

/** Our message as the room reflects it: same id and origin-id, with a stanza-id (and a delay for history). */
function reflection(room: string, sent: Element, stanzaId: string, stamp?: string): string {
  const originId = String(sent.getChild("origin-id", SID)?.attrs.id);
  return `<message from='${room}/${NICK}' to='${ME}' type='groupchat' id='${String(sent.attrs.id)}'><body>${String(sent.getChildText("body"))}</body>
    <origin-id xmlns='${SID}' id='${originId}'/><stanza-id xmlns='${SID}' id='${stanzaId}' by='${room}'/>${
      stamp ? `<delay xmlns='urn:xmpp:delay' from='${room}' stamp='${stamp}'/>` : ""
    }</message>`;
}

const CONFIG_FORM = `<query xmlns='${MUC_OWNER}'><x xmlns='jabber:x:data' type='form'>
  <title>Configuration for "coven" Room</title>
  <field type='hidden' var='FORM_TYPE'><value>http://jabber.org/protocol/muc#roomconfig</value></field>
  <field label='Natural-Language Room Name' type='text-single' var='muc#roomconfig_roomname'><value>A Dark Cave</value></field>
</x></query>`;

// ---------------------------------------------------------------------------

describe("while the stream is down", () => {
  it("sends wait in order and nothing is written; `connected` is false until the stream is back", async () => {
    const { conn, muc } = newService();
    const room = await joinRoom(conn, muc, ROOM);
    expect(muc.connected).toBe(true);
    conn.drop();
    expect(muc.connected).toBe(false);

    const one = room.sendMessage("one");
    const psst = room.sendPrivateMessage("firstwitch", "psst");
    const two = room.sendMessage("two");
    let settled = 0;
    for (const p of [one, psst, two]) void p.then(() => settled++);
    await flush();
    expect(conn.takeSent()).toEqual([]);
    expect(settled).toBe(0);

    conn.resume();
    const [s1, s2, s3] = await within(Promise.all([one, psst, two]));
    expect(muc.connected).toBe(true);
    expect(conn.takeSent()).toEqual([s1, s2, s3]);
    expect([s1, s2, s3].map(line)).toEqual([`groupchat ${ROOM} one`, `chat ${ROOM}/firstwitch psst`, `groupchat ${ROOM} two`]);
  });

  it("`connectionChange` reports each change of `connected`: false when the stream drops, true once it is resumed", async () => {
    const { conn, muc } = newService();
    await joinRoom(conn, muc, ROOM);
    const seen: boolean[] = [];
    muc.on("connectionChange", ({ connected, service }) => {
      expect(service).toBe(muc);
      seen.push(connected);
    });
    conn.drop();
    conn.resume();
    await flush();
    conn.drop();
    conn.newSession();
    await flush();
    expect(seen).toEqual([false, true, false, true]);
  });

  it("`queue: false`: sendMessage rejects with NotConnectedError, sendTrackedMessage throws it at once; neither is written later", async () => {
    const { conn, muc } = newService();
    const room = await joinRoom(conn, muc, ROOM);
    conn.drop();

    const refused = room.sendMessage("now or never", { queue: false });
    await expect(refused).rejects.toBeInstanceOf(NotConnectedError);
    await expect(refused).rejects.toSatisfy(isNotConnectedError);
    await expect(refused).rejects.toMatchObject({ name: "NotConnectedError" });
    expect(() => room.sendTrackedMessage("tracked, now or never", { queue: false })).toThrow(NotConnectedError);

    conn.resume();
    await flush();
    expect(conn.takeSent()).toEqual([]);
    // Online, `queue: false` sends as usual.
    const sent = await within(room.sendMessage("online now", { queue: false }));
    expect(conn.takeSent()).toEqual([sent]);
  });

  it("`queueWhileOffline: false` makes refusing the default for sendMessage; `queue: true` still waits", async () => {
    const { conn, muc } = newService({ queueWhileOffline: false });
    const room = await joinRoom(conn, muc, ROOM);
    conn.drop();
    await expect(room.sendMessage("refused")).rejects.toBeInstanceOf(NotConnectedError);
    const waits = room.sendMessage("waits", { queue: true });
    await flush();
    expect(conn.takeSent()).toEqual([]);
    conn.resume();
    const sent = await within(waits);
    expect(conn.takeSent().map(line)).toEqual([`groupchat ${ROOM} waits`]);
    expect(sent.getChildText("body")).toBe("waits");
  });

  it("`queueWhileOffline: false` makes sendTrackedMessage without `queue` throw NotConnectedError at once", async () => {
    const { conn, muc } = newService({ queueWhileOffline: false });
    const room = await joinRoom(conn, muc, ROOM);
    conn.drop();
    expect(() => room.sendTrackedMessage("refused, tracked")).toThrow(NotConnectedError);
    conn.resume();
    await flush();
    expect(conn.takeSent()).toEqual([]);
  });
});

describe("resumed stream (XEP-0198)", () => {
  it("what waited is written in its original order, across rooms and IQs", async () => {
    const { conn, muc } = newService();
    const coven = await joinRoom(conn, muc, ROOM);
    const cave = await joinRoom(conn, muc, ROOM2);
    conn.drop();
    const pending: Promise<unknown>[] = [
      coven.sendMessage("a1"),
      cave.sendMessage("b1"),
      coven.sendMessage("a2"),
      getRoomConfig(muc, ROOM, { timeout: 5_000 }),
      cave.sendMessage("b2"),
    ];
    await flush();
    expect(conn.takeSent()).toEqual([]);
    conn.resume();
    await within(Promise.all(pending.slice(0, 3)));
    await within(pending[4] as Promise<unknown>);
    expect(conn.takeSent().map(line)).toEqual([
      `groupchat ${ROOM} a1`,
      `groupchat ${ROOM2} b1`,
      `groupchat ${ROOM} a2`,
      `iq get ${ROOM}`,
      `groupchat ${ROOM2} b2`,
    ]);
    // Answer the IQ so that nothing is left pending.
    const iq = conn.sent.find(isIq) as Element;
    conn.replyResult(iq, CONFIG_FORM);
    await expect(within(pending[3] as Promise<unknown>)).resolves.toBeDefined();
  });

  it("an IQ sent while the stream is down waits, is written after the resumption and answered", async () => {
    const { conn, muc } = newService();
    conn.drop();
    const config = getRoomConfig(muc, ROOM);
    await flush();
    expect(conn.sent.filter(isIq)).toEqual([]);
    conn.resume();
    const iq = await conn.nextSent(isIq, 1_000);
    expect(iq.attrs.type).toBe("get");
    expect(iq.attrs.to).toBe(ROOM);
    expect(iq.getChild("query", MUC_OWNER)).toBeDefined();
    conn.replyResult(iq, CONFIG_FORM);
    const result = await within(config);
    expect(result.config.roomName).toBe("A Dark Cave");
  });

  it("an IQ waiting while the stream is down keeps its own timeout (fake timers)", { timeout: 5_000 }, async () => {
    const { conn, muc } = newService();
    conn.drop();
    vi.useFakeTimers();
    const config = getRoomConfig(muc, ROOM, { timeout: 3_000 });
    const rejected = expect(config).rejects.toMatchObject({ name: "TimeoutError", timeout: 3_000 });
    await vi.advanceTimersByTimeAsync(3_000);
    await rejected;
    expect(conn.sent.filter(isIq)).toEqual([]);
  });

  it("a join requested while the stream is down is written once after the resumption", async () => {
    const { conn, muc } = newService();
    conn.drop();
    const { room, joined } = muc.join(ROOM, NICK);
    await flush();
    expect(conn.sent).toEqual([]);
    conn.resume();
    await conn.nextSent(isJoinTo(ROOM), 1_000);
    conn.receive(selfPresence(ROOM));
    await expect(within(joined)).resolves.toBe(room);
    await flush();
    expect(conn.sent.filter(isJoinTo(ROOM))).toHaveLength(1);
  });

  it("a join written before the stream dropped is not written again when it is resumed", async () => {
    const { conn, muc } = newService();
    const { room, joined } = muc.join(ROOM, NICK);
    await conn.nextSent(isJoinTo(ROOM), 1_000);
    conn.drop();
    conn.resume();
    await flush();
    conn.receive(selfPresence(ROOM));
    await expect(within(joined)).resolves.toBe(room);
    expect(conn.sent.filter(isJoinTo(ROOM))).toHaveLength(1);
  });
});

describe("new session", () => {
  it("every joined room is rejoined first, with one join presence per room on the new stream", async () => {
    const { conn, muc } = newService();
    await joinRoom(conn, muc, ROOM);
    const cave = await joinRoom(conn, muc, ROOM2);
    conn.drop();
    const held = cave.sendMessage("for the cave");
    const config = getRoomConfig(muc, ROOM, { timeout: 5_000 });
    const mark = conn.sent.length;
    conn.newSession();
    const iq = await conn.nextSent(isIq, 1_000);
    const onNewStream = conn.sent.slice(mark);
    // The joins come first, then what waited and is not held by a rejoining room.
    expect(onNewStream.map(line)).toEqual([`join ${ROOM}/${NICK}`, `join ${ROOM2}/${NICK}`, `iq get ${ROOM}`]);
    conn.replyResult(iq, CONFIG_FORM);
    await within(config);

    answerRejoin(conn, ROOM2);
    conn.receive(subject(ROOM2));
    await within(held);
    answerRejoin(conn, ROOM);
    conn.receive(subject(ROOM));
    await flush();
    const all = conn.sent.slice(mark);
    expect(all.filter(isJoinTo(ROOM))).toHaveLength(1);
    expect(all.filter(isJoinTo(ROOM2))).toHaveLength(1);
    expect(all.filter(isGroupchatTo(ROOM2)).map(line)).toEqual([`groupchat ${ROOM2} for the cave`]);
  });

  it("what is sent to a rejoining room waits for the rejoin's subject (not just the self-presence), then goes out in order", async () => {
    const { conn, muc } = newService();
    const room = await joinRoom(conn, muc, ROOM);
    const seen: RoomEvents["message"][] = [];
    room.on("message", (m) => seen.push(m));
    conn.drop();
    const early = room.sendMessage("sent while down");
    conn.newSession();
    await conn.nextSent(isJoinTo(ROOM), 1_000);
    const a = room.sendMessage("sent while rejoining");
    await flush();
    expect(conn.takeSent().filter(isGroupchatTo(ROOM))).toEqual([]);

    answerRejoin(conn, ROOM);
    conn.receive(`<message from='${ROOM}/firstwitch' to='${ME}' type='groupchat' id='h1'><body>while you were away</body>
      <stanza-id xmlns='${SID}' id='sid-away' by='${ROOM}'/><delay xmlns='urn:xmpp:delay' from='${ROOM}' stamp='2030-01-01T00:00:00Z'/></message>`);
    const b = room.sendMessage("sent after the self-presence");
    await flush();
    expect(room.active).toBe(true);
    expect(conn.takeSent().filter(isGroupchatTo(ROOM))).toEqual([]);

    conn.receive(subject(ROOM));
    await within(Promise.all([early, a, b]));
    expect(conn.takeSent().filter(isGroupchatTo(ROOM)).map(line)).toEqual([
      `groupchat ${ROOM} sent while down`,
      `groupchat ${ROOM} sent while rejoining`,
      `groupchat ${ROOM} sent after the self-presence`,
    ]);
    expect(seen.map((m) => [m.body, m.history])).toEqual([["while you were away", true]]);
  });

  it("messages the dead stream did not acknowledge are resent after the rejoin's subject, ahead of those sent meanwhile", async () => {
    const { conn, muc } = newService();
    const room = await joinRoom(conn, muc, ROOM);
    conn.ack(); // everything so far reached the server
    const lost1 = await within(room.sendMessage("lost one"));
    const lost2 = await within(room.sendMessage("lost two"));
    conn.drop();
    const later1 = room.sendMessage("later one");
    conn.newSession(); // the two unacknowledged messages fail
    await conn.nextSent(isJoinTo(ROOM), 1_000);
    const later2 = room.sendMessage("later two");
    answerRejoin(conn, ROOM);
    await flush();
    expect(conn.takeSent().filter(isGroupchatTo(ROOM))).toEqual([]);

    conn.receive(subject(ROOM));
    await within(Promise.all([later1, later2]));
    const out = conn.takeSent().filter(isGroupchatTo(ROOM));
    expect(out.map(line)).toEqual([`groupchat ${ROOM} lost one`, `groupchat ${ROOM} lost two`, `groupchat ${ROOM} later one`, `groupchat ${ROOM} later two`]);
    // The resends are the very stanzas first sent: same id, same origin-id.
    expect(out[0]).toBe(lost1);
    expect(out[1]).toBe(lost2);
  });

  it("a lost message the rejoin's history shows (our nick, same origin-id) is not resent; one only another occupant's copy shows is", async () => {
    const { conn, muc } = newService();
    const room = await joinRoom(conn, muc, ROOM);
    conn.ack();
    const shown = await within(room.sendMessage("the history has it"));
    const spoofed = await within(room.sendMessage("someone copied my origin-id"));
    conn.drop();
    conn.newSession();
    await conn.nextSent(isJoinTo(ROOM), 1_000);
    answerRejoin(conn, ROOM);
    conn.receive(reflection(ROOM, shown, "sid-shown", "2030-01-01T00:00:00Z"));
    // The same origin-id from another occupant proves nothing about our message.
    const spoofedOrigin = String(spoofed.getChild("origin-id", SID)?.attrs.id);
    conn.receive(`<message from='${ROOM}/firstwitch' to='${ME}' type='groupchat' id='x1'><body>mine now</body>
      <origin-id xmlns='${SID}' id='${spoofedOrigin}'/><stanza-id xmlns='${SID}' id='sid-spoof' by='${ROOM}'/>
      <delay xmlns='urn:xmpp:delay' from='${ROOM}' stamp='2030-01-01T00:00:01Z'/></message>`);
    conn.receive(subject(ROOM));
    const resent = await conn.nextSent(isGroupchatTo(ROOM), 1_000);
    expect(resent).toBe(spoofed);
    await flush();
    expect(conn.takeSent().filter(isGroupchatTo(ROOM))).toEqual([]);
  });

  it("a lost tracked message whose tracker settled during the rejoin is not resent", async () => {
    const { conn, muc } = newService();
    const room = await joinRoom(conn, muc, ROOM);
    conn.ack();
    const tracker = room.sendTrackedMessage("given up on");
    const kept = room.sendTrackedMessage("still wanted");
    await conn.nextSent(isGroupchatTo(ROOM), 1_000);
    const keptSent = await conn.nextSent(isGroupchatTo(ROOM), 1_000);
    conn.drop();
    conn.newSession();
    await conn.nextSent(isJoinTo(ROOM), 1_000);
    expect(tracker.state).toBe(MessageState.IN_TRANSIT);
    tracker.close();
    expect(tracker.state).toBe(MessageState.CLOSED);
    answerRejoin(conn, ROOM);
    conn.receive(subject(ROOM));
    const resent = await conn.nextSent(isGroupchatTo(ROOM), 1_000);
    expect(resent).toBe(keptSent);
    await flush();
    expect(conn.takeSent().filter(isGroupchatTo(ROOM))).toEqual([]);
    conn.receive(reflection(ROOM, keptSent, "sid-kept"));
    expect(kept.state).toBe(MessageState.DELIVERED_TO_RECIPIENT);
  });

  it("a join under way when a new session starts is sent again on it, and the old stream's queued join is never written there", async () => {
    const { conn, muc } = newService();
    const coven = await joinRoom(conn, muc, ROOM);
    // In one go: m1 is written, m2, m3 and the cave's join wait behind it, and the stream drops.
    const m1 = coven.sendMessage("m1");
    const m2 = coven.sendMessage("m2");
    const m3 = coven.sendMessage("m3");
    const { room: cave, joined } = muc.join(ROOM2, NICK);
    conn.drop();
    const mark = conn.sent.length;
    await flush();
    expect(conn.sent.slice(0, mark).filter(isJoinTo(ROOM2))).toEqual([]);
    expect(conn.sent.length).toBe(mark);

    conn.newSession(); // m1 was not acknowledged: it fails
    await conn.nextSent(isJoinTo(ROOM2), 1_000);
    await flush();
    const onNewStream = conn.sent.slice(mark);
    expect(onNewStream.map(line)).toEqual([`join ${ROOM}/${NICK}`, `join ${ROOM2}/${NICK}`]);

    conn.receive(selfPresence(ROOM2));
    await expect(within(joined)).resolves.toBe(cave);
    answerRejoin(conn, ROOM);
    conn.receive(subject(ROOM));
    await within(Promise.all([m1, m2, m3]));
    await flush();
    const all = conn.sent.slice(mark);
    expect(all.filter(isJoinTo(ROOM2))).toHaveLength(1);
    expect(all.filter(isJoinTo(ROOM))).toHaveLength(1);
    expect(all.filter(isGroupchatTo(ROOM)).map(line)).toEqual([`groupchat ${ROOM} m1`, `groupchat ${ROOM} m2`, `groupchat ${ROOM} m3`]);
  });

  it("a join written on the dead stream and unanswered is written once on the new one", async () => {
    const { conn, muc } = newService();
    const { room, joined } = muc.join(ROOM, NICK);
    await conn.nextSent(isJoinTo(ROOM), 1_000);
    conn.drop();
    const mark = conn.sent.length;
    conn.newSession();
    await conn.nextSent(isJoinTo(ROOM), 1_000);
    conn.receive(selfPresence(ROOM));
    await expect(within(joined)).resolves.toBe(room);
    await flush();
    expect(conn.sent.slice(mark).filter(isJoinTo(ROOM))).toHaveLength(1);
  });

  it("a new session that offered stream management writes nothing (not even the rejoin) until <enabled/> arrives", async () => {
    const { conn, muc } = newService();
    const room = await joinRoom(conn, muc, ROOM);
    const sm = conn.streamManagement;
    if (!sm) throw new Error("the mock has stream management");
    let enabled = true;
    // The test, not the mock, says when stream management is enabled.
    Object.defineProperty(sm, "enabled", { get: () => enabled, set: () => {}, configurable: true });
    conn.drop();
    enabled = false;
    const waiting = room.sendMessage("after enabled");
    // The new stream's features offer XEP-0198; @xmpp/client announces `online` before it sends <enable/>.
    conn.receive(`<stream:features xmlns:stream='http://etherx.jabber.org/streams'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/><sm xmlns='urn:xmpp:sm:3'/></stream:features>`);
    conn.newSession();
    await flush();
    expect(muc.connected).toBe(false);
    expect(conn.takeSent()).toEqual([]);
    enabled = true;
    conn.receive(`<enabled xmlns='urn:xmpp:sm:3' id='sm-2' resume='true'/>`);
    const rejoin = await conn.nextSent(isJoinTo(ROOM), 1_000);
    expect(rejoin.getChild("x", MUC)).toBeDefined();
    answerRejoin(conn, ROOM);
    conn.receive(subject(ROOM));
    await within(waiting);
    expect(conn.sent.filter(isGroupchatTo(ROOM)).map((s) => s.getChildText("body"))).toEqual(["after enabled"]);
  });

  it("what waits for a room that then exits (no autorejoin) is never written, and its send rejects with MucStateError", async () => {
    const { conn, muc } = newService();
    const room = await joinRoom(conn, muc, ROOM);
    room.autorejoin = false;
    conn.drop();
    const waiting = room.sendMessage("for a room we will not be in");
    conn.newSession();
    await expect(within(waiting)).rejects.toMatchObject({ name: "MucStateError" });
    await flush();
    expect(conn.sent.filter(isGroupchatTo(ROOM))).toEqual([]);
  });

  it("a join requested while the stream is down is written once on the new session", async () => {
    const { conn, muc } = newService();
    conn.drop();
    const { room, joined } = muc.join(ROOM, NICK);
    await flush();
    conn.newSession();
    await conn.nextSent(isJoinTo(ROOM), 1_000);
    conn.receive(selfPresence(ROOM));
    await expect(within(joined)).resolves.toBe(room);
    await flush();
    expect(conn.sent.filter(isJoinTo(ROOM))).toHaveLength(1);
  });
});
