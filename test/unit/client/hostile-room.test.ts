/**
 * Hostile or confused input, as transcripts over the mock connection: an
 * error message from an occupant cannot fail what we sent to the room (only
 * the room's bare JID can), and a room never lists two occupants under one
 * nick: not when the service assigns us a nick another occupant was listed
 * under (status 210), nor when our old self-presence lingers while we rejoin
 * after a 333 removal.
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import { LeaveMode, MessageState, onMessageChange, type MessageChangeEvent, type Room } from "../../../src/index.js";
import {
  CAST,
  enterAs,
  flush,
  isJoinPresence,
  NS_MUC_USER,
  occupantPresence,
  recordEvents,
  ROOM,
  selfPresence,
  setup,
  type Harness,
} from "./room-presence-helpers.js";

let harnesses: Harness[] = [];

afterEach(() => {
  for (const h of harnesses) h.muc.close();
  harnesses = [];
});

function harness(jid: string): Harness {
  const h = setup(jid);
  harnesses.push(h);
  return h;
}

/** The error message of the brief, from `from`, answering the stanza with id `id`. */
function forbiddenFrom(from: string, id: string): string {
  return `<message from='${from}' type='error' id='${id}'><error type='cancel'><forbidden xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></message>`;
}

/** Nicks of the room's occupants, sorted. */
function nicks(room: Room): string[] {
  return room.occupants.map((o) => o.nick).sort();
}

/** Joined as thirdwitch with the other witches present, and the subject in. */
async function joined(): Promise<{ h: Harness; room: Room }> {
  const h = harness(CAST.thirdwitch.jid);
  const { room } = await enterAs(h, "thirdwitch");
  h.conn.receive(`<message from='${ROOM}/firstwitch' type='groupchat' id='subj'><subject>Old</subject></message>`);
  h.conn.takeSent();
  return { h, room };
}

describe("error messages: only the room can fail what we sent", () => {
  it("an occupant's error message with the id of our subject change does not reject setSubject; the reflection resolves it", async () => {
    const { h, room } = await joined();
    let settled = false;
    const change = room.setSubject("New");
    void change.then(
      () => (settled = true),
      () => (settled = true),
    );
    const sent = await h.conn.nextSent((s) => s.is("message") && s.getChild("subject") !== undefined, 1_000);
    const id = String(sent.attrs.id);
    h.conn.receive(forbiddenFrom(`${ROOM}/firstwitch`, id));
    await flush();
    expect(settled).toBe(false);
    expect(room.subject).toBe("Old");
    h.conn.receive(`<message from='${ROOM}/thirdwitch' type='groupchat' id='${id}'><subject>New</subject></message>`);
    await expect(change).resolves.toBeUndefined();
    expect(room.subject).toBe("New");
  });

  it("the same error from the bare room JID rejects setSubject with forbidden", async () => {
    const { h, room } = await joined();
    const change = room.setSubject("New", { timeout: 2_000 });
    const sent = await h.conn.nextSent((s) => s.is("message") && s.getChild("subject") !== undefined, 1_000);
    h.conn.receive(forbiddenFrom(ROOM, String(sent.attrs.id)));
    await expect(change).rejects.toMatchObject({ name: "XMPPError", condition: "forbidden", type: "cancel" });
    expect(room.subject).toBe("Old");
  });

  it("an occupant's error message with the id of a tracked message does not move it to ERROR; its reflection still delivers it", async () => {
    const { h, room } = await joined();
    const tracker = room.sendTrackedMessage("Double, double toil and trouble", { timeout: 10_000 });
    const sent = await h.conn.nextSent((s) => s.is("message") && s.getChild("body") !== undefined, 1_000);
    const id = String(sent.attrs.id);
    h.conn.receive(forbiddenFrom(`${ROOM}/firstwitch`, id));
    await flush();
    expect(tracker.state).toBe(MessageState.IN_TRANSIT);
    expect(tracker.error).toBeUndefined();
    const originId = String(sent.getChild("origin-id", "urn:xmpp:sid:0")?.attrs.id);
    h.conn.receive(`<message from='${ROOM}/thirdwitch' type='groupchat' id='${id}'><body>Double, double toil and trouble</body>
      <origin-id xmlns='urn:xmpp:sid:0' id='${originId}'/></message>`);
    expect(tracker.state).toBe(MessageState.DELIVERED_TO_RECIPIENT);
  });

  it("the same error from the bare room JID moves the tracked message to ERROR (forbidden)", async () => {
    const { h, room } = await joined();
    const tracker = room.sendTrackedMessage("Double, double toil and trouble", { timeout: 10_000 });
    const sent = await h.conn.nextSent((s) => s.is("message") && s.getChild("body") !== undefined, 1_000);
    h.conn.receive(forbiddenFrom(ROOM, String(sent.attrs.id)));
    expect(tracker.state).toBe(MessageState.ERROR);
    expect(tracker.error).toMatchObject({ name: "XMPPError", condition: "forbidden", type: "cancel" });
    await expect(tracker.done).resolves.toBe(MessageState.ERROR);
  });
});

describe("nicks stay unique", () => {
  it("joining as thirdwitch, the service assigns us firstwitch (110 + 210), under which an occupant was listed: one firstwitch, us", async () => {
    const h = harness(CAST.thirdwitch.jid);
    const { room, joined } = h.muc.join(ROOM, "thirdwitch");
    const events = recordEvents(room);
    await h.conn.nextSent(isJoinPresence, 1_000);
    h.conn.receive(occupantPresence(ROOM, "firstwitch", CAST.thirdwitch.jid));
    h.conn.receive(occupantPresence(ROOM, "secondwitch", CAST.thirdwitch.jid));
    h.conn.receive(selfPresence(ROOM, "firstwitch", CAST.thirdwitch.jid, { codes: [210] }));
    await expect(joined).resolves.toBe(room);

    expect(room.nick).toBe("firstwitch");
    expect(room.me?.nick).toBe("firstwitch");
    expect(room.getOccupant("firstwitch")).toBe(room.me);
    expect(nicks(room)).toEqual(["firstwitch", "secondwitch"]);
    expect(room.occupants.filter((o) => o.nick === "firstwitch")).toHaveLength(1);
    expect(events).toEqual([
      "join firstwitch initial",
      "join secondwitch initial",
      `leave firstwitch ${LeaveMode.NORMAL}`,
      "enter firstwitch nickAssigned",
    ]);
  });

  it("joined as firstwitch, removed with 333 and rejoining: our old self-presence lingering without 110 does not list a second firstwitch", async () => {
    const h = harness(CAST.firstwitch.jid);
    const { room } = await enterAs(h, "firstwitch");
    const me = room.me;
    const events = recordEvents(room);
    h.conn.takeSent();
    // XEP-0045 §7.14 (333): removed because of a technical problem; autorejoin is on.
    h.conn.receive(`<presence from='${ROOM}/firstwitch' to='${CAST.firstwitch.jid}' type='unavailable'>
      <x xmlns='${NS_MUC_USER}'><item affiliation='owner' role='none'/><status code='110'/><status code='333'/></x></presence>`);
    const rejoin = await h.conn.nextSent(isJoinPresence, 1_000);
    expect(rejoin.attrs.to).toBe(`${ROOM}/firstwitch`);

    h.conn.receive(occupantPresence(ROOM, "firstwitch", CAST.firstwitch.jid));
    expect(room.occupants.filter((o) => o.nick === "firstwitch")).toHaveLength(1);
    h.conn.receive(occupantPresence(ROOM, "secondwitch", CAST.firstwitch.jid));
    h.conn.receive(occupantPresence(ROOM, "thirdwitch", CAST.firstwitch.jid));
    h.conn.receive(selfPresence(ROOM, "firstwitch", CAST.firstwitch.jid, { affiliation: "owner", role: "moderator" }));

    expect(room.active).toBe(true);
    expect(room.me).toBe(me);
    expect(room.getOccupant("firstwitch")).toBe(me);
    expect(nicks(room)).toEqual(["firstwitch", "secondwitch", "thirdwitch"]);
    expect(room.occupants.filter((o) => o.nick === "firstwitch")).toHaveLength(1);
    expect(events).toEqual(["suspend", "resume"]);
  });
});

/** A presence from `nick` in the room (muc#user item and status codes as given). */
function presence(nick: string, item: string, codes: number[] = [], type?: string): string {
  return `<presence from='${ROOM}/${nick}' to='${CAST.thirdwitch.jid}'${type ? ` type='${type}'` : ""}>
    <x xmlns='${NS_MUC_USER}'><item ${item}/>${codes.map((c) => `<status code='${c}'/>`).join("")}</x></presence>`;
}

/** A groupchat message from `nick`; `extra` are its other children. */
function groupchat(nick: string, body: string, attrs = "", extra = ""): string {
  return `<message from='${ROOM}/${nick}' to='${CAST.thirdwitch.jid}' type='groupchat'${attrs}><body>${body}</body>${extra}</message>`;
}

const delayed = (stamp: string): string => `<delay xmlns='urn:xmpp:delay' from='${ROOM}' stamp='${stamp}'/>`;

/** Bodies of the `message` events. */
function bodies(room: Room): string[] {
  const seen: string[] = [];
  room.on("message", (e) => seen.push(e.body));
  return seen;
}

describe("nick changes: who a presence is about", () => {
  it("firstwitch becomes B (303), B leaves, a newcomer joins as B: the newcomer is listed and joins; the one who left stays gone", async () => {
    const { h, room } = await joined();
    const first = room.getOccupant("firstwitch");
    const events = recordEvents(room);
    h.conn.receive(presence("firstwitch", "affiliation='owner' role='moderator' nick='B'", [303], "unavailable"));
    h.conn.receive(presence("B", "affiliation='owner' role='none'", [], "unavailable"));
    h.conn.receive(presence("B", "affiliation='none' role='visitor' jid='newcomer@shakespeare.lit/r'"));
    const b = room.getOccupant("B");
    expect(b).toBeDefined();
    expect(b).not.toBe(first);
    expect(b?.role).toBe("visitor");
    expect(first?.role).toBe("none");
    expect(room.occupantCount).toBe(3);
    expect(events).toEqual(["nickChange firstwitch -> B", `leave B ${LeaveMode.NORMAL}`, "join B"]);
  });

  it("our nick goes thirdwitch → X → Y (303s), then someone joins as X: we stay ourselves, and X is someone else", async () => {
    const { h, room } = await joined();
    const me = room.me;
    h.conn.receive(presence("thirdwitch", `affiliation='member' role='participant' jid='${CAST.thirdwitch.jid}' nick='X'`, [110, 303], "unavailable"));
    h.conn.receive(presence("X", `affiliation='member' role='participant' jid='${CAST.thirdwitch.jid}' nick='Y'`, [110, 303], "unavailable"));
    h.conn.receive(selfPresence(ROOM, "Y", CAST.thirdwitch.jid));
    h.conn.receive(presence("X", "affiliation='outcast' role='visitor' jid='mallory@shakespeare.lit/r'"));
    expect(room.me).toBe(me);
    expect(room.me).toMatchObject({ nick: "Y", role: "participant", affiliation: "member" });
    expect(room.me?.jid?.toString()).toBe(CAST.thirdwitch.jid);
    expect(room.getOccupant("X")?.jid?.toString()).toBe("mallory@shakespeare.lit/r");
  });

  it("rejoining on a new stream, someone holds our old nick and the room gives us another (110 + 210): both are listed", async () => {
    const { h, room } = await joined();
    const me = room.me;
    h.conn.drop();
    h.conn.newSession();
    await h.conn.nextSent(isJoinPresence, 1_000);
    h.conn.receive(occupantPresence(ROOM, "firstwitch", CAST.thirdwitch.jid));
    h.conn.receive(occupantPresence(ROOM, "secondwitch", CAST.thirdwitch.jid));
    h.conn.receive(presence("thirdwitch", "affiliation='none' role='participant' jid='hecate@shakespeare.lit/r'"));
    h.conn.receive(selfPresence(ROOM, "thirdwitch2", CAST.thirdwitch.jid, { codes: [210] }));
    expect(room.active).toBe(true);
    expect(room.me).toBe(me);
    expect(room.nick).toBe("thirdwitch2");
    expect(room.getOccupant("thirdwitch")?.jid?.toString()).toBe("hecate@shakespeare.lit/r");
    expect(nicks(room)).toEqual(["firstwitch", "secondwitch", "thirdwitch", "thirdwitch2"]);
  });
});

describe("a rejoin the room never answers", () => {
  it("is sent again after the join timeout, 1, 2, 4 … s later; unanswered for five minutes, the room ends: exit ERROR (remote-server-timeout), a waiting send fails, a tracker is aborted; a late self-presence is answered by leaving", async () => {
    const svc = setup(CAST.thirdwitch.jid, { joinTimeout: 100, trackerTimeout: 600_000 });
    harnesses.push(svc);
    const { room } = await enterAs(svc, "thirdwitch");
    const exits: { mode: LeaveMode; condition: string | undefined }[] = [];
    room.on("exit", (e) => exits.push({ mode: e.mode, condition: e.error?.condition }));
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "Date", "performance"] });
    try {
      svc.conn.drop();
      svc.conn.newSession();
      await vi.advanceTimersByTimeAsync(0);
      const start = Date.now();
      const joins = (): number => svc.conn.sent.filter(isJoinPresence).length;
      const first = joins();
      const send = room.sendMessage("Anyone?");
      send.catch(() => undefined);
      const tracker = room.sendTrackedMessage("Hello?");
      // The join timeout, then the first retry 1 s later, the next 2 s after its own timeout.
      await vi.advanceTimersByTimeAsync(100 + 999);
      expect(joins()).toBe(first);
      await vi.advanceTimersByTimeAsync(1);
      expect(joins()).toBe(first + 1);
      await vi.advanceTimersByTimeAsync(100 + 2_000);
      expect(joins()).toBe(first + 2);
      expect(exits).toEqual([]);
      // Timer by timer, so that the room's end is not followed by more time (a late answer counts for a join timeout after it).
      while (exits.length === 0 && Date.now() - start < 330_000) await vi.advanceTimersToNextTimerAsync();
      expect(Date.now() - start).toBeGreaterThanOrEqual(300_000);
      expect(joins() - first).toBeGreaterThan(10);
      await expect(send).rejects.toMatchObject({ name: "MucStateError" });
      expect(exits).toEqual([{ mode: LeaveMode.ERROR, condition: "remote-server-timeout" }]);
      expect(room.joined).toBe(false);
      await expect(tracker.done).resolves.toBe(MessageState.ABORTED);
    } finally {
      vi.useRealTimers();
    }
    svc.conn.takeSent();
    svc.conn.receive(selfPresence(ROOM, "thirdwitch", CAST.thirdwitch.jid));
    const leave = await svc.conn.nextSent((s) => s.is("presence") && s.attrs.type === "unavailable", 1_000);
    expect(leave.attrs.to).toBe(`${ROOM}/thirdwitch`);
  });

  it("does not end while the stream is down: the next stream sends the rejoin again", async () => {
    const h = setup(CAST.thirdwitch.jid, { joinTimeout: 50 });
    harnesses.push(h);
    const { room } = await enterAs(h, "thirdwitch");
    h.conn.drop();
    h.conn.newSession();
    await h.conn.nextSent(isJoinPresence, 1_000);
    h.conn.drop();
    await new Promise((r) => setTimeout(r, 120));
    expect(room.joined).toBe(true);
    h.conn.newSession();
    await h.conn.nextSent(isJoinPresence, 1_000);
    h.conn.receive(selfPresence(ROOM, "thirdwitch", CAST.thirdwitch.jid));
    await new Promise((r) => setTimeout(r, 120));
    expect(room.active).toBe(true);
  });
});

describe("de-duplication without stanza-ids", () => {
  it("a live message with an id but no stanza-id or origin-id, replayed by the rejoin's history, is delivered once", async () => {
    const { h, room } = await joined();
    const seen = bodies(room);
    h.conn.receive(groupchat("firstwitch", "hello", " id='fw-1'"));
    h.conn.drop();
    h.conn.newSession();
    await h.conn.nextSent(isJoinPresence, 1_000);
    h.conn.receive(selfPresence(ROOM, "thirdwitch", CAST.thirdwitch.jid));
    h.conn.receive(groupchat("firstwitch", "hello", " id='fw-1'", delayed(new Date(Date.now() - 1_000).toISOString())));
    h.conn.receive(groupchat("firstwitch", "hello", " id='fw-2'", delayed(new Date().toISOString())));
    expect(seen).toEqual(["hello", "hello"]);
  });

  it("two history messages with the same sender and text, no ids at all, at different times are both delivered; the same one again is not", async () => {
    const h = harness(CAST.thirdwitch.jid);
    const { room } = await enterAs(h, "thirdwitch");
    const seen = bodies(room);
    h.conn.receive(groupchat("firstwitch", "+1", "", delayed("2026-01-01T10:00:00Z")));
    h.conn.receive(groupchat("firstwitch", "+1", "", delayed("2026-01-01T11:00:00Z")));
    h.conn.receive(groupchat("firstwitch", "+1", "", delayed("2026-01-01T11:00:00Z")));
    expect(seen).toEqual(["+1", "+1"]);
  });

  it("a malformed <stanza-id/> beside the room's does not hide the room's: the message has it, and its history replay is dropped", async () => {
    const { h, room } = await joined();
    const events: (string | undefined)[] = [];
    room.on("message", (e) => events.push(e.stanzaId));
    const ids = `<stanza-id xmlns='urn:xmpp:sid:0' id='bogus'/><stanza-id xmlns='urn:xmpp:sid:0' by='${ROOM}' id='S3'/>`;
    h.conn.receive(groupchat("firstwitch", "mine", " id='f2'", ids));
    h.conn.drop();
    h.conn.newSession();
    await h.conn.nextSent(isJoinPresence, 1_000);
    h.conn.receive(selfPresence(ROOM, "thirdwitch", CAST.thirdwitch.jid));
    h.conn.receive(groupchat("firstwitch", "mine", " id='f2-replayed'", ids + delayed(new Date().toISOString())));
    expect(events).toEqual(["S3"]);
  });
});

describe("what a dead stream lost is resent only if the room never showed it", () => {
  it("an untracked message the history shows under our nick without occupant-id, while our self-presence has one, is not resent", async () => {
    const h = harness(CAST.thirdwitch.jid);
    const { room, joined: entered } = h.muc.join(ROOM, "thirdwitch");
    await h.conn.nextSent(isJoinPresence, 1_000);
    const self = selfPresence(ROOM, "thirdwitch", CAST.thirdwitch.jid).replace("</presence>", "<occupant-id xmlns='urn:xmpp:occupant-id:0' id='me-occ'/></presence>");
    h.conn.receive(self);
    await entered;
    h.conn.receive(`<message from='${ROOM}' type='groupchat'><subject>Old</subject></message>`);
    const sent = await room.sendMessage("lost?");
    const originId = String(sent.getChild("origin-id", "urn:xmpp:sid:0")?.attrs.id);
    h.conn.drop();
    h.conn.newSession();
    await h.conn.nextSent(isJoinPresence, 1_000);
    h.conn.takeSent();
    h.conn.receive(self);
    h.conn.receive(groupchat("thirdwitch", "lost?", ` id='${String(sent.attrs.id)}'`, `<origin-id xmlns='urn:xmpp:sid:0' id='${originId}'/>${delayed(new Date().toISOString())}`));
    h.conn.receive(`<message from='${ROOM}' type='groupchat'><subject>Old</subject></message>`);
    await flush();
    expect(h.conn.takeSent().filter((s) => s.is("message"))).toEqual([]);
  });

  it("a tracked message the history shows under the nick we had before the rejoin gave us another (210) is delivered, not resent", async () => {
    const { h, room } = await joined();
    const tracker = room.sendTrackedMessage("lost?", { timeout: 5_000 });
    const sent = await h.conn.nextSent((s) => s.is("message") && s.getChild("body") !== undefined, 1_000);
    h.conn.drop();
    h.conn.newSession();
    await h.conn.nextSent(isJoinPresence, 1_000);
    h.conn.takeSent();
    h.conn.receive(selfPresence(ROOM, "thirdwitch2", CAST.thirdwitch.jid, { codes: [210] }));
    h.conn.receive(groupchat("thirdwitch", "lost?", ` id='${String(sent.attrs.id)}'`, `<origin-id xmlns='urn:xmpp:sid:0' id='${tracker.originId}'/><stanza-id xmlns='urn:xmpp:sid:0' by='${ROOM}' id='H1'/>${delayed(new Date().toISOString())}`));
    h.conn.receive(`<message from='${ROOM}' type='groupchat'><subject>Old</subject></message>`);
    await flush();
    expect(tracker.state).toBe(MessageState.DELIVERED_TO_RECIPIENT);
    expect(h.conn.takeSent().filter((s) => s.is("message"))).toEqual([]);
  });
});

describe("room JIDs with a backslash in the localpart (RFC 7622)", () => {
  it("onMessageChange finds the room of a correction from back\\slash@…, and a mediated invite names the room as it is", async () => {
    const h = harness(CAST.thirdwitch.jid);
    const jid = "back\\slash@chat.shakespeare.lit";
    const { room } = await enterAs(h, "thirdwitch", { room: jid });
    expect(room.jid.toString()).toBe(jid);
    const changes: MessageChangeEvent[] = [];
    const stop = onMessageChange(h.muc, (c) => changes.push(c));
    h.conn.receive(`<message from='${jid}/firstwitch' type='groupchat' id='c1'><body>fixed</body><replace id='m1' xmlns='urn:xmpp:message-correct:0'/></message>`);
    stop();
    expect(changes).toMatchObject([{ kind: "correction", room, target: "m1", body: "fixed" }]);
    const invites: string[] = [];
    h.muc.on("invite", (i) => invites.push(i.room.toString()));
    h.conn.receive(`<message from='${jid}/firstwitch' to='${CAST.thirdwitch.jid}'><x xmlns='${NS_MUC_USER}'><invite from='crone1@shakespeare.lit/desktop'/></x></message>`);
    expect(invites).toEqual([jid]);
  });
});

describe("odd but survivable", () => {
  it("a displayed marker without stanza-id that each rejoin's history repeats fires `displayed` once", async () => {
    const { h, room } = await joined();
    const displayed: string[] = [];
    room.on("displayed", (e) => displayed.push(`${e.nick} ${e.id}`));
    const marker = `<displayed xmlns='urn:xmpp:chat-markers:0' id='S9'/>`;
    h.conn.receive(`<message from='${ROOM}/firstwitch' type='groupchat' id='mk1'>${marker}</message>`);
    const stamp = new Date().toISOString();
    for (let i = 0; i < 2; i++) {
      h.conn.drop();
      h.conn.newSession();
      await h.conn.nextSent(isJoinPresence, 1_000);
      h.conn.receive(selfPresence(ROOM, "thirdwitch", CAST.thirdwitch.jid));
      h.conn.receive(`<message from='${ROOM}/firstwitch' type='groupchat' id='mk1'>${marker}${delayed(stamp)}</message>`);
      h.conn.receive(`<message from='${ROOM}' type='groupchat'><subject>Old</subject></message>`);
    }
    expect(displayed).toEqual(["firstwitch S9"]);
  });

  it("kicked while a subject change waits: setSubject rejects at once with MucStateError", async () => {
    const { h, room } = await joined();
    const change = room.setSubject("New", { timeout: 60_000 });
    await h.conn.nextSent((s) => s.is("message") && s.getChild("subject") !== undefined, 1_000);
    h.conn.receive(presence("thirdwitch", `affiliation='member' role='none' jid='${CAST.thirdwitch.jid}'`, [110, 307], "unavailable"));
    await expect(change).rejects.toMatchObject({ name: "MucStateError" });
  });

  it("leave() while rejoining: the room is not active while leaving", async () => {
    const { h, room } = await joined();
    h.conn.drop();
    h.conn.newSession();
    await h.conn.nextSent(isJoinPresence, 1_000);
    const leaving = room.leave({ timeout: 1_000 });
    expect(room.active).toBe(false);
    h.conn.receive(presence("thirdwitch", `affiliation='member' role='none' jid='${CAST.thirdwitch.jid}'`, [110], "unavailable"));
    await leaving;
    expect(room.joined).toBe(false);
  });

  it("a 303 to an empty nick or to the same nick is ignored: no leave, no nickChange", async () => {
    const { h, room } = await joined();
    const events = recordEvents(room);
    h.conn.receive(presence("firstwitch", "affiliation='owner' role='moderator' nick=''", [303], "unavailable"));
    h.conn.receive(presence("firstwitch", "affiliation='owner' role='moderator' nick='firstwitch'", [303], "unavailable"));
    expect(events).toEqual([]);
    expect(room.getOccupant("firstwitch")?.role).toBe("moderator");
  });

  it("an available presence with role 'none' is not an occupant: a newcomer is not listed, a listed occupant leaves", async () => {
    const { h, room } = await joined();
    const events = recordEvents(room);
    h.conn.receive(presence("hecate", "affiliation='none' role='none'", []));
    h.conn.receive(presence("firstwitch", "affiliation='owner' role='none'", []));
    expect(events).toEqual(["leave firstwitch normal"]);
    expect(nicks(room)).toEqual(["secondwitch", "thirdwitch"]);
    // Both may still come in properly.
    h.conn.receive(presence("hecate", "affiliation='none' role='participant'", []));
    expect(nicks(room)).toEqual(["hecate", "secondwitch", "thirdwitch"]);
  });

  it("a direct invitation naming an occupant JID or a domain rather than a room is ignored", async () => {
    const { h } = await joined();
    const invites: string[] = [];
    h.muc.on("invite", (i) => invites.push(i.room.toString()));
    for (const jid of [`${ROOM}/firstwitch`, "chat.shakespeare.lit", "darkcave@chat.shakespeare.lit"]) {
      h.conn.receive(`<message from='crone1@shakespeare.lit/desktop' to='${CAST.thirdwitch.jid}'><x xmlns='jabber:x:conference' jid='${jid}'/></message>`);
    }
    expect(invites).toEqual(["darkcave@chat.shakespeare.lit"]);
  });

  it("onMessageChange reports nothing of the history of a join we gave up on", async () => {
    const h = harness(CAST.thirdwitch.jid);
    const { room, joined: entered } = h.muc.join(ROOM, "thirdwitch");
    entered.catch(() => {});
    const changes: MessageChangeEvent[] = [];
    const stop = onMessageChange(h.muc, (c) => changes.push(c));
    await h.conn.nextSent(isJoinPresence, 1_000);
    const leaving = room.leave({ timeout: 1_000 });
    h.conn.receive(selfPresence(ROOM, "thirdwitch", CAST.thirdwitch.jid));
    h.conn.receive(`<message from='${ROOM}/firstwitch' type='groupchat' id='c1'><body>fixed</body><replace id='m1' xmlns='urn:xmpp:message-correct:0'/>${delayed("2026-01-01T00:00:00Z")}</message>`);
    h.conn.receive(presence("thirdwitch", `affiliation='member' role='none' jid='${CAST.thirdwitch.jid}'`, [110], "unavailable"));
    await leaving;
    stop();
    expect(changes).toEqual([]);
  });
});

describe("a ghost under the nick we join with", () => {
  it("an unavailable presence without 110 from the nick we asked for, while joining, does not fail the join", async () => {
    const h = harness(CAST.thirdwitch.jid);
    const { room, joined: entered } = h.muc.join(ROOM, "thirdwitch");
    await h.conn.nextSent(isJoinPresence, 1_000);
    h.conn.receive(occupantPresence(ROOM, "firstwitch", CAST.thirdwitch.jid));
    h.conn.receive(presence("thirdwitch", "affiliation='member' role='none'", [], "unavailable"));
    h.conn.receive(selfPresence(ROOM, "thirdwitch", CAST.thirdwitch.jid));
    await expect(entered).resolves.toBe(room);
    expect(nicks(room)).toEqual(["firstwitch", "thirdwitch"]);
  });
});
