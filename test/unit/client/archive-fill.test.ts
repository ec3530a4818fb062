/**
 * A rejoin fills the gap its history cannot cover from the room's archive
 * (XEP-0313), over the mock connection: after messages with the room's
 * stanza-ids, the rejoin's history waits while the archive is read after
 * the last of them; the archive's messages come first, as history, then
 * the history (de-duplicated), then what came live meanwhile, then our
 * sends. Without stanza-ids, or when the room refuses, the history alone,
 * as before.
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import { MessageState, type Room, type RoomEvents } from "../../../src/index.js";
import { CAST, ROOM, enterAs, flush, isArchiveQuery, isJoinPresence, selfPresence, setup, type Harness } from "./room-presence-helpers.js";

const ME = CAST.thirdwitch.jid;
const MAM = "urn:xmpp:mam:2";
const RSM = "http://jabber.org/protocol/rsm";

let harnesses: Harness[] = [];
afterEach(() => {
  for (const h of harnesses) h.muc.close();
  harnesses = [];
});

/** A groupchat message from `nick`, with the room's stanza-id `sid` unless `null`, delayed when `stamp` is given. */
function groupchat(nick: string, body: string, sid: string | null, stamp?: string): string {
  return `<message from='${ROOM}/${nick}' to='${ME}' type='groupchat' id='m-${body}'><body>${body}</body>${
    sid === null ? "" : `<stanza-id xmlns='urn:xmpp:sid:0' id='${sid}' by='${ROOM}'/>`
  }${stamp ? `<delay xmlns='urn:xmpp:delay' from='${ROOM}' stamp='${stamp}'/>` : ""}</message>`;
}

function subject(): string {
  return `<message from='${ROOM}/firstwitch' to='${ME}' type='groupchat'><subject>Fire Burn and Cauldron Bubble!</subject></message>`;
}

/** One archive result for query `queryId`, as Prosody sends it. */
function result(queryId: string, id: string, nick: string, body: string, stamp = "2030-01-01T00:00:00Z"): string {
  return `<message from='${ROOM}' to='${ME}'><result xmlns='${MAM}' queryid='${queryId}' id='${id}'>
    <forwarded xmlns='urn:xmpp:forward:0'><delay xmlns='urn:xmpp:delay' stamp='${stamp}'/>
      <message xmlns='jabber:client' from='${ROOM}/${nick}' type='groupchat' id='m-${body}'><body>${body}</body></message>
    </forwarded></result></message>`;
}

function fin(complete: boolean, first?: string, last?: string): string {
  return `<fin xmlns='${MAM}'${complete ? " complete='true'" : ""}><set xmlns='${RSM}'>${first ? `<first>${first}</first>` : ""}${last ? `<last>${last}</last>` : ""}</set></fin>`;
}

/** In the room, with live messages `sid-1`, `sid-2` delivered; every message event recorded. */
async function inRoom(): Promise<{ h: Harness; room: Room; messages: RoomEvents["message"][] }> {
  const h = setup();
  harnesses.push(h);
  const { room } = await enterAs(h, "thirdwitch");
  h.conn.receive(subject());
  const messages: RoomEvents["message"][] = [];
  room.on("message", (e) => messages.push(e));
  h.conn.receive(groupchat("firstwitch", "one", "sid-1"));
  h.conn.receive(groupchat("secondwitch", "two", "sid-2"));
  return { h, room, messages };
}

/** A new stream: the rejoin is answered with our self-presence, then `history`, then the subject. */
async function rejoinWith(h: Harness, history: string[]): Promise<void> {
  h.conn.drop();
  h.conn.newSession();
  await h.conn.nextSent(isJoinPresence);
  h.conn.receive(selfPresence(ROOM, "thirdwitch", ME));
  for (const m of history) h.conn.receive(m);
  h.conn.receive(subject());
}

describe("a rejoin fills its gap from the room's archive", () => {
  it("reads the archive after the last stanza-id delivered, and delivers it before the history, in order, each message once", async () => {
    const { h, messages } = await inRoom();
    // The room kept only two messages of history: four were said meanwhile.
    await rejoinWith(h, [groupchat("firstwitch", "five", "sid-5", "2030-01-01T00:00:05Z"), groupchat("firstwitch", "six", "sid-6", "2030-01-01T00:00:06Z")]);
    const query = await h.conn.nextSent(isArchiveQuery);
    expect(query.attrs.to).toBe(ROOM);
    const q = query.getChild("query", MAM)!;
    expect(q.getChild("set", RSM)?.getChildText("after")).toBe("sid-2");
    // Nothing of the history yet: it waits for the archive.
    expect(messages.map((m) => m.body)).toEqual(["one", "two"]);
    const queryId = String(q.attrs.queryid);
    for (const [id, body] of [["sid-3", "three"], ["sid-4", "four"], ["sid-5", "five"], ["sid-6", "six"]] as const) h.conn.receive(result(queryId, id, "secondwitch", body));
    h.conn.replyResult(query, fin(true, "sid-3", "sid-6"));
    await flush();
    expect(messages.map((m) => m.body)).toEqual(["one", "two", "three", "four", "five", "six"]);
    expect(messages.slice(2).every((m) => m.history)).toBe(true);
    expect(messages.slice(2).map((m) => m.stanzaId)).toEqual(["sid-3", "sid-4", "sid-5", "sid-6"]);
    expect(messages[2]?.delay?.toISOString()).toBe("2030-01-01T00:00:00.000Z");
  });

  it("pages on with the last id until the archive says it is complete", async () => {
    const { h, messages } = await inRoom();
    await rejoinWith(h, []);
    const first = await h.conn.nextSent(isArchiveQuery);
    h.conn.receive(result(String(first.getChild("query", MAM)?.attrs.queryid), "sid-3", "firstwitch", "three"));
    h.conn.replyResult(first, fin(false, "sid-3", "sid-3"));
    const second = await h.conn.nextSent(isArchiveQuery);
    expect(second.getChild("query", MAM)?.getChild("set", RSM)?.getChildText("after")).toBe("sid-3");
    h.conn.receive(result(String(second.getChild("query", MAM)?.attrs.queryid), "sid-4", "firstwitch", "four"));
    h.conn.replyResult(second, fin(true, "sid-4", "sid-4"));
    await flush();
    expect(messages.map((m) => m.body)).toEqual(["one", "two", "three", "four"]);
  });

  it("what comes live during the fill, and our sends, wait for it", async () => {
    const { h, room, messages } = await inRoom();
    h.conn.drop();
    // Written while the stream was down: it waits.
    const tracker = room.sendTrackedMessage("mine");
    h.conn.newSession();
    await h.conn.nextSent(isJoinPresence);
    h.conn.receive(selfPresence(ROOM, "thirdwitch", ME));
    h.conn.receive(subject());
    const query = await h.conn.nextSent(isArchiveQuery);
    h.conn.receive(groupchat("firstwitch", "live", "sid-9"));
    const queryId = String(query.getChild("query", MAM)?.attrs.queryid);
    h.conn.receive(result(queryId, "sid-3", "secondwitch", "three"));
    h.conn.replyResult(query, fin(true, "sid-3", "sid-3"));
    await flush();
    expect(messages.map((m) => m.body)).toEqual(["one", "two", "three", "live"]);
    expect(messages.map((m) => m.history)).toEqual([false, false, true, false]);
    const sent = await h.conn.nextSent((s) => s.is("message") && s.getChildText("body") === "mine");
    expect(sent.attrs.type).toBe("groupchat");
    expect(tracker.state).toBe(MessageState.IN_TRANSIT);
  });

  it("our message the dead stream lost, shown by the archive only, is not sent again: its tracker is delivered", async () => {
    const { h, room, messages } = await inRoom();
    const tracker = room.sendTrackedMessage("did it get through?");
    const sent = await h.conn.nextSent((s) => s.is("message"));
    const originId = String(sent.getChild("origin-id", "urn:xmpp:sid:0")?.attrs.id);
    await rejoinWith(h, []);
    const query = await h.conn.nextSent(isArchiveQuery);
    const mine = result(String(query.getChild("query", MAM)?.attrs.queryid), "sid-3", "thirdwitch", "did it get through?").replace(
      "<body>did it get through?</body>",
      `<body>did it get through?</body><origin-id xmlns='urn:xmpp:sid:0' id='${originId}'/>`,
    );
    h.conn.receive(mine);
    h.conn.replyResult(query, fin(true, "sid-3", "sid-3"));
    await flush();
    expect(tracker.state).toBe(MessageState.DELIVERED_TO_RECIPIENT);
    expect(messages.map((m) => [m.body, m.own, m.history])).toEqual([["one", false, false], ["two", false, false], ["did it get through?", true, true]]);
    expect(h.conn.takeSent().filter((s) => s.is("message"))).toEqual([]);
  });

  it("a room that refuses (no archive for us) gets the history alone, and is not asked again", async () => {
    const { h, messages } = await inRoom();
    await rejoinWith(h, [groupchat("firstwitch", "five", "sid-5", "2030-01-01T00:00:05Z")]);
    const query = await h.conn.nextSent(isArchiveQuery);
    h.conn.replyError(query, "service-unavailable", { type: "cancel" });
    await flush();
    expect(messages.map((m) => m.body)).toEqual(["one", "two", "five"]);
    h.conn.takeSent();
    await rejoinWith(h, []);
    await flush();
    expect(h.conn.takeSent().filter(isArchiveQuery)).toEqual([]);
  });

  it("an archive that no longer knows the last id (item-not-found): the history alone, and asked again next time", async () => {
    const { h, messages } = await inRoom();
    await rejoinWith(h, [groupchat("firstwitch", "five", "sid-5", "2030-01-01T00:00:05Z")]);
    h.conn.replyError(await h.conn.nextSent(isArchiveQuery), "item-not-found", { type: "cancel" });
    await flush();
    expect(messages.map((m) => m.body)).toEqual(["one", "two", "five"]);
    await rejoinWith(h, []);
    const again = await h.conn.nextSent(isArchiveQuery);
    expect(again.getChild("query", MAM)?.getChild("set", RSM)?.getChildText("after")).toBe("sid-5");
  });

  it("a room that never answers the archive query: the history goes on after the join timeout", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "Date", "performance"] });
    try {
      const h = setup(CAST.thirdwitch.jid, { joinTimeout: 5_000 });
      harnesses.push(h);
      const { room } = await enterAs(h, "thirdwitch");
      h.conn.receive(subject());
      const messages: string[] = [];
      room.on("message", (e) => messages.push(e.body));
      h.conn.receive(groupchat("firstwitch", "one", "sid-1"));
      await rejoinWith(h, [groupchat("firstwitch", "two", "sid-2", "2030-01-01T00:00:02Z")]);
      await h.conn.nextSent(isArchiveQuery);
      h.conn.receive(groupchat("firstwitch", "three", "sid-3"));
      await vi.advanceTimersByTimeAsync(4_999);
      expect(messages).toEqual(["one"]);
      await vi.advanceTimersByTimeAsync(1);
      expect(messages).toEqual(["one", "two", "three"]);
    } finally {
      vi.useRealTimers();
    }
  });

  it("a history too long to hold (over 2,000 messages) goes on in order, without the archive", async () => {
    const { h, messages } = await inRoom();
    const history = Array.from({ length: 2_001 }, (_, i) => groupchat("firstwitch", `h${i}`, `sid-h${i}`, "2030-01-01T00:00:00Z"));
    await rejoinWith(h, history);
    await flush();
    expect(h.conn.sent.filter(isArchiveQuery)).toEqual([]);
    expect(messages.map((m) => m.body)).toEqual(["one", "two", ...Array.from({ length: 2_001 }, (_, i) => `h${i}`)]);
  });

  it("without any stanza-id delivered, no archive is asked: the history alone, at once", async () => {
    const h = setup();
    harnesses.push(h);
    const { room } = await enterAs(h, "thirdwitch");
    h.conn.receive(subject());
    const messages: string[] = [];
    room.on("message", (e) => messages.push(e.body));
    h.conn.receive(groupchat("firstwitch", "one", null));
    await rejoinWith(h, [groupchat("firstwitch", "two", null, "2030-01-01T00:00:02Z")]);
    await flush();
    expect(messages).toEqual(["one", "two"]);
    expect(h.conn.sent.filter(isArchiveQuery)).toEqual([]);
  });

  it("a rejoin that starts over during the fill: the old fill delivers nothing, the new one fills from the same place", async () => {
    const { h, messages } = await inRoom();
    await rejoinWith(h, []);
    const stale = await h.conn.nextSent(isArchiveQuery);
    await rejoinWith(h, []);
    const fresh = await h.conn.nextSent(isArchiveQuery);
    expect(fresh.getChild("query", MAM)?.getChild("set", RSM)?.getChildText("after")).toBe("sid-2");
    // The old query's answer arrives on the new stream: ignored (its results are not the new query's).
    h.conn.receive(result(String(stale.getChild("query", MAM)?.attrs.queryid), "sid-3", "firstwitch", "stale"));
    h.conn.replyResult(stale, fin(true));
    h.conn.receive(result(String(fresh.getChild("query", MAM)?.attrs.queryid), "sid-3", "firstwitch", "three"));
    h.conn.replyResult(fresh, fin(true, "sid-3", "sid-3"));
    await flush();
    expect(messages.map((m) => m.body)).toEqual(["one", "two", "three"]);
  });

  it("an archive result forged by someone else, a stanza-id in the archived message claiming to be the room's, or a subject change changes nothing", async () => {
    const { h, room, messages } = await inRoom();
    await rejoinWith(h, []);
    const query = await h.conn.nextSent(isArchiveQuery);
    const queryId = String(query.getChild("query", MAM)?.attrs.queryid);
    // From an occupant, not the room: ignored.
    h.conn.receive(result(queryId, "sid-x", "firstwitch", "forged").replace(`from='${ROOM}' to=`, `from='${ROOM}/firstwitch' to=`));
    // The archived message carries a stanza-id "by the room" of its own (sid-1, already delivered): the result's id counts.
    h.conn.receive(result(queryId, "sid-3", "secondwitch", "three").replace("<body>three</body>", `<body>three</body><stanza-id xmlns='urn:xmpp:sid:0' id='sid-1' by='${ROOM}'/>`));
    // A subject change in the archive is not filled in: the rejoin's own subject ends its history.
    h.conn.receive(result(queryId, "sid-4", "firstwitch", "x").replace("<body>x</body>", "<subject>Old news</subject>"));
    h.conn.receive(result(queryId, "sid-5", "firstwitch", "five"));
    h.conn.replyResult(query, fin(true, "sid-3", "sid-5"));
    await flush();
    expect(messages.map((m) => [m.body, m.stanzaId, m.history])).toEqual([["one", "sid-1", false], ["two", "sid-2", false], ["three", "sid-3", true], ["five", "sid-5", true]]);
    expect(room.subject).toBe("Fire Burn and Cauldron Bubble!");
  });
});
