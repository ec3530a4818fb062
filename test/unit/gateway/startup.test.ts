/**
 * The gateway while it starts and after a restart: a registered user's
 * stanzas wait for their login instead of meeting `registration-required`;
 * registering again while the gateway starts leaves one session logged in;
 * registering again keeps the user's preferences; participants restored from
 * the store announce the presence and hats the module sets first, even the
 * defaults.
 */
import { afterEach, describe, expect, it } from "vitest";
import { openSqliteStore, type GatewayStore } from "../../../src/gateway/index.js";
import { MockComponent } from "../../../src/testing/index.js";
import { closeStores, GW, join, NS_MUC, RES, room, settle, startGateway, TestNetwork, USER, errorCondition, type Harness } from "./helpers.js";

const TO = `${USER}/${RES}`;
const stores: GatewayStore[] = [];
afterEach(() => {
  for (const s of stores.splice(0)) s.close();
  closeStores();
});

/** A gateway whose start is not awaited, on `store`, for users registered in it. */
function starting(net: TestNetwork, store: GatewayStore): { h: Harness; started: Promise<void> } {
  const component = new MockComponent({ jid: GW });
  const module = net.module();
  const gateway = new module.Gateway({ component, store, module });
  return { h: { net, component, gateway, store }, started: gateway.start() };
}

function storeWith(...users: string[]): GatewayStore {
  const store = openSqliteStore(":memory:");
  stores.push(store);
  for (const jid of users) store.users.save({ jid, legacyData: { username: jid.split("@")[0] ?? "" }, registeredAt: Date.now() });
  return store;
}

describe("while the gateway starts", () => {
  it("a registered user's join waits for their login, and then succeeds (no registration-required)", async () => {
    const net = new TestNetwork();
    let open!: () => void;
    net.loginGate = new Promise<void>((resolve) => (open = resolve));
    const { h, started } = starting(net, storeWith(USER));
    h.component.receive(`<presence from='${TO}' to='coffee@${GW}/romeo'><x xmlns='${NS_MUC}'/></presence>`);
    await new Promise((r) => setTimeout(r, 20));
    expect(h.component.sent.filter((s) => s.attrs.to === TO && s.attrs.type === "error")).toEqual([]);
    open();
    await started;
    const self = await h.component.nextSent((s) => s.is("presence") && s.attrs.to === TO && s.attrs.from === `coffee@${GW}/romeo`, 2_000);
    expect(self.attrs.type).toBeUndefined();
    expect(h.component.sent.filter((s) => s.attrs.to === TO && s.attrs.type === "error").map(errorCondition)).toEqual([]);
  });

  it("registering again before the gateway reaches the user's login: one session, logged in once, with the new data", async () => {
    const net = new TestNetwork();
    let open!: () => void;
    net.loginGate = new Promise<void>((resolve) => (open = resolve));
    const other = "alice@montague.lit";
    const store = storeWith(other, USER);
    const { h, started } = starting(net, store);
    // Alice's login holds the start; Romeo registers again with new credentials meanwhile.
    const reply = h.component.nextSent((s) => s.attrs.id === "rereg", 2_000);
    h.component.receive(
      `<iq type='set' id='rereg' from='${TO}' to='${GW}'><query xmlns='jabber:iq:register'><username>romeo-new</username><password>pw</password></query></iq>`,
    );
    open();
    expect((await reply).attrs.type).toBe("result");
    await started;
    await new Promise((r) => setTimeout(r, 20));
    expect(net.calls.login.filter((j) => j === USER)).toHaveLength(1);
    const session = h.gateway.getSession(USER);
    expect(session?.loggedIn).toBe(true);
    expect(store.users.get(USER)?.legacyData).toMatchObject({ username: "romeo-new" });
  });
});

describe("registering again", () => {
  it("keeps the user's preferences", async () => {
    const store = storeWith(USER);
    store.users.save({ ...store.users.get(USER)!, preferences: { digest: true } });
    const h = await startGateway({ store });
    const reply = h.component.nextSent((s) => s.attrs.id === "rereg", 2_000);
    h.component.receive(
      `<iq type='set' id='rereg' from='${TO}' to='${GW}'><query xmlns='jabber:iq:register'><username>romeo</username><password>new</password></query></iq>`,
    );
    expect((await reply).attrs.type).toBe("result");
    expect(store.users.get(USER)?.preferences).toEqual({ digest: true });
  });
});

describe("participants restored after a restart", () => {
  it("the first presence and hats the module sets are announced even when they equal the defaults", async () => {
    const store = storeWith(USER);
    const net = new TestNetwork();
    const h1 = await startGateway({ net, store });
    await join(h1, "coffee");
    const carol = await (await room(h1, "coffee")).getParticipant("Carol", { legacyId: "u-carol" });
    await carol.setPresence({ show: "away", status: "Lunch" });
    await carol.setHats([{ uri: "urn:test:hat", title: "Chef" }]);
    await h1.gateway.stop();
    // Restarted on the same store: the resource stayed joined; Carol is back, and has no hat any more.
    const h2 = await startGateway({ net, store });
    const carol2 = (await room(h2, "coffee")).getParticipantByLegacyId("u-carol");
    if (!carol2) throw new Error("Carol was not restored");
    h2.component.takeSent();
    await carol2.setPresence({ show: "online" });
    const presence = await h2.component.nextSent((s) => s.is("presence") && s.attrs.from === `coffee@${GW}/Carol`, 2_000);
    expect(presence.getChild("show")).toBeUndefined();
    await carol2.setHats([]);
    await h2.component.nextSent((s) => s.is("presence") && s.attrs.from === `coffee@${GW}/Carol`, 2_000);
    // Known now: the same again says nothing.
    h2.component.takeSent();
    await carol2.setPresence({ show: "online" });
    await carol2.setHats([]);
    expect(h2.component.takeSent().filter((s) => s.is("presence"))).toEqual([]);
  });
});

describe("killed while the server is away (sends wait)", () => {
  it("the user removed from a group (bookmarks.remove): the store forgot the room before the wait, so a restart does not bring it back", async () => {
    const store = storeWith(USER);
    const net = new TestNetwork();
    const h1 = await startGateway({ net, store });
    await join(h1, "coffee");
    const session = h1.gateway.getSession(USER)!;
    const muc = await room(h1, "coffee");
    h1.component.goOffline();
    const removing = session.bookmarks.remove(muc);
    await new Promise((r) => setTimeout(r, 20));
    // Killed here: no stop(), the sends never went out.
    expect(store.rooms.get(USER, "coffee")).toBeUndefined();
    void removing.catch(() => {});
  });

  it("the user kicked (removeParticipant): the room is stored without the user's resources before the wait", async () => {
    const store = storeWith(USER);
    const net = new TestNetwork();
    const h1 = await startGateway({ net, store });
    await join(h1, "coffee");
    const muc = await room(h1, "coffee");
    const me = await muc.getUserParticipant();
    h1.component.goOffline();
    const kicking = muc.removeParticipant(me, { kick: true });
    await new Promise((r) => setTimeout(r, 20));
    expect(store.rooms.get(USER, "coffee")?.joinedResources).toEqual([]);
    void kicking.catch(() => {});
  });
});

describe("a resource gone without a word (offline while the gateway was down)", () => {
  it("leaves the room when its server bounces what the room sent it (service-unavailable); other errors change nothing", async () => {
    const store = storeWith(USER);
    const h = await startGateway({ store });
    await join(h, "coffee");
    await join(h, "coffee", { resource: "balcony" });
    const carol = await (await room(h, "coffee")).getParticipant("Carol", { legacyId: "u-carol" });
    const bounce = (resource: string, condition: string, type: string): void => {
      h.component.receive(
        `<message type='error' from='${USER}/${resource}' to='coffee@${GW}/Carol' id='b-${condition}'><error type='${type}'><${condition} xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></message>`,
      );
    };
    bounce("balcony", "resource-constraint", "wait");
    await settle(h);
    expect([...(store.rooms.get(USER, "coffee")?.joinedResources ?? [])].sort()).toEqual(["balcony", RES].sort());
    bounce("balcony", "service-unavailable", "cancel");
    await settle(h);
    expect(store.rooms.get(USER, "coffee")?.joinedResources).toEqual([RES]);
    h.component.takeSent();
    await carol.sendText("still there?", "l-1");
    const to = h.component.takeSent().filter((s) => s.is("message")).map((s) => s.attrs.to);
    expect(to).toEqual([TO]);
  });
});

describe("renamed while the server is away (sends wait)", () => {
  it("a participant's new nick is stored before the presences go out (a kill meanwhile keeps it, under the new nick)", async () => {
    const store = storeWith(USER);
    const h = await startGateway({ store });
    await join(h, "coffee");
    const muc = await room(h, "coffee");
    const carol = await muc.getParticipant("Carol", { legacyId: "u-carol" });
    const me = await muc.getUserParticipant();
    h.component.goOffline();
    const renames = Promise.all([carol.changeNick("Caroline"), me.changeNick("Romeo M")]);
    await new Promise((r) => setTimeout(r, 20));
    const stored = store.participants.list(USER, "coffee").map((p) => `${p.nick} ${p.legacyId ?? "user"} ${p.affiliation}`);
    expect(stored).toContain(`Caroline u-carol ${carol.affiliation}`);
    expect(stored).toContain(`Romeo M user ${me.affiliation}`);
    expect(store.rooms.get(USER, "coffee")?.userNick).toBe("Romeo M");
    void renames.catch(() => {});
  });
});
