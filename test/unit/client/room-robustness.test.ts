/**
 * Malformed and hostile input, as transcripts over the mock connection: no
 * stanza may throw out of the connection's stanza handler, leave a room
 * half-updated (occupants, roles, affiliations, subject unchanged), fire
 * events, or go unreported — what is ignored is logged at debug level.
 * Also: very large input (a 100 000-character nick, a 10 MB body), messages
 * routed by their `from` only, and IQ answers from the wrong entity.
 */
import { afterEach, describe, expect, it } from "vitest";
import xml, { type Element } from "@xmpp/xml";
import { MucService, setRole, type Logger, type Room, type RoomEvents } from "../../../src/index.js";
import { MockConnection } from "../../../src/testing/index.js";

const ROOM = "coven@chat.shakespeare.lit";
const ROOM2 = "darkcave@chat.shakespeare.lit";
const ME = "hag66@shakespeare.lit/pda";
const NICK = "thirdwitch";
const MUC_USER = "http://jabber.org/protocol/muc#user";
const SID = "urn:xmpp:sid:0";

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

function recordAll(room: Room): Recorded[] {
  const seen: Recorded[] = [];
  for (const name of EVENT_NAMES) {
    room.on(name, (payload: RoomEvents[typeof name]) => seen.push({ name, payload } as Recorded));
  }
  return seen;
}

function payloadsOf<K extends keyof RoomEvents>(seen: Recorded[], name: K): RoomEvents[K][] {
  return seen.filter((r) => r.name === name).map((r) => r.payload as RoomEvents[K]);
}

interface RecordingLogger extends Logger {
  readonly debugs: string[];
  readonly warns: string[];
}

function recordingLogger(): RecordingLogger {
  const debugs: string[] = [];
  const warns: string[] = [];
  return {
    debugs,
    warns,
    debug: (message: string) => void debugs.push(message),
    warn: (message: string) => void warns.push(message),
  };
}

/** Everything observable about a room's state. */
function snapshot(room: Room): unknown {
  return {
    joined: room.joined,
    active: room.active,
    nick: room.nick,
    subject: room.subject,
    subjectSetter: room.subjectSetter,
    occupants: room.occupants.map((o) => ({
      nick: o.nick,
      role: o.role,
      affiliation: o.affiliation,
      jid: o.jid?.toString(),
      show: o.show,
      status: { ...o.status },
      occupantId: o.occupantId,
    })),
  };
}

function presenceOf(room: string, nick: string, affiliation: string, role: string, extra = ""): string {
  return `<presence from='${room}/${nick}' to='${ME}'><x xmlns='${MUC_USER}'><item affiliation='${affiliation}' role='${role}'/>${extra}</x></presence>`;
}

function escapeXml(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/'/g, "&apos;").replace(/"/g, "&quot;");
}

let services: MucService[] = [];

interface Setup {
  conn: MockConnection;
  muc: MucService;
  log: RecordingLogger;
  room: Room;
  seen: Recorded[];
}

/** We are thirdwitch (member, participant) in coven with firstwitch (owner, moderator) and secondwitch (admin, moderator). */
async function setup(options: { secondRoom?: boolean } = {}): Promise<Setup & { room2?: Room; seen2?: Recorded[] }> {
  const conn = new MockConnection({ jid: ME });
  const log = recordingLogger();
  const muc = new MucService(conn, { selfPing: false, logger: log });
  services.push(muc);
  const join = async (jid: string): Promise<{ room: Room; seen: Recorded[] }> => {
    const { room, joined } = muc.join(jid, NICK);
    const seen = recordAll(room);
    await conn.nextSent((s) => s.is("presence") && s.attrs.to === `${jid}/${NICK}`, 1_000);
    conn.receive(presenceOf(jid, "firstwitch", "owner", "moderator"));
    conn.receive(presenceOf(jid, "secondwitch", "admin", "moderator"));
    conn.receive(presenceOf(jid, NICK, "member", "participant", "<status code='110'/>"));
    await joined;
    conn.receive(`<message from='${jid}/secondwitch' id='subj' to='${ME}' type='groupchat'><subject>Fire Burn and Cauldron Bubble!</subject></message>`);
    seen.length = 0;
    return { room, seen };
  };
  const first = await join(ROOM);
  const second = options.secondRoom ? await join(ROOM2) : undefined;
  conn.takeSent();
  log.debugs.length = 0;
  log.warns.length = 0;
  return { conn, muc, log, room: first.room, seen: first.seen, ...(second ? { room2: second.room, seen2: second.seen } : {}) };
}

afterEach(() => {
  for (const muc of services) muc.close();
  services = [];
});

const LONG_NICK = "n".repeat(100_000);

/** Input the room must ignore: [description, the stanza]. */
const IGNORED: ReadonlyArray<readonly [string, () => string | Element]> = [
  ["an unavailable presence without muc#user x", () => `<presence from='${ROOM}/firstwitch' to='${ME}' type='unavailable'/>`],
  ["an available presence without muc#user x", () => `<presence from='${ROOM}/hecate' to='${ME}'><show>away</show></presence>`],
  [
    "a presence whose item has an invalid jid",
    () => `<presence from='${ROOM}/firstwitch' to='${ME}'><x xmlns='${MUC_USER}'><item affiliation='owner' role='visitor' jid='@shakespeare.lit'/></x></presence>`,
  ],
  [
    "a presence whose item has a role outside XEP-0045 §5.1",
    () => `<presence from='${ROOM}/firstwitch' to='${ME}'><x xmlns='${MUC_USER}'><item affiliation='owner' role='emperor'/></x></presence>`,
  ],
  [
    "an unavailable presence whose item has a bad role",
    () => `<presence from='${ROOM}/secondwitch' to='${ME}' type='unavailable'><x xmlns='${MUC_USER}'><item affiliation='admin' role='ghost'/></x></presence>`,
  ],
  [
    "a presence whose item has an affiliation outside XEP-0045 §5.2",
    () => `<presence from='${ROOM}/secondwitch' to='${ME}'><x xmlns='${MUC_USER}'><item affiliation='overlord' role='moderator'/></x></presence>`,
  ],
  ["a presence with an unknown presence type", () => `<presence from='${ROOM}/firstwitch' to='${ME}' type='vanished'><x xmlns='${MUC_USER}'><item affiliation='owner' role='none'/></x></presence>`],
  [
    "an unavailable presence with 110 from the bare room JID",
    () => `<presence from='${ROOM}' to='${ME}' type='unavailable'><x xmlns='${MUC_USER}'><item affiliation='none' role='none'/><status code='110'/><status code='307'/></x></presence>`,
  ],
  ["an available presence from the bare room JID", () => `<presence from='${ROOM}' to='${ME}'><x xmlns='${MUC_USER}'><item affiliation='owner' role='moderator'/></x></presence>`],
  [
    "a self-presence for a room not joined",
    () => `<presence from='${ROOM2}/${NICK}' to='${ME}'><x xmlns='${MUC_USER}'><item affiliation='owner' role='moderator'/><status code='110'/></x></presence>`,
  ],
  ["a presence from a 100 000-character nick", () => presenceOf(ROOM, LONG_NICK, "owner", "moderator")],
  [
    "a nick change (303) to a 100 000-character nick",
    () => `<presence from='${ROOM}/firstwitch' to='${ME}' type='unavailable'><x xmlns='${MUC_USER}'><item affiliation='owner' role='moderator' nick='${LONG_NICK}'/><status code='303'/></x></presence>`,
  ],
  ["a presence with an invalid from (empty resourcepart)", () => `<presence from='${ROOM}/' to='${ME}' type='unavailable'><x xmlns='${MUC_USER}'><item affiliation='owner' role='none'/><status code='110'/></x></presence>`],
  ["a presence from a 100 000-character room localpart", () => presenceOf(`${"r".repeat(100_000)}@chat.shakespeare.lit`, "x", "owner", "moderator")],
  ["an error presence about another occupant", () => `<presence from='${ROOM}/firstwitch' to='${ME}' type='error'><error type='cancel'><item-not-found xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></presence>`],
  ["a groupchat message with an invalid from (empty resourcepart)", () => `<message from='${ROOM}/' to='${ME}' type='groupchat'><subject>pwned</subject></message>`],
  ["a groupchat message with an invalid from (empty localpart)", () => `<message from='@chat.shakespeare.lit/firstwitch' to='${ME}' type='groupchat'><body>pwned</body></message>`],
];

/**
 * Junk that is not for the MUC layer at all, so no debug line is required:
 * a top-level element that is no stanza (a nonza; the XMPP client's business)
 * and an element whose `from` is not a string (cannot come off the wire).
 */
const JUNK: ReadonlyArray<readonly [string, () => string | Element]> = [
  ["a presence whose from is not a string", () => xml("presence", { from: 42 as unknown as string, type: "unavailable" }, xml("x", { xmlns: MUC_USER }, xml("item", { role: "none" })))],
  ["a message whose from is not a string", () => xml("message", { from: { evil: true } as unknown as string, type: "groupchat" }, xml("subject", {}, "pwned"))],
  ["a top-level element that is no stanza", () => `<junk xmlns='urn:example:junk'>text<more/></junk>`],
  ["a presence that holds only text", () => `<presence from='${ROOM}/firstwitch' to='${ME}' type='vanished'>only text &amp; entities</presence>`],
];

describe("malformed and hostile presences and stanzas", () => {
  it.each([...IGNORED, ...JUNK])("%s: does not throw, changes nothing, fires nothing", async (_name, make) => {
    const { conn, room, seen, log, muc } = await setup();
    const before = snapshot(room);
    const input = make();
    expect(() => conn.receive(input)).not.toThrow();
    expect(snapshot(room)).toEqual(before);
    expect(seen.map((r) => r.name)).toEqual([]);
    expect(muc.rooms).toEqual([room]);
    // The service's catch-all (a warning) must not have been needed.
    expect(log.warns).toEqual([]);
  });

  it.each(IGNORED)("%s: a logger sees a debug line", async (_name, make) => {
    const { conn, log } = await setup();
    conn.receive(make());
    expect(log.debugs.length).toBeGreaterThan(0);
  });

  it("the room still works after all of them", async () => {
    const { conn, room, seen } = await setup();
    for (const [, make] of [...IGNORED, ...JUNK]) conn.receive(make());
    conn.receive(`<presence from='${ROOM}/firstwitch' to='${ME}' type='unavailable'><x xmlns='${MUC_USER}'><item affiliation='owner' role='none'/></x></presence>`);
    conn.receive(`<message from='${ROOM}/secondwitch' id='ok' to='${ME}' type='groupchat'><body>still working</body></message>`);
    expect(seen.map((r) => r.name)).toEqual(["leave", "message"]);
    expect(room.occupants.map((o) => o.nick)).toEqual([NICK, "secondwitch"]);
  });

  it("an unknown status code (999) is kept and breaks nothing", async () => {
    const conn = new MockConnection({ jid: ME });
    const muc = new MucService(conn, { selfPing: false });
    services.push(muc);
    const { room, joined } = muc.join(ROOM, NICK);
    const seen = recordAll(room);
    await conn.nextSent((s) => s.is("presence"), 1_000);
    conn.receive(presenceOf(ROOM, NICK, "member", "participant", "<status code='110'/><status code='999'/>"));
    await joined;
    expect(payloadsOf(seen, "enter")[0]?.statusCodes).toEqual([110, 999]);
    expect(() => conn.receive(presenceOf(ROOM, "hecate", "none", "participant", "<status code='999'/>"))).not.toThrow();
    expect(payloadsOf(seen, "join").map((j) => j.occupant.nick)).toEqual(["hecate"]);
    expect(() => conn.receive(presenceOf(ROOM, "hecate", "none", "visitor", "<status code='999'/>"))).not.toThrow();
    expect(room.getOccupant("hecate")?.role).toBe("visitor");
    expect(() =>
      conn.receive(`<presence from='${ROOM}/hecate' to='${ME}' type='unavailable'><x xmlns='${MUC_USER}'><item affiliation='none' role='none'/><status code='999'/></x></presence>`),
    ).not.toThrow();
    expect(payloadsOf(seen, "leave").map((l) => l.occupant.nick)).toEqual(["hecate"]);
    expect(() => conn.receive(`<message from='${ROOM}' id='cfg' to='${ME}' type='groupchat'><x xmlns='${MUC_USER}'><status code='999'/></x></message>`)).not.toThrow();
    expect(room.active).toBe(true);
  });

  it("a listener that throws breaks neither the handler nor the other listeners", async () => {
    const { conn, room, log } = await setup();
    const got: string[] = [];
    room.on("message", () => {
      throw new Error("user bug");
    });
    room.on("message", ({ body }) => got.push(body));
    expect(() => conn.receive(`<message from='${ROOM}/firstwitch' id='t' to='${ME}' type='groupchat'><body>hi</body></message>`)).not.toThrow();
    expect(got).toEqual(["hi"]);
    expect(log.warns.length).toBeGreaterThan(0);
  });
});

describe("messages", () => {
  it("a 10 MB body is delivered intact as a message", async () => {
    const { conn, seen } = await setup();
    const unit = "Ä<&>'\" 🜁 thrice\n";
    const body = unit.repeat(Math.ceil((10 * 1024 * 1024) / unit.length));
    expect(body.length).toBeGreaterThanOrEqual(10 * 1024 * 1024);
    expect(() => conn.receive(`<message from='${ROOM}/firstwitch' id='big' to='${ME}' type='groupchat'><body>${escapeXml(body)}</body></message>`)).not.toThrow();
    const messages = payloadsOf(seen, "message");
    expect(messages).toHaveLength(1);
    expect(messages[0]?.body.length).toBe(body.length);
    expect(messages[0]?.body === body).toBe(true);
  });

  it("a message is routed by its from only: content claiming another room changes nothing there", async () => {
    const { conn, room, seen, room2, seen2 } = await setup({ secondRoom: true });
    const before2 = snapshot(room2 as Room);
    conn.receive(`<message from='${ROOM}/firstwitch' id='claim' to='${ME}' type='groupchat'>
      <body>I speak for darkcave</body>
      <stanza-id xmlns='${SID}' id='dc-1' by='${ROOM2}'/>
      <delay xmlns='urn:xmpp:delay' from='${ROOM2}' stamp='2002-10-13T23:58:37Z'/>
      <x xmlns='${MUC_USER}'><status code='104'/></x></message>`);
    conn.receive(`<message from='${ROOM}/firstwitch' id='claim2' to='${ROOM2}' type='groupchat'><subject>darkcave subject?</subject></message>`);
    expect(seen2).toEqual([]);
    expect(snapshot(room2 as Room)).toEqual(before2);
    const [m] = payloadsOf(seen, "message");
    expect(m).toMatchObject({ room, nick: "firstwitch", body: "I speak for darkcave", stanzaId: undefined });
    expect(room.subject).toBe("darkcave subject?");
  });

  it("a message for a room not joined goes nowhere", async () => {
    const { conn, seen, muc } = await setup();
    expect(() => conn.receive(`<message from='${ROOM2}/firstwitch' id='x' to='${ME}' type='groupchat'><body>hello?</body></message>`)).not.toThrow();
    expect(seen).toEqual([]);
    expect(muc.getRoom(ROOM2)).toBeUndefined();
  });

  it("a message with a malformed <delay/>, <stanza-id/>, <origin-id/> and <occupant-id/> is still delivered, without them", async () => {
    const { conn, seen } = await setup();
    expect(() =>
      conn.receive(`<message from='${ROOM}/firstwitch' id='mal' to='${ME}' type='groupchat'><body>odd extras</body>
        <delay xmlns='urn:xmpp:delay' from='${ROOM}' stamp='yesterday'/>
        <stanza-id xmlns='${SID}' id='no-by'/>
        <origin-id xmlns='${SID}'/>
        <occupant-id xmlns='urn:xmpp:occupant-id:0'/></message>`),
    ).not.toThrow();
    const [m] = payloadsOf(seen, "message");
    expect(m).toMatchObject({ body: "odd extras", delay: undefined, stanzaId: undefined, originId: undefined, occupantId: undefined });
  });

  it("an error message with no id, or an id nobody waits for, changes nothing", async () => {
    const { conn, room, seen } = await setup();
    const before = snapshot(room);
    expect(() => conn.receive(`<message from='${ROOM}' to='${ME}' type='error'><error type='cancel'><gone xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></message>`)).not.toThrow();
    expect(() => conn.receive(`<message from='${ROOM}' id='nobody' to='${ME}' type='error'/>`)).not.toThrow();
    expect(snapshot(room)).toEqual(before);
    expect(seen).toEqual([]);
  });

  it("a groupchat message without body or subject fires nothing", async () => {
    const { conn, seen } = await setup();
    expect(() => conn.receive(`<message from='${ROOM}/firstwitch' id='cs' to='${ME}' type='groupchat'>just text, no body<active xmlns='http://jabber.org/protocol/chatstates'/></message>`)).not.toThrow();
    expect(seen).toEqual([]);
  });
});

describe("IQ answers", () => {
  it("an answer to our admin request from the wrong JID is ignored (logged); the request then times out", async () => {
    const { conn, muc, room, log } = await setup();
    const request = setRole(muc, room.jid, "secondwitch", "visitor", { timeout: 150 });
    const iq = await conn.nextSent((s) => s.is("iq"), 1_000);
    expect(iq.attrs.to).toBe(ROOM);
    // Neither an occupant nor another entity may answer for the room.
    expect(() => conn.replyResult(iq, undefined, `${ROOM}/firstwitch`)).not.toThrow();
    expect(() => conn.replyResult(iq, undefined, "mallory@evil.example")).not.toThrow();
    expect(() => conn.replyError(iq, "forbidden", { from: ROOM2 })).not.toThrow();
    expect(log.debugs.length).toBeGreaterThanOrEqual(3);
    await expect(request).rejects.toMatchObject({ name: "TimeoutError", timeout: 150 });
  });

  it("the answer from the room itself is accepted", async () => {
    const { conn, muc, room } = await setup();
    const request = setRole(muc, room.jid, "secondwitch", "visitor", { timeout: 1_000 });
    const iq = await conn.nextSent((s) => s.is("iq"), 1_000);
    conn.replyResult(iq, undefined, "mallory@evil.example");
    conn.replyResult(iq);
    await expect(request).resolves.toBeUndefined();
  });
});
