/**
 * The connection core under odd sequences, as transcripts over the mock
 * connection: rejoins asked for while the stream is down and then resumed,
 * a stream dying between the joins it writes, a self-ping answer older than
 * a rejoin, a service closed at any moment, sends the app gave up on while
 * they waited, and leaving a room that is rejoining.
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import type { Element } from "@xmpp/xml";
import { MessageState, type Room } from "../../../src/index.js";
import { CAST, enterAs, flush, isJoinPresence, NS_MUC_USER, ROOM, selfPresence, setup, type Harness } from "./room-presence-helpers.js";

const ROOM2 = "darkcave@chat.shakespeare.lit";
const ME = CAST.thirdwitch.jid;

let harnesses: Harness[] = [];
afterEach(() => {
  for (const h of harnesses) h.muc.close();
  harnesses = [];
});

function harness(options: Parameters<typeof setup>[1] = {}): Harness {
  const h = setup(ME, options);
  harnesses.push(h);
  return h;
}

const joinTo =
  (room: string) =>
  (s: Element): boolean =>
    isJoinPresence(s) && String(s.attrs.to).startsWith(`${room}/`);

/** The join presences written since `mark` to `room`. */
function joinsSince(h: Harness, mark: number, room: string): number {
  return h.conn.sent.slice(mark).filter(joinTo(room)).length;
}

function subject(room: string): string {
  return `<message from='${room}' type='groupchat'><subject>Old</subject></message>`;
}

/** Joined `room` (self-presence and subject in). */
async function joined(h: Harness, room = ROOM): Promise<Room> {
  const { room: r } = await enterAs(h, "thirdwitch", { room, others: [] });
  h.conn.receive(subject(room));
  return r;
}

/** Status 333 for us: removed after a technical problem (autorejoin is on). */
function removed333(room: string): string {
  return `<presence from='${room}/thirdwitch' type='unavailable'><x xmlns='${NS_MUC_USER}'><item affiliation='member' role='none'/><status code='110'/><status code='333'/></x></presence>`;
}

/** Make the connection drop right after it writes its next join presence. */
function dropAfterNextJoin(h: Harness): void {
  const send = h.conn.send.bind(h.conn);
  let armed = true;
  h.conn.send = async (stanza: Element): Promise<void> => {
    await send(stanza);
    if (armed && isJoinPresence(stanza)) {
      armed = false;
      h.conn.drop();
    }
  };
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe("rejoins asked for while the stream is down", () => {
  it("a 333 removal received while the stream is down: the rejoin is written when the stream is resumed", async () => {
    const h = harness();
    const room = await joined(h);
    h.conn.drop();
    h.conn.receive(removed333(ROOM));
    expect(room.active).toBe(false);
    const mark = h.conn.sent.length;
    h.conn.resume();
    await flush();
    expect(joinsSince(h, mark, ROOM)).toBe(1);
    h.conn.receive(selfPresence(ROOM, "thirdwitch", ME));
    expect(room.active).toBe(true);
  });

  it("a rejoin timeout that runs out while the stream is down waits again once it is resumed, then the rejoin is sent again: not stuck", async () => {
    const h = harness({ joinTimeout: 50 });
    const room = await joined(h);
    const exits: string[] = [];
    room.on("exit", (e) => exits.push(`${e.mode} ${e.error?.condition ?? ""}`));
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "Date", "performance"] });
    try {
      h.conn.drop();
      h.conn.newSession();
      await vi.advanceTimersByTimeAsync(0);
      const mark = h.conn.sent.length;
      const held = room.sendTrackedMessage("held");
      h.conn.drop();
      await vi.advanceTimersByTimeAsync(80);
      expect(exits).toEqual([]);
      h.conn.resume();
      // The wait ends on the resumed stream (50 ms), the rejoin goes out again 1 s later.
      await vi.advanceTimersByTimeAsync(50 + 1_000);
      expect(joinsSince(h, mark, ROOM)).toBe(1);
      h.conn.receive(selfPresence(ROOM, "thirdwitch", ME));
      h.conn.receive(subject(ROOM));
      await vi.advanceTimersByTimeAsync(0);
      expect({ exits, active: room.active, state: held.state }).toEqual({ exits: [], active: true, state: MessageState.IN_TRANSIT });
      expect(h.conn.sent.slice(mark).filter((s) => s.is("message") && s.getChildText("body") === "held")).toHaveLength(1);
    } finally {
      vi.useRealTimers();
    }
  });
});

describe("a stream that dies between the joins it writes, then is resumed", () => {
  it("rejoins: the one written is not written again, the other is written on the resumed stream", async () => {
    const h = harness();
    await joined(h, ROOM);
    await joined(h, ROOM2);
    h.conn.drop();
    dropAfterNextJoin(h);
    const mark = h.conn.sent.length;
    h.conn.newSession();
    await flush();
    expect(joinsSince(h, mark, ROOM) + joinsSince(h, mark, ROOM2)).toBe(1);
    h.conn.resume();
    await flush();
    expect(joinsSince(h, mark, ROOM)).toBe(1);
    expect(joinsSince(h, mark, ROOM2)).toBe(1);
  });

  it("first joins: each written once on the resumed stream, and both complete", async () => {
    const h = harness();
    h.conn.drop();
    const a = h.muc.join(ROOM, "thirdwitch");
    const b = h.muc.join(ROOM2, "thirdwitch");
    dropAfterNextJoin(h);
    const mark = h.conn.sent.length;
    h.conn.newSession();
    await flush();
    h.conn.resume();
    await flush();
    expect(joinsSince(h, mark, ROOM)).toBe(1);
    expect(joinsSince(h, mark, ROOM2)).toBe(1);
    h.conn.receive(selfPresence(ROOM, "thirdwitch", ME));
    h.conn.receive(selfPresence(ROOM2, "thirdwitch", ME));
    await expect(a.joined).resolves.toBe(a.room);
    await expect(b.joined).resolves.toBe(b.room);
  });
});

describe("self-ping across a rejoin", () => {
  it("the answer to a ping sent before a 333 rejoin, arriving after it, does not start another rejoin", async () => {
    const h = setup(ME, {});
    harnesses.push(h);
    h.muc.close();
    const { MucService } = await import("../../../src/index.js");
    const muc = new MucService(h.conn, { selfPing: { interval: 20, timeout: 5_000 }, logger: h.logger });
    harnesses.push({ ...h, muc });
    const { room, joined: entered } = muc.join(ROOM, "thirdwitch");
    await h.conn.nextSent(isJoinPresence, 1_000);
    h.conn.receive(selfPresence(ROOM, "thirdwitch", ME));
    await entered;
    h.conn.receive(subject(ROOM));
    const ping = await h.conn.nextSent((s) => s.is("iq") && s.getChild("ping", "urn:xmpp:ping") !== undefined, 1_000);
    h.conn.receive(removed333(ROOM));
    await h.conn.nextSent(isJoinPresence, 1_000);
    h.conn.receive(selfPresence(ROOM, "thirdwitch", ME));
    h.conn.receive(subject(ROOM));
    const mark = h.conn.sent.length;
    h.conn.replyError(ping, "not-acceptable", { from: `${ROOM}/thirdwitch` });
    await flush();
    expect(joinsSince(h, mark, ROOM)).toBe(0);
    expect(room.active).toBe(true);
  });
});

describe("closing the service", () => {
  it("settles a join under way (NotConnectedError), stops self-ping, writes nothing more", async () => {
    const h = setup(ME, {});
    h.muc.close();
    const { MucService } = await import("../../../src/index.js");
    const muc = new MucService(h.conn, { selfPing: { interval: 20 }, logger: h.logger });
    const first = muc.join(ROOM, "thirdwitch");
    await h.conn.nextSent(isJoinPresence, 1_000);
    h.conn.receive(selfPresence(ROOM, "thirdwitch", ME));
    await first.joined;
    const second = muc.join(ROOM2, "thirdwitch");
    await h.conn.nextSent(joinTo(ROOM2), 1_000);
    muc.close();
    await expect(second.joined).rejects.toMatchObject({ name: "NotConnectedError" });
    const mark = h.conn.sent.length;
    await sleep(80);
    expect(h.conn.sent.slice(mark)).toEqual([]);
    expect(muc.rooms).toEqual([]);
  });

  it("closed by a `suspend` listener while a new stream starts: no join is written and the service is not connected", async () => {
    const h = harness();
    const room = await joined(h, ROOM);
    await joined(h, ROOM2);
    room.on("suspend", () => h.muc.close());
    h.conn.drop();
    const mark = h.conn.sent.length;
    h.conn.newSession();
    await flush();
    expect(h.conn.sent.slice(mark)).toEqual([]);
    expect(h.muc.connected).toBe(false);
  });
});

describe("sends the app gave up on while they waited are not written later", () => {
  it("a tracked message that timed out while the stream was down", async () => {
    const h = harness({ trackerTimeout: 30 });
    const room = await joined(h);
    h.conn.drop();
    const tracker = room.sendTrackedMessage("late");
    await expect(tracker.done).resolves.toBe(MessageState.TIMED_OUT);
    const mark = h.conn.sent.length;
    h.conn.resume();
    await flush();
    expect(h.conn.sent.slice(mark).filter((s) => s.is("message"))).toEqual([]);
  });

  it("an IQ aborted, and one timed out, while the stream was down", async () => {
    const h = harness();
    await joined(h);
    h.conn.drop();
    const abort = new AbortController();
    const ban = h.muc.setAffiliation(ROOM, "mallory@shakespeare.lit", "outcast", { signal: abort.signal });
    const slow = h.muc.setAffiliation(ROOM, "hecate@shakespeare.lit", "member", { timeout: 20 });
    abort.abort();
    await expect(ban).rejects.toMatchObject({ name: "AbortError" });
    await expect(slow).rejects.toMatchObject({ name: "TimeoutError" });
    const mark = h.conn.sent.length;
    h.conn.resume();
    await flush();
    expect(h.conn.sent.slice(mark).filter((s) => s.is("iq"))).toEqual([]);
  });
});

describe("leaving a room that is rejoining", () => {
  it("what waited for the rejoin fails (MucStateError) and is not written; the unavailable presence is", async () => {
    const h = harness();
    const room = await joined(h);
    await room.sendMessage("m1"); // written, never acknowledged
    h.conn.drop();
    const m2 = room.sendMessage("m2");
    const m3 = room.sendTrackedMessage("m3");
    h.conn.newSession();
    await h.conn.nextSent(isJoinPresence, 1_000);
    const mark = h.conn.sent.length;
    const leaving = room.leave({ timeout: 1_000 });
    await expect(m2).rejects.toMatchObject({ name: "MucStateError" });
    await expect(m3.done).resolves.toBe(MessageState.ABORTED);
    const unavailable = await h.conn.nextSent((s) => s.is("presence") && s.attrs.type === "unavailable", 1_000);
    expect(unavailable.attrs.to).toBe(`${ROOM}/thirdwitch`);
    expect(h.conn.sent.slice(mark).filter((s) => s.is("message"))).toEqual([]);
    h.conn.receive(`<presence from='${ROOM}/thirdwitch' type='unavailable'><x xmlns='${NS_MUC_USER}'><item affiliation='member' role='none'/><status code='110'/></x></presence>`);
    await leaving;
  });

  it("leave() while the stream is down, then a new stream: the room ends and its unavailable presence is not written on the new stream", async () => {
    const h = harness();
    const room = await joined(h);
    h.conn.drop();
    const leaving = room.leave({ timeout: 1_000 });
    const mark = h.conn.sent.length;
    h.conn.newSession();
    await leaving;
    await flush();
    expect(room.joined).toBe(false);
    expect(h.conn.sent.slice(mark).filter((s) => s.is("presence"))).toEqual([]);
  });
});

describe("a rejoin cut off after a subject that came ahead of our self-presence", () => {
  it("starts over on the next stream: newer sends wait again, and what the streams lost goes out first", async () => {
    const h = harness();
    const room = await joined(h);
    await room.sendMessage("a"); // written, never acknowledged
    h.conn.drop();
    h.conn.newSession();
    await h.conn.nextSent(joinTo(ROOM), 1_000);
    // A subject before our self-presence ends the answer to an older join (XEP-0045 sends the join's own after the
    // self-presence): the history is not over, and "a", which the stream lost, still waits.
    const before = h.conn.sent.length;
    h.conn.receive(subject(ROOM));
    await flush();
    expect(h.conn.sent.slice(before).filter((s) => s.is("message"))).toEqual([]);
    expect(room.active).toBe(false);
    // That stream dies too, before the self-presence.
    h.conn.drop();
    h.conn.newSession();
    await h.conn.nextSent(joinTo(ROOM), 1_000);
    const mark = h.conn.sent.length;
    const b = room.sendMessage("b");
    await flush();
    h.conn.receive(selfPresence(ROOM, "thirdwitch", ME));
    h.conn.receive(subject(ROOM));
    await b;
    expect(h.conn.sent.slice(mark).filter((s) => s.is("message") && s.getChild("body")).map((s) => s.getChildText("body"))).toEqual(["a", "b"]);
    expect(room.active).toBe(true);
  });
});

/** The room's answer to a rejoin `join`: an error of `type` with `condition` (Prosody's answer for a gateway that is not connected, by default). */
function refusal(join: Element, type = "wait", condition = "remote-server-timeout", text = "Component unavailable"): string {
  return `<presence from='${ROOM}/thirdwitch' to='${ME}' type='error' id='${String(join.attrs.id)}'><x xmlns='http://jabber.org/protocol/muc'/>
    <error type='${type}' by='chat.shakespeare.lit'><${condition} xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/><text xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'>${text}</text></error></presence>`;
}

/** The join presences to ROOM written so far. */
function joinsTo(h: Harness): Element[] {
  return h.conn.sent.filter(joinTo(ROOM));
}

describe("a rejoin the room refuses for now (an error of type wait: a gateway not back yet after a server restart)", () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it("is tried again after 1 s, then 2 s: the room stays suspended, what is sent meanwhile waits, and goes out once the room takes us back", async () => {
    const h = harness();
    const room = await joined(h);
    const events: string[] = [];
    for (const name of ["suspend", "resume", "exit"] as const) room.on(name, () => events.push(name));
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "Date", "performance"] });
    h.conn.drop();
    h.conn.newSession();
    await flush();
    expect(joinsTo(h)).toHaveLength(2);
    h.conn.receive(refusal(joinsTo(h)[1] as Element));
    expect({ events, active: room.active }).toEqual({ events: ["suspend"], active: false });
    const held = room.sendTrackedMessage("said while the gateway was away");
    await vi.advanceTimersByTimeAsync(999);
    expect(joinsTo(h)).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(1);
    expect(joinsTo(h)).toHaveLength(3);
    h.conn.receive(refusal(joinsTo(h)[2] as Element));
    await vi.advanceTimersByTimeAsync(1_999);
    expect(joinsTo(h)).toHaveLength(3);
    await vi.advanceTimersByTimeAsync(1);
    expect(joinsTo(h)).toHaveLength(4);
    expect(h.conn.sent.some((s) => s.is("message") && s.getChildText("body") === "said while the gateway was away")).toBe(false);
    h.conn.receive(selfPresence(ROOM, "thirdwitch", ME));
    h.conn.receive(subject(ROOM));
    await flush();
    expect({ events, active: room.active }).toEqual({ events: ["suspend", "resume"], active: true });
    expect(held.state).toBe(MessageState.IN_TRANSIT);
    expect(h.conn.sent.filter((s) => s.is("message") && s.getChildText("body") === "said while the gateway was away")).toHaveLength(1);
  });

  it("a refusal that is not for now (type cancel or auth) ends the room at once, as before", async () => {
    for (const [type, condition] of [
      ["cancel", "item-not-found"],
      ["auth", "registration-required"],
    ] as const) {
      const h = harness();
      const room = await joined(h);
      const exits: string[] = [];
      room.on("exit", (e) => exits.push(`${e.mode} ${e.error?.condition ?? ""}`));
      h.conn.drop();
      h.conn.newSession();
      await flush();
      h.conn.receive(refusal(joinsTo(h)[1] as Element, type, condition, "no"));
      expect(exits).toEqual([`error ${condition}`]);
    }
  });

  it("refused for more than five minutes, the room ends with the refusal; a rejoin that succeeds starts the count again", async () => {
    const h = harness();
    const room = await joined(h);
    const exits: string[] = [];
    room.on("exit", (e) => exits.push(`${e.mode} ${e.error?.condition ?? ""}`));
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "Date", "performance"] });
    // Four minutes of refusals, then taken back.
    h.conn.drop();
    h.conn.newSession();
    await flush();
    const refuseFor = async (ms: number): Promise<void> => {
      const until = Date.now() + ms;
      while (Date.now() < until && exits.length === 0) {
        const joins = joinsTo(h);
        h.conn.receive(refusal(joins[joins.length - 1] as Element));
        const before = joins.length;
        for (let waited = 0; joinsTo(h).length === before && exits.length === 0 && waited < 60_000; waited += 500) await vi.advanceTimersByTimeAsync(500);
      }
    };
    await refuseFor(240_000);
    expect(exits).toEqual([]);
    h.conn.receive(selfPresence(ROOM, "thirdwitch", ME));
    h.conn.receive(subject(ROOM));
    expect(room.active).toBe(true);
    // Removed for a technical problem: rejoining, refused for four minutes more: still counting from the new refusal.
    h.conn.receive(removed333(ROOM));
    await flush();
    await refuseFor(240_000);
    expect(exits).toEqual([]);
    // And on, past five minutes: the room ends.
    await refuseFor(120_000);
    expect(exits).toEqual(["error remote-server-timeout"]);
    expect(room.active).toBe(false);
  });
});
