/**
 * Hostile or confused input, as transcripts over the mock connection: an
 * error message from an occupant cannot fail what we sent to the room (only
 * the room's bare JID can), and a room never lists two occupants under one
 * nick: not when the service assigns us a nick another occupant was listed
 * under (status 210), nor when our old self-presence lingers while we rejoin
 * after a 333 removal.
 */
import { afterEach, describe, expect, it } from "vitest";
import { LeaveMode, MessageState, type Room } from "../../../src/index.js";
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
