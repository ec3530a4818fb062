/**
 * Messages that refer to earlier ones, both ways through the gateway:
 * replies (XEP-0461), corrections (XEP-0308), retractions (XEP-0424),
 * reactions (XEP-0444) and moderation (XEP-0425), and the mentions a user's
 * message makes.
 */
import { afterEach, describe, expect, it } from "vitest";
import type { Element } from "@xmpp/xml";
import { discoInfoQuery } from "../../../src/xso/disco.js";
import { parseXml } from "../../helpers/xml.js";
import { closeStores, errorCondition, GW, join, NS_DISCO_INFO, NS_SID, RES, request, room, settle, startGateway, TestNetwork, USER, type Harness } from "./helpers.js";

afterEach(closeStores);

const ROOM = `coffee@${GW}`;
const TO = `${USER}/${RES}`;
const NS_REPLY = "urn:xmpp:reply:0";
const NS_CORRECT = "urn:xmpp:message-correct:0";
const NS_RETRACT = "urn:xmpp:message-retract:1";
const NS_FALLBACK = "urn:xmpp:fallback:0";
const NS_REACTIONS = "urn:xmpp:reactions:0";
const NS_MODERATE = "urn:xmpp:message-moderate:1";

async function joined(net = new TestNetwork()): Promise<Harness> {
  const h = await startGateway({ net });
  await join(h, "coffee");
  return h;
}

/** The stanza-id the room gave a message it sent to the user. */
function stanzaIdOf(m: Element): string {
  return m.getChild("stanza-id", NS_SID)!.attrs.id as string;
}

/** Send a groupchat message from the user; the room's reflection (or error) of it. */
async function fromUser(h: Harness, id: string, inner: string): Promise<Element> {
  h.component.receive(`<message from='${TO}' to='${ROOM}' type='groupchat' id='${id}'>${inner}</message>`);
  return h.component.nextSent((s) => s.is("message") && s.attrs.id === id);
}

/** Bob says something on the legacy network; what the user's client gets. */
async function fromBob(h: Harness, text: string, legacyId: string, options: { replyTo?: string } = {}): Promise<Element> {
  const bob = await (await room(h, "coffee")).getParticipant("Bob", { legacyId: "u-bob" });
  const xmppId = await bob.sendText(text, legacyId, options);
  return h.component.nextSent((s) => s.is("message") && s.attrs.id === xmppId);
}

describe("from the legacy network", () => {
  it("a reply points at the original's stanza-id and author (XEP-0461)", async () => {
    const h = await joined();
    const original = await fromBob(h, "Coffee?", "L-1");
    const reply = await fromBob(h, "Yes, two sugars", "L-2", { replyTo: "L-1" });
    expect(reply.getChild("reply", NS_REPLY)?.attrs).toEqual({ xmlns: NS_REPLY, to: `${ROOM}/Bob`, id: stanzaIdOf(original) });
    // An original the gateway never saw: a plain message.
    const orphan = await fromBob(h, "About that other thing", "L-3", { replyTo: "L-unknown" });
    expect(orphan.getChild("reply", NS_REPLY)).toBeUndefined();
  });

  it("an edit becomes a correction of the original's id (XEP-0308), archived", async () => {
    const h = await joined();
    const original = await fromBob(h, "Cofee?", "L-1");
    const bob = (await room(h, "coffee")).getParticipantByLegacyId("u-bob")!;
    await bob.correct("L-1", "Coffee?");
    const correction = await h.component.nextSent((s) => s.is("message") && s.getChild("replace", NS_CORRECT) !== undefined);
    expect(correction.attrs.from).toBe(`${ROOM}/Bob`);
    expect(correction.getChildText("body")).toBe("Coffee?");
    expect(correction.getChild("replace", NS_CORRECT)?.attrs.id).toBe(original.attrs.id);
    expect(correction.attrs.id).not.toBe(original.attrs.id);
    expect(h.store.archive.query(USER, "coffee").map((e) => e.body)).toEqual(["Cofee?", "Coffee?"]);
  });

  it("a deletion becomes a retraction of the original's stanza-id, with its fallback and a store hint (XEP-0424)", async () => {
    const h = await joined();
    const original = await fromBob(h, "oops, wrong room", "L-1");
    const bob = (await room(h, "coffee")).getParticipantByLegacyId("u-bob")!;
    expect(await bob.retract("L-1")).toBe(true);
    const retraction = await h.component.nextSent((s) => s.is("message") && s.getChild("retract", NS_RETRACT) !== undefined);
    expect(retraction.getChild("retract", NS_RETRACT)?.attrs.id).toBe(stanzaIdOf(original));
    expect(retraction.getChild("fallback", NS_FALLBACK)?.attrs.for).toBe(NS_RETRACT);
    expect(retraction.getChild("store", "urn:xmpp:hints")).toBeDefined();
    expect(retraction.getChildText("body")).toMatch(/retracted/);
    // A message the gateway never archived, or someone else's: nothing to retract or correct, nothing sent.
    const carol = await (await room(h, "coffee")).getParticipant("Carol", { legacyId: "u-carol" });
    await carol.sendText("Carol's own", "L-C");
    await h.component.nextSent((s) => s.is("message") && s.getChildText("body") === "Carol's own");
    const before = h.component.sent.length;
    expect(await bob.retract("L-unknown")).toBe(false);
    expect(await bob.retract("L-C")).toBe(false);
    expect(await bob.correct("L-C", "not yours")).toBe(false);
    expect(await bob.correct("L-unknown", "unknown")).toBe(false);
    expect(h.component.sent.length).toBe(before);
  });
});

describe("reactions (XEP-0444)", () => {
  it("a legacy participant's reactions reach the user: all of them, to the original's stanza-id, stored, no body", async () => {
    const h = await joined();
    const original = await fromBob(h, "Coffee?", "L-1");
    const carol = await (await room(h, "coffee")).getParticipant("Carol", { legacyId: "u-carol" });
    expect(await carol.react("L-1", ["👍", "☕"])).toBe(true);
    const reactions = await h.component.nextSent((s) => s.is("message") && s.getChild("reactions", NS_REACTIONS) !== undefined);
    expect(reactions.attrs.from).toBe(`${ROOM}/Carol`);
    const el = reactions.getChild("reactions", NS_REACTIONS)!;
    expect(el.attrs.id).toBe(stanzaIdOf(original));
    expect(el.getChildren("reaction").map((r) => r.text())).toEqual(["👍", "☕"]);
    expect(reactions.getChild("store", "urn:xmpp:hints")).toBeDefined();
    expect(reactions.getChild("body")).toBeUndefined();
    // Taken back: an empty <reactions/>.
    await carol.react("L-1", []);
    const none = await h.component.nextSent((s) => s.is("message") && s.getChild("reactions", NS_REACTIONS)?.getChildren("reaction").length === 0);
    expect(none.getChild("reactions", NS_REACTIONS)?.attrs.id).toBe(stanzaIdOf(original));
    // A message the gateway never archived: nothing sent.
    const before = h.component.sent.length;
    expect(await carol.react("L-unknown", ["👍"])).toBe(false);
    expect(h.component.sent.length).toBe(before);
  });

  it("the user's reactions to anyone's message reach onReact with its legacy id; the reflection carries them", async () => {
    const h = await joined();
    const original = await fromBob(h, "Coffee?", "L-1");
    const reflection = await fromUser(h, "re1", `<reactions xmlns='${NS_REACTIONS}' id='${stanzaIdOf(original)}'><reaction>👍</reaction></reactions><store xmlns='urn:xmpp:hints'/>`);
    expect(h.net.calls.onReact).toEqual([{ room: "coffee", legacyId: "L-1", emojis: ["👍"], xmppId: "re1" }]);
    expect(reflection.getChild("reactions", NS_REACTIONS)?.getChildren("reaction").map((r) => r.text())).toEqual(["👍"]);
    expect(reflection.getChild("body")).toBeUndefined();
    expect(reflection.getChild("stanza-id", NS_SID)?.attrs.by).toBe(ROOM);
    await fromUser(h, "re2", `<reactions xmlns='${NS_REACTIONS}' id='${stanzaIdOf(original)}'/>`);
    expect(h.net.calls.onReact.at(-1)).toEqual({ room: "coffee", legacyId: "L-1", emojis: [], xmppId: "re2" });
    expect(h.net.calls.onText).toEqual([]);
    expect(errorCondition(await fromUser(h, "re3", `<reactions xmlns='${NS_REACTIONS}' id='nope'><reaction>👍</reaction></reactions>`))).toBe("item-not-found");
  });
});

describe("moderation (XEP-0425)", () => {
  const moderate = (id: string, reason?: string) =>
    `<iq type='set' id='mod-${Math.random()}' from='${TO}' to='${ROOM}'><moderate xmlns='${NS_MODERATE}' id='${id}'><retract xmlns='${NS_RETRACT}'/>${reason ? `<reason>${reason}</reason>` : ""}</moderate></iq>`;

  it("the user, a moderator, retracts Bob's message: onModerate, then the room announces it by the user", async () => {
    const h = await joined();
    const muc = await room(h, "coffee");
    const me = await muc.getUserParticipant();
    await me.setRole("moderator");
    const original = await fromBob(h, "DM me for free magic potions!", "L-1");
    const answer = await request(h, moderate(stanzaIdOf(original), "spam"));
    expect(answer.attrs.type).toBe("result");
    expect(h.net.calls.onModerate).toEqual([{ room: "coffee", legacyId: "L-1", reason: "spam" }]);
    const notice = h.component.sent.find((s) => s.is("message") && s.getChild("retract", NS_RETRACT) !== undefined)!;
    expect(notice.attrs.from).toBe(ROOM);
    const retract = notice.getChild("retract", NS_RETRACT)!;
    expect(retract.attrs.id).toBe(stanzaIdOf(original));
    expect(retract.getChildText("reason")).toBe("spam");
    const moderated = retract.getChild("moderated", NS_MODERATE)!;
    expect(moderated.attrs.by).toBe(`${ROOM}/${me.nick}`);
    expect(moderated.getChild("occupant-id", "urn:xmpp:occupant-id:0")?.attrs.id).toBe(me.occupantId);
  });

  it("refused: not a moderator (forbidden), an unknown message (item-not-found)", async () => {
    const h = await joined();
    const original = await fromBob(h, "hello", "L-1");
    const me = await (await room(h, "coffee")).getUserParticipant();
    expect(me.role).not.toBe("moderator");
    expect(errorCondition(await request(h, moderate(stanzaIdOf(original))))).toBe("forbidden");
    await me.setRole("moderator");
    expect(errorCondition(await request(h, moderate("nope")))).toBe("item-not-found");
    expect(h.net.calls.onModerate).toEqual([]);
  });

  it("a legacy moderator's deletion of someone's message: the room announces it by that moderator", async () => {
    const h = await joined();
    const carols = await (await (await room(h, "coffee")).getParticipant("Carol", { legacyId: "u-carol" })).sendText("oops", "L-9");
    const original = await h.component.nextSent((s) => s.is("message") && s.attrs.id === carols);
    const bob = await (await room(h, "coffee")).getParticipant("Bob", { legacyId: "u-bob" });
    expect(await bob.moderate("L-9", "off topic")).toBe(true);
    const notice = await h.component.nextSent((s) => s.is("message") && s.getChild("retract", NS_RETRACT) !== undefined);
    expect(notice.attrs.from).toBe(ROOM);
    expect(notice.getChild("retract", NS_RETRACT)?.attrs.id).toBe(stanzaIdOf(original));
    expect(notice.getChild("retract", NS_RETRACT)?.getChild("moderated", NS_MODERATE)?.attrs.by).toBe(`${ROOM}/Bob`);
    expect(await bob.moderate("L-unknown")).toBe(false);
  });
});

describe("from the user", () => {
  it("a reply reaches the module without its quote, with the legacy id replied to; the reflection keeps both", async () => {
    const h = await joined();
    const original = await fromBob(h, "Coffee?", "L-1");
    const quote = "> Bob wrote:\n> Coffee?\n";
    const reflection = await fromUser(
      h,
      "r1",
      `<body>${quote}Yes please</body><reply xmlns='${NS_REPLY}' to='${ROOM}/Bob' id='${stanzaIdOf(original)}'/>` +
        `<fallback xmlns='${NS_FALLBACK}' for='${NS_REPLY}'><body start='0' end='${[...quote].length}'/></fallback>`,
    );
    expect(h.net.calls.onText.at(-1)).toMatchObject({ text: "Yes please", replyTo: "L-1", xmppId: "r1" });
    expect(reflection.getChildText("body")).toBe(`${quote}Yes please`);
    expect(reflection.getChild("reply", NS_REPLY)?.attrs.id).toBe(stanzaIdOf(original));
    expect(reflection.getChild("fallback", NS_FALLBACK)).toBeDefined();
    expect(reflection.getChild("stanza-id", NS_SID)?.attrs.by).toBe(ROOM);
  });

  it("a reply to a message the gateway does not know keeps its quote for the legacy side, without replyTo", async () => {
    const h = await joined();
    const quote = "> Someone wrote:\n> long ago\n";
    await fromUser(
      h,
      "r2",
      `<body>${quote}I agree</body><reply xmlns='${NS_REPLY}' to='${ROOM}/Bob' id='unknown-stanza-id'/>` +
        `<fallback xmlns='${NS_FALLBACK}' for='${NS_REPLY}'><body start='0' end='${[...quote].length}'/></fallback>`,
    );
    const call = h.net.calls.onText.at(-1)!;
    expect(call.text).toBe(`${quote}I agree`);
    expect(call.replyTo).toBeUndefined();
  });

  it("says which occupants the text mentions, as whole words", async () => {
    const h = await joined();
    await fromUser(h, "m1", "<body>thanks Bob, and Carol too (not Bobby)</body>");
    expect(h.net.calls.onText.at(-1)?.mentions).toEqual(["Bob", "Carol"]);
    await fromUser(h, "m2", "<body>Bobcat and CarolineX</body>");
    expect(h.net.calls.onText.at(-1)?.mentions).toEqual([]);
  });

  it("a correction of one's own message reaches onCorrect with the legacy id; the reflection carries the <replace/>", async () => {
    const h = await joined();
    await fromUser(h, "u1", "<body>helo</body>");
    const legacyId = "legacy-1"; // what the test module's onText returned
    const reflection = await fromUser(h, "u2", `<body>hello Bob</body><replace xmlns='${NS_CORRECT}' id='u1'/>`);
    expect(h.net.calls.onCorrect).toEqual([{ room: "coffee", legacyId, text: "hello Bob", xmppId: "u2", mentions: ["Bob"] }]);
    expect(h.net.calls.onText.map((c) => c.text)).toEqual(["helo"]);
    expect(reflection.attrs.type).toBe("groupchat");
    expect(reflection.getChild("replace", NS_CORRECT)?.attrs.id).toBe("u1");
  });

  it("a retraction of one's own message reaches onRetract; the reflection carries the <retract/>", async () => {
    const h = await joined();
    const mine = await fromUser(h, "u1", "<body>wrong room</body>");
    const reflection = await fromUser(
      h,
      "u2",
      `<retract xmlns='${NS_RETRACT}' id='${stanzaIdOf(mine)}'/><fallback xmlns='${NS_FALLBACK}' for='${NS_RETRACT}'/><body>/me retracted a message</body><store xmlns='urn:xmpp:hints'/>`,
    );
    expect(h.net.calls.onRetract).toEqual([{ room: "coffee", legacyId: "legacy-1", xmppId: "u2" }]);
    expect(reflection.getChild("retract", NS_RETRACT)?.attrs.id).toBe(stanzaIdOf(mine));
    expect(reflection.getChild("store", "urn:xmpp:hints")).toBeDefined();
  });

  it("someone else's message cannot be corrected or retracted (forbidden); an unknown one is item-not-found", async () => {
    const h = await joined();
    const bobs = await fromBob(h, "mine, not yours", "L-1");
    expect(errorCondition(await fromUser(h, "x1", `<body>edited</body><replace xmlns='${NS_CORRECT}' id='${bobs.attrs.id as string}'/>`))).toBe("forbidden");
    expect(errorCondition(await fromUser(h, "x2", `<retract xmlns='${NS_RETRACT}' id='${stanzaIdOf(bobs)}'/>`))).toBe("forbidden");
    expect(errorCondition(await fromUser(h, "x3", `<body>edited</body><replace xmlns='${NS_CORRECT}' id='nope'/>`))).toBe("item-not-found");
    expect(errorCondition(await fromUser(h, "x4", `<retract xmlns='${NS_RETRACT}' id='nope'/>`))).toBe("item-not-found");
    expect(h.net.calls.onCorrect).toEqual([]);
    expect(h.net.calls.onRetract).toEqual([]);
  });

  it("a module refusing the edit: the user gets its error, and nothing is reflected", async () => {
    const net = new TestNetwork();
    net.editError = new Error("too late to edit");
    const h = await joined(net);
    await fromUser(h, "u1", "<body>helo</body>");
    const reply = await fromUser(h, "u2", `<body>hello</body><replace xmlns='${NS_CORRECT}' id='u1'/>`);
    expect(reply.attrs.type).toBe("error");
    expect(h.store.archive.query(USER, "coffee").map((e) => e.body)).toEqual(["helo"]);
  });
});

describe("tombstones (XEP-0424 §5, XEP-0425 §5): a retracted message is no longer served", () => {
  /** The archived message with this stanza-id, as MAM and history serve it. */
  function archived(h: Harness, stanzaId: string): Element {
    return parseXml(h.store.archive.get(USER, "coffee", stanzaId)!.xml);
  }

  it("the user's own retraction: the original becomes <retracted id stamp/>, no body; the retraction is archived too", async () => {
    const h = await joined();
    const mine = await fromUser(h, "u1", "<body>wrong room</body>");
    await fromUser(h, "u2", `<retract xmlns='${NS_RETRACT}' id='${stanzaIdOf(mine)}'/><body>/me retracted a message</body>`);
    await settle(h);
    const stone = archived(h, stanzaIdOf(mine));
    expect(stone.getChild("body")).toBeUndefined();
    expect(stone.getChild("retracted", NS_RETRACT)?.attrs.id).toBe("u2");
    expect(stone.getChild("retracted", NS_RETRACT)?.attrs.stamp).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(stone.getChild("stanza-id", NS_SID)?.attrs.id).toBe(stanzaIdOf(mine));
    expect(h.store.archive.query(USER, "coffee").map((e) => e.body)).toEqual(["", "/me retracted a message"]);
    // A later join's history carries the tombstone, not the text.
    const history = await join(h, "coffee", { resource: "later", history: "<history maxstanzas='10'/>" });
    expect(history.some((m) => m.getChildText("body") === "wrong room")).toBe(false);
  });

  it("a legacy author's retraction and a moderation likewise, the moderation's with <moderated/> and the reason", async () => {
    const h = await joined();
    const first = await fromBob(h, "oops", "L-1");
    const second = await fromBob(h, "spam", "L-2");
    const bob = (await room(h, "coffee")).getParticipantByLegacyId("u-bob")!;
    await bob.retract("L-1");
    expect(archived(h, stanzaIdOf(first)).getChild("body")).toBeUndefined();
    expect(archived(h, stanzaIdOf(first)).getChild("retracted", NS_RETRACT)).toBeDefined();
    const carol = await (await room(h, "coffee")).getParticipant("Carol", { legacyId: "u-carol" });
    await carol.moderate("L-2", "no spam");
    const stone = archived(h, stanzaIdOf(second));
    expect(stone.getChild("body")).toBeUndefined();
    const retracted = stone.getChild("retracted", NS_RETRACT)!;
    expect(retracted.getChildText("reason")).toBe("no spam");
    expect(retracted.getChild("moderated", NS_MODERATE)?.attrs.by).toBe(`${ROOM}/Carol`);
    expect(stone.getChild("occupant-id", "urn:xmpp:occupant-id:0")?.attrs.id).toBe(bob.occupantId);
  });
});

describe("announcing the features", () => {
  async function features(h: Harness): Promise<string[]> {
    const reply = await request(h, `<iq type='get' id='di' from='${TO}' to='${ROOM}'><query xmlns='${NS_DISCO_INFO}'/></iq>`);
    return discoInfoQuery.decode(reply.getChild("query", NS_DISCO_INFO)!).features;
  }

  it("replies always; corrections, retractions, reactions and moderation when the module handles them", async () => {
    const h = await startGateway();
    expect(await features(h)).toEqual(expect.arrayContaining([NS_REPLY, NS_CORRECT, NS_RETRACT, NS_REACTIONS, NS_MODERATE, `${NS_RETRACT}#tombstone`]));
  });

  it("a module without onCorrect, onRetract, onReact and onModerate: not announced, and refused with feature-not-implemented", async () => {
    const net = new TestNetwork();
    net.edits = false;
    const h = await joined(net);
    const f = await features(h);
    expect(f).toContain(NS_REPLY);
    expect(f).not.toContain(NS_CORRECT);
    expect(f).not.toContain(NS_RETRACT);
    expect(f).not.toContain(NS_REACTIONS);
    expect(f).not.toContain(NS_MODERATE);
    const mine = await fromUser(h, "u1", "<body>helo</body>");
    expect(errorCondition(await fromUser(h, "u2", `<body>hello</body><replace xmlns='${NS_CORRECT}' id='u1'/>`))).toBe("feature-not-implemented");
    expect(errorCondition(await fromUser(h, "u3", `<retract xmlns='${NS_RETRACT}' id='${stanzaIdOf(mine)}'/>`))).toBe("feature-not-implemented");
    expect(errorCondition(await fromUser(h, "u4", `<reactions xmlns='${NS_REACTIONS}' id='${stanzaIdOf(mine)}'><reaction>👍</reaction></reactions>`))).toBe("feature-not-implemented");
    await (await (await room(h, "coffee")).getUserParticipant()).setRole("moderator");
    const moderation = await request(
      h,
      `<iq type='set' id='m1' from='${TO}' to='${ROOM}'><moderate xmlns='${NS_MODERATE}' id='${stanzaIdOf(mine)}'><retract xmlns='${NS_RETRACT}'/></moderate></iq>`,
    );
    expect(errorCondition(moderation)).toBe("feature-not-implemented");
  });
});
