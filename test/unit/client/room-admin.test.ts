/**
 * The standalone moderation, administration and discovery functions of the
 * package entry (src/client/room-admin.ts), through a MucService over the
 * mock connection: what they check before sending (the service, the room
 * JID, the user JID, being joined for `requestVoice`), that they do not need
 * the room to be joined otherwise, and the `createRoom` flow. The IQs
 * themselves, answer by answer, are covered by admin.test.ts.
 */
import { afterEach, describe, expect, it } from "vitest";
import type { Element } from "@xmpp/xml";
import {
  MucService,
  MucStateError,
  cancelRoomConfig,
  createInstantRoom,
  createRoom,
  destroyRoom,
  getAffiliations,
  getRoleList,
  getRoomConfig,
  getRoomInfo,
  listRooms,
  requestVoice,
  setAffiliation,
  setAffiliations,
  setRole,
  setRoomConfig,
} from "../../../src/index.js";
import { MockConnection } from "../../../src/testing/index.js";

const SERVICE = "chat.shakespeare.lit";
const ROOM = `coven@${SERVICE}`;
const ME = "crone1@shakespeare.lit/desktop";
const NICK = "firstwitch";
const MUC_USER = "http://jabber.org/protocol/muc#user";
const MUC_ADMIN = "http://jabber.org/protocol/muc#admin";
const MUC_OWNER = "http://jabber.org/protocol/muc#owner";
const DISCO_ITEMS = "http://jabber.org/protocol/disco#items";
const DATA = "jabber:x:data";

let services: MucService[] = [];

function newService(): { conn: MockConnection; muc: MucService } {
  const conn = new MockConnection({ jid: ME });
  const muc = new MucService(conn, { selfPing: false });
  services.push(muc);
  return { conn, muc };
}

const isIq = (s: Element): boolean => s.is("iq");

afterEach(() => {
  for (const muc of services) muc.close();
  services = [];
});

/** Every function, called for `room` (the other arguments valid). */
function everyCall(muc: MucService, room: string): Array<[string, () => Promise<unknown>]> {
  return [
    ["setRole", () => setRole(muc, room, "thirdwitch", "none")],
    ["setAffiliation", () => setAffiliation(muc, room, "hag66@shakespeare.lit", "member")],
    ["setAffiliations", () => setAffiliations(muc, room, [{ jid: "hag66@shakespeare.lit", affiliation: "member" }])],
    ["createRoom", () => createRoom(muc, room, NICK)],
    ["createInstantRoom", () => createInstantRoom(muc, room)],
    ["getRoomConfig", () => getRoomConfig(muc, room)],
    ["setRoomConfig", () => setRoomConfig(muc, room, { persistent: true })],
    ["cancelRoomConfig", () => cancelRoomConfig(muc, room)],
    ["destroyRoom", () => destroyRoom(muc, room)],
    ["getAffiliations", () => getAffiliations(muc, room, "member")],
    ["getRoleList", () => getRoleList(muc, room, "moderator")],
    ["getRoomInfo", () => getRoomInfo(muc, room)],
    ["requestVoice", () => requestVoice(muc, room)],
  ];
}

describe("checks before sending", () => {
  it("a room JID with a resource, without a localpart or unparsable rejects with MucStateError, and nothing is sent", async () => {
    const { conn, muc } = newService();
    for (const room of [`${ROOM}/${NICK}`, SERVICE, "", "a@b@c", `@${SERVICE}`]) {
      for (const [name, call] of everyCall(muc, room)) {
        await expect(call(), `${name}(${JSON.stringify(room)})`).rejects.toBeInstanceOf(MucStateError);
      }
    }
    expect(conn.sent).toEqual([]);
  });

  it("something that is not a MucService is refused with MucStateError", async () => {
    const { conn } = newService();
    const notAService = {} as MucService;
    for (const [name, call] of everyCall(notAService, ROOM)) {
      await expect(call(), name).rejects.toBeInstanceOf(MucStateError);
    }
    await expect(listRooms(notAService, SERVICE)).rejects.toBeInstanceOf(MucStateError);
    expect(conn.sent).toEqual([]);
  });

  it("setAffiliation with an invalid user JID rejects with MucStateError and sends nothing", async () => {
    const { conn, muc } = newService();
    for (const user of ["", "not a jid", "a@b@c", `hag66@shakespeare.lit/`]) {
      await expect(setAffiliation(muc, ROOM, user, "outcast"), JSON.stringify(user)).rejects.toBeInstanceOf(MucStateError);
    }
    await expect(setAffiliations(muc, ROOM, [{ jid: "not a jid", affiliation: "member" }])).rejects.toBeInstanceOf(MucStateError);
    expect(conn.sent).toEqual([]);
  });

  it("destroyRoom with an invalid alternate venue rejects with MucStateError and sends nothing", async () => {
    const { conn, muc } = newService();
    await expect(destroyRoom(muc, ROOM, { alternateVenue: "not a jid" })).rejects.toBeInstanceOf(MucStateError);
    expect(conn.sent).toEqual([]);
  });

  it("listRooms takes a service JID: one with a resource is refused; a bare one is asked with disco#items", async () => {
    const { conn, muc } = newService();
    await expect(listRooms(muc, `${SERVICE}/x`)).rejects.toBeInstanceOf(MucStateError);
    expect(conn.sent).toEqual([]);
    const rooms = listRooms(muc, SERVICE);
    const iq = await conn.nextSent(isIq, 1_000);
    expect(iq.attrs).toMatchObject({ type: "get", to: SERVICE });
    expect(iq.getChild("query", DISCO_ITEMS)).toBeDefined();
    conn.replyResult(iq, `<query xmlns='${DISCO_ITEMS}'><item jid='${ROOM}' name='A Dark Cave'/></query>`);
    const items = await rooms;
    expect(items.map((r) => [r.jid.toString(), r.name])).toEqual([[ROOM, "A Dark Cave"]]);
  });

  it("requestVoice rejects with MucStateError for a room joined through another service, which sends nothing", async () => {
    const joinedThere = newService();
    const { joined } = joinedThere.muc.join(ROOM, NICK);
    await joinedThere.conn.nextSent((s) => s.is("presence"), 1_000);
    joinedThere.conn.receive(`<presence from='${ROOM}/${NICK}' to='${ME}'>
      <x xmlns='${MUC_USER}'><item affiliation='member' role='visitor'/><status code='110'/></x></presence>`);
    await joined;
    joinedThere.conn.takeSent();

    const other = newService();
    await expect(requestVoice(other.muc, ROOM)).rejects.toBeInstanceOf(MucStateError);
    expect(other.conn.sent).toEqual([]);
    // Through the service that joined it, the request goes out.
    await requestVoice(joinedThere.muc, ROOM);
    const sent = await joinedThere.conn.nextSent((s) => s.is("message"), 1_000);
    expect(sent.attrs.to).toBe(ROOM);
    expect(sent.getChild("x", DATA)?.attrs.type).toBe("submit");
  });
});

describe("no joined room needed", () => {
  it("setRole, never having joined, sends the kick (XEP-0045 §8.2) to the room and resolves on its result", async () => {
    const { conn, muc } = newService();
    expect(muc.getRoom(ROOM)).toBeUndefined();
    const kick = setRole(muc, ROOM, "pistol", "none", { reason: "Avaunt, you cullion!" });
    const iq = await conn.nextSent(isIq, 1_000);
    expect(iq.attrs).toMatchObject({ type: "set", to: ROOM });
    const item = iq.getChild("query", MUC_ADMIN)?.getChild("item");
    expect(item?.attrs).toMatchObject({ nick: "pistol", role: "none" });
    expect(item?.getChildText("reason")).toBe("Avaunt, you cullion!");
    conn.replyResult(iq);
    await expect(kick).resolves.toBeUndefined();
  });

  it("a room JID object (room.jid) is taken as well as a string", async () => {
    const { conn, muc } = newService();
    const { room, joined } = muc.join(ROOM, NICK);
    await conn.nextSent((s) => s.is("presence"), 1_000);
    conn.receive(`<presence from='${ROOM}/${NICK}' to='${ME}'>
      <x xmlns='${MUC_USER}'><item affiliation='owner' role='moderator'/><status code='110'/></x></presence>`);
    await joined;
    const ban = setAffiliation(muc, room.jid, "earlofcambridge@shakespeare.lit/desktop", "outcast", { reason: "Treason" });
    const iq = await conn.nextSent(isIq, 1_000);
    expect(iq.attrs.to).toBe(ROOM);
    // Affiliations belong to bare JIDs: the resource is dropped.
    expect(iq.getChild("query", MUC_ADMIN)?.getChild("item")?.attrs).toMatchObject({ jid: "earlofcambridge@shakespeare.lit", affiliation: "outcast" });
    conn.replyResult(iq);
    await expect(ban).resolves.toBeUndefined();
  });
});

describe("createRoom (XEP-0045 §10.1)", () => {
  it("a new room without config is accepted as an instant room (§10.1.2), then resolves with the joined room", async () => {
    const { conn, muc } = newService();
    const created = createRoom(muc, ROOM, NICK);
    const join = await conn.nextSent((s) => s.is("presence"), 1_000);
    expect(join.attrs.to).toBe(`${ROOM}/${NICK}`);
    conn.receive(`<presence from='${ROOM}/${NICK}' to='${ME}'>
      <x xmlns='${MUC_USER}'><item affiliation='owner' role='moderator'/><status code='110'/><status code='201'/></x></presence>`);
    const iq = await conn.nextSent(isIq, 1_000);
    expect(iq.attrs).toMatchObject({ type: "set", to: ROOM });
    const form = iq.getChild("query", MUC_OWNER)?.getChild("x", DATA);
    expect(form?.attrs.type).toBe("submit");
    expect(form?.getChildren("field")).toEqual([]);
    conn.replyResult(iq);
    const room = await created;
    expect(room.joined).toBe(true);
    expect(room.jid.toString()).toBe(ROOM);
    expect(muc.getRoom(ROOM)).toBe(room);
  });

  it("an existing room (no status 201) is simply joined: no configuration request", async () => {
    const { conn, muc } = newService();
    const created = createRoom(muc, ROOM, NICK, { config: { roomName: "Hijacked" } });
    await conn.nextSent((s) => s.is("presence"), 1_000);
    conn.receive(`<presence from='${ROOM}/${NICK}' to='${ME}'>
      <x xmlns='${MUC_USER}'><item affiliation='member' role='participant'/><status code='110'/></x></presence>`);
    const room = await created;
    expect(room.joined).toBe(true);
    expect(conn.takeSent().filter(isIq)).toEqual([]);
  });
});
