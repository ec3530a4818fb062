/**
 * The gateway as a MUC service, golden-XML style on the mock component: the
 * exact join sequence (XEP-0045 §7.2) for GROUP and CHANNEL rooms —
 * participants, self-presence, history, subject — and messages both ways.
 */
import { afterEach, describe, expect, it } from "vitest";
import type { Element } from "@xmpp/xml";
import { BaseGateway, BaseSession, LegacyBookmarks, LegacyMUC, MucType, openSqliteStore, type GatewayStore, type LegacyModule, type TextOptions } from "../../../src/gateway/index.js";
import { MockComponent } from "../../../src/testing/index.js";
import { canonical, parseXml } from "../../helpers/xml.js";

const GW = "gateway.localhost";
const USER = "romeo@montague.lit";
const RES = "orchard";

const sentTexts: { room: string; text: string }[] = [];

class Gateway extends BaseGateway {
  override componentName = "Test network";
}
class Session extends BaseSession {
  override async login() {
    return "Connected to the test network";
  }
  override async onText(chat: LegacyMUC, text: string, _options: TextOptions) {
    if (text === "boom") throw new Error("the legacy network is down");
    sentTexts.push({ room: chat.legacyId, text });
    return `legacy-${sentTexts.length}`;
  }
}
class Bookmarks extends LegacyBookmarks {
  override async fill() {
    await this.byLegacyId("coffee");
    await this.byLegacyId("news");
  }
}
class Room extends LegacyMUC {
  override async updateInfo() {
    this.type = this.legacyId === "news" ? MucType.CHANNEL : MucType.GROUP;
    this.name = this.legacyId === "news" ? "News" : "Coffee";
    this.description = "A test room";
    // The news network has no subjects (slidge's HAS_SUBJECT = False): the description stands in.
    this.hasSubject = this.legacyId !== "news";
  }
  override async *fillParticipants() {
    yield await this.getParticipant("Bob", { legacyId: "u-bob", affiliation: "owner", role: "moderator", realJid: "bob@legacy.example" });
    yield await this.getParticipant("Carol", { legacyId: "u-carol", realJid: "carol@legacy.example" });
  }
}
const MODULE: LegacyModule = { Gateway, Session, Bookmarks, MUC: Room };

/** Canonical XML with the generated values (ids, stanza-ids, occupant-ids) blanked out. */
function golden(el: Element): string {
  const copy = parseXml(el.toString());
  const walk = (e: Element): void => {
    if (e.name === "message" && e.attrs.id !== undefined) e.attrs.id = "*";
    if (e.name === "stanza-id" || e.name === "occupant-id") e.attrs.id = "*";
    if (e.name === "delay") e.attrs.stamp = "*";
    for (const c of e.children) if (typeof c !== "string") walk(c);
  };
  walk(copy);
  return canonical(copy);
}

let store: GatewayStore | undefined;

async function startGateway() {
  store = openSqliteStore(":memory:");
  store.users.save({ jid: USER, legacyData: { username: "romeo" }, registeredAt: Date.now() });
  const component = new MockComponent({ jid: GW });
  const gateway = new Gateway({ component, store, module: MODULE });
  await gateway.start();
  component.takeSent(); // gateway status presence
  return { component, gateway, store };
}

afterEach(() => {
  store?.close();
  store = undefined;
  sentTexts.length = 0;
});

describe("gateway join flow", () => {
  it("GROUP: participants, self-presence (100, 110, id echoed), history, subject — in this order", async () => {
    const { component, gateway } = await startGateway();
    const session = gateway.getSession(USER)!;
    const coffee = await session.bookmarks.byLegacyId("coffee");
    await coffee.setSubject("Espresso only", { setter: await coffee.getParticipant("Bob", { legacyId: "u-bob" }), when: new Date("2026-01-01T00:00:00Z") });
    await (await coffee.getParticipant("Carol", { legacyId: "u-carol" })).sendText("first", "m1", { when: new Date("2026-01-02T00:00:00Z") });
    await (await coffee.getParticipant("Bob", { legacyId: "u-bob" })).sendText("second", "m2", { when: new Date("2026-01-03T00:00:00Z") });
    expect(component.takeSent()).toEqual([]); // nothing in-room before a join

    component.receive(`<presence from='${USER}/${RES}' to='coffee@${GW}/romeo' id='join1'><x xmlns='http://jabber.org/protocol/muc'><history maxstanzas='5'/></x></presence>`);
    const sent = await collect(component, 6);
    const to = `${USER}/${RES}`;
    expect(sent.map(golden)).toEqual(
      [
        `<presence from='coffee@${GW}/Bob' to='${to}'><x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='owner' role='moderator' jid='bob@legacy.example'/></x><occupant-id xmlns='urn:xmpp:occupant-id:0' id='*'/></presence>`,
        `<presence from='coffee@${GW}/Carol' to='${to}'><x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='member' role='participant' jid='carol@legacy.example'/></x><occupant-id xmlns='urn:xmpp:occupant-id:0' id='*'/></presence>`,
        `<presence from='coffee@${GW}/romeo' to='${to}' id='join1'><x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='member' role='participant' jid='${USER}'/><status code='100'/><status code='110'/></x><occupant-id xmlns='urn:xmpp:occupant-id:0' id='*'/></presence>`,
        `<message from='coffee@${GW}/Carol' to='${to}' type='groupchat' id='*'><body>first</body><stanza-id xmlns='urn:xmpp:sid:0' id='*' by='coffee@${GW}'/><occupant-id xmlns='urn:xmpp:occupant-id:0' id='*'/><delay xmlns='urn:xmpp:delay' stamp='*' from='coffee@${GW}'/></message>`,
        `<message from='coffee@${GW}/Bob' to='${to}' type='groupchat' id='*'><body>second</body><stanza-id xmlns='urn:xmpp:sid:0' id='*' by='coffee@${GW}'/><occupant-id xmlns='urn:xmpp:occupant-id:0' id='*'/><delay xmlns='urn:xmpp:delay' stamp='*' from='coffee@${GW}'/></message>`,
        `<message from='coffee@${GW}/Bob' to='${to}' type='groupchat' id='*'><subject>Espresso only</subject><delay xmlns='urn:xmpp:delay' stamp='*' from='coffee@${GW}'/></message>`,
      ].map((x) => golden(parseXml(x))),
    );
  });

  it("CHANNEL: no real JIDs, no status 100; a history of 0 sends none; without subjects on its network, the description stands in, from the room", async () => {
    const { component } = await startGateway();
    component.receive(`<presence from='${USER}/${RES}' to='news@${GW}/romeo'><x xmlns='http://jabber.org/protocol/muc'><history maxstanzas='0'/></x></presence>`);
    const sent = await collect(component, 4);
    expect(sent.map((s) => s.name)).toEqual(["presence", "presence", "presence", "message"]);
    for (const p of sent.slice(0, 3)) expect(p.getChild("x", "http://jabber.org/protocol/muc#user")?.getChild("item")?.attrs.jid).toBeUndefined();
    const codes = sent[2]!.getChild("x", "http://jabber.org/protocol/muc#user")!.getChildren("status").map((s) => s.attrs.code);
    expect(codes).toEqual(["110"]);
    expect(sent[3]!.getChildText("subject")).toBe("A test room");
    expect(sent[3]!.attrs.from).toBe(`news@${GW}`);
  });

  it("refuses unregistered users with registration-required, and a join without nick with jid-malformed", async () => {
    const { component } = await startGateway();
    component.receive(`<presence from='juliet@capulet.lit/balcony' to='coffee@${GW}/juliet' id='j'><x xmlns='http://jabber.org/protocol/muc'/></presence>`);
    const refused = await component.nextSent((s) => s.attrs.to === "juliet@capulet.lit/balcony");
    expect(refused.attrs.type).toBe("error");
    expect(refused.getChild("error")?.getChild("registration-required", "urn:ietf:params:xml:ns:xmpp-stanzas")).toBeDefined();
    component.receive(`<presence from='${USER}/${RES}' to='coffee@${GW}' id='j2'><x xmlns='http://jabber.org/protocol/muc'/></presence>`);
    const malformed = await component.nextSent((s) => s.attrs.id === "j2");
    expect(malformed.getChild("error")?.getChild("jid-malformed", "urn:ietf:params:xml:ns:xmpp-stanzas")).toBeDefined();
  });

  it("a user message goes to onText, is reflected with its id and origin-id plus a stanza-id, to every joined resource", async () => {
    const { component, store } = await startGateway();
    for (const res of ["orchard", "balcony"]) {
      component.receive(`<presence from='${USER}/${res}' to='coffee@${GW}/romeo'><x xmlns='http://jabber.org/protocol/muc'/></presence>`);
      await component.nextSent((s) => s.name === "message" && s.getChild("subject") !== undefined && s.attrs.to === `${USER}/${res}`);
    }
    component.takeSent();
    component.receive(`<message from='${USER}/orchard' to='coffee@${GW}' type='groupchat' id='u1'><body>hello</body><origin-id xmlns='urn:xmpp:sid:0' id='o1'/></message>`);
    const reflections = await collect(component, 2);
    expect(sentTexts).toEqual([{ room: "coffee", text: "hello" }]);
    expect(reflections.map((r) => r.attrs.to).sort()).toEqual([`${USER}/balcony`, `${USER}/orchard`]);
    for (const r of reflections) {
      expect(r.attrs.id).toBe("u1");
      expect(r.attrs.from).toBe(`coffee@${GW}/romeo`);
      expect(r.getChild("origin-id", "urn:xmpp:sid:0")?.attrs.id).toBe("o1");
      expect(r.getChild("stanza-id", "urn:xmpp:sid:0")?.attrs.by).toBe(`coffee@${GW}`);
    }
    expect(store.messageIds.legacyToXmpp(USER, "legacy-1")).toBe("u1");
    expect(store.archive.query(USER, "coffee").map((e) => e.body)).toEqual(["hello"]);
  });

  it("what the legacy module throws becomes a stanza error; an XMPPError keeps its condition", async () => {
    const { component } = await startGateway();
    component.receive(`<presence from='${USER}/${RES}' to='coffee@${GW}/romeo'><x xmlns='http://jabber.org/protocol/muc'/></presence>`);
    await component.nextSent((s) => s.getChild("subject") !== undefined);
    component.receive(`<message from='${USER}/${RES}' to='coffee@${GW}' type='groupchat' id='b1'><body>boom</body></message>`);
    const error = await component.nextSent((s) => s.attrs.id === "b1");
    expect(error.attrs.type).toBe("error");
    expect(error.getChild("error")?.getChild("internal-server-error", "urn:ietf:params:xml:ns:xmpp-stanzas")).toBeDefined();
    component.receive(`<message from='${USER}/${RES}' to='coffee@${GW}' type='groupchat' id='s1'><subject>new</subject></message>`);
    const refused = await component.nextSent((s) => s.attrs.id === "s1");
    expect(refused.getChild("error")?.getChild("feature-not-implemented", "urn:ietf:params:xml:ns:xmpp-stanzas")).toBeDefined();
  });

  it("a message from a resource that has not joined is refused; leaving removes one resource only", async () => {
    const { component } = await startGateway();
    component.receive(`<message from='${USER}/${RES}' to='coffee@${GW}' type='groupchat' id='n1'><body>hi</body></message>`);
    const refused = await component.nextSent((s) => s.attrs.id === "n1");
    expect(refused.getChild("error")?.getChild("not-acceptable", "urn:ietf:params:xml:ns:xmpp-stanzas")).toBeDefined();
    component.receive(`<presence from='${USER}/${RES}' to='coffee@${GW}/romeo'><x xmlns='http://jabber.org/protocol/muc'/></presence>`);
    await component.nextSent((s) => s.getChild("subject") !== undefined);
    component.receive(`<presence from='${USER}/${RES}' to='coffee@${GW}/romeo' type='unavailable'/>`);
    const bye = await component.nextSent((s) => s.name === "presence" && s.attrs.type === "unavailable");
    expect(bye.attrs.from).toBe(`coffee@${GW}/romeo`);
    expect(bye.getChild("x", "http://jabber.org/protocol/muc#user")?.getChildren("status").map((s) => s.attrs.code)).toEqual(["110"]);
  });
});

async function collect(component: MockComponent, n: number): Promise<Element[]> {
  const out: Element[] = [];
  for (let i = 0; i < n; i++) out.push(await component.nextSent());
  return out;
}
