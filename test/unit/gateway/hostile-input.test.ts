/**
 * Stanzas and legacy data the gateway cannot take as they are: IQs without
 * an id, stanzas without a from or a to, stanzas to another domain than the
 * gateway's, and legacy group ids that make no room JID. Each is dropped
 * (with a debug line) or refused with a typed error, without a failed
 * handling or a failed login. A flood of one user's stanzas is refused
 * beyond a bound, and holds no other user.
 */
import { afterEach, describe, expect, it } from "vitest";
import type { Element } from "@xmpp/xml";
import { MucType } from "../../../src/gateway/index.js";
import { MAX_QUEUED_STANZAS } from "../../../src/gateway/stanza-router.js";
import { GW, NS_DISCO_INFO, RES, USER, TestNetwork, closeStores, handlingFailures, join, recordingLogger, request, settle, startGateway, type Harness, type LogLine } from "./helpers.js";

afterEach(closeStores);

const TO = `${USER}/${RES}`;
const ROOM = `coffee@${GW}`;

/** What the gateway sent since `start`, but the answers to `settle`. */
function sentSince(h: Harness, start: number): Element[] {
  return h.component.sent.slice(start).filter((s) => !String(s.attrs.id ?? "").startsWith("settle-"));
}

const debugLines = (lines: readonly LogLine[], text: string): LogLine[] => lines.filter((l) => l.level === "debug" && l.message.includes(text));

describe("an IQ request without an id", () => {
  it.each([GW, ROOM, `${ROOM}/romeo`, `nobody@${GW}`])("to %s is dropped with a debug line, never answered with an id-less result or error", async (to) => {
    const { logger, lines } = recordingLogger();
    const h = await startGateway({ logger });
    await join(h, "coffee");
    const start = h.component.sent.length;
    h.component.receive(`<iq type='get' from='${TO}' to='${to}'><query xmlns='${NS_DISCO_INFO}'/></iq>`);
    h.component.receive(`<iq type='get' from='${TO}' to='${to}'><ping xmlns='urn:xmpp:ping'/></iq>`);
    h.component.receive(`<iq type='set' from='${TO}' to='${to}'><query xmlns='http://jabber.org/protocol/muc#admin'><item nick='Carol' role='none'/></query></iq>`);
    h.component.receive(`<iq type='bogus' from='${TO}' to='${to}'><query xmlns='${NS_DISCO_INFO}'/></iq>`);
    await settle(h);
    expect(sentSince(h, start)).toEqual([]);
    expect(debugLines(lines, "without an id")).toHaveLength(4);
    expect(h.net.calls.onKick).toEqual([]);
  });
});

describe("a stanza without a from or a to", () => {
  it("is dropped with the 'invalid from or to' debug line: no JID 'undefined' is made up", async () => {
    const { logger, lines } = recordingLogger();
    const h = await startGateway({ logger });
    await join(h, "coffee");
    const start = h.component.sent.length;
    h.component.receive(`<iq type='get' id='no-from' to='${GW}'><query xmlns='${NS_DISCO_INFO}'/></iq>`);
    h.component.receive(`<iq type='get' id='no-to' from='${TO}'><query xmlns='${NS_DISCO_INFO}'/></iq>`);
    // Without a to, a chat command would have been answered by the "gateway" undefined.
    h.component.receive(`<message type='chat' id='no-to-message' from='${TO}'><body>help</body></message>`);
    h.component.receive(`<message type='groupchat' id='no-from-message' to='${ROOM}'><body>who am I</body></message>`);
    await settle(h);
    expect(sentSince(h, start)).toEqual([]);
    expect(debugLines(lines, "invalid from or to")).toHaveLength(4);
    expect(h.net.calls.onText).toEqual([]);
    expect(handlingFailures(lines)).toEqual([]);
  });
});

describe("a stanza to another domain than the gateway's", () => {
  it("reaches no room, contact or the gateway itself; dropped with a debug line", async () => {
    const { logger, lines } = recordingLogger();
    const h = await startGateway({ logger });
    await join(h, "coffee");
    const start = h.component.sent.length;
    h.component.receive(`<message type='groupchat' id='fd1' from='${TO}' to='coffee@other.example'><body>to a foreign domain</body></message>`);
    h.component.receive(`<iq type='get' id='fd2' from='${TO}' to='other.example'><query xmlns='${NS_DISCO_INFO}'/></iq>`);
    h.component.receive(`<presence id='fd3' from='${TO}' to='coffee@other.example/romeo'><x xmlns='http://jabber.org/protocol/muc'/></presence>`);
    await settle(h);
    expect(sentSince(h, start)).toEqual([]);
    expect(h.net.calls.onText).toEqual([]);
    expect(debugLines(lines, "not of this gateway's domain")).toHaveLength(3);
  });

  it("the gateway's own domain is compared without regard to case", async () => {
    const h = await startGateway();
    await join(h, "coffee");
    const reply = await request(h, `<message type='groupchat' id='uc1' from='${TO}' to='coffee@${GW.toUpperCase()}'><body>shouting</body></message>`);
    expect(reply.attrs.type).toBe("groupchat");
    expect(h.net.calls.onText.map((c) => c.text)).toEqual(["shouting"]);
  });
});

describe("a legacy group id too long for a room JID", () => {
  const LONG = "y".repeat(1100);

  it("gets a short JID of its own (the id's start and a hash), found again by that JID and kept across a restart", async () => {
    const h = await startGateway();
    const session = h.gateway.getSession(USER);
    if (!session) throw new Error("no session");
    const muc = await session.bookmarks.byLegacyId(LONG);
    expect(muc.jid.local).toMatch(/^y{48}-[0-9a-f]{16}$/);
    expect(muc.jid.domain).toBe(h.gateway.jid.domain);
    expect(await session.bookmarks.byJid(muc.jid)).toBe(muc);
    expect(h.store.rooms.get(USER, LONG)?.local).toBe(muc.jid.local);
    // A restart on the same store: the JID leads to the group still.
    await h.gateway.stop();
    const again = await startGateway({ net: h.net, store: h.store });
    const restored = await again.gateway.getSession(USER)?.bookmarks.byJid(muc.jid);
    expect(restored?.legacyId).toBe(LONG);
    expect(restored?.jid.toString()).toBe(muc.jid.toString());
  });

  it("listed by fill() at login: every group is a room, and the user joins the long one by its short JID", async () => {
    const net = new TestNetwork();
    net.groups = { ok: { type: MucType.GROUP, name: "OK" }, [LONG]: { type: MucType.GROUP, name: "Long" }, after: { type: MucType.GROUP, name: "After" } };
    const h = await startGateway({ net });
    const session = h.gateway.getSession(USER);
    expect(session?.loggedIn).toBe(true);
    expect(session?.bookmarks.rooms.map((m) => m.legacyId).sort()).toEqual(["after", "ok", LONG].sort());
    const long = session?.bookmarks.rooms.find((m) => m.legacyId === LONG);
    await join(h, long?.jid.local ?? "");
  });
});


describe("a flood of one user's stanzas", () => {
  it("beyond MAX_QUEUED_STANZAS waiting, each is refused with resource-constraint (wait), an unavailable presence still waits; other users are not held", async () => {
    const JULIET = "juliet@capulet.lit";
    const net = new TestNetwork();
    const h = await startGateway({ net, users: [USER, JULIET] });
    await join(h, "coffee");
    await join(h, "coffee", { user: JULIET, resource: "balcony", nick: "juliet" });
    // A slow legacy network holds romeo's queue while the flood comes in.
    net.textDelayMs = (text) => (text === "hold" ? 500 : 0);
    const start = h.component.sent.length;
    h.component.receive(`<message type='groupchat' from='${TO}' to='${ROOM}' id='hold'><body>hold</body></message>`);
    const extra = 3;
    for (let i = 0; i < MAX_QUEUED_STANZAS + extra; i++) h.component.receive(`<message type='groupchat' from='${TO}' to='${ROOM}' id='f${i}'><body>${i}</body></message>`);
    h.component.receive(`<presence type='unavailable' from='${USER}/elsewhere' to='${ROOM}/romeo'/>`);
    const refused = sentSince(h, start).filter((s) => s.attrs.type === "error");
    // The held message and MAX_QUEUED_STANZAS - 1 of the flood wait; the rest is refused at once.
    expect(refused.map((s) => s.attrs.id)).toEqual(Array.from({ length: extra + 1 }, (_, k) => `f${MAX_QUEUED_STANZAS - 1 + k}`));
    expect(refused.every((s) => s.getChild("error")?.attrs.type === "wait" && s.getChild("error")?.getChild("resource-constraint") !== undefined)).toBe(true);
    // Juliet's queue is her own.
    h.component.receive(`<message type='groupchat' from='${JULIET}/balcony' to='${ROOM}' id='j1'><body>still here</body></message>`);
    await h.component.nextSent((s) => s.attrs.id === "j1" && s.attrs.to === `${JULIET}/balcony`, 300);
    expect(net.calls.onTextDone).not.toContain("hold");
    // The queue drains: the last stanza it took is reflected.
    await h.component.nextSent((s) => s.attrs.id === `f${MAX_QUEUED_STANZAS - 2}` && s.attrs.to === TO, 5_000);
    expect(net.calls.onText.filter((c) => c.xmppId.startsWith("f") || c.xmppId === "hold")).toHaveLength(MAX_QUEUED_STANZAS);
  });
});
