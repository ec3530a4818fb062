/**
 * The user's owner and admin requests to a gateway room, and the subject on
 * join, as transcripts on the mock component (stanza in → legacy call,
 * legacy call → stanza out):
 *
 * - muc#owner (XEP-0045 §10.2, §10.9): the configuration form, its
 *   submission (`onSetConfig(name, description)`) and cancellation, the
 *   destruction (`onDestroyRequest(reason)`, the destroy presence to every
 *   joined resource, the room forgotten); without the hooks,
 *   `feature-not-implemented` and no muc#owner feature;
 * - muc#admin get (§8.5, §9.5, §10.5): lists from the participants;
 * - the subject (§7.2.15): an empty `<subject/>` when none, from the setter;
 *   `hasSubject = false`: the description, from the room, and the user's
 *   subject changes refused;
 * - a refused join echoes the join's `<x xmlns='…muc'/>`.
 */
import { afterEach, describe, expect, it } from "vitest";
import type { Element } from "@xmpp/xml";
import { XMPPError } from "../../../src/xso/stanza-error.js";
import type { LegacyMUC } from "../../../src/gateway/index.js";
import type { MockComponent } from "../../../src/testing/index.js";
import { GW, NS_DATA, NS_DISCO_INFO, NS_MUC, NS_MUC_USER, RES, USER, TestNetwork, closeStores, errorCondition, join, mucItem, request, room, settle, startGateway, statusCodes } from "./helpers.js";

const NS_OWNER = "http://jabber.org/protocol/muc#owner";
const NS_ADMIN = "http://jabber.org/protocol/muc#admin";
const FULL = `${USER}/${RES}`;

afterEach(() => closeStores());

function fieldVars(iq: Element): string[] {
  return (iq.getChild("query", NS_OWNER)?.getChild("x", NS_DATA)?.getChildren("field") ?? []).map((f) => String(f.attrs.var));
}

function fieldValue(iq: Element, name: string): string | undefined {
  return iq.getChild("query", NS_OWNER)?.getChild("x", NS_DATA)?.getChildren("field").find((f) => f.attrs.var === name)?.getChildText("value") ?? undefined;
}

async function features(h: Awaited<ReturnType<typeof startGateway>>, legacyId: string): Promise<string[]> {
  const info = await request(h, `<iq type='get' id='d-${legacyId}' from='${FULL}' to='${legacyId}@${GW}'><query xmlns='${NS_DISCO_INFO}'/></iq>`);
  return (info.getChild("query", NS_DISCO_INFO)?.getChildren("feature") ?? []).map((f) => String(f.attrs.var));
}

describe("muc#owner: the configuration form", () => {
  it("get: the name and the description, as a form of muc#roomconfig; the room advertises muc#owner", async () => {
    const h = await startGateway();
    await join(h, "coffee");
    const iq = await request(h, `<iq type='get' id='c1' from='${FULL}' to='coffee@${GW}'><query xmlns='${NS_OWNER}'/></iq>`);
    expect(iq.attrs.type).toBe("result");
    expect(iq.getChild("query", NS_OWNER)?.getChild("x", NS_DATA)?.attrs.type).toBe("form");
    expect(fieldVars(iq)).toEqual(["FORM_TYPE", "muc#roomconfig_roomname", "muc#roomconfig_roomdesc"]);
    expect(fieldValue(iq, "muc#roomconfig_roomname")).toBe("Coffee");
    expect(fieldValue(iq, "muc#roomconfig_roomdesc")).toBe("A test room");
    expect(await features(h, "coffee")).toContain(NS_OWNER);
  });

  it("submit: onSetConfig(name, description); the module's setInfo tells the joined resource (104)", async () => {
    const h = await startGateway();
    await join(h, "coffee");
    const start = h.component.sent.length;
    const iq = await request(
      h,
      `<iq type='set' id='c2' from='${FULL}' to='coffee@${GW}'><query xmlns='${NS_OWNER}'><x xmlns='${NS_DATA}' type='submit'>` +
        `<field var='FORM_TYPE'><value>http://jabber.org/protocol/muc#roomconfig</value></field>` +
        `<field var='muc#roomconfig_roomname'><value>Tea</value></field><field var='muc#roomconfig_roomdesc'><value>Green only</value></field>` +
        `</x></query></iq>`,
    );
    expect(iq.attrs.type).toBe("result");
    expect(h.net.calls.onSetConfig).toEqual([{ room: "coffee", name: "Tea", description: "Green only" }]);
    const notice = h.component.sent.slice(start).find((s) => s.is("message") && statusCodes(s).includes(104));
    expect(notice?.attrs.to).toBe(FULL);
    expect((await room(h, "coffee")).name).toBe("Tea");
  });

  it("cancel calls nothing; a malformed form or another type is bad-request; the module's refusal keeps its condition", async () => {
    const h = await startGateway();
    await join(h, "coffee");
    const cancel = await request(h, `<iq type='set' id='c3' from='${FULL}' to='coffee@${GW}'><query xmlns='${NS_OWNER}'><x xmlns='${NS_DATA}' type='cancel'/></query></iq>`);
    expect(cancel.attrs.type).toBe("result");
    const empty = await request(h, `<iq type='set' id='c4' from='${FULL}' to='coffee@${GW}'><query xmlns='${NS_OWNER}'/></iq>`);
    expect(errorCondition(empty)).toBe("bad-request");
    const wrongType = await request(h, `<iq type='set' id='c5' from='${FULL}' to='coffee@${GW}'><query xmlns='${NS_OWNER}'><x xmlns='${NS_DATA}' type='form'/></query></iq>`);
    expect(errorCondition(wrongType)).toBe("bad-request");
    expect(h.net.calls.onSetConfig).toEqual([]);
    h.net.ownerError = new XMPPError("forbidden", { text: "Only admins may rename" });
    const refused = await request(
      h,
      `<iq type='set' id='c6' from='${FULL}' to='coffee@${GW}'><query xmlns='${NS_OWNER}'><x xmlns='${NS_DATA}' type='submit'><field var='muc#roomconfig_roomname'><value>Tea</value></field></x></query></iq>`,
    );
    expect(errorCondition(refused)).toBe("forbidden");
  });

  it("hasDescription = false: no description field, and onSetConfig gets undefined for it", async () => {
    const net = new TestNetwork();
    net.groups.coffee = { ...net.groups.coffee!, hasDescription: false };
    const h = await startGateway({ net });
    await join(h, "coffee");
    const form = await request(h, `<iq type='get' id='c7' from='${FULL}' to='coffee@${GW}'><query xmlns='${NS_OWNER}'/></iq>`);
    expect(fieldVars(form)).toEqual(["FORM_TYPE", "muc#roomconfig_roomname"]);
    await request(
      h,
      `<iq type='set' id='c8' from='${FULL}' to='coffee@${GW}'><query xmlns='${NS_OWNER}'><x xmlns='${NS_DATA}' type='submit'><field var='muc#roomconfig_roomname'><value>Tea</value></field><field var='muc#roomconfig_roomdesc'><value>ignored</value></field></x></query></iq>`,
    );
    expect(h.net.calls.onSetConfig).toEqual([{ room: "coffee", name: "Tea", description: undefined }]);
  });

  it("a module without the hooks: feature-not-implemented for the form and for destruction, and no muc#owner feature", async () => {
    const net = new TestNetwork();
    net.owner = false;
    const h = await startGateway({ net });
    await join(h, "coffee");
    const form = await request(h, `<iq type='get' id='c9' from='${FULL}' to='coffee@${GW}'><query xmlns='${NS_OWNER}'/></iq>`);
    expect(errorCondition(form)).toBe("feature-not-implemented");
    const destroy = await request(h, `<iq type='set' id='c10' from='${FULL}' to='coffee@${GW}'><query xmlns='${NS_OWNER}'><destroy><reason>bye</reason></destroy></query></iq>`);
    expect(errorCondition(destroy)).toBe("feature-not-implemented");
    expect(await features(h, "coffee")).not.toContain(NS_OWNER);
  });
});

describe("muc#owner: destroying the room", () => {
  it("onDestroyRequest(reason), then each joined resource gets the destroy presence (110, reason), and the room is gone", async () => {
    const h = await startGateway();
    await join(h, "coffee");
    await join(h, "coffee", { resource: "balcony" });
    const start = h.component.sent.length;
    const iq = await request(h, `<iq type='set' id='x1' from='${FULL}' to='coffee@${GW}'><query xmlns='${NS_OWNER}'><destroy><reason>Closing the café</reason></destroy></query></iq>`);
    expect(iq.attrs.type).toBe("result");
    expect(h.net.calls.onDestroyRequest).toEqual([{ room: "coffee", reason: "Closing the café" }]);
    const gone = h.component.sent.slice(start).filter((s) => s.is("presence") && s.attrs.type === "unavailable");
    expect(gone.map((p) => p.attrs.to).sort()).toEqual([`${USER}/balcony`, FULL]);
    for (const p of gone) {
      expect(statusCodes(p)).toContain(110);
      expect(p.getChild("x", NS_MUC_USER)?.getChild("destroy")?.getChildText("reason")).toBe("Closing the café");
      expect(mucItem(p)?.attrs.role).toBe("none");
    }
    expect(h.store.rooms.get(USER, "coffee")).toBeUndefined();
    expect(h.gateway.getSession(USER)?.bookmarks.rooms.map((r) => r.legacyId)).not.toContain("coffee");
  });

  it("a refusal keeps its condition and the room stays", async () => {
    const h = await startGateway();
    await join(h, "coffee");
    h.net.ownerError = new XMPPError("not-allowed", { text: "Only the creator may delete" });
    const iq = await request(h, `<iq type='set' id='x2' from='${FULL}' to='coffee@${GW}'><query xmlns='${NS_OWNER}'><destroy/></query></iq>`);
    expect(errorCondition(iq)).toBe("not-allowed");
    expect(h.net.calls.onDestroyRequest).toEqual([{ room: "coffee", reason: undefined }]);
    expect(h.store.rooms.get(USER, "coffee")).toBeDefined();
  });
});

describe("muc#owner: destroying the room as XEP-0045 §10.9 says", () => {
  it("the presence has affiliation and role none, 110, and <destroy jid> with the reason and the alternate venue's password", async () => {
    const h = await startGateway();
    await join(h, "coffee");
    const start = h.component.sent.length;
    const iq = await request(
      h,
      `<iq type='set' id='v1' from='${FULL}' to='coffee@${GW}'><query xmlns='${NS_OWNER}'><destroy jid='tea@${GW}'><reason>Moved</reason><password>leaves</password></destroy></query></iq>`,
    );
    expect(iq.attrs.type).toBe("result");
    const gone = h.component.sent.slice(start).filter((s) => s.is("presence") && s.attrs.type === "unavailable");
    expect(gone).toHaveLength(1);
    const p = gone[0]!;
    expect(mucItem(p)?.attrs).toMatchObject({ affiliation: "none", role: "none" });
    expect(statusCodes(p)).toEqual([110]);
    const destroy = p.getChild("x", NS_MUC_USER)?.getChild("destroy");
    expect(destroy?.attrs.jid).toBe(`tea@${GW}`);
    expect(destroy?.getChildText("reason")).toBe("Moved");
    expect(destroy?.getChildText("password")).toBe("leaves");
  });

  it("an alternate venue that is no room's bare JID is bad-request before onDestroyRequest, and the room stays", async () => {
    const h = await startGateway();
    await join(h, "coffee");
    for (const [id, venue] of [["v2", `tea@${GW}/nick`], ["v3", GW], ["v4", "a@b@c"]] as const) {
      const iq = await request(h, `<iq type='set' id='${id}' from='${FULL}' to='coffee@${GW}'><query xmlns='${NS_OWNER}'><destroy jid='${venue}'/></query></iq>`);
      expect(errorCondition(iq), venue).toBe("bad-request");
    }
    expect(h.net.calls.onDestroyRequest).toEqual([]);
    expect(h.store.rooms.get(USER, "coffee")).toBeDefined();
  });

  it("the store forgets the room before the presences wait for an absent server (a gateway killed then does not restore it)", async () => {
    const net = new TestNetwork();
    const module = net.module();
    const Base = module.MUC as typeof LegacyMUC;
    let component: MockComponent | undefined;
    class GoneRoom extends Base {
      override async onDestroyRequest(reason: string | undefined) {
        await super.onDestroyRequest(reason);
        // The server goes away as the legacy network answers: what the room sends now waits.
        component?.goOffline();
      }
    }
    net.module = () => ({ ...module, MUC: GoneRoom });
    const h = await startGateway({ net });
    component = h.component;
    await join(h, "coffee");
    h.component.receive(`<iq type='set' id='v5' from='${FULL}' to='coffee@${GW}'><query xmlns='${NS_OWNER}'><destroy/></query></iq>`);
    await new Promise((r) => setTimeout(r, 20));
    // Killed here: the destroy presence never went out.
    expect(h.net.calls.onDestroyRequest).toEqual([{ room: "coffee", reason: undefined }]);
    expect(h.component.queued.some((s) => s.is("presence") && s.attrs.type === "unavailable")).toBe(true);
    expect(h.store.rooms.get(USER, "coffee")).toBeUndefined();
  });
});

describe("muc#admin get: lists from the participants", () => {
  it("by affiliation and by role, with real JIDs in a non-anonymous room", async () => {
    const h = await startGateway();
    await join(h, "coffee");
    const owners = await request(h, `<iq type='get' id='a1' from='${FULL}' to='coffee@${GW}'><query xmlns='${NS_ADMIN}'><item affiliation='owner'/></query></iq>`);
    const ownerItems = owners.getChild("query", NS_ADMIN)?.getChildren("item") ?? [];
    expect(ownerItems.map((i) => i.attrs)).toEqual([{ affiliation: "owner", role: "moderator", nick: "Bob", jid: "bob@legacy.example" }]);
    const members = await request(h, `<iq type='get' id='a2' from='${FULL}' to='coffee@${GW}'><query xmlns='${NS_ADMIN}'><item affiliation='member'/></query></iq>`);
    expect((members.getChild("query", NS_ADMIN)?.getChildren("item") ?? []).map((i) => i.attrs.nick).sort()).toEqual(["Carol", "romeo"]);
    const moderators = await request(h, `<iq type='get' id='a3' from='${FULL}' to='coffee@${GW}'><query xmlns='${NS_ADMIN}'><item role='moderator'/></query></iq>`);
    expect((moderators.getChild("query", NS_ADMIN)?.getChildren("item") ?? []).map((i) => i.attrs.nick)).toEqual(["Bob"]);
  });

  it("no real JIDs in a channel; an empty list is an empty result; a query naming nothing or two things is bad-request", async () => {
    const h = await startGateway();
    await join(h, "news");
    const list = await request(h, `<iq type='get' id='a4' from='${FULL}' to='news@${GW}'><query xmlns='${NS_ADMIN}'><item affiliation='none'/></query></iq>`);
    const items = list.getChild("query", NS_ADMIN)?.getChildren("item") ?? [];
    expect(items.length).toBeGreaterThan(0);
    for (const i of items) expect(i.attrs.jid).toBeUndefined();
    const outcasts = await request(h, `<iq type='get' id='a5' from='${FULL}' to='news@${GW}'><query xmlns='${NS_ADMIN}'><item affiliation='outcast'/></query></iq>`);
    expect(outcasts.attrs.type).toBe("result");
    expect(outcasts.getChild("query", NS_ADMIN)?.getChildren("item")).toEqual([]);
    for (const bad of [`<query xmlns='${NS_ADMIN}'/>`, `<query xmlns='${NS_ADMIN}'><item affiliation='member' role='moderator'/></query>`, `<query xmlns='${NS_ADMIN}'><item affiliation='bogus'/></query>`]) {
      const iq = await request(h, `<iq type='get' id='a-bad-${bad.length}' from='${FULL}' to='news@${GW}'>${bad}</iq>`);
      expect(errorCondition(iq), bad).toBe("bad-request");
    }
  });
});

describe("the subject on join (XEP-0045 §7.2.15)", () => {
  it("none set: an empty <subject/> from the room; set on the legacy side: from its setter", async () => {
    const h = await startGateway();
    const sent = await join(h, "coffee");
    const subject = sent.at(-1) as Element;
    expect(subject.attrs.from).toBe(`coffee@${GW}`);
    expect(subject.getChild("subject")?.children).toEqual([]);
    const muc = await room(h, "coffee");
    await muc.setSubject("Espresso only", { setter: muc.getParticipantByNick("Bob") as NonNullable<ReturnType<typeof muc.getParticipantByNick>> });
    const again = await join(h, "coffee", { resource: "balcony" });
    expect(again.at(-1)?.attrs.from).toBe(`coffee@${GW}/Bob`);
    expect(again.at(-1)?.getChildText("subject")).toBe("Espresso only");
    // Cleared on the legacy side by the room: empty again.
    await muc.setSubject("");
    const third = await join(h, "coffee", { resource: "tablet" });
    expect(third.at(-1)?.attrs.from).toBe(`coffee@${GW}`);
    expect(third.at(-1)?.getChild("subject")?.children).toEqual([]);
  });

  it("hasSubject = false: the description stands in, from the room, and the user's subject change is forbidden", async () => {
    const net = new TestNetwork();
    net.groups.coffee = { ...net.groups.coffee!, hasSubject: false };
    const h = await startGateway({ net });
    const sent = await join(h, "coffee");
    expect(sent.at(-1)?.attrs.from).toBe(`coffee@${GW}`);
    expect(sent.at(-1)?.getChildText("subject")).toBe("A test room");
    const refused = await request(h, `<message from='${FULL}' to='coffee@${GW}' type='groupchat' id='s1'><subject>New</subject></message>`);
    expect(errorCondition(refused)).toBe("forbidden");
  });
});

describe("refused joins", () => {
  it("echo the join's <x xmlns='http://jabber.org/protocol/muc'/> (XEP-0045 examples), empty", async () => {
    const h = await startGateway();
    const muc = await room(h, "coffee");
    const me = await muc.getUserParticipant();
    me.affiliation = "outcast";
    const error = await request(h, `<presence from='${FULL}' to='coffee@${GW}/romeo' id='j1'><x xmlns='${NS_MUC}'><password>secret</password></x></presence>`);
    expect(errorCondition(error)).toBe("forbidden");
    const x = error.getChild("x", NS_MUC);
    expect(x).toBeDefined();
    expect(x?.children).toEqual([]);
    // A presence that was no join (no <x/>) gets none.
    const nickless = await request(h, `<presence from='${FULL}' to='coffee@${GW}' id='j2'/>`);
    expect(nickless.getChild("x", NS_MUC)).toBeUndefined();
    await settle(h);
  });
});

describe("module API fidelity", () => {
  it("getParticipant: raiseIfNotFound throws item-not-found; fillFirst fills the room first", async () => {
    const h = await startGateway();
    const muc = await room(h, "coffee");
    await expect(muc.getParticipant("Zed", { raiseIfNotFound: true })).rejects.toMatchObject({ condition: "item-not-found" });
    expect(h.net.calls.fill.coffee).toBeUndefined();
    const bob = await muc.getParticipant("Bob", { legacyId: "u-bob", fillFirst: true, raiseIfNotFound: true });
    expect(h.net.calls.fill.coffee).toBe(1);
    expect(bob.affiliation).toBe("owner");
  });

  it("authors of backfilled messages are no participants unless keepBackfilledParticipants", async () => {
    for (const keep of [false, true]) {
      const net = new TestNetwork();
      net.history.coffee = [{ id: "old-1", from: "Zoe", fromLegacyId: "u-zoe", text: "hello from the past", at: new Date(Date.now() - 60_000) }];
      const h = await startGateway({ net });
      const muc = await room(h, "coffee");
      muc.keepBackfilledParticipants = keep;
      const sent = await join(h, "coffee");
      expect(sent.some((s) => s.is("message") && s.getChildText("body") === "hello from the past")).toBe(true);
      expect(muc.getParticipantByLegacyId("u-zoe") !== undefined).toBe(keep);
      // Kept: an occupant, listed in the join like any member.
      expect(sent.some((s) => s.is("presence") && s.attrs.from === `coffee@${GW}/Zoe`)).toBe(keep);
      closeStores();
    }
  });

  it("MAM answers say stable='false' unless the room's archive is stable", async () => {
    for (const stable of [false, true]) {
      const h = await startGateway();
      const muc = await room(h, "coffee");
      muc.stableArchive = stable;
      await join(h, "coffee");
      const fin = (await request(h, `<iq type='set' id='m1' from='${FULL}' to='coffee@${GW}'><query xmlns='urn:xmpp:mam:2'/></iq>`)).getChild("fin", "urn:xmpp:mam:2");
      expect(fin?.attrs.stable).toBe(stable ? undefined : "false");
      closeStores();
    }
  });

  it("a module's legacyToXmppMsgId / xmppToLegacyMsgId overrides are the ids the gateway uses", async () => {
    const net = new TestNetwork();
    const module = net.module();
    class DerivedIds extends module.Session {
      override legacyToXmppMsgId(legacyId: string): string {
        return `x-${legacyId}`;
      }
      override xmppToLegacyMsgId(xmppId: string): string | undefined {
        return xmppId.startsWith("x-") ? xmppId.slice(2) : undefined;
      }
    }
    net.module = () => ({ ...module, Session: DerivedIds });
    const h = await startGateway({ net });
    await join(h, "coffee");
    const muc = await room(h, "coffee");
    const bob = muc.getParticipantByNick("Bob");
    if (!bob) throw new Error("no Bob");
    const id = await bob.sendText("hi", "L-42");
    expect(id).toBe("x-L-42");
    // The user's own message: its id is the one their client chose, known to the gateway's store.
    h.component.receive(`<message from='${FULL}' to='coffee@${GW}' type='groupchat' id='mine'><body>typo</body></message>`);
    await settle(h);
    h.component.receive(`<message from='${FULL}' to='coffee@${GW}' type='groupchat' id='fix1'><body>fixed</body><replace xmlns='urn:xmpp:message-correct:0' id='mine'/></message>`);
    await settle(h);
    expect(net.calls.onCorrect.at(-1)).toMatchObject({ legacyId: "legacy-1", text: "fixed" });
    // An id the store does not know goes to the module's xmppToLegacyMsgId.
    h.component.receive(`<message from='${FULL}' to='coffee@${GW}' type='groupchat' id='fix2'><body>fixed again</body><replace xmlns='urn:xmpp:message-correct:0' id='x-legacy-1'/></message>`);
    await settle(h);
    expect(net.calls.onCorrect.at(-1)).toMatchObject({ legacyId: "legacy-1", text: "fixed again" });
  });
});
