/**
 * What ejabberd (23.01, Debian) sends that tripped the client, as
 * transcripts over the mock connection. Every stanza the server sends here
 * is one ejabberd sent in test/integration/muc-client-ejabberd.test.ts,
 * copied from its stanza log (only ids and timestamps are of that run).
 */
import { afterEach, describe, expect, it } from "vitest";
import type { Element } from "@xmpp/xml";
import { LeaveMode, MucService, type Room, type RoomEvents } from "../../../src/index.js";
import { MockConnection } from "../../../src/testing/index.js";
import { flush } from "./room-presence-helpers.js";

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

let services: MucService[] = [];
afterEach(() => {
  for (const muc of services) muc.close();
  services = [];
});

function newService(): { conn: MockConnection; muc: MucService } {
  const conn = new MockConnection({ jid: ME });
  const muc = new MucService(conn, { selfPing: false });
  services.push(muc);
  return { conn, muc };
}

async function joinAsBob(conn: MockConnection, muc: MucService): Promise<Room> {
  const { room, joined } = muc.join(ROOM, "Bob");
  const join = await conn.nextSent(joinTo(ROOM, "Bob"), 1_000);
  for (const s of ejabberdJoinAnswer(String(join.attrs.id))) conn.receive(s);
  await joined;
  return room;
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
    const { conn, muc } = newService();
    const room = await joinAsBob(conn, muc);
    const events = record(room);
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
    const { conn, muc } = newService();
    const { room, joined } = muc.join(ROOM, "Bob", { autorejoin: false });
    const join = await conn.nextSent(joinTo(ROOM, "Bob"), 1_000);
    for (const s of ejabberdJoinAnswer(String(join.attrs.id))) conn.receive(s);
    await joined;
    const events = record(room);

    conn.drop();
    for (const s of [...EJABBERD_RESUMPTION_FAILED, ...EJABBERD_OLD_SESSION_GONE]) conn.receive(s);
    conn.newSession();
    await flush();
    expect(events).toEqual([`exit ${LeaveMode.DISCONNECTED}`]);
  });

  it("the same self-presence arriving after the rejoin went out does not end the room: the rejoin's answer resumes it", async () => {
    const { conn, muc } = newService();
    const room = await joinAsBob(conn, muc);
    const events = record(room);
    conn.drop();
    for (const s of EJABBERD_RESUMPTION_FAILED) conn.receive(s);
    conn.newSession();
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
    conn.drop();
    for (const s of EJABBERD_RESUMPTION_FAILED) conn.receive(s);
    conn.newSession();
    const again = await conn.nextSent(joinTo(ROOM, "Bob"), 1_000);
    for (const s of EJABBERD_OLD_SESSION_GONE) conn.receive(s);
    for (const s of ejabberdJoinAnswer(String(again.attrs.id))) conn.receive(s);
    await expect(joined).resolves.toBe(room);
    expect(room.active).toBe(true);
  });

  it("on a resumed stream, the same self-presence is believed: the room ends", async () => {
    const { conn, muc } = newService();
    const room = await joinAsBob(conn, muc);
    const events = record(room);
    conn.drop();
    conn.receive(EJABBERD_RESUMPTION_FAILED[0] as string);
    conn.resume();
    for (const s of EJABBERD_OLD_SESSION_GONE) conn.receive(s);
    await flush();
    expect(events).toEqual([`exit ${LeaveMode.NORMAL}`]);
    expect(muc.getRoom(ROOM)).toBeUndefined();
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
    const { conn, muc } = newService();
    const room = await joinAsBob(conn, muc);
    const events = record(room);
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
    const { conn, muc } = newService();
    const room = await joinAsBob(conn, muc);
    const events = record(room);
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
