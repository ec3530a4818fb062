/**
 * Chat states (XEP-0085), markers (XEP-0333) and threads in a gateway room,
 * both ways (transcripts on the mock component): the user's → the session's
 * hooks, reflected to the user's resources; a participant's `composing()`,
 * `displayed(legacyMsgId)` … → groupchat messages from its occupant; a
 * `<thread/>` carried through `onText` and `sendText`.
 */
import { afterEach, describe, expect, it } from "vitest";
import type { Element } from "@xmpp/xml";
import { BaseSession, type AttentionOptions, type LegacyMUC } from "../../../src/gateway/index.js";
import { GW, RES, USER, TestNetwork, closeStores, join, room, settle, startGateway } from "./helpers.js";

const FULL = `${USER}/${RES}`;
const STATES = "http://jabber.org/protocol/chatstates";
const MARKERS = "urn:xmpp:chat-markers:0";

afterEach(() => closeStores());

/** A test network whose session records the chat state and marker hooks. */
function attentiveNetwork(): { net: TestNetwork; seen: string[] } {
  const net = new TestNetwork();
  const seen: string[] = [];
  const module = net.module();
  const Base = module.Session as typeof BaseSession;
  class Attentive extends Base {
    override async onComposing(chat: LegacyMUC, o: AttentionOptions) {
      seen.push(`composing ${chat.legacyId} ${o.thread ?? "-"}`);
    }
    override async onPaused(chat: LegacyMUC) {
      seen.push(`paused ${chat.legacyId}`);
    }
    override async onDisplayed(chat: LegacyMUC, legacyMsgId: string) {
      seen.push(`displayed ${chat.legacyId} ${legacyMsgId}`);
    }
  }
  net.module = () => ({ ...module, Session: Attentive });
  return { net, seen };
}

describe("markAllMessages (slidge's MARK_ALL_MESSAGES)", () => {
  it("a displayed marker marks every unread message of others up to it, oldest first; without it, only the one named", async () => {
    for (const all of [true, false]) {
      const { net, seen } = attentiveNetwork();
      const h = await startGateway({ net });
      h.gateway.markAllMessages = all;
      await join(h, "coffee");
      const muc = await room(h, "coffee");
      const bob = muc.getParticipantByNick("Bob");
      if (!bob) throw new Error("no Bob");
      for (const id of ["L-1", "L-2", "L-3"]) await bob.sendText(`message ${id}`, id);
      const stanzaIdOf = (body: string): string =>
        (h.component.sent.find((s) => s.is("message") && s.getChildText("body") === body && s.attrs.to === FULL) as Element).getChild("stanza-id", "urn:xmpp:sid:0")?.attrs.id as string;
      h.component.receive(`<message from='${FULL}' to='coffee@${GW}' type='groupchat' id='m1'><displayed xmlns='${MARKERS}' id='${stanzaIdOf("message L-2")}'/></message>`);
      h.component.receive(`<message from='${FULL}' to='coffee@${GW}' type='groupchat' id='m2'><displayed xmlns='${MARKERS}' id='${stanzaIdOf("message L-3")}'/></message>`);
      await settle(h);
      expect(seen).toEqual(all ? ["displayed coffee L-1", "displayed coffee L-2", "displayed coffee L-3"] : ["displayed coffee L-2", "displayed coffee L-3"]);
      closeStores();
    }
  });
});

describe("the user's chat states and markers", () => {
  it("reach the hooks (a marker by the legacy id of the message its stanza-id names) and are reflected, not archived", async () => {
    const { net, seen } = attentiveNetwork();
    const h = await startGateway({ net });
    await join(h, "coffee");
    await join(h, "coffee", { resource: "balcony" });
    const muc = await room(h, "coffee");
    const bob = muc.getParticipantByNick("Bob");
    if (!bob) throw new Error("no Bob");
    await bob.sendText("Fresh beans today", "L-7");
    const delivered = h.component.sent.find((s) => s.is("message") && s.getChildText("body") === "Fresh beans today" && s.attrs.to === FULL) as Element;
    const stanzaId = delivered.getChild("stanza-id", "urn:xmpp:sid:0")?.attrs.id as string;
    const start = h.component.sent.length;
    h.component.receive(`<message from='${FULL}' to='coffee@${GW}' type='groupchat' id='cs1'><composing xmlns='${STATES}'/><thread>t-1</thread></message>`);
    h.component.receive(`<message from='${FULL}' to='coffee@${GW}' type='groupchat' id='cs2'><paused xmlns='${STATES}'/></message>`);
    h.component.receive(`<message from='${FULL}' to='coffee@${GW}' type='groupchat' id='mk1'><displayed xmlns='${MARKERS}' id='${stanzaId}'/></message>`);
    // A marker of a message the archive does not know reaches no hook.
    h.component.receive(`<message from='${FULL}' to='coffee@${GW}' type='groupchat' id='mk2'><displayed xmlns='${MARKERS}' id='unknown'/></message>`);
    await settle(h);
    expect(seen).toEqual(["composing coffee t-1", "paused coffee", `displayed coffee L-7`]);
    const reflected = h.component.sent.slice(start).filter((s) => s.is("message") && s.attrs.from === `coffee@${GW}/romeo`);
    expect(reflected.filter((s) => s.getChild("composing", STATES)).map((s) => s.attrs.to).sort()).toEqual([`${USER}/balcony`, FULL]);
    for (const s of reflected) expect(s.getChild("stanza-id", "urn:xmpp:sid:0")).toBeUndefined();
    expect(h.store.archive.query(USER, "coffee").some((e) => e.xml.includes(STATES) || e.xml.includes(MARKERS))).toBe(false);
  });

  it("a module without the hooks: nothing fails", async () => {
    const h = await startGateway();
    await join(h, "coffee");
    h.component.receive(`<message from='${FULL}' to='coffee@${GW}' type='groupchat' id='cs3'><composing xmlns='${STATES}'/></message>`);
    await settle(h);
    expect(h.component.sent.some((s) => s.attrs.id === "cs3" && s.attrs.type === "error")).toBe(false);
  });
});

describe("a participant's chat states and markers", () => {
  it("composing() and displayed(legacyMsgId): from its occupant, the marker naming the message's stanza-id; an unknown message is false", async () => {
    const h = await startGateway();
    await join(h, "coffee");
    const muc = await room(h, "coffee");
    const bob = muc.getParticipantByNick("Bob");
    const carol = muc.getParticipantByNick("Carol");
    if (!bob || !carol) throw new Error("no Bob or Carol");
    await bob.sendText("Anyone?", "L-8");
    const original = h.component.sent.find((s) => s.getChildText("body") === "Anyone?") as Element;
    const typing = h.component.nextSent((s) => s.is("message") && s.getChild("composing", STATES) !== undefined);
    await carol.composing();
    const t = await typing;
    expect(t.attrs).toMatchObject({ from: `coffee@${GW}/Carol`, to: FULL, type: "groupchat" });
    expect(t.getChild("body")).toBeUndefined();
    expect(t.getChild("no-store", "urn:xmpp:hints")).toBeDefined();
    const read = h.component.nextSent((s) => s.is("message") && s.getChild("displayed", MARKERS) !== undefined);
    expect(await carol.displayed("L-8")).toBe(true);
    expect((await read).getChild("displayed", MARKERS)?.attrs.id).toBe(original.getChild("stanza-id", "urn:xmpp:sid:0")?.attrs.id);
    expect(await carol.displayed("no-such")).toBe(false);
  });
});

describe("threads", () => {
  it("the user's <thread/> reaches onText; a participant's thread is in its message and in the archive", async () => {
    const h = await startGateway();
    await join(h, "coffee");
    h.component.receive(`<message from='${FULL}' to='coffee@${GW}' type='groupchat' id='th1'><body>In the thread</body><thread>t-9</thread></message>`);
    await settle(h);
    expect(h.net.calls.onText.at(-1)).toMatchObject({ text: "In the thread", thread: "t-9" });
    const reflected = h.component.sent.find((s) => s.attrs.id === "th1" && s.attrs.to === FULL);
    expect(reflected?.getChildText("thread")).toBe("t-9");
    const bob = (await room(h, "coffee")).getParticipantByNick("Bob");
    if (!bob) throw new Error("no Bob");
    await bob.sendText("Reply in thread", "L-9", { thread: "t-9" });
    const m = h.component.sent.find((s) => s.getChildText("body") === "Reply in thread");
    expect(m?.getChildText("thread")).toBe("t-9");
    expect(h.store.archive.query(USER, "coffee").find((e) => e.body === "Reply in thread")?.xml).toContain("<thread>t-9</thread>");
  });

  it("a participant's correction, retraction and reactions carry the thread; the user's retraction and reactions give it to the hooks", async () => {
    const h = await startGateway();
    await join(h, "coffee");
    const bob = (await room(h, "coffee")).getParticipantByNick("Bob");
    if (!bob) throw new Error("no Bob");
    await bob.sendText("Threaded", "L-20", { thread: "t-2" });
    const start = h.component.sent.length;
    expect(await bob.correct("L-20", "Threaded!", { thread: "t-2" })).toBe(true);
    expect(await bob.react("L-20", ["👍"], { thread: "t-2" })).toBe(true);
    expect(await bob.retract("L-20", { thread: "t-2" })).toBe(true);
    const sent = h.component.sent.slice(start).filter((s) => s.attrs.to === FULL);
    expect(sent.map((s) => s.getChildText("thread"))).toEqual(["t-2", "t-2", "t-2"]);
    // The user's own message, retracted in its thread.
    h.component.receive(`<message from='${FULL}' to='coffee@${GW}' type='groupchat' id='u1'><body>mine</body><thread>t-3</thread></message>`);
    await settle(h);
    const mine = h.component.sent.find((s) => s.attrs.id === "u1" && s.attrs.to === FULL);
    const sid = mine?.getChild("stanza-id", "urn:xmpp:sid:0")?.attrs.id as string;
    h.component.receive(`<message from='${FULL}' to='coffee@${GW}' type='groupchat' id='u2'><retract xmlns='urn:xmpp:message-retract:1' id='${sid}'/><thread>t-3</thread></message>`);
    await settle(h);
    expect(h.net.calls.onRetract.at(-1)).toMatchObject({ xmppId: "u2", thread: "t-3" });
  });
});
