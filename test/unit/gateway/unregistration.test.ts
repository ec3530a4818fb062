/**
 * A user who unregisters (XEP-0077 `<remove/>`, or the unregister command)
 * while some of their resources are joined to rooms: each joined resource
 * is told it is out of each room it was in — an unavailable self-presence,
 * 110 and 321 (removed because of an affiliation change, XEP-0045 §9.4),
 * affiliation and role none — and nothing of theirs stays stored.
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import type { Element } from "@xmpp/xml";
import { closeStores, errorCondition, GW, join, mucItem, NS_MUC, NS_REGISTER, RES, request, settle, startGateway, statusCodes, TestNetwork, USER, type Harness } from "./helpers.js";
import { useStoreFile } from "./store-file.js";

afterEach(closeStores);

const { boot, shutdown } = useStoreFile("gateway-unregistration-");

const TO = `${USER}/${RES}`;
const PHONE = `${USER}/phone`;
const CMD = "http://jabber.org/protocol/commands";

/** Unregister with an XEP-0077 `<remove/>`. */
async function removeRegistration(h: Harness): Promise<void> {
  const reply = await request(h, `<iq type='set' id='unreg' from='${TO}' to='${GW}'><query xmlns='${NS_REGISTER}'><remove/></query></iq>`);
  expect(reply.attrs.type).toBe("result");
}

/** Unregister with the unregister command, confirmed. */
async function unregisterCommand(h: Harness): Promise<void> {
  const first = await request(h, `<iq type='set' id='c1' from='${TO}' to='${GW}'><command xmlns='${CMD}' node='unregister' action='execute'/></iq>`);
  const sid = String(first.getChild("command", CMD)?.attrs.sessionid);
  const confirm = `<x xmlns='jabber:x:data' type='submit'><field var='confirm'><value>1</value></field></x>`;
  const done = await request(h, `<iq type='set' id='c2' from='${TO}' to='${GW}'><command xmlns='${CMD}' node='unregister' sessionid='${sid}' action='complete'>${confirm}</command></iq>`);
  expect(done.getChild("command", CMD)?.attrs.status).toBe("completed");
}

/** The unavailable presences sent from rooms to the user's resources since `start`, as `room → resource: codes affiliation/role`. */
function departures(h: Harness, start: number): string[] {
  return h.component.sent
    .slice(start)
    .filter((s: Element) => s.is("presence") && s.attrs.type === "unavailable" && String(s.attrs.to).startsWith(`${USER}/`))
    .map((s) => `${String(s.attrs.from)} → ${String(s.attrs.to)}: ${statusCodes(s).join(",")} ${String(mucItem(s)?.attrs.affiliation)}/${String(mucItem(s)?.attrs.role)}`);
}

/** Nothing of the user's stays in the store. */
function expectNothingStored(h: Harness): void {
  expect(h.store.users.get(USER)).toBeUndefined();
  expect(h.store.rooms.list(USER)).toEqual([]);
  for (const room of ["coffee", "news"]) {
    expect(h.store.participants.list(USER, room)).toEqual([]);
    expect(h.store.archive.query(USER, room)).toEqual([]);
  }
}

describe("unregistering while joined to rooms", () => {
  it.each([
    ["<remove/>", removeRegistration],
    ["the unregister command", unregisterCommand],
  ])("with %s: each joined resource gets an unavailable self-presence (110, 321; affiliation and role none) from each room it was in; nothing stays stored", async (_, unregister) => {
    const h = await startGateway();
    await join(h, "coffee");
    await join(h, "news");
    await join(h, "coffee", { resource: "phone" });
    const start = h.component.sent.length;
    await unregister(h);
    await settle(h);
    expect(departures(h, start).sort()).toEqual(
      [`coffee@${GW}/romeo → ${TO}`, `news@${GW}/romeo → ${TO}`, `coffee@${GW}/romeo → ${PHONE}`].map((s) => `${s}: 110,321 none/none`).sort(),
    );
    expectNothingStored(h);
    // Out of the rooms: what the resources send there now is refused.
    const refused = await request(h, `<message from='${TO}' to='coffee@${GW}' type='groupchat' id='after'><body>hi</body></message>`);
    expect(errorCondition(refused)).toBe("registration-required");
  });

  it("after the self-presence of a join but before the join completed: that resource gets the same unavailable self-presence, and no history or subject; nothing stays stored", async () => {
    const h = await startGateway();
    const write = h.component.send.bind(h.component);
    // The user unregisters as the join's self-presence is written (the unregister command does not wait behind a join).
    vi.spyOn(h.component, "send").mockImplementation(async (st) => {
      await write(st);
      if (st.is("presence") && st.attrs.to === TO && statusCodes(st).includes(110) && st.attrs.type === undefined) {
        await h.gateway.unregisterUser(h.gateway.getSession(USER)!);
      }
    });
    const start = h.component.sent.length;
    h.component.receive(`<presence from='${TO}' to='coffee@${GW}/romeo' id='j1'><x xmlns='${NS_MUC}'/></presence>`);
    await vi.waitFor(() => expect(departures(h, start)).toEqual([`coffee@${GW}/romeo → ${TO}: 110,321 none/none`]));
    await settle(h);
    const after = h.component.sent.slice(start).filter((s) => s.attrs.to === TO && String(s.attrs.from).startsWith(`coffee@${GW}`));
    expect(after.filter((s) => s.is("message"))).toEqual([]);
    expect(after.filter((s) => errorCondition(s) !== undefined)).toEqual([]);
    expect(departures(h, start)).toHaveLength(1);
    expectNothingStored(h);
  });
});

describe("unregistering after a restart", () => {
  it("a resource the store lists as joined to a room fill() has not loaded gets the same unavailable self-presence from it; the module is asked nothing about that room", async () => {
    const net = new TestNetwork();
    const h1 = await boot(net);
    const joinedCoffee = await join(h1, "coffee");
    await join(h1, "news");
    const occupantId = joinedCoffee.find((s) => s.is("presence") && statusCodes(s).includes(110))?.getChild("occupant-id", "urn:xmpp:occupant-id:0")?.attrs.id;
    expect(occupantId).toBeDefined();
    await shutdown(h1);

    // After the restart the network lists news alone: coffee is not loaded, its record still lists the resource joined.
    net.userGroups[USER] = ["news"];
    const h2 = await boot(net);
    const session = h2.gateway.getSession(USER)!;
    expect(session.bookmarks.rooms.map((m) => m.legacyId)).toEqual(["news"]);
    expect(h2.store.rooms.get(USER, "coffee")?.joinedResources).toEqual([RES]);
    const made = vi.spyOn(session.bookmarks, "byLegacyId");
    const infos = vi.spyOn(h2.gateway.mucClass.prototype, "updateInfo");
    const backfills = net.calls.backfill.length;

    const start = h2.component.sent.length;
    await removeRegistration(h2);
    await settle(h2);
    expect(departures(h2, start).sort()).toEqual([`coffee@${GW}/romeo → ${TO}: 110,321 none/none`, `news@${GW}/romeo → ${TO}: 110,321 none/none`]);
    const fromCoffee = h2.component.sent.slice(start).find((s) => s.is("presence") && s.attrs.from === `coffee@${GW}/romeo`);
    expect(fromCoffee?.getChild("occupant-id", "urn:xmpp:occupant-id:0")?.attrs.id).toBe(occupantId);
    // No room was made for coffee: no module hook ran for it.
    expect(made).not.toHaveBeenCalled();
    expect(infos).not.toHaveBeenCalled();
    expect(net.calls.backfill.slice(backfills).filter((b) => b.room === "coffee")).toEqual([]);
    expect(session.bookmarks.rooms.map((m) => m.legacyId)).toEqual(["news"]);
    expectNothingStored(h2);
    infos.mockRestore();
  });
});
