/**
 * Fuzz: the gateway receives thousands of mutated stanzas from a user
 * (joins, leaves, messages, replies, corrections, retractions, reactions,
 * subjects, private messages; disco, MAM, admin, moderation, self-ping,
 * registration and vCard IQs). No handler may fail (the gateway logs
 * "failed to handle a stanza" if one does), every IQ get or set it takes
 * gets exactly one answer (RFC 6120 §8.2.3), and afterwards the room still
 * works.
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import type { Element } from "@xmpp/xml";
import { tryParseJid } from "../../../src/xso/values.js";
import { mutate, pick, prng } from "../../helpers/mutate.js";
import { parseXml } from "../../helpers/xml.js";
import { closeStores, GW, join, NS_MAM, RES, room, settle, startGateway, TestNetwork, USER } from "./helpers.js";

afterEach(closeStores);

const ROOM = `coffee@${GW}`;
const TO = `${USER}/${RES}`;
const FORM = (fields: string) => `<x xmlns='jabber:x:data' type='submit'><field var='FORM_TYPE' type='hidden'><value>urn:xmpp:mam:2</value></field>${fields}</x>`;

/** What a user's client sends to a gateway room or to the gateway, as templates of an id. */
const CORPUS: ((id: string) => string)[] = [
  () => `<presence from='${TO}' to='${ROOM}/romeo'><x xmlns='http://jabber.org/protocol/muc'><history maxstanzas='5'/></x></presence>`,
  () => `<presence from='${TO}' to='${ROOM}/romeo' type='unavailable'/>`,
  (id) => `<message from='${TO}' to='${ROOM}' type='groupchat' id='${id}'><body>hello Bob</body><origin-id xmlns='urn:xmpp:sid:0' id='${id}'/></message>`,
  (id) => `<message from='${TO}' to='${ROOM}' type='groupchat' id='${id}'><body>&gt; Bob: hi\nyes</body><reply xmlns='urn:xmpp:reply:0' to='${ROOM}/Bob' id='S-REF'/><fallback xmlns='urn:xmpp:fallback:0' for='urn:xmpp:reply:0'><body start='0' end='10'/></fallback></message>`,
  (id) => `<message from='${TO}' to='${ROOM}' type='groupchat' id='${id}'><body>fixed</body><replace xmlns='urn:xmpp:message-correct:0' id='u-1'/></message>`,
  (id) => `<message from='${TO}' to='${ROOM}' type='groupchat' id='${id}'><retract xmlns='urn:xmpp:message-retract:1' id='S-REF'/><fallback xmlns='urn:xmpp:fallback:0' for='urn:xmpp:message-retract:1'/><body>retracted</body></message>`,
  (id) => `<message from='${TO}' to='${ROOM}' type='groupchat' id='${id}'><reactions xmlns='urn:xmpp:reactions:0' id='S-REF'><reaction>👍</reaction></reactions></message>`,
  (id) => `<message from='${TO}' to='${ROOM}' type='groupchat' id='${id}'><subject>new topic</subject></message>`,
  (id) => `<message from='${TO}' to='${ROOM}/Bob' type='chat' id='${id}'><body>psst</body></message>`,
  (id) => `<iq from='${TO}' to='${ROOM}' type='get' id='${id}'><query xmlns='http://jabber.org/protocol/disco#info'/></iq>`,
  (id) => `<iq from='${TO}' to='${GW}' type='get' id='${id}'><query xmlns='http://jabber.org/protocol/disco#items'/></iq>`,
  (id) => `<iq from='${TO}' to='${ROOM}' type='set' id='${id}'><query xmlns='${NS_MAM}' queryid='q'>${FORM("<field var='start'><value>2026-01-01T00:00:00Z</value></field><field var='after-id'><value>S-REF</value></field>")}<set xmlns='http://jabber.org/protocol/rsm'><max>5</max><before/></set><flip-page/></query></iq>`,
  (id) => `<iq from='${TO}' to='${ROOM}' type='get' id='${id}'><metadata xmlns='${NS_MAM}'/></iq>`,
  (id) => `<iq from='${TO}' to='${ROOM}' type='get' id='${id}'><query xmlns='${NS_MAM}'/></iq>`,
  (id) => `<iq from='${TO}' to='${ROOM}' type='set' id='${id}'><query xmlns='http://jabber.org/protocol/muc#admin'><item nick='Carol' role='none'><reason>out</reason></item></query></iq>`,
  (id) => `<iq from='${TO}' to='${ROOM}' type='set' id='${id}'><query xmlns='http://jabber.org/protocol/muc#admin'><item jid='carol@legacy.example' affiliation='outcast'/></query></iq>`,
  (id) => `<iq from='${TO}' to='${ROOM}' type='set' id='${id}'><moderate xmlns='urn:xmpp:message-moderate:1' id='S-REF'><retract xmlns='urn:xmpp:message-retract:1'/></moderate></iq>`,
  (id) => `<iq from='${TO}' to='${ROOM}/romeo' type='get' id='${id}'><ping xmlns='urn:xmpp:ping'/></iq>`,
  (id) => `<iq from='${TO}' to='${GW}' type='get' id='${id}'><query xmlns='jabber:iq:register'/></iq>`,
  (id) => `<iq from='${TO}' to='${GW}' type='get' id='${id}'><vCard xmlns='vcard-temp'/></iq>`,
];

/** The IQ requests the gateway must answer: get or set, with an id, from a JID to a JID of the gateway. */
function mustAnswer(el: Element): boolean {
  if (!el.is("iq") || (el.attrs.type !== "get" && el.attrs.type !== "set") || typeof el.attrs.id !== "string") return false;
  const from = typeof el.attrs.from === "string" ? tryParseJid(el.attrs.from) : undefined;
  const to = typeof el.attrs.to === "string" ? tryParseJid(el.attrs.to) : undefined;
  return from !== undefined && to !== undefined && to.domain === GW;
}

describe("fuzz: the gateway under mutated user stanzas", () => {
  it("never fails a handler, answers every IQ once, and still works, for 6,000 stanzas", async () => {
    const logger = { debug: vi.fn(), warn: vi.fn() };
    const h = await startGateway({ net: new TestNetwork(), logger });
    await join(h, "coffee");
    // Something to refer to: Bob's message and one of the user's.
    const bob = await (await room(h, "coffee")).getParticipant("Bob", { legacyId: "u-bob" });
    const bobsId = await bob.sendText("Coffee?", "L-1");
    const bobs = await h.component.nextSent((s) => s.is("message") && s.attrs.id === bobsId);
    const ref = bobs.getChild("stanza-id", "urn:xmpp:sid:0")!.attrs.id as string;
    h.component.receive(`<message from='${TO}' to='${ROOM}' type='groupchat' id='u-1'><body>helo</body></message>`);
    await h.component.nextSent((s) => s.is("message") && s.attrs.id === "u-1");
    await (await (await room(h, "coffee")).getUserParticipant()).setRole("moderator");
    const rnd = prng(424242);
    const names = ["from", "to", "type", "id", "nick", "jid", "role", "affiliation", "queryid", "var", "start", "end", "for", "maxstanzas", "body", "reason", "x", "item", "field", "value", "set", "max", "after", "before", "reply", "replace", "retract", "reaction", "moderate"];
    const asked = new Map<string, string>();
    for (let i = 0; i < 6_000; i++) {
      const id = `fz-${i}`;
      const el = parseXml(pick(rnd, CORPUS)(id).replaceAll("S-REF", ref));
      if (rnd() < 0.8) mutate(el, rnd, names, "jabber:component:accept");
      if (el.is("iq")) el.attrs.id = id; // one id per request, to match its answer
      if (mustAnswer(el)) asked.set(id, String(el.attrs.from));
      expect(() => h.component.receive(el)).not.toThrow();
      if (i % 500 === 499) await settle(h);
    }
    await settle(h);
    expect(logger.warn.mock.calls.filter(([message]) => String(message).includes("failed to handle"))).toEqual([]);

    const answers = new Map<string, number>();
    for (const s of h.component.sent) {
      if (s.is("iq") && (s.attrs.type === "result" || s.attrs.type === "error") && typeof s.attrs.id === "string" && asked.has(s.attrs.id)) {
        answers.set(s.attrs.id, (answers.get(s.attrs.id) ?? 0) + 1);
      }
    }
    const unanswered = [...asked.keys()].filter((id) => !answers.has(id));
    const twice = [...answers].filter(([, n]) => n > 1).map(([id]) => id);
    expect(asked.size).toBeGreaterThan(1_000);
    expect(unanswered).toEqual([]);
    // The storm reached the legacy hooks, not only the decoders.
    for (const hook of ["onText", "onKick", "onSetAffiliation", "onCorrect", "onReact", "onModerate"] as const) expect(h.net.calls[hook].length).toBeGreaterThan(10);
    expect(twice).toEqual([]);

    // The room still works: a clean join and a message both ways.
    const sent = await join(h, "coffee", { resource: "after-the-storm" });
    expect(sent.at(-1)?.getChild("subject")).toBeDefined();
    h.component.receive(`<message from='${USER}/after-the-storm' to='${ROOM}' type='groupchat' id='final'><body>still here</body></message>`);
    const reflection = await h.component.nextSent((s) => s.is("message") && s.attrs.id === "final");
    expect(reflection.getChildText("body")).toBe("still here");
  });
});
