/**
 * What ejabberd (23.01, Debian) sends that tripped the client, as
 * transcripts over the mock connection. Every stanza the server sends here
 * is one ejabberd sent in test/integration/muc-client-ejabberd.test.ts,
 * copied from its stanza log (only ids and timestamps are of that run).
 */
import { afterEach, describe, expect, it } from "vitest";
import type { Element } from "@xmpp/xml";
import { LeaveMode, MessageState, MucService, onMessageChange, type Room, type RoomEvents } from "../../../src/index.js";
import { MockConnection } from "../../../src/testing/index.js";
import { answerArchive, flush } from "./room-presence-helpers.js";

const ME = "bob@localhost/muc-3cf4d9ac";
const ROOM = "reconnect-f6b29c08@conference.localhost";
const NS_MUC = "http://jabber.org/protocol/muc";

/** The join presence to `room` as `nick` (a join or a rejoin). */
const joinTo =
  (room: string, nick: string) =>
  (s: Element): boolean =>
    s.is("presence") && s.attrs.to === `${room}/${nick}` && s.attrs.type === undefined && s.getChild("x", NS_MUC) !== undefined;

/** ejabberd's answer to Bob's join of a room Alice owns and Carol is in. */
function ejabberdJoinAnswer(joinId: string): string[] {
  return [
    `<presence to="${ME}" from="${ROOM}" id="16221243479023513858"><c ver="94Y7MuW5ZbbekK4bo1R7KliKmS4=" node="http://www.process-one.net/en/ejabberd/" hash="sha-1" xmlns="http://jabber.org/protocol/caps"/></presence>`,
    `<presence xml:lang="en" to="${ME}" from="${ROOM}/Alice" id="join-jt2no3e4-1y"><x xmlns="http://jabber.org/protocol/muc#user"><item role="moderator" affiliation="owner"/></x></presence>`,
    `<presence xml:lang="en" to="${ME}" from="${ROOM}/Carol" id="join-h80x2r67-21"><x xmlns="http://jabber.org/protocol/muc#user"><item role="participant" affiliation="none"/></x></presence>`,
    `<presence xml:lang="en" to="${ME}" from="${ROOM}/Bob" id="${joinId}"><x xmlns="http://jabber.org/protocol/muc#user"><item jid="${ME}" role="participant" affiliation="none"/><status code="110"/></x></presence>`,
    `<message to="${ME}" from="${ROOM}" type="groupchat"><subject/></message>`,
  ];
}

/**
 * The new stream's negotiation after authentication, up to the new session:
 * ejabberd's features, then its answer to `<resume/>` with a stream id it no
 * longer knows (@xmpp/client then binds the same resource again).
 */
const EJABBERD_RESUMPTION_FAILED = [
  `<stream:features xmlns:stream="http://etherx.jabber.org/streams"><bind xmlns="urn:ietf:params:xml:ns:xmpp-bind"/><session xmlns="urn:ietf:params:xml:ns:xmpp-session"><optional/></session><sm xmlns="urn:xmpp:sm:2"/><sm xmlns="urn:xmpp:sm:3"/></stream:features>`,
  `<failed xmlns="urn:xmpp:sm:3"><item-not-found xmlns="urn:ietf:params:xml:ns:xmpp-stanzas"/><text xml:lang="en" xmlns="urn:ietf:params:xml:ns:xmpp-stanzas">Invalid 'previd' value</text></failed>`,
];

/**
 * What ejabberd sends on the NEW session when it replaced one that was in
 * the room under the same full JID (the old one's socket died; `<resume/>`
 * was answered `<failed/>`): the old session's occupancy ends, and the room
 * tells the full JID — now the new session — with a plain unavailable
 * self-presence (110, no removal code), preceded by an unavailable presence
 * from the room's bare JID. It arrived right after the bind, before `online`,
 * in one run, and after the rejoin presence had gone out in another.
 */
const EJABBERD_OLD_SESSION_GONE = [
  `<presence to="${ME}" from="${ROOM}" type="unavailable" id="5287784458993661922"/>`,
  `<presence to="${ME}" from="${ROOM}/Bob" type="unavailable"><x xmlns="http://jabber.org/protocol/muc#user"><item jid="${ME}" role="none" affiliation="none"/><status code="110"/></x></presence>`,
];

/**
 * The stream dies and a new session replaces it (ejabberd answers the
 * resumption `<failed/>`); `afterBind` is what ejabberd sends the new session
 * before it is online.
 */
function replaceSession(conn: MockConnection, afterBind: readonly string[] = []): void {
  conn.drop();
  for (const s of [...EJABBERD_RESUMPTION_FAILED, ...afterBind]) conn.receive(s);
  conn.newSession();
}

let services: MucService[] = [];
afterEach(() => {
  for (const muc of services) muc.close();
  services = [];
});

function newService(options: { joinTimeout?: number } = {}): { conn: MockConnection; muc: MucService } {
  const conn = new MockConnection({ jid: ME });
  const muc = new MucService(conn, { selfPing: false, ...options });
  services.push(muc);
  return { conn, muc };
}

async function joinAsBob(conn: MockConnection, muc: MucService, options: { autorejoin?: boolean } = {}): Promise<Room> {
  const { room, joined } = muc.join(ROOM, "Bob", options);
  const join = await conn.nextSent(joinTo(ROOM, "Bob"), 1_000);
  for (const s of ejabberdJoinAnswer(String(join.attrs.id))) conn.receive(s);
  await joined;
  return room;
}

/** Bob in the room on a new service, with its events recorded from now on. */
async function bobInRoom(options: { autorejoin?: boolean } = {}): Promise<{ conn: MockConnection; muc: MucService; room: Room; events: string[] }> {
  const { conn, muc } = newService();
  const room = await joinAsBob(conn, muc, options);
  return { conn, muc, room, events: record(room) };
}

function record(room: Room): string[] {
  const log: string[] = [];
  for (const name of ["enter", "exit", "suspend", "resume", "join", "leave"] as const) {
    room.on(name, (p: RoomEvents[typeof name]) => {
      const detail = "occupant" in p && name !== "enter" ? ` ${p.occupant.nick}` : "mode" in p ? ` ${p.mode}` : "";
      log.push(`${name}${detail}`);
    });
  }
  return log;
}

describe("ejabberd: a new session that replaces a dead one under the same full JID", () => {
  it("the old session's unavailable self-presence, sent before `online`, does not end the room: it rejoins", async () => {
    const { conn, muc, room, events } = await bobInRoom();
    conn.takeSent();

    conn.drop();
    // After the new session's bind, before `online`.
    for (const s of [...EJABBERD_RESUMPTION_FAILED, ...EJABBERD_OLD_SESSION_GONE]) conn.receive(s);
    conn.newSession();

    const rejoin = await conn.nextSent(joinTo(ROOM, "Bob"), 1_000);
    expect(muc.getRoom(ROOM)).toBe(room);
    expect(events).toEqual(["suspend"]);
    for (const s of ejabberdJoinAnswer(String(rejoin.attrs.id))) conn.receive(s);
    await flush();
    expect(events).toEqual(["suspend", "resume"]);
    expect(room.active).toBe(true);
    expect(room.occupants.map((o) => o.nick)).toEqual(["Bob", "Alice", "Carol"]);
  });

  it("a room without autorejoin exits DISCONNECTED (not NORMAL, as if we had left)", async () => {
    const { conn, muc, room, events } = await bobInRoom({ autorejoin: false });

    replaceSession(conn, EJABBERD_OLD_SESSION_GONE);
    await flush();
    expect(events).toEqual([`exit ${LeaveMode.DISCONNECTED}`]);
  });

  it("the same self-presence arriving after the rejoin went out does not end the room: the rejoin's answer resumes it", async () => {
    const { conn, muc, room, events } = await bobInRoom();
    replaceSession(conn);
    const rejoin = await conn.nextSent(joinTo(ROOM, "Bob"), 1_000);
    // ejabberd's removal of the old occupancy reaches us after our rejoin, ahead of its answer.
    for (const s of EJABBERD_OLD_SESSION_GONE) conn.receive(s);
    expect(muc.getRoom(ROOM)).toBe(room);
    for (const s of ejabberdJoinAnswer(String(rejoin.attrs.id))) conn.receive(s);
    await flush();
    expect(events).toEqual(["suspend", "resume"]);
    expect(room.active).toBe(true);
  });

  it("the same self-presence arriving while a join cut off by the dead stream is sent again does not fail that join", async () => {
    const { conn, muc } = newService();
    const { room, joined } = muc.join(ROOM, "Bob");
    await conn.nextSent(joinTo(ROOM, "Bob"), 1_000);
    replaceSession(conn);
    const again = await conn.nextSent(joinTo(ROOM, "Bob"), 1_000);
    for (const s of EJABBERD_OLD_SESSION_GONE) conn.receive(s);
    for (const s of ejabberdJoinAnswer(String(again.attrs.id))) conn.receive(s);
    await expect(joined).resolves.toBe(room);
    expect(room.active).toBe(true);
  });

  it("on a resumed stream, the same self-presence is believed: our occupancy is over, and as we did not leave, the room rejoins", async () => {
    const { conn, muc, room, events } = await bobInRoom();
    conn.drop();
    conn.receive(EJABBERD_RESUMPTION_FAILED[0] as string);
    conn.resume();
    conn.takeSent();
    for (const s of EJABBERD_OLD_SESSION_GONE) conn.receive(s);
    const rejoin = await conn.nextSent(joinTo(ROOM, "Bob"), 1_000);
    expect(events).toEqual(["suspend"]);
    for (const s of ejabberdJoinAnswer(String(rejoin.attrs.id))) conn.receive(s);
    await flush();
    expect(events).toEqual(["suspend", "resume"]);
    expect(muc.getRoom(ROOM)).toBe(room);
  });
});

/**
 * ejabberd removes an occupant whose real JID sent the room an error
 * message. Its router sends one for us when a message of the room cannot
 * reach our full JID: the room's messages to the old session, which a new
 * session under the same full JID replaced, bounce (service-unavailable) —
 * after our rejoin, so the occupancy removed is the new one. The removal is
 * a plain unavailable self-presence: status 110, no removal code, a status
 * text. Seen in the reconnect storm's `refused` mode on ejabberd (its stanza
 * log, `STORM_DEBUG=2`); before, the room ended as if we had left, and
 * every message waiting to be sent failed.
 */
describe("ejabberd: removed for an error message our session bounced", () => {
  const KICKED = `<presence to="${ME}" from="${ROOM}/Bob" type="unavailable"><x xmlns="http://jabber.org/protocol/muc#user"><item jid="${ME}" role="none" affiliation="none"/><status code="110"/></x><status xml:lang="en">It is not allowed to send error messages to the room. The participant (Bob) has sent an error message (service-unavailable) and got kicked from the room</status></presence>`;
  const ROOM_GONE = `<presence to="${ME}" from="${ROOM}" type="unavailable" id="2749099356283504405"/>`;

  it("the room rejoins, and what we send meanwhile goes out after the rejoin's history", async () => {
    const { conn, muc, room, events } = await bobInRoom();
    conn.takeSent();
    conn.receive(ROOM_GONE);
    conn.receive(KICKED);
    const rejoin = await conn.nextSent(joinTo(ROOM, "Bob"), 1_000);
    expect(events).toEqual(["suspend"]);
    const tracker = room.sendTrackedMessage("after the removal");
    await flush();
    expect(conn.takeSent().filter((s) => s.is("message"))).toEqual([]);
    for (const s of ejabberdJoinAnswer(String(rejoin.attrs.id))) conn.receive(s);
    const sent = await conn.nextSent((s) => s.is("message"), 1_000);
    expect(sent.getChildText("body")).toBe("after the removal");
    expect(events).toEqual(["suspend", "resume"]);
    expect(tracker.state).not.toBe(MessageState.ERROR);
    expect(muc.getRoom(ROOM)).toBe(room);
  });

  /**
   * ejabberd's refusal of a message from a full JID that is not an occupant
   * (mod_muc_room: code 406, its text), with the message's payload echoed.
   * The storm's `refused` mode on ejabberd ended a tracker ERROR although
   * every receiver had the message: the room had removed us, and refused
   * a copy we wrote before we knew.
   */
  const refused = (sent: Element): string =>
    `<message xml:lang="en" to="${ME}" from="${ROOM}" type="error" id="${String(sent.attrs.id)}">${sent.getChildren("body").join("")}${sent.getChildren("origin-id").join("")}<error code="406" type="modify"><not-acceptable xmlns="urn:ietf:params:xml:ns:xmpp-stanzas"/><text xml:lang="en" xmlns="urn:ietf:params:xml:ns:xmpp-stanzas">Only occupants are allowed to send messages to the conference</text></error></message>`;
  /** Our message as the room relays it (stanza-id by the room, our origin-id); with `delay`, as its history sends it. */
  const relayed = (sent: Element, delay = false): string =>
    `<message xml:lang="en" to="${ME}" from="${ROOM}/Bob" type="groupchat" id="${String(sent.attrs.id)}"><stanza-id by="${ROOM}" id="1796599075931100" xmlns="urn:xmpp:sid:0"/>${sent.getChildren("origin-id").join("")}${delay ? `<delay from="${ROOM}" stamp="2026-12-06T23:17:55.100Z" xmlns="urn:xmpp:delay"/>` : ""}${sent.getChildren("body").join("")}</message>`;

  it("a tracked message the room refused while we were out (not-acceptable) goes out again after the rejoin's history, in order, and is delivered", async () => {
    const { conn, room } = await bobInRoom();
    conn.takeSent();
    const first = room.sendTrackedMessage("written before the removal was known");
    const second = room.sendTrackedMessage("and another");
    const [one, two] = [await conn.nextSent((s) => s.is("message"), 1_000), await conn.nextSent((s) => s.is("message"), 1_000)] as [Element, Element];
    conn.receive(KICKED);
    const rejoin = await conn.nextSent(joinTo(ROOM, "Bob"), 1_000);
    conn.receive(refused(one));
    conn.receive(refused(two));
    await flush();
    expect([first.state, second.state]).toEqual([MessageState.IN_TRANSIT, MessageState.IN_TRANSIT]);
    for (const s of ejabberdJoinAnswer(String(rejoin.attrs.id))) conn.receive(s);
    expect(await conn.nextSent((s) => s.is("message"), 1_000)).toBe(one);
    expect(await conn.nextSent((s) => s.is("message"), 1_000)).toBe(two);
    conn.receive(relayed(one));
    conn.receive(relayed(two));
    await flush();
    expect([first.state, second.state]).toEqual([MessageState.DELIVERED_TO_RECIPIENT, MessageState.DELIVERED_TO_RECIPIENT]);
  });

  it("a refused message among a burst of hundreds (a rejoin's resends) is still known: it goes out again first after the rejoin", async () => {
    const { conn, room } = await bobInRoom();
    conn.takeSent();
    // The storm's ejabberd run: 106 messages went out again at once, the room had just removed us, and it refused the first.
    const trackers = Array.from({ length: 300 }, (_, i) => room.sendTrackedMessage(`burst ${i}`));
    const oldest = await conn.nextSent((s) => s.is("message"), 1_000);
    await flush();
    conn.receive(KICKED);
    const rejoin = await conn.nextSent(joinTo(ROOM, "Bob"), 1_000);
    conn.receive(refused(oldest));
    await flush();
    expect(trackers[0]?.state).toBe(MessageState.IN_TRANSIT);
    for (const s of ejabberdJoinAnswer(String(rejoin.attrs.id))) conn.receive(s);
    expect(await conn.nextSent((s) => s.is("message"), 1_000)).toBe(oldest);
  });

  it("a refused message the rejoin's history shows (an earlier copy reached the room) is delivered, not sent again", async () => {
    const { conn, room } = await bobInRoom();
    conn.takeSent();
    const tracker = room.sendTrackedMessage("reached the room once");
    const sent = await conn.nextSent((s) => s.is("message"), 1_000);
    conn.receive(KICKED);
    const rejoin = await conn.nextSent(joinTo(ROOM, "Bob"), 1_000);
    conn.receive(refused(sent));
    const answer = ejabberdJoinAnswer(String(rejoin.attrs.id));
    // The history comes after the self-presence, before the subject.
    for (const s of [...answer.slice(0, -1), relayed(sent, true), ...answer.slice(-1)]) conn.receive(s);
    await flush();
    expect(tracker.state).toBe(MessageState.DELIVERED_TO_RECIPIENT);
    expect(conn.takeSent().filter((s) => s.is("message"))).toEqual([]);
  });

  it("an untracked message the room refused while we were out goes out again after the rejoin's history", async () => {
    const { conn, room } = await bobInRoom();
    conn.takeSent();
    await room.sendMessage("not tracked");
    const sent = await conn.nextSent((s) => s.is("message"), 1_000);
    conn.receive(KICKED);
    const rejoin = await conn.nextSent(joinTo(ROOM, "Bob"), 1_000);
    conn.receive(refused(sent));
    for (const s of ejabberdJoinAnswer(String(rejoin.attrs.id))) conn.receive(s);
    expect(await conn.nextSent((s) => s.is("message"), 1_000)).toBe(sent);
  });

  it("a refusal of a message whose tracker has settled sends nothing again and leaves the tracker as it was", async () => {
    const { conn, room } = await bobInRoom();
    conn.takeSent();
    // Timed out: the app was told the message failed, so it must not go out again.
    const tracker = room.sendTrackedMessage("given up on", { timeout: 20 });
    const sent = await conn.nextSent((s) => s.is("message"), 1_000);
    await tracker.done;
    expect(tracker.state).toBe(MessageState.TIMED_OUT);
    conn.receive(KICKED);
    const rejoin = await conn.nextSent(joinTo(ROOM, "Bob"), 1_000);
    conn.receive(refused(sent));
    for (const s of ejabberdJoinAnswer(String(rejoin.attrs.id))) conn.receive(s);
    await flush();
    expect(conn.takeSent().filter((s) => s.is("message"))).toEqual([]);
    expect(tracker.state).toBe(MessageState.TIMED_OUT);
  });

  it("a message both lost with a dead stream and refused goes out again once", async () => {
    const { conn, room } = await bobInRoom();
    conn.takeSent();
    const tracker = room.sendTrackedMessage("lost and refused");
    const sent = await conn.nextSent((s) => s.is("message"), 1_000);
    replaceSession(conn);
    const rejoin = await conn.nextSent(joinTo(ROOM, "Bob"), 1_000);
    conn.receive(refused(sent));
    for (const s of ejabberdJoinAnswer(String(rejoin.attrs.id))) conn.receive(s);
    await flush();
    expect(conn.takeSent().filter((s) => s.is("message"))).toEqual([sent]);
    conn.receive(relayed(sent));
    expect(tracker.state).toBe(MessageState.DELIVERED_TO_RECIPIENT);
  });

  it("a refusal while we are in the room fails the tracker, as any error does", async () => {
    const { conn, room } = await bobInRoom();
    conn.takeSent();
    const tracker = room.sendTrackedMessage("refused");
    const sent = await conn.nextSent((s) => s.is("message"), 1_000);
    conn.receive(refused(sent));
    await flush();
    expect(tracker.state).toBe(MessageState.ERROR);
    expect(tracker.error?.condition).toBe("not-acceptable");
  });

  it("a room without autorejoin exits NORMAL, as the room said", async () => {
    const { conn, muc, room, events } = await bobInRoom({ autorejoin: false });
    conn.receive(KICKED);
    await flush();
    expect(events).toEqual([`exit ${LeaveMode.NORMAL}`]);
    expect(muc.getRoom(ROOM)).toBeUndefined();
  });

  it("a room that removes us a fourth time within a minute is not rejoined again: the room exits", async () => {
    const { conn, muc, room, events } = await bobInRoom();
    for (let i = 0; i < 3; i++) {
      conn.takeSent();
      conn.receive(KICKED);
      const rejoin = await conn.nextSent(joinTo(ROOM, "Bob"), 1_000);
      for (const s of ejabberdJoinAnswer(String(rejoin.attrs.id))) conn.receive(s);
      await flush();
    }
    conn.takeSent();
    conn.receive(KICKED);
    await flush();
    expect(events).toEqual(["suspend", "resume", "suspend", "resume", "suspend", "resume", `exit ${LeaveMode.NORMAL}`]);
    expect(conn.takeSent().filter(joinTo(ROOM, "Bob"))).toEqual([]);
  });

  it("removals that each follow a new session (a replaced session's bounce) do not add up: the room rejoins every time", async () => {
    const { conn, muc, room, events } = await bobInRoom();
    for (let i = 0; i < 5; i++) {
      // A new session rejoins; the room then removes the full JID, whose old session bounced a message.
      replaceSession(conn);
      let rejoin = await conn.nextSent(joinTo(ROOM, "Bob"), 1_000);
      for (const s of ejabberdJoinAnswer(String(rejoin.attrs.id))) conn.receive(s);
      await flush();
      conn.takeSent();
      conn.receive(KICKED);
      rejoin = await conn.nextSent(joinTo(ROOM, "Bob"), 1_000);
      for (const s of ejabberdJoinAnswer(String(rejoin.attrs.id))) conn.receive(s);
      await flush();
    }
    expect(events.filter((e) => e.startsWith("exit"))).toEqual([]);
    expect(events.slice(-2)).toEqual(["suspend", "resume"]);
    expect(muc.getRoom(ROOM)).toBe(room);
    expect(room.joined).toBe(true);
    // On one session, the fourth removal within a minute still ends the room (this session had one).
    for (let i = 0; i < 2; i++) {
      conn.takeSent();
      conn.receive(KICKED);
      const rejoin = await conn.nextSent(joinTo(ROOM, "Bob"), 1_000);
      for (const s of ejabberdJoinAnswer(String(rejoin.attrs.id))) conn.receive(s);
      await flush();
    }
    conn.receive(KICKED);
    await flush();
    expect(events.at(-1)).toBe(`exit ${LeaveMode.NORMAL}`);
  });

  it("leaving is not a removal: our own leave's answer ends the room", async () => {
    const { conn, muc, room, events } = await bobInRoom();
    const left = room.leave();
    await conn.nextSent((s) => s.is("presence") && s.attrs.type === "unavailable", 1_000);
    conn.receive(KICKED.replace(/<status xml:lang.*<\/status>/, ""));
    await left;
    expect(events).toEqual([`exit ${LeaveMode.NORMAL}`]);
  });
});

/**
 * The order in which `@xmpp/client` 0.14 reports a resumption (seen with
 * Prosody in the storm test): the `<resumed/>` nonza, then, in the same
 * read, the stanzas the server sends again (those we had not acknowledged),
 * and only then, once our own unacknowledged stanzas are written again,
 * stream management's `resumed` event.
 */
describe("a resumed stream: what the server sends again after <resumed/> counts", () => {
  const FEATURES = EJABBERD_RESUMPTION_FAILED[0] as string;
  const RESUMED = `<resumed xmlns="urn:xmpp:sm:3" h="12" previd="some-stream"/>`;

  it("an occupant's leaving, sent again before the resumption is reported, removes the occupant", async () => {
    const { conn, muc, room, events } = await bobInRoom();
    conn.drop();
    conn.receive(FEATURES);
    conn.receive(RESUMED);
    conn.receive(`<presence to="${ME}" from="${ROOM}/Carol" type="unavailable"><x xmlns="http://jabber.org/protocol/muc#user"><item role="none" affiliation="none"/></x></presence>`);
    conn.resume();
    await flush();
    expect(events).toEqual(["leave Carol"]);
    expect(room.occupants.map((o) => o.nick)).toEqual(["Bob", "Alice"]);
  });

  it("a rejoin's answer, sent again on the resumed stream, resumes the room", async () => {
    const { conn, muc, room, events } = await bobInRoom();
    conn.drop();
    conn.receive(FEATURES);
    conn.newSession();
    const rejoin = await conn.nextSent(joinTo(ROOM, "Bob"), 1_000);
    // The answer went out, but the stream died before we acknowledged it.
    conn.drop();
    conn.receive(FEATURES);
    conn.receive(RESUMED);
    for (const s of ejabberdJoinAnswer(String(rejoin.attrs.id))) conn.receive(s);
    conn.resume();
    await flush();
    expect(events).toEqual(["suspend", "resume"]);
    expect(room.active).toBe(true);
  });
});

/**
 * ejabberd keeps routing the room's live messages to the dead session's
 * occupancy, i.e. to its full JID, which the new session binds again: they
 * reach the new session after its bind and before its rejoin (seen in
 * muc-client-ejabberd.test.ts: alice-88 and alice-89 came ahead of the old
 * occupancy's unavailable self-presence). They are newer than what the
 * rejoin's history brings.
 */
const SID = "urn:xmpp:sid:0";
/** A live message from Alice as ejabberd relays it (stanza-id by the room, her origin-id). */
const live = (n: number): string =>
  `<message xml:lang="en" to="${ME}" from="${ROOM}/Alice" type="groupchat" id="m-alice-${n}"><archived by="${ROOM}" id="17965990759311${n}" xmlns="urn:xmpp:mam:tmp"/><stanza-id by="${ROOM}" id="17965990759311${n}" xmlns="${SID}"/><origin-id xmlns="${SID}" id="m-alice-${n}"/><body>alice-${n}</body></message>`;
/** The same message in a join's history: ejabberd adds a `<delay/>` from the room. */
const history = (n: number): string =>
  live(n).replace("<body>", `<delay from="${ROOM}" stamp="2026-12-06T23:17:55.${100 + n}Z" xmlns="urn:xmpp:delay"/><body>`);
/** The rejoin's answer with `historyOf` between our self-presence and the subject. */
const answerWith = (joinId: string, historyOf: number[]): string[] => {
  const answer = ejabberdJoinAnswer(joinId);
  return [...answer.slice(0, -1), ...historyOf.map(history), answer[answer.length - 1] as string];
};
/** The room's `message` and `subjectChange` events, in order: `alice-88` (live), `alice-86 h` (history), `subject`. */
const follow = (room: Room): string[] => {
  const seen: string[] = [];
  room.on("message", (m) => seen.push(m.history ? `${m.body} h` : m.body));
  room.on("subjectChange", () => seen.push("subject"));
  return seen;
};


describe("ejabberd: live messages to the dead session's occupancy", () => {
  it("after the bind, ahead of the rejoin: they wait for the rejoin's history, which brings them once, in order", async () => {
    const { conn, muc } = newService();
    const room = await joinAsBob(conn, muc);
    const seen = follow(room);
    conn.receive(live(85));
    conn.drop();
    for (const s of EJABBERD_RESUMPTION_FAILED) conn.receive(s);
    conn.receive(live(88));
    conn.receive(live(89));
    for (const s of EJABBERD_OLD_SESSION_GONE) conn.receive(s);
    conn.newSession();
    const rejoin = await conn.nextSent(joinTo(ROOM, "Bob"), 1_000);
    expect(seen).toEqual(["alice-85"]);
    for (const s of answerWith(String(rejoin.attrs.id), [85, 86, 87, 88, 89])) conn.receive(s);
    conn.receive(live(90));
    // The room's archive holds nothing more (see archive-fill.test.ts); 90 waited for it.
    await answerArchive(conn);
    expect(seen).toEqual(["alice-85", "alice-86 h", "alice-87 h", "alice-88 h", "alice-89 h", "subject", "alice-90"]);
  });

  it("the rejoin's history does not bring them: live after it, and what comes next waits behind them", async () => {
    const { conn, muc } = newService();
    const room = await joinAsBob(conn, muc);
    const seen = follow(room);
    replaceSession(conn);
    const rejoin = await conn.nextSent(joinTo(ROOM, "Bob"), 1_000);
    // Rejoining, before our self-presence: still to the old occupancy.
    conn.receive(live(88));
    const answer = answerWith(String(rejoin.attrs.id), [86, 87]);
    const subject = answer.pop() as string;
    for (const s of answer) conn.receive(s);
    // After our self-presence, before the subject: newer still.
    conn.receive(live(89));
    conn.receive(subject);
    conn.receive(live(90));
    await flush();
    expect(seen).toEqual(["alice-86 h", "alice-87 h", "subject", "alice-88", "alice-89", "alice-90"]);
  });

  it("a reflection of ours among them settles its tracker, and that message is not sent again after the rejoin", async () => {
    const { conn, muc } = newService();
    const room = await joinAsBob(conn, muc);
    const tracker = room.sendTrackedMessage("bob-1");
    const sent = await conn.nextSent((s) => s.is("message"), 1_000);
    const originId = String(sent.getChild("origin-id", SID)?.attrs.id);
    conn.drop();
    for (const s of EJABBERD_RESUMPTION_FAILED) conn.receive(s);
    // The stream died before our message was acknowledged; the room relays it to the old occupancy all the same.
    conn.receive(
      `<message xml:lang="en" to="${ME}" from="${ROOM}/Bob" type="groupchat" id="${String(sent.attrs.id)}"><stanza-id by="${ROOM}" id="sid-bob-1" xmlns="${SID}"/><origin-id xmlns="${SID}" id="${originId}"/><body>bob-1</body></message>`,
    );
    conn.newSession();
    const rejoin = await conn.nextSent(joinTo(ROOM, "Bob"), 1_000);
    conn.takeSent();
    for (const s of ejabberdJoinAnswer(String(rejoin.attrs.id))) conn.receive(s);
    await flush();
    expect(tracker.state).toBe(MessageState.DELIVERED_TO_RECIPIENT);
    expect(conn.takeSent().filter((s) => s.is("message"))).toEqual([]);
  });

  it("a room that is not rejoined delivers them before it exits", async () => {
    const { conn, muc } = newService();
    const room = await joinAsBob(conn, muc, { autorejoin: false });
    const seen = follow(room);
    room.on("exit", ({ mode }) => seen.push(`exit ${mode}`));
    conn.drop();
    for (const s of EJABBERD_RESUMPTION_FAILED) conn.receive(s);
    conn.receive(live(88));
    conn.newSession();
    await flush();
    expect(seen).toEqual(["alice-88", `exit ${LeaveMode.DISCONNECTED}`]);
  });

  it("onMessageChange hears a held correction when the room lets it go, after the history, once", async () => {
    const { conn, muc } = newService();
    const room = await joinAsBob(conn, muc);
    const changes: string[] = [];
    const stop = onMessageChange(muc, (c) => changes.push(`${c.kind} ${c.stanzaId ?? ""}`));
    conn.drop();
    for (const s of EJABBERD_RESUMPTION_FAILED) conn.receive(s);
    const fix = `<message xml:lang="en" to="${ME}" from="${ROOM}/Alice" type="groupchat" id="fix-1"><stanza-id by="${ROOM}" id="sid-fix" xmlns="${SID}"/><replace id="m-alice-86" xmlns="urn:xmpp:message-correct:0"/><body>alice-86!</body></message>`;
    conn.receive(fix);
    expect(changes).toEqual([]);
    conn.newSession();
    const rejoin = await conn.nextSent(joinTo(ROOM, "Bob"), 1_000);
    for (const s of answerWith(String(rejoin.attrs.id), [86])) conn.receive(s);
    await flush();
    expect(changes).toEqual(["correction sid-fix"]);
    expect(room.active).toBe(true);
    stop();
  });

  it("at most 2,000 wait: the next one lets them all go, in order", async () => {
    const { conn, muc } = newService();
    const room = await joinAsBob(conn, muc);
    const seen = follow(room);
    conn.drop();
    for (const s of EJABBERD_RESUMPTION_FAILED) conn.receive(s);
    for (let n = 1; n <= 2_001; n++) conn.receive(live(10_000 + n));
    expect(seen).toHaveLength(2_001);
    expect(seen.map((b) => Number(b.slice("alice-".length)))).toEqual(Array.from({ length: 2_001 }, (_, i) => 10_001 + i));
  });
});

/**
 * A join written on a stream that then died may still reach the room, which
 * answers it late, to the new session under the same full JID (seen in the
 * two-sender storm on ejabberd, its trace kept with `STORM_TRACE`): after
 * the new session's bind, the tail of such an answer (history, subject)
 * whose head went to the dead stream; and, for a join from a full JID
 * already in the room, ejabberd first ends that occupancy (an unavailable
 * self-presence without a removal code) and then joins it afresh,
 * echoing the join's id on our self-presence.
 */
describe("ejabberd: late answers to joins that dead streams wrote", () => {
  /** ejabberd's end of our occupancy ahead of its answer to another join from the same full JID. */
  const OCCUPANCY_ENDS = EJABBERD_OLD_SESSION_GONE;

  /**
   * Bob in the room again through the answer to a rejoin, while the rejoin
   * of the next session is never answered; joins wait 300 ms, so the wait
   * for a late answer is that short.
   */
  async function inRoomWithAJoinUnanswered(): Promise<{ conn: MockConnection; room: Room }> {
    const { conn, muc } = newService({ joinTimeout: 300 });
    const room = await joinAsBob(conn, muc);
    replaceSession(conn);
    const second = await conn.nextSent(joinTo(ROOM, "Bob"), 1_000);
    replaceSession(conn);
    await conn.nextSent(joinTo(ROOM, "Bob"), 1_000); // never answered
    for (const s of ejabberdJoinAnswer(String(second.attrs.id))) conn.receive(s);
    return { conn, room };
  }

  it("history and a subject before our rejoin's self-presence are not delivered; the rejoin's answer brings them once, in order, and then what the stream lost goes out", async () => {
    const { conn, muc } = newService();
    const room = await joinAsBob(conn, muc);
    const seen = follow(room);
    conn.receive(live(85));
    await room.sendMessage("lost"); // written, never acknowledged
    conn.drop();
    for (const s of EJABBERD_RESUMPTION_FAILED) conn.receive(s);
    // The tail of an earlier join's answer: its head (86, 87) went to the dead stream.
    conn.receive(history(88));
    conn.receive(history(89));
    conn.receive(`<message to="${ME}" from="${ROOM}" type="groupchat"><subject/></message>`);
    conn.newSession();
    const rejoin = await conn.nextSent(joinTo(ROOM, "Bob"), 1_000);
    await flush();
    expect(seen).toEqual(["alice-85"]);
    expect(conn.takeSent().filter((s) => s.is("message"))).toEqual([]);
    for (const s of answerWith(String(rejoin.attrs.id), [85, 86, 87, 88, 89])) conn.receive(s);
    await answerArchive(conn);
    const resent = await conn.nextSent((s) => s.is("message"), 1_000);
    expect(resent.getChildText("body")).toBe("lost");
    expect(seen).toEqual(["alice-85", "alice-86 h", "alice-87 h", "alice-88 h", "alice-89 h", "subject"]);
    expect(room.active).toBe(true);
  });

  it("the room's answers to our earlier joins, each after the end of our occupancy, are rejoins of the room's own: no join is sent for them, none counts as a removal, the room stays", async () => {
    const { conn, muc, room, events } = await bobInRoom();
    const joins: string[] = [];
    // Five sessions in a row, each dying before the answer to its rejoin.
    for (let i = 0; i < 5; i++) {
      replaceSession(conn);
      joins.push(String((await conn.nextSent(joinTo(ROOM, "Bob"), 1_000)).attrs.id));
    }
    conn.takeSent();
    // The room handles them all now, in order; the first finds us out of the room already.
    for (const [i, id] of joins.entries()) {
      if (i > 0) for (const s of OCCUPANCY_ENDS) conn.receive(s);
      for (const s of ejabberdJoinAnswer(id)) conn.receive(s);
    }
    await flush();
    expect(conn.takeSent().filter(joinTo(ROOM, "Bob"))).toEqual([]);
    expect(events.filter((e) => e.startsWith("exit"))).toEqual([]);
    expect(events.slice(-2)).toEqual(["suspend", "resume"]);
    expect(muc.getRoom(ROOM)).toBe(room);
    expect(room.active).toBe(true);
    // With every join answered, the same end of our occupancy is a removal again: the room rejoins.
    for (const s of OCCUPANCY_ENDS) conn.receive(s);
    const rejoin = await conn.nextSent(joinTo(ROOM, "Bob"), 1_000);
    for (const s of ejabberdJoinAnswer(String(rejoin.attrs.id))) conn.receive(s);
    await flush();
    expect(room.active).toBe(true);
  });

  it("an end of our occupancy that no answer follows is a removal after all: the room rejoins", async () => {
    const { conn, room } = await inRoomWithAJoinUnanswered();
    await flush();
    expect(room.active).toBe(true);
    const mark = conn.sent.length;
    for (const s of OCCUPANCY_ENDS) conn.receive(s);
    await flush();
    expect(conn.sent.slice(mark).filter(joinTo(ROOM, "Bob"))).toEqual([]);
    expect(room.active).toBe(false);
    // No answer within the join timeout (here shorter than the usual 5 s of grace): a rejoin of our own.
    const rejoin = await conn.nextSent(joinTo(ROOM, "Bob"), 1_000);
    for (const s of ejabberdJoinAnswer(String(rejoin.attrs.id))) conn.receive(s);
    await flush();
    expect(room.active).toBe(true);
  });

  it("a hostile room that ends our occupancy after every join it answers, with ids not ours, is not rejoined in a loop: the fourth such end within a minute ends the room", async () => {
    const { conn, muc } = newService({ joinTimeout: 300 });
    const { room, joined } = muc.join(ROOM, "Bob");
    await conn.nextSent(joinTo(ROOM, "Bob"), 1_000);
    for (const s of ejabberdJoinAnswer("not-ours-0")) conn.receive(s);
    await joined;
    const events = record(room);
    for (let i = 1; i <= 3; i++) {
      for (const s of OCCUPANCY_ENDS) conn.receive(s);
      await conn.nextSent(joinTo(ROOM, "Bob"), 1_000);
      for (const s of ejabberdJoinAnswer(`not-ours-${i}`)) conn.receive(s);
      await flush();
      expect(room.active).toBe(true);
    }
    const mark = conn.sent.length;
    for (const s of OCCUPANCY_ENDS) conn.receive(s);
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect(events.at(-1)).toBe(`exit ${LeaveMode.NORMAL}`);
    expect(conn.sent.slice(mark).filter(joinTo(ROOM, "Bob"))).toEqual([]);
  });

  it("a stream that dies during that wait and is resumed: the wait goes on, then the room rejoins on the resumed stream, once", async () => {
    const { conn, room } = await inRoomWithAJoinUnanswered();
    for (const s of OCCUPANCY_ENDS) conn.receive(s);
    await flush();
    const mark = conn.sent.length;
    conn.drop();
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(conn.sent.slice(mark).filter(joinTo(ROOM, "Bob"))).toEqual([]);
    conn.receive(EJABBERD_RESUMPTION_FAILED[0] as string);
    conn.resume();
    const rejoin = await conn.nextSent(joinTo(ROOM, "Bob"), 1_000);
    for (const s of ejabberdJoinAnswer(String(rejoin.attrs.id))) conn.receive(s);
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(conn.sent.slice(mark).filter(joinTo(ROOM, "Bob"))).toHaveLength(1);
    expect(room.active).toBe(true);
  });
});
