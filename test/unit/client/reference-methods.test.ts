/**
 * The methods of the reference client (aioxmpp's `Room.set_role`,
 * `Room.set_affiliation`, `Service.set_affiliation`) on our classes:
 * `room.setRole`, `room.setAffiliation`, `muc.setAffiliation`. The stanzas
 * are XEP-0045's: §8.2 Example 89 (kick), §9.1 Example 110 (ban), §9.3
 * Example 122 (grant membership).
 */
import { afterEach, describe, expect, it } from "vitest";
import type { Element } from "@xmpp/xml";
import { MucService, MucStateError, type Room } from "../../../src/index.js";
import { MockConnection } from "../../../src/testing/index.js";

const ROOM = "harfleur@chat.shakespeare.lit";
const ME = "fluellen@shakespeare.lit/pda";
const MUC_ADMIN = "http://jabber.org/protocol/muc#admin";

let services: MucService[] = [];
afterEach(() => {
  for (const muc of services) muc.close();
  services = [];
});

async function joined(): Promise<{ conn: MockConnection; muc: MucService; room: Room }> {
  const conn = new MockConnection({ jid: ME });
  const muc = new MucService(conn, { selfPing: false });
  services.push(muc);
  const { room, joined } = muc.join(ROOM, "fluellen");
  await conn.nextSent((s) => s.is("presence"), 1_000);
  conn.receive(`<presence from='${ROOM}/fluellen'><x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='admin' role='moderator'/><status code='110'/></x></presence>`);
  await joined;
  return { conn, muc, room };
}

const adminItem = (iq: Element): Element | undefined => iq.getChild("query", MUC_ADMIN)?.getChild("item");

describe("room.setRole (aioxmpp Room.set_role)", () => {
  it("kicks with a reason (§8.2 Example 89) and resolves on the room's result", async () => {
    const { conn, room } = await joined();
    const done = room.setRole("pistol", "none", { reason: "Avaunt, you cullion!" });
    const iq = await conn.nextSent((s) => s.is("iq"), 1_000);
    expect(iq.attrs).toMatchObject({ type: "set", to: ROOM });
    expect(adminItem(iq)?.attrs).toMatchObject({ nick: "pistol", role: "none" });
    expect(adminItem(iq)?.getChildText("reason")).toBe("Avaunt, you cullion!");
    conn.replyResult(iq, undefined, ROOM);
    await expect(done).resolves.toBeUndefined();
  });

  it("rejects with the room's XMPPError", async () => {
    const { conn, room } = await joined();
    const done = room.setRole("pistol", "none");
    const iq = await conn.nextSent((s) => s.is("iq"), 1_000);
    conn.replyError(iq, "not-allowed", { from: ROOM });
    await expect(done).rejects.toMatchObject({ name: "XMPPError", condition: "not-allowed" });
  });
});

describe("room.setAffiliation (aioxmpp Room.set_affiliation)", () => {
  it("bans by bare JID (§9.1 Example 110), dropping a resource", async () => {
    const { conn, room } = await joined();
    const done = room.setAffiliation("earlofcambridge@shakespeare.lit/stabber", "outcast", { reason: "Treason" });
    const iq = await conn.nextSent((s) => s.is("iq"), 1_000);
    expect(adminItem(iq)?.attrs).toMatchObject({ jid: "earlofcambridge@shakespeare.lit", affiliation: "outcast" });
    expect(adminItem(iq)?.getChildText("reason")).toBe("Treason");
    conn.replyResult(iq, undefined, ROOM);
    await expect(done).resolves.toBeUndefined();
  });

  it("an invalid JID rejects with MucStateError and sends nothing", async () => {
    const { conn, room } = await joined();
    conn.takeSent();
    await expect(room.setAffiliation("@@bad", "member")).rejects.toBeInstanceOf(MucStateError);
    expect(conn.takeSent()).toEqual([]);
  });
});

describe("muc.setAffiliation (aioxmpp Service.set_affiliation)", () => {
  it("grants membership with a reserved nick (§9.3 Example 122) without being in the room", async () => {
    const conn = new MockConnection({ jid: "crone1@shakespeare.lit/desktop" });
    const muc = new MucService(conn, { selfPing: false });
    services.push(muc);
    const done = muc.setAffiliation("coven@chat.shakespeare.lit", "hag66@shakespeare.lit", "member", { nick: "thirdwitch" });
    const iq = await conn.nextSent((s) => s.is("iq"), 1_000);
    expect(iq.attrs).toMatchObject({ type: "set", to: "coven@chat.shakespeare.lit" });
    expect(adminItem(iq)?.attrs).toMatchObject({ jid: "hag66@shakespeare.lit", affiliation: "member", nick: "thirdwitch" });
    conn.replyResult(iq, undefined, "coven@chat.shakespeare.lit");
    await expect(done).resolves.toBeUndefined();
  });

  it("an unknown affiliation rejects with MucStateError", async () => {
    const conn = new MockConnection({ jid: "crone1@shakespeare.lit/desktop" });
    const muc = new MucService(conn, { selfPing: false });
    services.push(muc);
    // A caller outside TypeScript's checks.
    await expect(muc.setAffiliation("coven@chat.shakespeare.lit", "hag66@shakespeare.lit", "king" as "member")).rejects.toBeInstanceOf(MucStateError);
  });
});
