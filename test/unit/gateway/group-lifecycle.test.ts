/**
 * A group's life cycle from XMPP (transcripts on the mock component):
 * creating one by joining a room JID that names no group (XEP-0045 §10.1 →
 * `session.onCreateGroup`), leaving one for good with XEP-0077 `<remove/>`
 * (→ `session.onLeaveGroup`), and `muc.kickResource`.
 */
import { afterEach, describe, expect, it } from "vitest";
import { GW, NS_MUC, RES, USER, TestNetwork, closeStores, errorCondition, join, request, room, startGateway, statusCodes } from "./helpers.js";

const FULL = `${USER}/${RES}`;

afterEach(() => closeStores());

describe("creating a group by joining", () => {
  it("a new room JID → onCreateGroup(name); the join enters it under the JID asked for, with status 201; it lasts", async () => {
    const h = await startGateway();
    const sent = await join(h, "tea\\20room");
    expect(h.net.calls.onCreateGroup).toEqual([{ name: "tea room", contacts: [] }]);
    const self = sent.find((s) => s.is("presence") && statusCodes(s).includes(110));
    expect(self?.attrs.from).toBe(`tea\\20room@${GW}/romeo`);
    expect(statusCodes(self!)).toContain(201);
    const muc = await room(h, "g-1");
    expect(muc.jid.toString()).toBe(`tea\\20room@${GW}`);
    // A second join is no creation.
    const again = await join(h, "tea\\20room", { resource: "balcony" });
    expect(statusCodes(again.find((s) => s.is("presence") && statusCodes(s).includes(110))!)).not.toContain(201);
    expect(h.net.calls.onCreateGroup).toHaveLength(1);
  });

  it("without the hook: item-not-found, as for any unknown room", async () => {
    const net = new TestNetwork();
    net.groupLifecycle = false;
    const h = await startGateway({ net });
    const refused = await request(h, `<presence from='${FULL}' to='tea@${GW}/romeo' id='j1'><x xmlns='${NS_MUC}'/></presence>`);
    expect(errorCondition(refused)).toBe("item-not-found");
  });
});

describe("leaving a group for good (XEP-0077 <remove/> to the room)", () => {
  it("onLeaveGroup(legacyId), a normal exit to joined resources, the room forgotten", async () => {
    const h = await startGateway();
    await join(h, "coffee");
    const start = h.component.sent.length;
    const iq = await request(h, `<iq type='set' id='r1' from='${FULL}' to='coffee@${GW}'><query xmlns='jabber:iq:register'><remove/></query></iq>`);
    expect(iq.attrs.type).toBe("result");
    expect(h.net.calls.onLeaveGroup).toEqual(["coffee"]);
    const exit = h.component.sent.slice(start).find((s) => s.is("presence") && s.attrs.type === "unavailable" && s.attrs.to === FULL);
    expect(statusCodes(exit!)).toEqual([110]);
    expect(h.store.rooms.get(USER, "coffee")).toBeUndefined();
  });

  it("a register query without <remove/> is feature-not-implemented; a network without the hook too", async () => {
    const h = await startGateway();
    await join(h, "coffee");
    const iq = await request(h, `<iq type='set' id='r2' from='${FULL}' to='coffee@${GW}'><query xmlns='jabber:iq:register'/></iq>`);
    expect(errorCondition(iq)).toBe("feature-not-implemented");
    const net = new TestNetwork();
    net.groupLifecycle = false;
    const h2 = await startGateway({ net });
    await join(h2, "coffee");
    const refused = await request(h2, `<iq type='set' id='r3' from='${FULL}' to='coffee@${GW}'><query xmlns='jabber:iq:register'><remove/></query></iq>`);
    expect(errorCondition(refused)).toBe("feature-not-implemented");
    expect(h2.store.rooms.get(USER, "coffee")).toBeDefined();
  });
});

describe("kickResource", () => {
  it("one resource gets 307 + 110 and is out; the other stays", async () => {
    const h = await startGateway();
    await join(h, "coffee");
    await join(h, "coffee", { resource: "balcony" });
    const muc = await room(h, "coffee");
    const kicked = h.component.nextSent((s) => s.is("presence") && s.attrs.to === `${USER}/balcony` && s.attrs.type === "unavailable");
    await muc.kickResource("balcony", "Too many devices");
    const p = await kicked;
    expect(statusCodes(p).sort()).toEqual([110, 307]);
    expect(muc.joinedResources).toEqual([RES]);
  });
});

describe("room JIDs stay unique", () => {
  it("a group created under another group's natural JID keeps it; that group, joined later, gets the next free JID", async () => {
    const net = new TestNetwork();
    const h = await startGateway({ net });
    // The user creates a group by joining tea@…, the natural JID of a group the network makes later.
    await join(h, "tea");
    expect(h.net.calls.onCreateGroup).toEqual([{ name: "tea", contacts: [] }]);
    const session = h.gateway.getSession(USER);
    if (!session) throw new Error("no session");
    net.groups.tea = { type: net.groups.coffee!.type, name: "Tea", members: [] };
    const tea = await session.bookmarks.byLegacyId("tea");
    expect(tea.jid.toString()).toBe(`tea-2@${GW}`);
    const created = await room(h, "g-1");
    expect(created.jid.toString()).toBe(`tea@${GW}`);
    // Each JID reaches its own room.
    expect((await session.bookmarks.byJid(created.jid))?.legacyId).toBe("g-1");
    expect((await session.bookmarks.byJid(tea.jid))?.legacyId).toBe("tea");
  });
});
