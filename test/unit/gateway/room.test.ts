/**
 * A gateway room as a MUC service (XEP-0045), seen by the user's client:
 * service discovery per MucType, history on join, presence handling after
 * the join, several resources, private messages, self-ping (XEP-0410), the
 * archive (XEP-0313) and moderation requests turned into legacy hooks.
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import type { Element } from "@xmpp/xml";
import { MucType } from "../../../src/gateway/index.js";
import { discoInfoQuery } from "../../../src/xso/disco.js";
import { roomInfoSchema } from "../../../src/xso/muc-forms.js";
import { XMPPError } from "../../../src/xso/stanza-error.js";
import { parseXml } from "../../helpers/xml.js";
import {
  closeStores,
  errorCondition,
  golden,
  GW,
  join,
  NS_DELAY,
  NS_DISCO_INFO,
  NS_FORWARD,
  NS_MAM,
  NS_OCCUPANT_ID,
  NS_RSM,
  NS_SID,
  RES,
  request,
  room,
  settle,
  startGateway,
  statusCodes,
  USER,
  type Harness,
} from "./helpers.js";
import { TestNetwork, type MemberSpec } from "./helpers.js";

afterEach(closeStores);

const ROOM = `coffee@${GW}`;
const TO = `${USER}/${RES}`;

async function discoInfo(h: Harness, jid: string) {
  const reply = await request(h, `<iq type='get' id='di' from='${TO}' to='${jid}'><query xmlns='${NS_DISCO_INFO}'/></iq>`);
  expect(reply.attrs.type).toBe("result");
  return discoInfoQuery.decode(reply.getChild("query", NS_DISCO_INFO)!);
}

describe("room disco#info", () => {
  const common = [
    "http://jabber.org/protocol/muc",
    "http://jabber.org/protocol/muc#stable_id",
    "urn:xmpp:occupant-id:0",
    "urn:xmpp:sid:0",
    "urn:xmpp:mam:2",
    "urn:xmpp:mam:2#extended",
    NS_DISCO_INFO,
  ];
  it.each([
    ["coffee", "Coffee", MucType.GROUP, ["muc_membersonly", "muc_nonanonymous", "muc_hidden", "muc_persistent"], ["muc_open", "muc_semianonymous", "muc_public"]],
    ["news", "News", MucType.CHANNEL, ["muc_open", "muc_semianonymous", "muc_public", "muc_persistent"], ["muc_membersonly", "muc_nonanonymous", "muc_hidden"]],
    ["forum", "Forum", MucType.CHANNEL_NON_ANONYMOUS, ["muc_open", "muc_nonanonymous", "muc_public", "muc_persistent"], ["muc_membersonly", "muc_semianonymous", "muc_hidden"]],
  ] as const)("%s (%s, %s): conference/text identity, features of its type, muc#roominfo form", async (legacyId, name, _type, has, hasNot) => {
    const h = await startGateway();
    const info = await discoInfo(h, `${legacyId}@${GW}`);
    expect(info.identities).toEqual([expect.objectContaining({ category: "conference", type: "text", name })]);
    for (const f of [...common, ...has]) expect(info.features).toContain(f);
    for (const f of hasNot) expect(info.features).not.toContain(f);
    expect(new Set(info.features).size).toBe(info.features.length);
    expect(info.forms).toHaveLength(1);
    const muc = await room(h, legacyId);
    await muc.setSubject("Today's topic");
    await join(h, legacyId);
    const after = roomInfoSchema.parse((await discoInfo(h, `${legacyId}@${GW}`)).forms[0]!);
    expect(after.subject).toBe("Today's topic");
    expect(after.description).toBe(h.net.groups[legacyId]!.description);
    // Members of the group plus the user.
    expect(after.occupants).toBe(muc.participants.length);
    expect(after.occupants).toBe((h.net.groups[legacyId]!.members as unknown[]).length + 1);
  });

  it("disco#items of a room is empty, and an unknown IQ is feature-not-implemented", async () => {
    const h = await startGateway();
    const items = await request(h, `<iq type='get' id='it' from='${TO}' to='${ROOM}'><query xmlns='http://jabber.org/protocol/disco#items'/></iq>`);
    expect(items.attrs.type).toBe("result");
    expect(items.getChild("query")?.children).toEqual([]);
    const version = await request(h, `<iq type='get' id='ver' from='${TO}' to='${ROOM}'><query xmlns='jabber:iq:version'/></iq>`);
    expect(errorCondition(version)).toBe("feature-not-implemented");
  });

  it("a node the room does not serve is item-not-found (XEP-0030 §3.1), for disco#info and disco#items alike", async () => {
    const h = await startGateway();
    await join(h, "coffee");
    // The room serves no node but the reserved nick's (XEP-0045 §7.12; below): no caps node.
    for (const node of ["no-such-node", "x-roomuser-item", "__proto__"]) {
      for (const ns of node === "x-roomuser-item" ? ["http://jabber.org/protocol/disco#items"] : [NS_DISCO_INFO, "http://jabber.org/protocol/disco#items"]) {
        const reply = await request(h, `<iq type='get' id='n-${node}' from='${TO}' to='${ROOM}'><query xmlns='${ns}' node='${node}'/></iq>`);
        expect(errorCondition(reply)).toBe("item-not-found");
      }
    }
    // Without a node, the room's own answers.
    expect((await discoInfo(h, ROOM)).identities[0]?.category).toBe("conference");
  });

  it("the reserved nick (XEP-0045 §7.12, node x-roomuser-item): the nick the user is in the room under; none before the room knows one", async () => {
    const h = await startGateway();
    const ask = (id: string): Promise<Element> => request(h, `<iq type='get' id='${id}' from='${TO}' to='${ROOM}'><query xmlns='${NS_DISCO_INFO}' node='x-roomuser-item'/></iq>`);
    const before = (await ask("rn1")).getChild("query", NS_DISCO_INFO);
    expect(before?.attrs.node).toBe("x-roomuser-item");
    expect(before?.getChildren("identity")).toEqual([]);
    await join(h, "coffee");
    const after = (await ask("rn2")).getChild("query", NS_DISCO_INFO);
    expect(after?.getChild("identity")?.attrs).toMatchObject({ category: "conference", type: "text", name: "romeo" });
  });
});

/** Archive 25 messages of Carol, one a minute, the last 30 s ago. */
async function archive25(h: Harness): Promise<void> {
  const muc = await room(h, "coffee");
  await join(h, "coffee", { history: "<history maxstanzas='0'/>" }); // fills the room
  h.component.receive(`<presence from='${TO}' to='${ROOM}/romeo' type='unavailable'/>`);
  await h.component.nextSent((s) => s.attrs.type === "unavailable");
  const carol = await muc.getParticipant("Carol", { legacyId: "u-carol" });
  const now = Date.now();
  for (let i = 0; i < 25; i++) await carol.sendText(`m${i}`, `l${i}`, { when: new Date(now - (25 - i) * 60_000 + 30_000) });
  h.component.takeSent();
}

function historyBodies(transcript: Element[]): string[] {
  return transcript.filter((s) => s.is("message") && s.getChild("body")).map((s) => s.getChildText("body") ?? "");
}

async function leave(h: Harness, resource = RES): Promise<void> {
  h.component.receive(`<presence from='${USER}/${resource}' to='${ROOM}/romeo' type='unavailable'/>`);
  await h.component.nextSent((s) => s.attrs.type === "unavailable" && s.attrs.to === `${USER}/${resource}`);
}

describe("history on join", () => {
  it("maxstanzas gives the newest n, oldest first, with delay, after the self-presence and before the subject", async () => {
    const h = await startGateway();
    await archive25(h);
    const t = await join(h, "coffee", { history: "<history maxstanzas='3'/>" });
    expect(historyBodies(t)).toEqual(["m22", "m23", "m24"]);
    const self = t.findIndex((s) => s.is("presence") && statusCodes(s).includes(110));
    const first = t.findIndex((s) => s.getChild("body") !== undefined);
    expect(first).toBeGreaterThan(self);
    expect(t.at(-1)!.getChild("subject")).toBeDefined();
    for (const m of t.filter((s) => s.getChild("body"))) {
      expect(m.getChild("delay", NS_DELAY)?.attrs.from).toBe(ROOM);
      expect(m.getChild("stanza-id", NS_SID)?.attrs.by).toBe(ROOM);
      expect(m.attrs.to).toBe(TO);
    }
  });

  it("without <history/> the default (20) is sent; maxstanzas='0' and maxchars='0' send none", async () => {
    const h = await startGateway();
    await archive25(h);
    expect(historyBodies(await join(h, "coffee"))).toEqual(Array.from({ length: 20 }, (_, i) => `m${i + 5}`));
    await leave(h);
    expect(historyBodies(await join(h, "coffee", { history: "<history maxstanzas='0'/>" }))).toEqual([]);
    await leave(h);
    expect(historyBodies(await join(h, "coffee", { history: "<history maxchars='0'/>" }))).toEqual([]);
    await leave(h);
    // A bare <x/> without <history/> is the default too.
    expect(historyBodies(await join(h, "coffee", { history: "" }))).toHaveLength(20);
  });

  it("seconds and since limit by age (and combine with maxstanzas)", async () => {
    const h = await startGateway();
    await archive25(h);
    // m20 is 270 s old, m19 330 s.
    expect(historyBodies(await join(h, "coffee", { history: "<history seconds='300'/>" }))).toEqual(["m20", "m21", "m22", "m23", "m24"]);
    await leave(h);
    // m14 is 630 s old, m13 690 s.
    const since = new Date(Date.now() - 660_000).toISOString();
    expect(historyBodies(await join(h, "coffee", { history: `<history since='${since}'/>` }))).toEqual(Array.from({ length: 11 }, (_, i) => `m${i + 14}`));
    await leave(h);
    expect(historyBodies(await join(h, "coffee", { history: `<history since='${since}' maxstanzas='2'/>` }))).toEqual(["m23", "m24"]);
  });

  it("maxchars counts the complete stanzas as delivered", async () => {
    const h = await startGateway();
    await archive25(h);
    const all = (await join(h, "coffee", { history: "<history maxstanzas='25'/>" })).filter((s) => s.getChild("body"));
    expect(all).toHaveLength(25);
    await leave(h);
    const lastThree = all.slice(-3).reduce((n, s) => n + s.toString().length, 0);
    const t = (await join(h, "coffee", { history: `<history maxchars='${lastThree}'/>` })).filter((s) => s.getChild("body"));
    expect(historyBodies(t)).toEqual(["m22", "m23", "m24"]);
    expect(t.reduce((n, s) => n + s.toString().length, 0)).toBeLessThanOrEqual(lastThree);
    await leave(h);
    const t2 = (await join(h, "coffee", { history: `<history maxchars='${lastThree - 1}'/>` })).filter((s) => s.getChild("body"));
    expect(historyBodies(t2)).toEqual(["m23", "m24"]);
  });
});

describe("a message relayed while another resource joins", () => {
  it("reaches the joining resource once: archived before its join completed, it is in its history, not sent live too", async () => {
    const h = await startGateway();
    await join(h, "coffee");
    const muc = await room(h, "coffee");
    const dora = await muc.getParticipant("Dora", { legacyId: "u-dora" });
    // The relay's send to the first resource waits (a slow write), and the
    // second resource's join completes meanwhile.
    const write = h.component.send.bind(h.component);
    let release!: () => void;
    const slow = new Promise<void>((r) => (release = r));
    vi.spyOn(h.component, "send").mockImplementation(async (st) => {
      if (st.is("message") && st.attrs.to === TO && st.getChildText("body") === "while you joined") await slow;
      return write(st);
    });
    const sent = dora.sendText("while you joined", "legacy-w");
    const phone = await join(h, "coffee", { resource: "phone" });
    expect(phone.filter((s) => s.getChildText("body") === "while you joined")).toHaveLength(1);
    release();
    await sent;
    await settle(h, `${USER}/phone`);
    const to = (jid: string) => h.component.sent.filter((s) => s.is("message") && s.attrs.to === jid && s.getChildText("body") === "while you joined");
    expect(to(`${USER}/phone`)).toHaveLength(1);
    expect(to(TO)).toHaveLength(1);
  });

  it("reaches the joining resource after its whole history and the subject (XEP-0045 §7.2.12–7.2.16), when it comes while they are being sent", async () => {
    const h = await startGateway();
    await archive25(h);
    const muc = await room(h, "coffee");
    const dora = await muc.getParticipant("Dora", { legacyId: "u-dora" });
    // The connection drops as the join's first history message is sent: the
    // component queues what follows, in call order, and the relay comes meanwhile.
    const write = h.component.send.bind(h.component);
    let reached!: () => void;
    const firstHistory = new Promise<void>((r) => (reached = r));
    vi.spyOn(h.component, "send").mockImplementation((st) => {
      if (st.is("message") && st.attrs.to === TO && st.getChildText("body") === "m5") {
        h.component.goOffline();
        reached();
      }
      return write(st);
    });
    const start = h.component.sent.length;
    h.component.receive(`<presence from='${TO}' to='${ROOM}/romeo'><x xmlns='http://jabber.org/protocol/muc'/></presence>`);
    await firstHistory;
    const sent = dora.sendText("live", "legacy-live");
    await vi.waitFor(() => expect(h.component.queued.some((s) => s.getChildText("body") === "live")).toBe(true));
    h.component.goOnline();
    await sent;
    await settle(h);
    const messages = h.component.sent.slice(start).filter((s) => s.is("message") && s.attrs.to === TO);
    const order = messages.map((s) => (s.getChild("subject") ? "subject" : (s.getChildText("body") ?? "")));
    expect(order).toEqual([...Array.from({ length: 20 }, (_, i) => `m${i + 5}`), "subject", "live"]);
  });
});

describe("presences of a joined resource", () => {
  it("a nick change is refused with not-acceptable (nicks come from the legacy network); the resource stays joined", async () => {
    const h = await startGateway();
    await join(h, "coffee");
    h.component.takeSent();
    const refused = await request(h, `<presence from='${TO}' to='${ROOM}/Romeo2' id='nc'/>`);
    expect(errorCondition(refused)).toBe("not-acceptable");
    expect(refused.attrs.from).toBe(`${ROOM}/Romeo2`);
    expect((await room(h, "coffee")).joinedResources).toEqual([RES]);
    h.component.takeSent();
    await (await (await room(h, "coffee")).getParticipant("Bob", { legacyId: "u-bob" })).sendText("still there?");
    expect(h.component.takeSent().map((s) => s.attrs.to)).toEqual([TO]);
  });

  it("a status update does not run the join again", async () => {
    const h = await startGateway();
    await join(h, "coffee");
    h.component.takeSent();
    h.component.receive(`<presence from='${TO}' to='${ROOM}/romeo'><show>away</show><status>brb</status></presence>`);
    h.component.receive(`<presence from='${TO}' to='${ROOM}/romeo'><x xmlns='http://jabber.org/protocol/muc'/></presence>`);
    await settle(h);
    expect(h.component.takeSent().filter((s) => s.attrs.to === TO && s.name !== "iq")).toEqual([]);
    expect(h.net.calls.fill.coffee).toBe(1);
  });

  it("a second resource gets the full join flow, then every message; a user message is reflected to both", async () => {
    const h = await startGateway();
    const first = await join(h, "coffee", { id: "j1" });
    const second = await join(h, "coffee", { resource: "balcony", id: "j1" });
    const retarget = (s: Element) => golden(parseXml(s.toString().replaceAll(`${USER}/balcony`, TO)));
    expect(second.map(retarget)).toEqual(first.map((s) => golden(s)));
    expect(statusCodes(second.find((s) => s.attrs.id === "j1")!)).toEqual([100, 110]);
    const muc = await room(h, "coffee");
    expect(muc.joinedResources).toEqual([RES, "balcony"]);
    const start = h.component.sent.length;
    await (await muc.getParticipant("Bob", { legacyId: "u-bob" })).sendText("to all", "b-1");
    h.component.receive(`<message from='${USER}/balcony' to='${ROOM}' type='groupchat' id='u1'><body>from the balcony</body></message>`);
    await h.component.nextSent((s) => s.attrs.id === "u1" && s.attrs.to === `${USER}/balcony`);
    const sent = h.component.sent.slice(start).filter((s) => s.is("message"));
    expect(sent.map((s) => `${s.attrs.id} ${s.attrs.to}`)).toEqual([`b-1 ${TO}`, `b-1 ${USER}/balcony`, `u1 ${TO}`, `u1 ${USER}/balcony`]);
    // One resource leaving leaves the other joined.
    await leave(h, "balcony");
    expect(muc.joinedResources).toEqual([RES]);
  });
});

describe("joining in special cases", () => {
  it("a nick another participant has is rewritten (status 210)", async () => {
    const h = await startGateway();
    const t = await join(h, "coffee", { nick: "Bob" });
    const self = t.find((s) => s.is("presence") && statusCodes(s).includes(110))!;
    expect(self.attrs.from).toBe(`${ROOM}/Bob (2)`);
    expect(statusCodes(self)).toEqual([100, 110, 210]);
    expect(t.filter((s) => s.attrs.from === `${ROOM}/Bob`)).toHaveLength(1);
  });

  it("a user kicked on the legacy side may join again, as a participant; a banned user is refused with forbidden", async () => {
    const h = await startGateway();
    await join(h, "coffee");
    const muc = await room(h, "coffee");
    await muc.removeParticipant(await muc.getUserParticipant(), { kick: true });
    const again = await join(h, "coffee");
    const self = again.find((s) => s.is("presence") && statusCodes(s).includes(110))!;
    expect(self.attrs.type).toBeUndefined();
    expect(self.getChild("x", "http://jabber.org/protocol/muc#user")?.getChild("item")?.attrs).toMatchObject({ role: "participant", affiliation: "member" });
    expect(muc.participants).toContain(await muc.getUserParticipant());
    expect(muc.joinedResources).toEqual([RES]);
    await muc.removeParticipant(await muc.getUserParticipant(), { ban: true });
    const refused = await request(h, `<presence from='${TO}' to='${ROOM}/romeo' id='banned'><x xmlns='http://jabber.org/protocol/muc'/></presence>`);
    expect(errorCondition(refused)).toBe("forbidden");
    expect(muc.joinedResources).toEqual([]);
  });

  it("a failing fillParticipants refuses the join with an error, leaves the resource out, and runs again on the next join", async () => {
    const h = await startGateway();
    const group = h.net.groups.coffee!;
    let failures = 1;
    h.net.groups.coffee = {
      ...group,
      *members() {
        yield { name: "Bob", legacyId: "u-bob" };
        if (failures-- > 0) throw new Error("members API down");
        yield { name: "Carol", legacyId: "u-carol" };
      },
    };
    const refused = await request(h, `<presence from='${TO}' to='${ROOM}/romeo' id='f1'><x xmlns='http://jabber.org/protocol/muc'/></presence>`);
    expect(errorCondition(refused)).toBe("internal-server-error");
    const muc = await room(h, "coffee");
    expect(muc.joinedResources).toEqual([]);
    // Leaving now is a no-op: there was no join.
    h.component.receive(`<presence from='${TO}' to='${ROOM}/romeo' type='unavailable' id='f2'/>`);
    await settle(h);
    expect(h.component.sent.some((s) => s.attrs.to === TO && s.attrs.type === "unavailable")).toBe(false);
    const t = await join(h, "coffee");
    expect(t.filter((s) => s.is("presence")).map((p) => p.attrs.from)).toEqual([`${ROOM}/Bob`, `${ROOM}/Carol`, `${ROOM}/romeo`]);
    expect(h.net.calls.fill.coffee).toBe(2);
  });
});

describe("private messages and self-ping", () => {
  it("a private message to room/nick, on a network without them, is not-acceptable", async () => {
    const net = new TestNetwork();
    net.privateMessages = false;
    const h = await startGateway({ net });
    await join(h, "coffee");
    const reply = await request(h, `<message from='${TO}' to='${ROOM}/Bob' type='chat' id='pm1'><body>psst</body></message>`);
    expect(errorCondition(reply)).toBe("not-acceptable");
    expect(reply.attrs.from).toBe(`${ROOM}/Bob`);
    expect(h.net.calls.onText).toEqual([]);
  });

  it("XEP-0410: a joined resource pinging its own nick gets a result; others get not-acceptable", async () => {
    const h = await startGateway();
    await join(h, "coffee");
    const ping = (id: string, from: string, nick: string) => request(h, `<iq type='get' id='${id}' from='${from}' to='${ROOM}/${nick}'><ping xmlns='urn:xmpp:ping'/></iq>`);
    expect((await ping("p1", TO, "romeo")).attrs.type).toBe("result");
    expect(errorCondition(await ping("p2", `${USER}/balcony`, "romeo"))).toBe("not-acceptable");
    await leave(h);
    expect(errorCondition(await ping("p3", TO, "romeo"))).toBe("not-acceptable");
  });
});

describe("MAM (XEP-0313) on the room", () => {
  async function archived(h: Harness, n: number) {
    const muc = await room(h, "coffee");
    const bob = await muc.getParticipant("Bob", { legacyId: "u-bob" });
    for (let i = 0; i < n; i++) await bob.sendText(`a${i}`, `mam-${i}`, { archiveOnly: true, when: new Date(Date.UTC(2026, 0, 1, 0, i)) });
    return h.store.archive.query(USER, "coffee").map((e) => e.stanzaId);
  }

  async function mam(h: Harness, rsm: string, queryId = "q1") {
    const start = h.component.sent.length;
    const id = `mam-${Math.random().toString(36).slice(2)}`;
    const fin = await request(h, `<iq type='set' id='${id}' from='${TO}' to='${ROOM}'><query xmlns='${NS_MAM}' queryid='${queryId}'>${rsm}</query></iq>`);
    const results = h.component.sent.slice(start, h.component.sent.indexOf(fin)).filter((s) => s.getChild("result", NS_MAM));
    return { fin, results, ids: results.map((r) => r.getChild("result", NS_MAM)!.attrs.id as string) };
  }

  function finOf(iq: Element) {
    const fin = iq.getChild("fin", NS_MAM)!;
    const set = fin.getChild("set", NS_RSM);
    return {
      complete: fin.attrs.complete === "true",
      first: set?.getChildText("first") ?? undefined,
      last: set?.getChildText("last") ?? undefined,
      count: set?.getChildText("count") ?? undefined,
    };
  }

  it("answers a query for everything with one result message each, then <fin complete> with first and last", async () => {
    const h = await startGateway();
    const ids = await archived(h, 4);
    const { fin, results } = await mam(h, "");
    expect(results.map((r) => r.getChild("result", NS_MAM)!.attrs.id)).toEqual(ids);
    const stamp = new Date(Date.UTC(2026, 0, 1, 0, 0)).toISOString().replace(".000", "");
    expect(golden(results[0]!)).toBe(
      golden(
        parseXml(
          `<message from='${ROOM}' to='${TO}' id='*'><result xmlns='${NS_MAM}' queryid='q1' id='${ids[0]}'><forwarded xmlns='${NS_FORWARD}'><delay xmlns='${NS_DELAY}' stamp='${stamp}'/>` +
            `<message xmlns='jabber:client' from='${ROOM}/Bob' type='groupchat' id='*'><body>a0</body><stanza-id xmlns='${NS_SID}' id='*' by='${ROOM}'/><occupant-id xmlns='${NS_OCCUPANT_ID}' id='*'/><delay xmlns='${NS_DELAY}' stamp='*' from='${ROOM}'/></message>` +
            `</forwarded></result></message>`,
        ),
      ),
    );
    expect(results[0]!.getChild("result", NS_MAM)!.getChild("forwarded", NS_FORWARD)!.getChild("delay", NS_DELAY)!.attrs.stamp).toBe(stamp);
    expect(fin.attrs.type).toBe("result");
    expect(finOf(fin)).toMatchObject({ complete: true, first: ids[0], last: ids[3] });
  });

  it("pages forwards with max and after, and backwards with before, marking the end complete", async () => {
    const h = await startGateway();
    const ids = await archived(h, 7);
    const p1 = await mam(h, `<set xmlns='${NS_RSM}'><max>3</max></set>`);
    expect(p1.ids).toEqual(ids.slice(0, 3));
    expect(finOf(p1.fin)).toMatchObject({ complete: false, first: ids[0], last: ids[2] });
    const p2 = await mam(h, `<set xmlns='${NS_RSM}'><max>3</max><after>${ids[2]}</after></set>`);
    expect(p2.ids).toEqual(ids.slice(3, 6));
    expect(finOf(p2.fin).complete).toBe(false);
    const p3 = await mam(h, `<set xmlns='${NS_RSM}'><max>3</max><after>${ids[5]}</after></set>`);
    expect(p3.ids).toEqual(ids.slice(6));
    expect(finOf(p3.fin)).toMatchObject({ complete: true, first: ids[6], last: ids[6] });
    // Backwards: the last page, then the one before it.
    const b1 = await mam(h, `<set xmlns='${NS_RSM}'><max>3</max><before/></set>`);
    expect(b1.ids).toEqual(ids.slice(4));
    expect(finOf(b1.fin)).toMatchObject({ complete: false, first: ids[4], last: ids[6] });
    const b2 = await mam(h, `<set xmlns='${NS_RSM}'><max>3</max><before>${ids[4]}</before></set>`);
    expect(b2.ids).toEqual(ids.slice(1, 4));
    const b3 = await mam(h, `<set xmlns='${NS_RSM}'><max>3</max><before>${ids[1]}</before></set>`);
    expect(b3.ids).toEqual(ids.slice(0, 1));
    expect(finOf(b3.fin).complete).toBe(true);
    // An empty page past the end.
    const empty = await mam(h, `<set xmlns='${NS_RSM}'><max>3</max><after>${ids[6]}</after></set>`);
    expect(empty.ids).toEqual([]);
    expect(finOf(empty.fin)).toMatchObject({ complete: true, first: undefined });
  });

  it("an unknown after or before id is item-not-found", async () => {
    const h = await startGateway();
    await archived(h, 2);
    for (const rsm of [`<after>nope</after>`, `<before>nope</before>`]) {
      const { fin, results } = await mam(h, `<set xmlns='${NS_RSM}'><max>3</max>${rsm}</set>`);
      expect(errorCondition(fin)).toBe("item-not-found");
      expect(results).toEqual([]);
    }
  });

  it("honours the start and end of the filter form", async () => {
    const h = await startGateway();
    const ids = await archived(h, 6);
    const form = (fields: string) =>
      `<x xmlns='jabber:x:data' type='submit'><field var='FORM_TYPE' type='hidden'><value>${NS_MAM}</value></field>${fields}</x>`;
    const start = `<field var='start'><value>2026-01-01T00:02:00Z</value></field>`;
    const end = `<field var='end'><value>2026-01-01T00:04:00Z</value></field>`;
    expect((await mam(h, form(start))).ids).toEqual(ids.slice(2));
    expect((await mam(h, form(end))).ids).toEqual(ids.slice(0, 5));
    const both = await mam(h, form(start + end) + `<set xmlns='${NS_RSM}'><max>2</max></set>`);
    expect(both.ids).toEqual(ids.slice(2, 4));
    expect(finOf(both.fin).complete).toBe(false);
    const bad = await mam(h, form(`<field var='start'><value>yesterday</value></field>`));
    expect(errorCondition(bad.fin)).toBe("bad-request");
  });

  it("the results carry the queryid, and a query without one has none", async () => {
    const h = await startGateway();
    await archived(h, 1);
    const withId = await mam(h, "", "abc");
    expect(withId.results[0]!.getChild("result", NS_MAM)!.attrs.queryid).toBe("abc");
    const start = h.component.sent.length;
    const fin = await request(h, `<iq type='set' id='noq' from='${TO}' to='${ROOM}'><query xmlns='${NS_MAM}'/></iq>`);
    const results = h.component.sent.slice(start).filter((s) => s !== fin && s.getChild("result", NS_MAM));
    expect(results).toHaveLength(1);
    expect(results[0]!.getChild("result", NS_MAM)!.attrs.queryid).toBeUndefined();
  });
});

describe("MAM #extended (XEP-0313) on the room", () => {
  /** Archive `n` messages, alternately from Bob and Carol, one minute apart; their archive ids. */
  async function archived(h: Harness, n: number) {
    const muc = await room(h, "coffee");
    const bob = await muc.getParticipant("Bob", { legacyId: "u-bob" });
    const carol = await muc.getParticipant("Carol", { legacyId: "u-carol" });
    for (let i = 0; i < n; i++) await (i % 2 === 0 ? bob : carol).sendText(`a${i}`, `mam-${i}`, { archiveOnly: true, when: new Date(Date.UTC(2026, 0, 1, 0, i)) });
    return h.store.archive.query(USER, "coffee").map((e) => e.stanzaId);
  }

  const form = (fields: string) => `<x xmlns='jabber:x:data' type='submit'><field var='FORM_TYPE' type='hidden'><value>${NS_MAM}</value></field>${fields}</x>`;
  const field = (name: string, ...values: string[]) => `<field var='${name}'>${values.map((v) => `<value>${v}</value>`).join("")}</field>`;

  async function mam(h: Harness, inner: string) {
    const start = h.component.sent.length;
    const id = `mam-${Math.random().toString(36).slice(2)}`;
    const fin = await request(h, `<iq type='set' id='${id}' from='${TO}' to='${ROOM}'><query xmlns='${NS_MAM}' queryid='q'>${inner}</query></iq>`);
    const results = h.component.sent.slice(start, h.component.sent.indexOf(fin)).filter((s) => s.getChild("result", NS_MAM));
    const set = fin.getChild("fin", NS_MAM)?.getChild("set", NS_RSM);
    return {
      fin,
      ids: results.map((r) => r.getChild("result", NS_MAM)!.attrs.id as string),
      bodies: results.map((r) => r.getChild("result", NS_MAM)!.getChild("forwarded", NS_FORWARD)!.getChild("message")!.getChildText("body")),
      first: set?.getChildText("first") ?? undefined,
      last: set?.getChildText("last") ?? undefined,
      complete: fin.getChild("fin", NS_MAM)?.attrs.complete === "true",
    };
  }

  it("after-id, before-id and both select what lies strictly between", async () => {
    const h = await startGateway();
    const ids = await archived(h, 6);
    expect((await mam(h, form(field("after-id", ids[1]!)))).ids).toEqual(ids.slice(2));
    expect((await mam(h, form(field("before-id", ids[3]!)))).ids).toEqual(ids.slice(0, 3));
    expect((await mam(h, form(field("after-id", ids[0]!) + field("before-id", ids[4]!)))).ids).toEqual(ids.slice(1, 4));
    expect((await mam(h, form(field("after-id", ids[4]!) + field("before-id", ids[2]!)))).ids).toEqual([]);
  });

  it("after-id and RSM after together: the later of the two bounds holds (and paging continues within after-id)", async () => {
    const h = await startGateway();
    const ids = await archived(h, 6);
    const rsm = (after: string) => `<set xmlns='${NS_RSM}'><max>2</max><after>${after}</after></set>`;
    expect((await mam(h, form(field("after-id", ids[1]!)) + rsm(ids[3]!))).ids).toEqual(ids.slice(4, 6));
    expect((await mam(h, form(field("after-id", ids[3]!)) + rsm(ids[1]!))).ids).toEqual(ids.slice(4, 6));
    const page = await mam(h, form(field("after-id", ids[0]!) + field("before-id", ids[5]!)) + `<set xmlns='${NS_RSM}'><max>2</max><before/></set>`);
    expect(page.ids).toEqual(ids.slice(3, 5));
  });

  it("ids fetches those messages, in archive order", async () => {
    const h = await startGateway();
    const ids = await archived(h, 5);
    const got = await mam(h, form(field("ids", ids[3]!, ids[0]!)));
    expect(got.ids).toEqual([ids[0], ids[3]]);
    expect(got.bodies).toEqual(["a0", "a3"]);
    expect(got.complete).toBe(true);
  });

  it("<max>0</max> gives no message and the count (XEP-0059 §2.6)", async () => {
    const h = await startGateway();
    await archived(h, 3);
    const got = await mam(h, `<set xmlns='${NS_RSM}'><max>0</max></set>`);
    expect(got.ids).toEqual([]);
    expect(got.fin.getChild("fin", NS_MAM)?.getChild("set", NS_RSM)?.getChildText("count")).toBe("3");
  });

  it("with the user's own JID before the first join does not fix the user's nick", async () => {
    const h = await startGateway();
    await archived(h, 1);
    await mam(h, form(field("with", USER)));
    const sent = await join(h, "coffee", { nick: "Romeo Montague" });
    const self = sent.filter((s) => s.is("presence")).at(-1)!;
    expect(self.attrs.from).toBe(`${ROOM}/Romeo Montague`);
    expect(statusCodes(self)).not.toContain(210);
  });

  it("an unknown archive id in before-id, after-id or ids is item-not-found, and no result is sent", async () => {
    const h = await startGateway();
    const ids = await archived(h, 2);
    for (const f of [field("after-id", "nope"), field("before-id", "nope"), field("ids", ids[0]!, "nope")]) {
      const got = await mam(h, form(f));
      expect(errorCondition(got.fin)).toBe("item-not-found");
      expect(got.ids).toEqual([]);
    }
  });

  it("with: an occupant JID selects that nick, the user's own JID their messages, any other JID nothing", async () => {
    const h = await startGateway();
    const ids = await archived(h, 4);
    const muc = await room(h, "coffee");
    const me = await muc.getUserParticipant();
    await me.sendText("from my phone", "mine-1", { archiveOnly: true, when: new Date(Date.UTC(2026, 0, 1, 1)) });
    expect((await mam(h, form(field("with", `${ROOM}/Carol`)))).bodies).toEqual(["a1", "a3"]);
    expect((await mam(h, form(field("with", `${ROOM}/Bob`)))).ids).toEqual([ids[0], ids[2]]);
    expect((await mam(h, form(field("with", USER)))).bodies).toEqual(["from my phone"]);
    const nobody = await mam(h, form(field("with", "stranger@example.org")));
    expect(nobody.fin.attrs.type).toBe("result");
    expect(nobody.ids).toEqual([]);
    expect(nobody.complete).toBe(true);
  });

  it("flip-page sends the same page newest first; first and last stay the page's oldest and newest", async () => {
    const h = await startGateway();
    const ids = await archived(h, 5);
    const plain = await mam(h, `<set xmlns='${NS_RSM}'><max>3</max></set>`);
    const flipped = await mam(h, `<set xmlns='${NS_RSM}'><max>3</max></set><flip-page/>`);
    expect(plain.ids).toEqual(ids.slice(0, 3));
    expect(flipped.ids).toEqual(ids.slice(0, 3).reverse());
    expect([flipped.first, flipped.last, flipped.complete]).toEqual([plain.first, plain.last, plain.complete]);
  });

  it("a filter field it does not know is feature-not-implemented", async () => {
    const h = await startGateway();
    await archived(h, 1);
    const got = await mam(h, form(field("{urn:example}free-text-search", "coffee")));
    expect(errorCondition(got.fin)).toBe("feature-not-implemented");
    expect(got.ids).toEqual([]);
  });

  it("an IQ get of the query returns the filter form, its ids field open to any value", async () => {
    const h = await startGateway();
    const reply = await request(h, `<iq type='get' id='form1' from='${TO}' to='${ROOM}'><query xmlns='${NS_MAM}'/></iq>`);
    expect(reply.attrs.type).toBe("result");
    const x = reply.getChild("query", NS_MAM)!.getChild("x", "jabber:x:data")!;
    expect(x.attrs.type).toBe("form");
    const fields = x.getChildren("field");
    expect(fields.map((f) => f.attrs.var)).toEqual(["FORM_TYPE", "with", "start", "end", "after-id", "before-id", "ids"]);
    expect(fields[0]!.getChildText("value")).toBe(NS_MAM);
    // XEP-0313 §4.1.5: with, start and end are jid-single, text-single, text-single.
    expect(fields.map((f) => f.attrs.type)).toEqual(["hidden", "jid-single", "text-single", "text-single", "text-single", "text-single", "list-multi"]);
    const ids = fields.find((f) => f.attrs.var === "ids")!;
    expect(ids.attrs.type).toBe("list-multi");
    expect(ids.getChild("validate", "http://jabber.org/protocol/xdata-validate")?.getChild("open")).toBeDefined();
  });

  it("the metadata gives the first and last archived messages, and nothing for an empty archive", async () => {
    const h = await startGateway();
    await room(h, "coffee");
    const ask = () => request(h, `<iq type='get' id='md${Math.random()}' from='${TO}' to='${ROOM}'><metadata xmlns='${NS_MAM}'/></iq>`);
    const empty = (await ask()).getChild("metadata", NS_MAM)!;
    expect(empty.children).toEqual([]);
    const ids = await archived(h, 3);
    const md = (await ask()).getChild("metadata", NS_MAM)!;
    expect(md.getChild("start")?.attrs).toEqual({ id: ids[0], timestamp: "2026-01-01T00:00:00Z" });
    expect(md.getChild("end")?.attrs).toEqual({ id: ids[2], timestamp: "2026-01-01T00:02:00Z" });
  });
});

describe("moderation requests become legacy hooks", () => {
  const admin = (id: string, item: string) => `<iq type='set' id='${id}' from='${TO}' to='${ROOM}'><query xmlns='http://jabber.org/protocol/muc#admin'>${item}</query></iq>`;

  it("a kick (role none) calls onKick with the participant and reason", async () => {
    const h = await startGateway();
    await join(h, "coffee");
    const reply = await request(h, admin("k1", `<item nick='Carol' role='none'><reason>off topic</reason></item>`));
    expect(reply.attrs.type).toBe("result");
    expect(h.net.calls.onKick).toEqual([{ room: "coffee", nick: "Carol", reason: "off topic" }]);
  });

  it("what onKick throws becomes the stanza error (an XMPPError keeps its condition); an unknown nick is item-not-found", async () => {
    const h = await startGateway();
    await join(h, "coffee");
    h.net.kickError = new XMPPError("not-allowed", { text: "Only admins may kick" });
    const refused = await request(h, admin("k2", `<item nick='Bob' role='none'/>`));
    expect(errorCondition(refused)).toBe("not-allowed");
    expect(refused.getChild("error")?.getChildText("text", "urn:ietf:params:xml:ns:xmpp-stanzas")).toBe("Only admins may kick");
    h.net.kickError = new Error("legacy API down");
    expect(errorCondition(await request(h, admin("k3", `<item nick='Bob' role='none'/>`)))).toBe("internal-server-error");
    expect(errorCondition(await request(h, admin("k4", `<item nick='Nobody' role='none'/>`)))).toBe("item-not-found");
    expect(h.net.calls.onKick.map((c) => c.nick)).toEqual(["Bob", "Bob"]);
  });

  it("an affiliation change calls onSetAffiliation with the participant, JID, affiliation and reason", async () => {
    const h = await startGateway();
    await join(h, "coffee");
    const reply = await request(h, admin("a1", `<item affiliation='outcast' jid='carol@legacy.example'><reason>spam</reason></item>`));
    expect(reply.attrs.type).toBe("result");
    const other = await request(h, admin("a2", `<item affiliation='member' jid='stranger@legacy.example'/>`));
    expect(other.attrs.type).toBe("result");
    expect(h.net.calls.onSetAffiliation).toEqual([
      { room: "coffee", nick: "Carol", jid: "carol@legacy.example", affiliation: "outcast", reason: "spam" },
      { room: "coffee", nick: undefined, jid: "stranger@legacy.example", affiliation: "member", reason: undefined },
    ]);
    h.net.affiliationError = new XMPPError("forbidden");
    expect(errorCondition(await request(h, admin("a3", `<item affiliation='admin' jid='bob@legacy.example'/>`)))).toBe("forbidden");
  });

  it("an affiliation change naming an occupant's nick instead of a JID (as some clients send it) goes to that occupant's bare JID", async () => {
    const h = await startGateway();
    await join(h, "coffee");
    const reply = await request(h, admin("n1", `<item affiliation='outcast' nick='Carol'><reason>spam</reason></item>`));
    expect(reply.attrs.type).toBe("result");
    // The same user by nick and by JID in one batch is one change.
    const both = await request(h, admin("n2", `<item affiliation='member' nick='Bob'/><item affiliation='member' jid='bob@legacy.example/phone'/>`));
    expect(both.attrs.type).toBe("result");
    expect(h.net.calls.onSetAffiliation).toEqual([
      { room: "coffee", nick: "Carol", jid: "carol@legacy.example", affiliation: "outcast", reason: "spam" },
      { room: "coffee", nick: "Bob", jid: "bob@legacy.example", affiliation: "member", reason: undefined },
    ]);
    // By nick and by JID, two affiliations for one user: refused before any hook.
    const clash = await request(h, admin("n3", `<item affiliation='admin' nick='Carol'/><item affiliation='none' jid='carol@legacy.example'/>`));
    expect(errorCondition(clash)).toBe("bad-request");
    expect(h.net.calls.onSetAffiliation).toHaveLength(2);
  });

  it("an affiliation change by an unknown nick is item-not-found; by the nick of an occupant whose JID is unknown, bad-request; no hook runs", async () => {
    const net = new TestNetwork();
    const members = net.groups.coffee!.members as readonly MemberSpec[];
    net.groups.coffee = { ...net.groups.coffee!, members: [...members, { name: "Mallory", legacyId: "u-mallory" }] };
    const h = await startGateway({ net });
    await join(h, "coffee");
    expect(errorCondition(await request(h, admin("u1", `<item affiliation='outcast' nick='Nobody'/>`)))).toBe("item-not-found");
    const unknownJid = await request(h, admin("u2", `<item affiliation='outcast' nick='Mallory'/>`));
    expect(errorCondition(unknownJid)).toBe("bad-request");
    expect(unknownJid.getChild("error")?.getChildText("text", "urn:ietf:params:xml:ns:xmpp-stanzas")).toBe("The JID of Mallory is not known: name the user by jid");
    // A valid ban before the unknown nick is not done either.
    expect(errorCondition(await request(h, admin("u3", `<item affiliation='outcast' jid='carol@legacy.example'/><item affiliation='outcast' nick='Nobody'/>`)))).toBe("item-not-found");
    expect(h.net.calls.onSetAffiliation).toEqual([]);
  });

  it("one occupant kicked twice in a batch is kicked once; one JID given the same affiliation twice, once; affiliations go to bare JIDs", async () => {
    const h = await startGateway();
    await join(h, "coffee");
    const reply = await request(
      h,
      admin("d1", `<item nick='Carol' role='none'/><item nick='Carol' role='none'><reason>again</reason></item><item affiliation='outcast' jid='bob@legacy.example/phone'/><item affiliation='outcast' jid='bob@legacy.example'/>`),
    );
    expect(reply.attrs.type).toBe("result");
    expect(h.net.calls.onKick).toEqual([{ room: "coffee", nick: "Carol", reason: undefined }]);
    expect(h.net.calls.onSetAffiliation).toEqual([{ room: "coffee", nick: "Bob", jid: "bob@legacy.example", affiliation: "outcast", reason: undefined }]);
  });

  it.each([
    ["an unknown affiliation", `<item affiliation='bogus' jid='carol@legacy.example'/>`],
    ["an unknown role", `<item nick='Carol' role='king'/>`],
    ["a JID with an empty localpart", `<item affiliation='outcast' jid='@@bad'/>`],
    ["a JID with two @", `<item affiliation='outcast' jid='a@b@c'/>`],
    ["neither role nor affiliation", `<item nick='Carol' jid='carol@legacy.example'><reason>spam</reason></item>`],
    ["an affiliation without a jid", `<item affiliation='outcast'/>`],
    ["a role without a nick", `<item role='none'/>`],
    ["no item", ``],
    ["a valid kick before a malformed item", `<item nick='Carol' role='none'/><item affiliation='bogus' jid='bob@legacy.example'/>`],
    ["a valid ban before a malformed item", `<item affiliation='outcast' jid='carol@legacy.example'/><item nick='Bob' role='king'/>`],
    ["a kick and a ban in one item (half of it would be done)", `<item nick='Bob' role='none' affiliation='outcast' jid='bob@legacy.example'/>`],
    ["two different affiliations for one JID", `<item affiliation='outcast' jid='carol@legacy.example'/><item affiliation='member' jid='carol@legacy.example/phone'/>`],
  ])("%s: bad-request (modify) to the requester, and no hook is called", async (_what, items) => {
    const h = await startGateway();
    await join(h, "coffee");
    const reply = await request(h, admin("bad1", items));
    expect(reply.attrs).toMatchObject({ type: "error", id: "bad1", from: ROOM, to: TO });
    expect(errorCondition(reply)).toBe("bad-request");
    expect(reply.getChild("error")?.attrs.type).toBe("modify");
    expect(h.net.calls.onKick).toEqual([]);
    expect(h.net.calls.onSetAffiliation).toEqual([]);
  });
});
