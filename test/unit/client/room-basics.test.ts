/**
 * The core join → occupants → message → leave transcript (XEP-0045 §7.2,
 * examples 18–25 style), through the public surface only.
 */
import { afterEach, describe, expect, it } from "vitest";
import { MucService, LeaveMode, type Room, type RoomEvents } from "../../../src/index.js";
import { MockConnection } from "../../../src/testing/index.js";

const ROOM = "coven@chat.shakespeare.lit";

function setup() {
  const conn = new MockConnection({ jid: "hag66@shakespeare.lit/pda" });
  const muc = new MucService(conn, { selfPing: false });
  return { conn, muc };
}

function record<E extends keyof RoomEvents>(events: string[], room: Room, name: E, describe: (p: RoomEvents[E]) => string) {
  room.on(name, (p) => events.push(`${name}:${describe(p)}`));
}

describe("Room basics", () => {
  let cleanup: (() => void) | undefined;
  afterEach(() => cleanup?.());

  it("joins: occupants first, then self-presence, history, subject", async () => {
    const { conn, muc } = setup();
    cleanup = () => muc.close();
    const { room, joined } = muc.join(ROOM, "thirdwitch", { history: { maxStanzas: 20 } });
    const events: string[] = [];
    record(events, room, "join", (p) => `${p.occupant.nick}:${p.initial}`);
    record(events, room, "enter", (p) => p.occupant.nick);
    record(events, room, "message", (p) => `${p.nick}:${p.body}:${p.history}`);
    record(events, room, "subjectChange", (p) => `${p.subject}:${p.initial}`);

    const join = await conn.nextSent((s) => s.is("presence"));
    expect(join.attrs.to).toBe(`${ROOM}/thirdwitch`);
    expect(join.getChild("x", "http://jabber.org/protocol/muc")?.getChild("history")?.attrs.maxstanzas).toBe("20");

    conn.receive(`<presence from='${ROOM}/firstwitch' to='hag66@shakespeare.lit/pda'>
      <x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='owner' role='moderator'/></x></presence>`);
    conn.receive(`<presence from='${ROOM}/secondwitch' to='hag66@shakespeare.lit/pda'>
      <x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='admin' role='moderator'/></x></presence>`);
    conn.receive(`<presence from='${ROOM}/thirdwitch' to='hag66@shakespeare.lit/pda'>
      <x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='member' role='participant'/><status code='110'/></x></presence>`);
    expect(await joined).toBe(room);
    conn.receive(`<message from='${ROOM}/firstwitch' to='hag66@shakespeare.lit/pda' type='groupchat' id='h1'>
      <body>Thrice the brinded cat hath mew'd.</body>
      <delay xmlns='urn:xmpp:delay' from='${ROOM}' stamp='2002-10-13T23:58:37Z'/></message>`);
    conn.receive(`<message from='${ROOM}/secondwitch' to='hag66@shakespeare.lit/pda' type='groupchat' id='s1'>
      <subject>Fire Burn and Cauldron Bubble!</subject></message>`);
    conn.receive(`<message from='${ROOM}/secondwitch' to='hag66@shakespeare.lit/pda' type='groupchat' id='l1'><body>Live.</body></message>`);

    expect(events).toEqual([
      "join:firstwitch:true",
      "join:secondwitch:true",
      "enter:thirdwitch",
      "message:firstwitch:Thrice the brinded cat hath mew'd.:true",
      "subjectChange:Fire Burn and Cauldron Bubble!:true",
      "message:secondwitch:Live.:false",
    ]);
    expect(room.joined).toBe(true);
    expect(room.active).toBe(true);
    expect(room.occupants.map((o) => o.nick)).toEqual(["thirdwitch", "firstwitch", "secondwitch"]);
    expect(room.me?.role).toBe("participant");
    expect(room.getOccupant("firstwitch")?.affiliation).toBe("owner");
    expect(room.subject).toBe("Fire Burn and Cauldron Bubble!");
    expect(room.subjectSetter).toBe("secondwitch");
  });

  it("rejects the join with the room's error, typed", async () => {
    const { conn, muc } = setup();
    cleanup = () => muc.close();
    const { room, joined } = muc.join(ROOM, "thirdwitch");
    const join = await conn.nextSent((s) => s.is("presence"));
    conn.replyError(join, "conflict", { from: `${ROOM}/thirdwitch` });
    await expect(joined).rejects.toMatchObject({ name: "XMPPError", condition: "conflict" });
    expect(room.joined).toBe(false);
    expect(muc.getRoom(ROOM)).toBeUndefined();
  });

  it("throws at once for a non-bare JID or a room already being joined", () => {
    const { muc } = setup();
    cleanup = () => muc.close();
    expect(() => muc.join(`${ROOM}/nick`, "x")).toThrow(/must be bare/);
    muc.join(ROOM, "a");
    expect(() => muc.join(ROOM, "b")).toThrow(/already joined/);
  });

  it("leaves: resolves when the exit is confirmed", async () => {
    const { conn, muc } = setup();
    cleanup = () => muc.close();
    const { room, joined } = muc.join(ROOM, "thirdwitch");
    await conn.nextSent((s) => s.is("presence"));
    conn.receive(`<presence from='${ROOM}/thirdwitch'><x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='none' role='participant'/><status code='110'/></x></presence>`);
    await joined;
    const exits: string[] = [];
    room.on("exit", ({ mode }) => exits.push(mode));
    const left = room.leave();
    const unavailable = await conn.nextSent((s) => s.is("presence") && s.attrs.type === "unavailable");
    expect(unavailable.attrs.to).toBe(`${ROOM}/thirdwitch`);
    conn.receive(`<presence from='${ROOM}/thirdwitch' type='unavailable'><x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='none' role='none'/><status code='110'/></x></presence>`);
    await left;
    expect(exits).toEqual([LeaveMode.NORMAL]);
    expect(room.joined).toBe(false);
    expect(muc.getRoom(ROOM)).toBeUndefined();
  });
});
