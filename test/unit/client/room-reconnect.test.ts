/**
 * Rooms across connection changes, as transcripts over the mock connection:
 * a resumed stream (XEP-0198) changes nothing; a new stream suspends every
 * autorejoin room, rejoins it with its password and the history of the
 * seconds since it last had everything, de-duplicates the history by XEP-0359 stanza-id ("no message
 * lost, none twice") and resumes it; other rooms exit DISCONNECTED; joins in
 * flight and joins requested while offline; sends held back while stream
 * management is being enabled; XEP-0410 self-ping (fake timers).
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import type { Element } from "@xmpp/xml";
import { LeaveMode, MessageState, MucService, type Room, type RoomEvents } from "../../../src/index.js";
import { MockConnection } from "../../../src/testing/index.js";
import { answerArchive, flush } from "./room-presence-helpers.js";

const ROOM = "coven@chat.shakespeare.lit";
const ROOM2 = "darkcave@chat.shakespeare.lit";
const ME = "hag66@shakespeare.lit/pda";
const NICK = "thirdwitch";
const MUC = "http://jabber.org/protocol/muc";
const MUC_USER = "http://jabber.org/protocol/muc#user";
const SID = "urn:xmpp:sid:0";
/** A rejoin asks for the seconds since it last had everything, plus this margin (room-sync.ts). */
const HISTORY_MARGIN_S = 60;

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

function names(seen: Recorded[]): string[] {
  return seen.map((r) => r.name);
}

function presenceOf(room: string, nick: string, affiliation: string, role: string, extra = ""): string {
  return `<presence from='${room}/${nick}' to='${ME}'><x xmlns='${MUC_USER}'><item affiliation='${affiliation}' role='${role}'/>${extra}</x></presence>`;
}

function selfPresence(room: string, nick = NICK): string {
  return presenceOf(room, nick, "member", "participant", "<status code='110'/>");
}

function joinPresenceTo(room: string, nick = NICK): (s: Element) => boolean {
  return (s) => s.is("presence") && s.attrs.to === `${room}/${nick}` && s.attrs.type === undefined && s.getChild("x", MUC) !== undefined;
}

function isPing(s: Element): boolean {
  return s.is("iq") && s.getChild("ping", "urn:xmpp:ping") !== undefined;
}

function groupchat(room: string, nick: string, body: string, opts: { id?: string; stanzaId?: string; stamp?: string } = {}): string {
  return `<message from='${room}/${nick}' to='${ME}' type='groupchat'${opts.id ? ` id='${opts.id}'` : ""}><body>${body}</body>${
    opts.stanzaId ? `<stanza-id xmlns='${SID}' id='${opts.stanzaId}' by='${room}'/>` : ""
  }${opts.stamp ? `<delay xmlns='urn:xmpp:delay' from='${room}' stamp='${opts.stamp}'/>` : ""}</message>`;
}

function subject(room: string, text: string): string {
  return `<message from='${room}/firstwitch' to='${ME}' type='groupchat' id='subj'><subject>${text}</subject>
    <delay xmlns='urn:xmpp:delay' from='${room}' stamp='1610-04-20T00:00:00Z'/></message>`;
}

/**
 * Both clocks a rejoin's history is measured on, under the test's control:
 * `Date.now` (the wall clock) and `performance.now` (the monotonic one).
 */
function fakeClocks() {
  let wall = 1_900_000_000_000;
  let mono = 1_000;
  vi.spyOn(Date, "now").mockImplementation(() => wall);
  vi.spyOn(performance, "now").mockImplementation(() => mono);
  return {
    wall: () => wall,
    setWall: (t: number) => void (wall = t),
    advanceMono: (ms: number) => void (mono += ms),
    /** Time passes on both clocks. */
    advance: (ms: number) => {
      wall += ms;
      mono += ms;
    },
  };
}

let services: MucService[] = [];

function newService(options: ConstructorParameters<typeof MucService>[1] = {}, connOptions: ConstructorParameters<typeof MockConnection>[0] = {}) {
  const conn = new MockConnection({ jid: ME, ...connOptions });
  const muc = new MucService(conn, { selfPing: false, ...options });
  services.push(muc);
  return { conn, muc };
}

/** Join `room` with firstwitch and secondwitch present; answers the subject. */
async function joinRoom(
  conn: MockConnection,
  muc: MucService,
  room: string,
  options: Parameters<MucService["join"]>[2] = {},
): Promise<{ room: Room; seen: Recorded[] }> {
  const { room: r, joined } = muc.join(room, NICK, options);
  const seen = recordAll(r);
  await conn.nextSent(joinPresenceTo(room), 1_000);
  conn.receive(presenceOf(room, "firstwitch", "owner", "moderator"));
  conn.receive(presenceOf(room, "secondwitch", "admin", "moderator"));
  conn.receive(selfPresence(room));
  await joined;
  conn.receive(subject(room, "Fire Burn and Cauldron Bubble!"));
  seen.length = 0;
  return { room: r, seen };
}

afterEach(() => {
  for (const muc of services) muc.close();
  services = [];
  vi.useRealTimers();
  vi.restoreAllMocks();
});

// ---------------------------------------------------------------------------

describe("resumed stream (XEP-0198)", () => {
  it("leaves rooms as they are: no events, no rejoin sent", async () => {
    const { conn, muc } = newService();
    const { room, seen } = await joinRoom(conn, muc, ROOM, { password: "cauldronburn" });
    conn.takeSent();
    conn.drop();
    conn.resume();
    await new Promise((r) => setTimeout(r, 20));
    expect(seen).toEqual([]);
    expect(conn.takeSent()).toEqual([]);
    expect(room.joined).toBe(true);
    expect(room.active).toBe(true);
    expect(room.occupants.map((o) => o.nick)).toEqual([NICK, "firstwitch", "secondwitch"]);
    // Live traffic goes on.
    conn.receive(groupchat(ROOM, "firstwitch", "still here", { id: "after-resume" }));
    expect(payloadsOf(seen, "message").map((m) => [m.body, m.history])).toEqual([["still here", false]]);
  });

  it("a join requested while the stream is dropped is sent once the stream is resumed", async () => {
    const { conn, muc } = newService();
    conn.drop();
    const { room, joined } = muc.join(ROOM, NICK);
    conn.resume();
    await conn.nextSent(joinPresenceTo(ROOM), 1_000);
    conn.receive(selfPresence(ROOM));
    await expect(joined).resolves.toBe(room);
  });
});

describe("new stream", () => {
  it("suspends, rejoins with the same nick, the password and the history of the seconds since the last message seen, then resumes", async () => {
    const clocks = fakeClocks();
    const { conn, muc } = newService();
    const { room, seen } = await joinRoom(conn, muc, ROOM, { password: "cauldronburn", history: { maxStanzas: 20 } });
    conn.receive(groupchat(ROOM, "firstwitch", "last before the drop", { id: "m1", stanzaId: "sid-1" }));
    conn.takeSent();
    clocks.advance(30_000);

    conn.drop();
    conn.newSession();
    expect(names(seen)).toEqual(["message", "suspend"]);
    expect(room.joined).toBe(true);
    expect(room.active).toBe(false);

    const rejoin = await conn.nextSent(joinPresenceTo(ROOM), 1_000);
    const x = rejoin.getChild("x", MUC);
    expect(x?.getChildText("password")).toBe("cauldronburn");
    const history = x?.getChild("history");
    // Not the first join's 20: as many as the room can tell apart from what it had (see room-sync.ts).
    expect(history?.attrs.maxstanzas).toBe("1000");
    // The 30 s since the last message seen, and the margin: a duration the room counts on its own clock, never a date of ours.
    expect(history?.attrs.seconds).toBe(String(30 + HISTORY_MARGIN_S));
    expect(history?.attrs.since).toBeUndefined();

    conn.receive(presenceOf(ROOM, "firstwitch", "owner", "moderator"));
    conn.receive(presenceOf(ROOM, "secondwitch", "admin", "moderator"));
    conn.receive(selfPresence(ROOM));
    expect(names(seen)).toEqual(["message", "suspend", "resume"]);
    expect(payloadsOf(seen, "resume")[0]?.room).toBe(room);
    expect(payloadsOf(seen, "resume")[0]?.created).toBe(false);
    expect(room.active).toBe(true);
    expect(room.occupants.map((o) => o.nick)).toEqual([NICK, "firstwitch", "secondwitch"]);
  });

  it("a message with a forged delay, from the future or the past, does not narrow the rejoin's history", async () => {
    const clocks = fakeClocks();
    const { conn, muc } = newService();
    await joinRoom(conn, muc, ROOM);
    conn.receive(groupchat(ROOM, "firstwitch", "real", { id: "r1", stanzaId: "sid-r1" }));
    clocks.advance(10_000);
    // Live messages (after the subject) whose senders added delays of their own.
    conn.receive(`<message from='${ROOM}/secondwitch' to='${ME}' type='groupchat' id='f1'><body>from the future</body>
      <delay xmlns='urn:xmpp:delay' from='wiccarocks@shakespeare.lit/laptop' stamp='2099-01-01T00:00:00Z'/></message>`);
    conn.receive(`<message from='${ROOM}/secondwitch' to='${ME}' type='groupchat' id='f2'><body>from the past</body>
      <delay xmlns='urn:xmpp:delay' from='${ROOM}' stamp='1610-01-01T00:00:00Z'/></message>`);
    clocks.advance(5_000);
    conn.drop();
    conn.newSession();
    const rejoin = await conn.nextSent(joinPresenceTo(ROOM), 1_000);
    // From the last live message (received 5 s ago), whatever its stamp said.
    expect(rejoin.getChild("x", MUC)?.getChild("history")?.attrs.seconds).toBe(String(5 + HISTORY_MARGIN_S));
  });

  it("a clock off, set back, or a device asleep: the rejoin still asks for all the time it was away", async () => {
    const clocks = fakeClocks();
    // The wall clock five minutes fast from the start: no date of ours is sent, so it changes nothing.
    clocks.setWall(clocks.wall() + 5 * 60_000);
    const { conn, muc } = newService();
    await joinRoom(conn, muc, ROOM);
    conn.receive(groupchat(ROOM, "firstwitch", "live", { id: "l1" }));
    const rejoinAfter = async (): Promise<string | undefined> => {
      conn.drop();
      conn.newSession();
      const rejoin = await conn.nextSent(joinPresenceTo(ROOM), 1_000);
      const seconds = rejoin.getChild("x", MUC)?.getChild("history")?.attrs.seconds;
      conn.receive(selfPresence(ROOM));
      conn.receive(subject(ROOM, "Fire Burn and Cauldron Bubble!"));
      return seconds;
    };
    // 20 s away, and the wall clock set back an hour meanwhile (a clock sync): the monotonic clock counts.
    clocks.advance(20_000);
    clocks.setWall(clocks.wall() - 3_600_000);
    expect(await rejoinAfter()).toBe(String(20 + HISTORY_MARGIN_S));
    // Two hours asleep: the monotonic clock may stand still then, the wall clock counts.
    clocks.setWall(clocks.wall() + 7_200_000);
    clocks.advanceMono(1_000);
    expect(await rejoinAfter()).toBe(String(7_200 + HISTORY_MARGIN_S));
  });


  it("without any message seen, the rejoin asks for everything since the join's history was over, whatever the join asked for", async () => {
    const clocks = fakeClocks();
    const { conn, muc } = newService();
    await joinRoom(conn, muc, ROOM, { history: { maxStanzas: 0 } });
    clocks.advance(45_000);
    conn.drop();
    conn.newSession();
    const history = (await conn.nextSent(joinPresenceTo(ROOM), 1_000)).getChild("x", MUC)?.getChild("history");
    expect(history?.attrs).toMatchObject({ seconds: String(45 + HISTORY_MARGIN_S), maxstanzas: "1000" });
  });

  it("before the first join's history is over, the rejoin asks for the history of the original join again", async () => {
    const { conn, muc } = newService();
    const { joined } = muc.join(ROOM, NICK, { history: { maxStanzas: 20 } });
    await conn.nextSent(joinPresenceTo(ROOM), 1_000);
    conn.receive(selfPresence(ROOM));
    await joined;
    conn.receive(groupchat(ROOM, "firstwitch", "old", { id: "h1", stamp: "1610-04-20T00:00:00Z" }));
    conn.drop();
    conn.newSession();
    const history = (await conn.nextSent(joinPresenceTo(ROOM), 1_000)).getChild("x", MUC)?.getChild("history");
    expect(history?.attrs).toStrictEqual({ maxstanzas: "20" });
  });

  it("the history sent after the rejoin is de-duplicated by stanza-id: no message lost, none twice", async () => {
    const { conn, muc } = newService();
    const { seen } = await joinRoom(conn, muc, ROOM);
    conn.receive(groupchat(ROOM, "firstwitch", "one", { id: "a", stanzaId: "sid-1" }));
    conn.receive(groupchat(ROOM, "secondwitch", "two", { id: "b", stanzaId: "sid-2" }));
    conn.drop();
    conn.newSession();
    await conn.nextSent(joinPresenceTo(ROOM), 1_000);
    conn.receive(presenceOf(ROOM, "firstwitch", "owner", "moderator"));
    conn.receive(presenceOf(ROOM, "secondwitch", "admin", "moderator"));
    conn.receive(selfPresence(ROOM));
    // The room re-sends what it has since `since`: two messages we saw (one with another id attribute) and two we missed.
    conn.receive(groupchat(ROOM, "firstwitch", "one", { id: "a", stanzaId: "sid-1", stamp: "2030-01-01T00:00:00Z" }));
    conn.receive(groupchat(ROOM, "secondwitch", "two", { id: "rewritten", stanzaId: "sid-2", stamp: "2030-01-01T00:00:01Z" }));
    conn.receive(groupchat(ROOM, "firstwitch", "three (while away)", { id: "c", stanzaId: "sid-3", stamp: "2030-01-01T00:00:02Z" }));
    conn.receive(groupchat(ROOM, "secondwitch", "one", { id: "d", stanzaId: "sid-4", stamp: "2030-01-01T00:00:03Z" }));
    conn.receive(subject(ROOM, "Fire Burn and Cauldron Bubble!"));
    conn.receive(groupchat(ROOM, "firstwitch", "four (live)", { id: "e", stanzaId: "sid-5" }));
    // The room's archive, asked after sid-2, holds nothing more (see archive-fill.test.ts); "four" waited for it.
    await answerArchive(conn);

    expect(payloadsOf(seen, "message").map((m) => [m.stanzaId, m.body, m.history])).toEqual([
      ["sid-1", "one", false],
      ["sid-2", "two", false],
      ["sid-3", "three (while away)", true],
      ["sid-4", "one", true],
      ["sid-5", "four (live)", false],
    ]);
    expect(names(seen).filter((n) => n !== "message")).toEqual(["suspend", "resume", "subjectChange"]);
  });

  it("a tracked message not acknowledged before the new stream stays IN_TRANSIT and is delivered by its reflection in the rejoin's history", async () => {
    const { conn, muc } = newService();
    const { room, seen } = await joinRoom(conn, muc, ROOM);
    const tracker = room.sendTrackedMessage("did it get through?");
    const sent = await conn.nextSent((s) => s.is("message"), 1_000);
    const originId = String(sent.getChild("origin-id", SID)?.attrs.id);
    conn.drop();
    conn.newSession();
    expect(tracker.state).toBe(MessageState.IN_TRANSIT);
    await conn.nextSent(joinPresenceTo(ROOM), 1_000);
    conn.receive(selfPresence(ROOM));
    conn.receive(`<message from='${ROOM}/${NICK}' to='${ME}' type='groupchat' id='${String(sent.attrs.id)}'><body>did it get through?</body>
      <origin-id xmlns='${SID}' id='${originId}'/><stanza-id xmlns='${SID}' id='sid-mine' by='${ROOM}'/>
      <delay xmlns='urn:xmpp:delay' from='${ROOM}' stamp='2030-01-01T00:00:00Z'/></message>`);
    expect(tracker.state).toBe(MessageState.DELIVERED_TO_RECIPIENT);
    expect(tracker.stanzaId).toBe("sid-mine");
    const [m] = payloadsOf(seen, "message");
    expect(m).toMatchObject({ own: true, history: true });
    expect(m?.tracker).toBe(tracker);
  });

  it("a tracked message the replaced stream lost is resent after the rejoin's history, and then delivered", async () => {
    const { conn, muc } = newService();
    const { room } = await joinRoom(conn, muc, ROOM);
    const tracker = room.sendTrackedMessage("lost with the stream");
    const sent = await conn.nextSent((s) => s.is("message"), 1_000);
    conn.drop();
    conn.newSession(); // the unacknowledged message fails
    await conn.nextSent(joinPresenceTo(ROOM), 1_000);
    conn.receive(selfPresence(ROOM));
    conn.receive(groupchat(ROOM, "firstwitch", "while you were away", { stanzaId: "sid-away", stamp: "2030-01-01T00:00:00Z" }));
    expect(conn.takeSent().filter((s) => s.is("message"))).toEqual([]); // not before the history is in
    conn.receive(subject(ROOM, "Fire Burn and Cauldron Bubble!"));
    const resent = await conn.nextSent((s) => s.is("message"), 1_000);
    expect(resent).toBe(sent); // the same stanza, same id and origin-id
    expect(tracker.state).toBe(MessageState.IN_TRANSIT);
    const originId = String(sent.getChild("origin-id", SID)?.attrs.id);
    conn.receive(`<message from='${ROOM}/${NICK}' to='${ME}' type='groupchat' id='${String(sent.attrs.id)}'><body>lost with the stream</body>
      <origin-id xmlns='${SID}' id='${originId}'/><stanza-id xmlns='${SID}' id='sid-resent' by='${ROOM}'/></message>`);
    expect(tracker.state).toBe(MessageState.DELIVERED_TO_RECIPIENT);
  });

  it("a lost tracked message whose reflection is in the rejoin's history is not resent", async () => {
    const { conn, muc } = newService();
    const { room } = await joinRoom(conn, muc, ROOM);
    const tracker = room.sendTrackedMessage("made it after all");
    const sent = await conn.nextSent((s) => s.is("message"), 1_000);
    const originId = String(sent.getChild("origin-id", SID)?.attrs.id);
    conn.drop();
    conn.newSession();
    await conn.nextSent(joinPresenceTo(ROOM), 1_000);
    conn.receive(selfPresence(ROOM));
    conn.receive(`<message from='${ROOM}/${NICK}' to='${ME}' type='groupchat' id='${String(sent.attrs.id)}'><body>made it after all</body>
      <origin-id xmlns='${SID}' id='${originId}'/><stanza-id xmlns='${SID}' id='sid-made' by='${ROOM}'/>
      <delay xmlns='urn:xmpp:delay' from='${ROOM}' stamp='2030-01-01T00:00:00Z'/></message>`);
    conn.receive(subject(ROOM, "Fire Burn and Cauldron Bubble!"));
    expect(tracker.state).toBe(MessageState.DELIVERED_TO_RECIPIENT);
    expect(conn.takeSent().filter((s) => s.is("message"))).toEqual([]);
  });

  it("occupants who left while we were away get `leave` after the rejoin; newcomers get `join`", async () => {
    const { conn, muc } = newService();
    const { room, seen } = await joinRoom(conn, muc, ROOM);
    const secondwitch = room.getOccupant("secondwitch");
    conn.drop();
    conn.newSession();
    await conn.nextSent(joinPresenceTo(ROOM), 1_000);
    conn.receive(presenceOf(ROOM, "firstwitch", "owner", "moderator"));
    conn.receive(presenceOf(ROOM, "hecate", "none", "participant"));
    conn.receive(selfPresence(ROOM));

    expect(names(seen)).toEqual(["suspend", "join", "leave", "resume"]);
    const [leave] = payloadsOf(seen, "leave");
    expect(leave?.occupant).toBe(secondwitch);
    expect(leave?.mode).toBe(LeaveMode.NORMAL);
    expect(payloadsOf(seen, "join")[0]?.occupant.nick).toBe("hecate");
    expect(room.occupants.map((o) => o.nick).sort()).toEqual(["firstwitch", "hecate", NICK].sort());
    expect(room.getOccupant("secondwitch")).toBeUndefined();
  });

  it("every autorejoin room is rejoined; a room with autorejoin false exits DISCONNECTED", async () => {
    const { conn, muc } = newService();
    const a = await joinRoom(conn, muc, ROOM);
    const b = await joinRoom(conn, muc, ROOM2, { autorejoin: false });
    conn.takeSent();
    conn.drop();
    conn.newSession();
    expect(names(a.seen)).toEqual(["suspend"]);
    expect(names(b.seen)).toEqual(["exit"]);
    expect(payloadsOf(b.seen, "exit")[0]?.mode).toBe(LeaveMode.DISCONNECTED);
    expect(b.room.joined).toBe(false);
    expect(muc.getRoom(ROOM2)).toBeUndefined();
    await conn.nextSent(joinPresenceTo(ROOM), 1_000);
    await new Promise((r) => setTimeout(r, 20));
    expect(conn.takeSent().filter(joinPresenceTo(ROOM2))).toEqual([]);
  });

  it("`autorejoin` can be turned off on the room before the new stream", async () => {
    const { conn, muc } = newService();
    const { room, seen } = await joinRoom(conn, muc, ROOM);
    room.autorejoin = false;
    conn.drop();
    conn.newSession();
    expect(payloadsOf(seen, "exit").map((e) => e.mode)).toEqual([LeaveMode.DISCONNECTED]);
  });

  it("an error presence answering the rejoin exits the room with ERROR", async () => {
    const { conn, muc } = newService();
    const { room, seen } = await joinRoom(conn, muc, ROOM, { password: "cauldronburn" });
    conn.drop();
    conn.newSession();
    const rejoin = await conn.nextSent(joinPresenceTo(ROOM), 1_000);
    conn.replyError(rejoin, "not-authorized", { type: "auth", from: `${ROOM}/${NICK}` });
    expect(names(seen)).toEqual(["suspend", "exit"]);
    const [exit] = payloadsOf(seen, "exit");
    expect(exit?.mode).toBe(LeaveMode.ERROR);
    expect(exit?.error).toMatchObject({ name: "XMPPError", condition: "not-authorized" });
    expect(room.joined).toBe(false);
  });

  it("conn.stop() makes every room exit DISCONNECTED", async () => {
    const { conn, muc } = newService();
    const a = await joinRoom(conn, muc, ROOM);
    const b = await joinRoom(conn, muc, ROOM2, { autorejoin: false });
    conn.stop();
    expect(payloadsOf(a.seen, "exit").map((e) => e.mode)).toEqual([LeaveMode.DISCONNECTED]);
    expect(payloadsOf(b.seen, "exit").map((e) => e.mode)).toEqual([LeaveMode.DISCONNECTED]);
    expect(a.room.joined).toBe(false);
    expect(muc.rooms).toEqual([]);
  });

  it("a rejoin that creates the room anew (110 + 201: it ended meanwhile) says so on `resume`", async () => {
    const { conn, muc } = newService();
    const { seen } = await joinRoom(conn, muc, ROOM);
    conn.drop();
    conn.newSession();
    await conn.nextSent(joinPresenceTo(ROOM), 1_000);
    conn.receive(`<presence from='${ROOM}/${NICK}'><x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='owner' role='moderator'/><status code='110'/><status code='201'/></x></presence>`);
    const events = names(seen);
    expect(events.indexOf("suspend")).toBeLessThan(events.indexOf("resume"));
    expect(payloadsOf(seen, "resume")).toHaveLength(1);
    expect(payloadsOf(seen, "resume")[0]?.created).toBe(true);
  });

  it("a join in flight when the connection is replaced is sent again on the new stream, once, and completes there", async () => {
    const { conn, muc } = newService();
    const { room, joined } = muc.join(ROOM, NICK);
    await conn.nextSent(joinPresenceTo(ROOM), 1_000);
    conn.drop();
    conn.newSession();
    const again = await conn.nextSent(joinPresenceTo(ROOM), 1_000);
    expect(again.getChild("x", MUC)).toBeDefined();
    conn.receive(selfPresence(ROOM));
    await expect(joined).resolves.toBe(room);
    await flush();
    expect(conn.sent.filter(joinPresenceTo(ROOM))).toHaveLength(2);
  });

  it("a join in flight when the client stops rejects with AbortError", async () => {
    const { conn, muc } = newService();
    const { joined } = muc.join(ROOM, NICK);
    await conn.nextSent(joinPresenceTo(ROOM), 1_000);
    conn.stop();
    await expect(joined).rejects.toMatchObject({ name: "AbortError" });
  });

  it("joining while offline sends the join when `online` comes", async () => {
    const { conn, muc } = newService({}, { online: false });
    const { room, joined } = muc.join(ROOM, NICK, { password: "cauldronburn" });
    await new Promise((r) => setTimeout(r, 20));
    expect(conn.sent).toEqual([]);
    conn.newSession();
    const join = await conn.nextSent(joinPresenceTo(ROOM), 1_000);
    expect(join.getChild("x", MUC)?.getChildText("password")).toBe("cauldronburn");
    conn.receive(selfPresence(ROOM));
    await expect(joined).resolves.toBe(room);
  });

  it("joining while the stream is dropped sends the join when the new session comes", async () => {
    const { conn, muc } = newService();
    conn.drop();
    const { room, joined } = muc.join(ROOM, NICK);
    conn.newSession();
    await conn.nextSent(joinPresenceTo(ROOM), 1_000);
    conn.receive(selfPresence(ROOM));
    await expect(joined).resolves.toBe(room);
  });
});

describe("new stream after a stream without stream management", () => {
  /** Our message as the room reflects it (`delayed`: in the rejoin's history). */
  function reflection(sent: Element, body: string, stanzaId: string, delayed = false): string {
    const originId = String(sent.getChild("origin-id", SID)?.attrs.id);
    return `<message from='${ROOM}/${NICK}' to='${ME}' type='groupchat' id='${String(sent.attrs.id)}'><body>${body}</body>
      <origin-id xmlns='${SID}' id='${originId}'/><stanza-id xmlns='${SID}' id='${stanzaId}' by='${ROOM}'/>${
        delayed ? `<delay xmlns='urn:xmpp:delay' from='${ROOM}' stamp='2030-01-01T00:00:00Z'/>` : ""
      }</message>`;
  }

  /** Drop the stream, start a new one, and answer the rejoin with `history` then the subject. */
  async function rejoin(conn: MockConnection, history: string[] = []): Promise<void> {
    conn.drop();
    conn.newSession();
    await conn.nextSent(joinPresenceTo(ROOM), 1_000);
    conn.receive(selfPresence(ROOM));
    for (const h of history) conn.receive(h);
    expect(conn.takeSent().filter((s) => s.is("message"))).toEqual([]); // nothing before the history is in
    conn.receive(subject(ROOM, "Fire Burn and Cauldron Bubble!"));
    await answerArchive(conn);
  }

  it("our messages written on it and not shown by the room are sent again after the rejoin's history, in order, then delivered", async () => {
    const { conn, muc } = newService({}, { streamManagement: false });
    const { room } = await joinRoom(conn, muc, ROOM);
    const first = room.sendTrackedMessage("first into the void");
    await room.sendMessage("second, untracked");
    const written = conn.takeSent().filter((s) => s.is("message"));
    expect(written).toHaveLength(2);
    await rejoin(conn);
    const resent = conn.takeSent().filter((s) => s.is("message"));
    expect(resent).toEqual(written); // the same stanzas, same ids and origin-ids, in the order written
    expect(first.state).toBe(MessageState.IN_TRANSIT);
    conn.receive(reflection(resent[0] as Element, "first into the void", "sid-1"));
    expect(first.state).toBe(MessageState.DELIVERED_TO_RECIPIENT);
  });

  it("one the room showed before the stream died, or shows in the rejoin's history, is not sent again", async () => {
    const { conn, muc } = newService({}, { streamManagement: false });
    const { room } = await joinRoom(conn, muc, ROOM);
    const shownLive = room.sendTrackedMessage("shown live");
    const shownLater = room.sendTrackedMessage("shown in the history");
    await flush();
    const [live, later] = conn.takeSent().filter((s) => s.is("message")) as [Element, Element];
    conn.receive(reflection(live, "shown live", "sid-live"));
    expect(shownLive.state).toBe(MessageState.DELIVERED_TO_RECIPIENT);
    await rejoin(conn, [reflection(later, "shown in the history", "sid-later", true)]);
    expect(shownLater.state).toBe(MessageState.DELIVERED_TO_RECIPIENT);
    expect(conn.takeSent().filter((s) => s.is("message"))).toEqual([]);
  });

  it("one the room refused is not sent again, tracked or not", async () => {
    const { conn, muc } = newService({}, { streamManagement: false });
    const { room } = await joinRoom(conn, muc, ROOM);
    const tracked = room.sendTrackedMessage("refused, tracked");
    await room.sendMessage("refused, untracked");
    for (const sent of conn.takeSent().filter((s) => s.is("message"))) {
      conn.receive(`<message from='${ROOM}' to='${ME}' type='error' id='${String(sent.attrs.id)}'><error type='modify'><not-acceptable xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></message>`);
    }
    expect(tracked.state).toBe(MessageState.ERROR);
    await rejoin(conn);
    expect(conn.takeSent().filter((s) => s.is("message"))).toEqual([]);
  });

  it("a tracked one whose tracker timed out before the stream died is not sent again: the app was told its fate", async () => {
    const { conn, muc } = newService({}, { streamManagement: false });
    const { room } = await joinRoom(conn, muc, ROOM);
    const tracker = room.sendTrackedMessage("too late", { timeout: 20 });
    await flush();
    expect(conn.takeSent().filter((s) => s.is("message"))).toHaveLength(1);
    await tracker.done;
    expect(tracker.state).toBe(MessageState.TIMED_OUT);
    await rejoin(conn);
    expect(conn.takeSent().filter((s) => s.is("message"))).toEqual([]);
  });

  it("with stream management, a lost message is sent again once, as stream management reports it", async () => {
    const { conn, muc } = newService();
    const { room } = await joinRoom(conn, muc, ROOM);
    room.sendTrackedMessage("lost once");
    await flush();
    const [sent] = conn.takeSent().filter((s) => s.is("message"));
    await rejoin(conn);
    expect(conn.takeSent().filter((s) => s.is("message"))).toEqual([sent]);
  });
});

describe("new session while stream management is being enabled", () => {
  /** Make the next `online` look like @xmpp/client's: `<enable/>` sent, `<enabled/>` not yet received. */
  function enablePending(conn: MockConnection): void {
    const sm = conn.streamManagement;
    if (!sm) throw new Error("the mock connection has no stream management");
    conn.on("online", () => {
      sm.enabled = false;
      sm.enableSent = true;
    });
  }

  it("sends (the rejoins) wait until <enabled/>", async () => {
    const conn = new MockConnection({ jid: ME });
    enablePending(conn); // registered before the service, so it runs first on `online`
    const muc = new MucService(conn, { selfPing: false });
    services.push(muc);
    await joinRoom(conn, muc, ROOM);
    await joinRoom(conn, muc, ROOM2);
    conn.takeSent();
    conn.drop();
    conn.newSession();
    await new Promise((r) => setTimeout(r, 50));
    expect(conn.takeSent()).toEqual([]);

    const sm = conn.streamManagement!;
    sm.enabled = true;
    sm.enableSent = false;
    conn.receive("<enabled xmlns='urn:xmpp:sm:3' id='some-long-sm-id' resume='true'/>");
    const first = await conn.nextSent((s) => s.is("presence"), 1_000);
    const second = await conn.nextSent((s) => s.is("presence"), 1_000);
    expect([first.attrs.to, second.attrs.to].sort()).toEqual([`${ROOM}/${NICK}`, `${ROOM2}/${NICK}`].sort());
  });

  it("sends go out after <failed/> too", async () => {
    const conn = new MockConnection({ jid: ME });
    enablePending(conn);
    const muc = new MucService(conn, { selfPing: false });
    services.push(muc);
    await joinRoom(conn, muc, ROOM);
    conn.takeSent();
    conn.drop();
    conn.newSession();
    await new Promise((r) => setTimeout(r, 50));
    expect(conn.takeSent()).toEqual([]);
    conn.streamManagement!.enableSent = false;
    conn.receive("<failed xmlns='urn:xmpp:sm:3'><unexpected-request xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></failed>");
    await conn.nextSent(joinPresenceTo(ROOM), 1_000);
  });

  it("a join requested meanwhile waits too", async () => {
    const conn = new MockConnection({ jid: ME, online: false });
    enablePending(conn);
    const muc = new MucService(conn, { selfPing: false });
    services.push(muc);
    const { joined } = muc.join(ROOM, NICK);
    conn.newSession();
    await new Promise((r) => setTimeout(r, 50));
    expect(conn.sent).toEqual([]);
    conn.streamManagement!.enabled = true;
    conn.streamManagement!.enableSent = false;
    conn.receive("<enabled xmlns='urn:xmpp:sm:3'/>");
    await conn.nextSent(joinPresenceTo(ROOM), 1_000);
    conn.receive(selfPresence(ROOM));
    await expect(joined).resolves.toBeDefined();
  });
});

// Under fake timers nextSent cannot time out by itself: bound these tests with a short test timeout.
describe("self-ping (XEP-0410), fake timers", { timeout: 5_000 }, () => {
  const SELF_PING = { interval: 1_000, timeout: 500 };

  async function joinWithSelfPing(autorejoin = true) {
    vi.useFakeTimers();
    const { conn, muc } = newService({ selfPing: SELF_PING });
    const { room, seen } = await joinRoom(conn, muc, ROOM, { autorejoin, password: "cauldronburn" });
    conn.takeSent();
    return { conn, muc, room, seen };
  }

  it("after a silence of `interval` a ping IQ goes to our occupant JID", async () => {
    const { conn } = await joinWithSelfPing();
    await vi.advanceTimersByTimeAsync(999);
    expect(conn.sent.filter(isPing)).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    const ping = await conn.nextSent(isPing, 1_000);
    // XEP-0410 Example 1, 'Self-Ping by Juliet's Client'.
    expect(ping.attrs.type).toBe("get");
    expect(ping.attrs.to).toBe(`${ROOM}/${NICK}`);
    expect(ping.getChild("ping", "urn:xmpp:ping")?.children).toEqual([]);
  });

  it("a not-acceptable answer (XEP-0410 Example 2) → rejoin: suspend, rejoin presence, resume", async () => {
    const { conn, room, seen } = await joinWithSelfPing(true);
    await vi.advanceTimersByTimeAsync(1_000);
    const ping = await conn.nextSent(isPing, 1_000);
    conn.receive(`<iq from='${ROOM}/${NICK}' id='${String(ping.attrs.id)}' type='error' to='${ME}'>
      <error type="cancel" by="${ROOM}"><not-acceptable xmlns="urn:ietf:params:xml:ns:xmpp-stanzas" /></error></iq>`);
    await vi.advanceTimersByTimeAsync(0);
    expect(names(seen)).toEqual(["suspend"]);
    const rejoin = await conn.nextSent(joinPresenceTo(ROOM), 1_000);
    expect(rejoin.getChild("x", MUC)?.getChildText("password")).toBe("cauldronburn");
    conn.receive(presenceOf(ROOM, "firstwitch", "owner", "moderator"));
    conn.receive(presenceOf(ROOM, "secondwitch", "admin", "moderator"));
    conn.receive(selfPresence(ROOM));
    expect(names(seen)).toEqual(["suspend", "resume"]);
    expect(room.active).toBe(true);
  });

  it("a not-acceptable answer without autorejoin → exit with ERROR", async () => {
    const { conn, room, seen } = await joinWithSelfPing(false);
    await vi.advanceTimersByTimeAsync(1_000);
    const ping = await conn.nextSent(isPing, 1_000);
    conn.replyError(ping, "not-acceptable", { type: "cancel" });
    await vi.advanceTimersByTimeAsync(0);
    expect(names(seen)).toEqual(["exit"]);
    expect(payloadsOf(seen, "exit")[0]?.mode).toBe(LeaveMode.ERROR);
    expect(room.joined).toBe(false);
    expect(conn.takeSent().filter(joinPresenceTo(ROOM))).toEqual([]);
  });

  it("a result → nothing happens; the next ping comes after another interval", async () => {
    const { conn, room, seen } = await joinWithSelfPing();
    await vi.advanceTimersByTimeAsync(1_000);
    const ping = await conn.nextSent(isPing, 1_000);
    conn.replyResult(ping);
    await vi.advanceTimersByTimeAsync(0);
    expect(seen).toEqual([]);
    expect(conn.takeSent()).toEqual([]);
    expect(room.active).toBe(true);
    await vi.advanceTimersByTimeAsync(1_000);
    await conn.nextSent(isPing, 1_000);
  });

  it("activity from the room postpones the ping", async () => {
    const { conn } = await joinWithSelfPing();
    await vi.advanceTimersByTimeAsync(900);
    conn.receive(groupchat(ROOM, "firstwitch", "I am here", { id: "act1" }));
    await vi.advanceTimersByTimeAsync(900);
    expect(conn.sent.filter(isPing)).toEqual([]);
    conn.receive(presenceOf(ROOM, "secondwitch", "admin", "moderator", "").replace("<x ", "<show>away</show><x "));
    await vi.advanceTimersByTimeAsync(900);
    expect(conn.sent.filter(isPing)).toEqual([]);
    await vi.advanceTimersByTimeAsync(100);
    await conn.nextSent(isPing, 1_000);
  });

  it("no answer within the timeout is inconclusive: no events, the room stays", async () => {
    const { conn, room, seen } = await joinWithSelfPing();
    await vi.advanceTimersByTimeAsync(1_000);
    await conn.nextSent(isPing, 1_000);
    await vi.advanceTimersByTimeAsync(500);
    expect(seen).toEqual([]);
    expect(room.active).toBe(true);
  });
});
