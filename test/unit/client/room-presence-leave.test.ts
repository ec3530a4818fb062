/**
 * Leaving a room (XEP-0045 §7.14): the confirmed exit, the leave timeout,
 * leaving while the join is still under way.
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import { LeaveMode, MucService, TimeoutError, type ExitEvent } from "../../../src/index.js";
import { MockConnection } from "../../../src/testing/index.js";
import { canonical, parseXml } from "../../helpers/xml.js";
import { CAST, ROOM, enterAs, flush, isJoinPresence, isUnavailable, occupantPresence, recordEvents, selfPresence, setup, type Harness } from "./room-presence-helpers.js";

const HAG = CAST.thirdwitch.jid;

let h: Harness | undefined;
afterEach(() => {
  h?.muc.close();
  h = undefined;
  vi.useRealTimers();
});

/** XEP-0045 example 81: the room confirms our exit. */
const SELF_UNAVAILABLE = `<presence from='coven@chat.shakespeare.lit/thirdwitch' to='hag66@shakespeare.lit/pda' type='unavailable'>
  <x xmlns='http://jabber.org/protocol/muc#user'>
    <item affiliation='member' jid='hag66@shakespeare.lit/pda' role='none'/>
    <status code='110'/>
  </x>
</presence>`;

describe("room.leave()", () => {
  it("sends the unavailable presence (example 80, with the status of example 83) and resolves on the confirmed exit", async () => {
    h = setup(HAG);
    const { room } = await enterAs(h, "thirdwitch");
    const events = recordEvents(room);
    const exits: ExitEvent[] = [];
    room.on("exit", (e) => exits.push(e));
    h.conn.takeSent();

    let settled = false;
    const left = room.leave({ status: "gone where the goblins go" }).then(() => (settled = true));
    const sent = await h.conn.nextSent(isUnavailable);
    expect(canonical(sent)).toBe(
      canonical(parseXml(`<presence to='coven@chat.shakespeare.lit/thirdwitch' type='unavailable'><status>gone where the goblins go</status></presence>`)),
    );
    await flush();
    expect(settled).toBe(false);
    expect(room.joined).toBe(true);

    // Other occupants' presences still count while we wait.
    h.conn.receive(`<presence from='${ROOM}/firstwitch' type='unavailable'><x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='owner' role='none'/></x></presence>`);
    h.conn.receive(SELF_UNAVAILABLE);
    await left;
    expect(events).toEqual(["leave firstwitch normal", "exit normal"]);
    expect(exits[0]).toMatchObject({ mode: LeaveMode.NORMAL, actor: undefined, reason: undefined, error: undefined });
    expect(exits[0]!.stanza?.attrs.type).toBe("unavailable");
    expect(room.joined).toBe(false);
    expect(room.active).toBe(false);
    expect(h.muc.getRoom(ROOM)).toBeUndefined();
    expect(h.conn.takeSent()).toEqual([]);
  });

  it("times out: rejects with TimeoutError, and the room is left locally (exit fires once)", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    h = setup(HAG);
    const { room } = await enterAs(h, "thirdwitch");
    const events = recordEvents(room);
    const left = room.leave({ timeout: 2_000 });
    const rejected = expect(left).rejects.toMatchObject({ name: "TimeoutError", timeout: 2_000 });
    await flush();
    expect(h.conn.takeSent().filter(isUnavailable)).toHaveLength(1);

    await vi.advanceTimersByTimeAsync(1_999);
    expect(room.joined).toBe(true);
    await vi.advanceTimersByTimeAsync(1);
    await rejected;
    await expect(left).rejects.toBeInstanceOf(TimeoutError);
    expect(events).toEqual(["exit normal"]);
    expect(room.joined).toBe(false);
    expect(h.muc.getRoom(ROOM)).toBeUndefined();

    // The late confirmation changes nothing.
    h.conn.receive(SELF_UNAVAILABLE);
    expect(events).toEqual(["exit normal"]);
    // …and the room can be joined again.
    const again = h.muc.join(ROOM, "thirdwitch");
    await flush();
    expect(h.conn.takeSent().filter(isJoinPresence)).toHaveLength(1);
    h.conn.receive(selfPresence(ROOM, "thirdwitch", HAG));
    await expect(again.joined).resolves.toBe(again.room);
  });

  it("called twice, sends one presence and both calls resolve on the exit", async () => {
    h = setup(HAG);
    const { room } = await enterAs(h, "thirdwitch");
    h.conn.takeSent();
    const a = room.leave();
    const b = room.leave();
    await flush();
    expect(h.conn.takeSent().filter(isUnavailable)).toHaveLength(1);
    h.conn.receive(SELF_UNAVAILABLE);
    await expect(a).resolves.toBeUndefined();
    await expect(b).resolves.toBeUndefined();
  });

  it("called twice and timing out, rejects both calls", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    h = setup(HAG);
    const { room } = await enterAs(h, "thirdwitch");
    const a = room.leave({ timeout: 1_000 });
    const b = room.leave();
    const rejected = Promise.all([expect(a).rejects.toBeInstanceOf(TimeoutError), expect(b).rejects.toBeInstanceOf(TimeoutError)]);
    await vi.advanceTimersByTimeAsync(1_000);
    await rejected;
  });

  it("on a room already left resolves at once and sends nothing", async () => {
    h = setup(HAG);
    const { room } = await enterAs(h, "thirdwitch");
    const left = room.leave();
    h.conn.receive(SELF_UNAVAILABLE);
    await left;
    h.conn.takeSent();
    await expect(room.leave()).resolves.toBeUndefined();
    await flush();
    expect(h.conn.takeSent()).toEqual([]);
  });
});

describe("leaving while joining", () => {
  it("rejects `joined` with AbortError, is not `joined`, and resolves once the room confirms (no `enter`)", async () => {
    h = setup(HAG);
    const { room, joined } = h.muc.join(ROOM, "thirdwitch");
    const events = recordEvents(room);
    await h.conn.nextSent(isJoinPresence);
    let settled = false;
    const left = room.leave().then(() => (settled = true));
    await expect(joined).rejects.toMatchObject({ name: "AbortError" });
    const unavailable = await h.conn.nextSent(isUnavailable);
    expect(unavailable.attrs.to).toBe(`${ROOM}/thirdwitch`);
    expect(room.joined).toBe(false);
    expect(room.active).toBe(false);

    // The room processes our join, then our leave.
    h.conn.receive(occupantPresence(ROOM, "firstwitch", HAG));
    h.conn.receive(selfPresence(ROOM, "thirdwitch", HAG));
    h.conn.receive(`<message from='${ROOM}/firstwitch' type='groupchat'><subject>Fire Burn and Cauldron Bubble!</subject></message>`);
    await flush();
    expect(settled).toBe(false);
    expect(room.joined).toBe(false);
    h.conn.receive(SELF_UNAVAILABLE);
    await left;
    expect(events).toEqual(["exit normal"]);
    expect(room.joined).toBe(false);
    expect(h.muc.getRoom(ROOM)).toBeUndefined();
  });

  it("also when the room's presences lack status 110 (recognised by the requested nick)", async () => {
    h = setup(HAG);
    const { room, joined } = h.muc.join(ROOM, "thirdwitch");
    const events = recordEvents(room);
    await h.conn.nextSent(isJoinPresence);
    const left = room.leave({ timeout: 2_000 });
    await expect(joined).rejects.toMatchObject({ name: "AbortError" });
    h.conn.receive(`<presence from='${ROOM}/thirdwitch'><x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='member' role='participant'/></x></presence>`);
    h.conn.receive(`<presence from='${ROOM}/thirdwitch' type='unavailable'><x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='member' role='none'/></x></presence>`);
    await expect(left).resolves.toBeUndefined();
    expect(events).toEqual(["exit normal"]);
  });

  it("resolves when the room refuses the join instead", async () => {
    h = setup(HAG);
    const { room, joined } = h.muc.join(ROOM, "thirdwitch");
    const events = recordEvents(room);
    const join = await h.conn.nextSent(isJoinPresence);
    const left = room.leave({ timeout: 2_000 });
    await expect(joined).rejects.toMatchObject({ name: "AbortError" });
    h.conn.replyError(join, "registration-required", { from: `${ROOM}/thirdwitch` });
    await expect(left).resolves.toBeUndefined();
    expect(events).toEqual(["exit normal"]);
    expect(h.muc.getRoom(ROOM)).toBeUndefined();
  });

  it("before the connection is online: no join and no unavailable presence are sent", async () => {
    const conn = new MockConnection({ jid: HAG, online: false });
    const muc = new MucService(conn, { selfPing: false });
    h = { conn, muc, logger: { debug: vi.fn(), warn: vi.fn() } };
    const { room, joined } = muc.join(ROOM, "thirdwitch");
    await expect(room.leave({ timeout: 1_000 })).resolves.toBeUndefined();
    await expect(joined).rejects.toMatchObject({ name: "AbortError" });
    expect(muc.getRoom(ROOM)).toBeUndefined();
    conn.newSession(HAG);
    await flush();
    expect(conn.sent).toEqual([]);
  });
});
