/**
 * The legacy side of a room, as transcripts: what a legacy module makes its
 * participants and rooms do (`sendText`, `leave`, `kick`, `ban`,
 * `changeNick`, `setRole`, `setAffiliation`, `setSubject`, `setInfo`,
 * `removeParticipant`) and the stanzas every joined resource receives.
 */
import { afterEach, describe, expect, it } from "vitest";
import type { Element } from "@xmpp/xml";
import { parseJid } from "../../../src/xso/values.js";
import { canonical, parseXml } from "../../helpers/xml.js";
import {
  closeStores,
  golden,
  GW,
  isXmlText,
  join,
  mucItem,
  NS_DELAY,
  NS_MUC_USER,
  NS_OCCUPANT_ID,
  NS_SID,
  request,
  RES,
  room,
  startGateway,
  statusCodes,
  USER,
} from "./helpers.js";

afterEach(closeStores);

const ROOM = `coffee@${GW}`;
const TO = `${USER}/${RES}`;

/** A gateway with the user joined to `coffee` from two resources; the join stanzas taken. */
async function joinedTwice() {
  const h = await startGateway();
  await join(h, "coffee");
  await join(h, "coffee", { resource: "balcony" });
  h.component.takeSent();
  const muc = await room(h, "coffee");
  return { ...h, muc };
}

describe("LegacyParticipant.sendText", () => {
  it("delivers to every joined resource with the legacy id as id, a stanza-id by the room and the occupant-id; ids map both ways", async () => {
    const { component, muc, gateway } = await joinedTwice();
    const bob = await muc.getParticipant("Bob", { legacyId: "u-bob" });
    const xmppId = await bob.sendText("hello", "lm-1");
    const sent = component.takeSent();
    expect(sent.map((s) => s.attrs.to)).toEqual([TO, `${USER}/balcony`]);
    for (const m of sent) {
      expect(m.attrs).toMatchObject({ from: `${ROOM}/Bob`, type: "groupchat", id: "lm-1" });
      expect(m.getChildText("body")).toBe("hello");
      expect(m.getChild("stanza-id", NS_SID)?.attrs.by).toBe(ROOM);
      expect(m.getChild("occupant-id", NS_OCCUPANT_ID)?.attrs.id).toBe(bob.occupantId);
      expect(m.getChild("delay", NS_DELAY)).toBeUndefined();
    }
    // One stanza-id for the one archived message, the same in both copies.
    expect(sent[0]!.getChild("stanza-id", NS_SID)?.attrs.id).toBe(sent[1]!.getChild("stanza-id", NS_SID)?.attrs.id);
    expect(xmppId).toBe("lm-1");
    const session = gateway.getSession(USER)!;
    expect(session.legacyToXmppMsgId("lm-1")).toBe("lm-1");
    expect(session.xmppToLegacyMsgId("lm-1")).toBe("lm-1");
    // The same legacy id again (an edit, a resend) keeps its XMPP id.
    expect(await bob.sendText("hello again", "lm-1")).toBe("lm-1");
  });

  it("a legacy id reused for someone else's message in the room gets a fresh XMPP id, not the old message's (logged at debug)", async () => {
    const debug: string[] = [];
    const h = await startGateway({ logger: { debug: (message) => debug.push(message), warn() {} } });
    await join(h, "coffee");
    const muc = await room(h, "coffee");
    const bob = await muc.getParticipant("Bob", { legacyId: "u-bob" });
    const carol = await muc.getParticipant("Carol", { legacyId: "u-carol" });
    expect(await bob.sendText("from bob", "lm-1")).toBe("lm-1");
    h.component.takeSent();

    // A legacy network whose counter started again gives Carol's new message Bob's old id.
    const xmppId = await carol.sendText("from carol", "lm-1");
    expect(xmppId).not.toBe("lm-1");
    const [m] = h.component.takeSent();
    expect(m?.attrs).toMatchObject({ id: xmppId, from: `${ROOM}/Carol` });
    expect(debug).toEqual([expect.stringContaining("lm-1")]);
    const session = h.gateway.getSession(USER)!;
    expect(session.legacyToXmppMsgId("lm-1")).toBe(xmppId);
    expect(h.store.archive.query(USER, "coffee").map((e) => [e.body, e.legacyId])).toEqual([
      ["from bob", "lm-1"],
      ["from carol", "lm-1"],
    ]);
    // The id names Carol's message from now on: her correction of it replaces hers.
    expect(await carol.correct("lm-1", "from carol, edited")).toBe(true);
    expect(h.component.takeSent()[0]?.getChild("replace", "urn:xmpp:message-correct:0")?.attrs.id).toBe(xmppId);
    // Her message again (a resend, a replay) keeps its new id, and is neither archived nor delivered again.
    h.component.takeSent();
    expect(await carol.sendText("from carol", "lm-1")).toBe(xmppId);
    expect(h.component.takeSent()).toEqual([]);
    expect(h.store.archive.query(USER, "coffee")).toHaveLength(3); // the two messages and the correction
    expect(debug).toEqual([expect.stringContaining("lm-1"), expect.stringContaining("archived already")]);
  });

  it("adds <delay> only for a message older than now; without a legacy id the id is fresh", async () => {
    const { component, muc } = await joinedTwice();
    const carol = await muc.getParticipant("Carol", { legacyId: "u-carol" });
    await carol.sendText("just now", "lm-now", { when: new Date(Date.now() - 1000) });
    await carol.sendText("yesterday", "lm-old", { when: new Date(Date.now() - 86_400_000) });
    const id = await carol.sendText("no id");
    const [now, , old, , fresh] = component.takeSent();
    expect(now!.getChild("delay", NS_DELAY)).toBeUndefined();
    const delay = old!.getChild("delay", NS_DELAY);
    expect(delay?.attrs.from).toBe(ROOM);
    expect(Date.parse(String(delay?.attrs.stamp))).toBeLessThan(Date.now() - 86_000_000);
    expect(fresh!.attrs.id).toBe(id);
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("archiveOnly archives without delivering", async () => {
    const { component, muc, store } = await joinedTwice();
    const carol = await muc.getParticipant("Carol", { legacyId: "u-carol" });
    await carol.sendText("old news", "lm-archived", { archiveOnly: true, when: new Date("2025-01-01T00:00:00Z") });
    expect(component.takeSent()).toEqual([]);
    const [entry] = store.archive.query(USER, "coffee", { last: true, limit: 1 });
    expect(entry).toMatchObject({ body: "old news", legacyId: "lm-archived", nick: "Carol", when: Date.parse("2025-01-01T00:00:00Z") });
  });

  it("a participant's first message after it was gone is preceded by its presence; later ones are not", async () => {
    const { component, muc } = await joinedTwice();
    const carol = await muc.getParticipant("Carol", { legacyId: "u-carol" });
    await carol.leave();
    component.takeSent();
    await carol.sendText("I am back", "lm-back");
    await carol.sendText("still here", "lm-here");
    const sent = component.takeSent();
    expect(sent.map((s) => `${s.name} ${s.attrs.to}`)).toEqual([
      `presence ${TO}`,
      `presence ${USER}/balcony`,
      `message ${TO}`,
      `message ${USER}/balcony`,
      `message ${TO}`,
      `message ${USER}/balcony`,
    ]);
    expect(sent[0]!.attrs.from).toBe(`${ROOM}/Carol`);
    expect(sent[0]!.attrs.type).toBeUndefined();
    expect(mucItem(sent[0]!)?.attrs.role).toBe("participant");
  });

  it("a participant created while the user is joined is announced at once, before it speaks", async () => {
    const { component, muc } = await joinedTwice();
    const frank = await muc.getParticipant("Frank", { legacyId: "u-frank" });
    await frank.sendText("hi", "lm-f");
    const sent = component.takeSent();
    expect(sent.map((s) => s.name)).toEqual(["presence", "presence", "message", "message"]);
    expect(sent[0]!.getChild("occupant-id", NS_OCCUPANT_ID)?.attrs.id).toBe(frank.occupantId);
  });
});

describe("LegacyParticipant: leaving, kicks, bans, nick, role and affiliation", () => {
  it("leave(): unavailable, role none, no status code", async () => {
    const { component, muc } = await joinedTwice();
    await (await muc.getParticipant("Carol", { legacyId: "u-carol" })).leave();
    const [p] = component.takeSent();
    expect(golden(p!)).toBe(
      golden(
        parseXml(
          `<presence from='${ROOM}/Carol' to='${TO}' type='unavailable'><x xmlns='${NS_MUC_USER}'><item affiliation='member' role='none' jid='carol@legacy.example'/></x><occupant-id xmlns='${NS_OCCUPANT_ID}' id='*'/></presence>`,
        ),
      ),
    );
    expect(muc.getParticipantByNick("Carol")).toBeUndefined();
  });

  it("kick(reason): 307 with the reason", async () => {
    const { component, muc } = await joinedTwice();
    await (await muc.getParticipant("Carol", { legacyId: "u-carol" })).kick("spam");
    const [p] = component.takeSent();
    expect(p!.attrs.type).toBe("unavailable");
    expect(statusCodes(p!)).toEqual([307]);
    expect(mucItem(p!)?.attrs.role).toBe("none");
    expect(mucItem(p!)?.getChildText("reason")).toBe("spam");
  });

  it("ban(reason): 301, affiliation outcast, with the reason", async () => {
    const { component, muc } = await joinedTwice();
    const carol = await muc.getParticipant("Carol", { legacyId: "u-carol" });
    await carol.ban("trolling");
    const [p] = component.takeSent();
    expect(statusCodes(p!)).toEqual([301]);
    expect(mucItem(p!)?.attrs).toMatchObject({ affiliation: "outcast", role: "none" });
    expect(mucItem(p!)?.getChildText("reason")).toBe("trolling");
    expect(carol.affiliation).toBe("outcast");
  });

  it("changeNick: 303 unavailable naming the new nick, then available under it with the same occupant-id", async () => {
    const { component, muc, store } = await joinedTwice();
    const carol = await muc.getParticipant("Carol", { legacyId: "u-carol" });
    await carol.changeNick("Caroline");
    const sent = component.takeSent();
    expect(sent.map((s) => `${s.attrs.type ?? "available"} ${s.attrs.from} ${s.attrs.to}`)).toEqual([
      `unavailable ${ROOM}/Carol ${TO}`,
      `unavailable ${ROOM}/Carol ${USER}/balcony`,
      `available ${ROOM}/Caroline ${TO}`,
      `available ${ROOM}/Caroline ${USER}/balcony`,
    ]);
    expect(statusCodes(sent[0]!)).toEqual([303]);
    expect(mucItem(sent[0]!)?.attrs.nick).toBe("Caroline");
    expect(statusCodes(sent[2]!)).toEqual([]);
    const ids = sent.map((s) => s.getChild("occupant-id", NS_OCCUPANT_ID)?.attrs.id);
    expect(new Set(ids)).toEqual(new Set([carol.occupantId]));
    expect(muc.getParticipantByNick("Caroline")).toBe(carol);
    expect(muc.getParticipantByNick("Carol")).toBeUndefined();
    expect(store.participants.list(USER, "coffee").map((p) => p.nick)).toContain("Caroline");
    expect(store.participants.list(USER, "coffee").map((p) => p.nick)).not.toContain("Carol");
  });

  it("changeNick to a nick another participant has gets a suffix; to the same nick sends nothing", async () => {
    const { component, muc } = await joinedTwice();
    const carol = await muc.getParticipant("Carol", { legacyId: "u-carol" });
    await carol.changeNick("Carol");
    expect(component.takeSent()).toEqual([]);
    await carol.changeNick("Bob");
    expect(carol.nick).toBe("Bob (2)");
    expect(mucItem(component.takeSent()[0]!)?.attrs.nick).toBe("Bob (2)");
  });

  it("setRole and setAffiliation broadcast a presence with the new values", async () => {
    const { component, muc } = await joinedTwice();
    const carol = await muc.getParticipant("Carol", { legacyId: "u-carol" });
    await carol.setRole("moderator");
    await carol.setAffiliation("admin");
    const sent = component.takeSent();
    expect(sent.map((s) => s.attrs.to)).toEqual([TO, `${USER}/balcony`, TO, `${USER}/balcony`]);
    expect(mucItem(sent[0]!)?.attrs).toMatchObject({ role: "moderator", affiliation: "member" });
    expect(mucItem(sent[2]!)?.attrs).toMatchObject({ role: "moderator", affiliation: "admin" });
    for (const p of sent) expect(p.attrs.type).toBeUndefined();
  });
});

describe("the user's own participant", () => {
  it("a nick change from the legacy side carries 110 in both presences, and self-ping follows the new nick", async () => {
    const h = await joinedTwice();
    const { component, muc } = h;
    const me = await muc.getUserParticipant();
    await me.changeNick("Romeo M.");
    const sent = component.takeSent();
    expect(sent.map((s) => `${s.attrs.type ?? "available"} ${s.attrs.from}`)).toEqual([
      `unavailable ${ROOM}/romeo`,
      `unavailable ${ROOM}/romeo`,
      `available ${ROOM}/Romeo M.`,
      `available ${ROOM}/Romeo M.`,
    ]);
    expect(statusCodes(sent[0]!)).toEqual([303, 110]);
    expect(statusCodes(sent[2]!)).toEqual([110]);
    expect(muc.userNick).toBe("Romeo M.");
    const pong = await request(h, `<iq type='get' id='sp1' from='${TO}' to='${ROOM}/Romeo M.'><ping xmlns='urn:xmpp:ping'/></iq>`);
    expect(pong.attrs.type).toBe("result");
  });

  it("a role or affiliation change of the user carries 110", async () => {
    const { component, muc } = await joinedTwice();
    const me = await muc.getUserParticipant();
    await me.setRole("moderator");
    await me.setAffiliation("admin");
    const sent = component.takeSent();
    expect(sent).toHaveLength(4);
    for (const p of sent) {
      expect(p.attrs.from).toBe(`${ROOM}/romeo`);
      expect(statusCodes(p)).toEqual([110]);
    }
    expect(mucItem(sent[3]!)?.attrs).toMatchObject({ role: "moderator", affiliation: "admin" });
  });
});

describe("LegacyMUC: subject, info, removing the user", () => {
  it("setSubject broadcasts the subject from the setter, with a delay", async () => {
    const { component, muc } = await joinedTwice();
    const bob = await muc.getParticipant("Bob", { legacyId: "u-bob" });
    await muc.setSubject("Decaf Friday", { setter: bob, when: new Date("2026-02-01T10:00:00Z") });
    const sent = component.takeSent();
    expect(sent.map((s) => s.attrs.to)).toEqual([TO, `${USER}/balcony`]);
    expect(golden(sent[0]!)).toBe(
      golden(parseXml(`<message from='${ROOM}/Bob' to='${TO}' type='groupchat' id='*'><subject>Decaf Friday</subject><delay xmlns='${NS_DELAY}' stamp='*' from='${ROOM}'/></message>`)),
    );
    expect(sent[0]!.getChild("delay", NS_DELAY)?.attrs.stamp).toBe("2026-02-01T10:00:00Z");
    expect(muc.subject).toBe("Decaf Friday");
    expect(muc.subjectSetter).toBe("Bob");
  });

  it("setSubject without a setter comes from the room", async () => {
    const { component, muc } = await joinedTwice();
    await muc.setSubject("");
    const [m] = component.takeSent();
    expect(m!.attrs.from).toBe(ROOM);
    expect(m!.getChild("subject")?.getText()).toBe("");
  });

  it("setInfo announces a configuration change (status 104) from the room", async () => {
    const { component, muc } = await joinedTwice();
    await muc.setInfo({ name: "Coffee & Tea" });
    const sent = component.takeSent();
    expect(sent).toHaveLength(2);
    expect(sent[0]!.attrs).toMatchObject({ from: ROOM, to: TO, type: "groupchat" });
    expect(statusCodes(sent[0]!)).toEqual([104]);
    expect(sent[0]!.getChild("body")).toBeUndefined();
    expect(muc.name).toBe("Coffee & Tea");
  });

  it("removeParticipant(user): self-presence unavailable with 110 to every resource; with kick 307, with ban 301", async () => {
    for (const [options, codes] of [
      [{}, [110]],
      [{ kick: true, reason: "bye" }, [307, 110]],
      [{ ban: true, reason: "out" }, [301, 110]],
    ] as const) {
      const { component, muc } = await joinedTwice();
      await muc.removeParticipant(await muc.getUserParticipant(), options);
      const sent = component.takeSent();
      expect(sent.map((s) => s.attrs.to)).toEqual([TO, `${USER}/balcony`]);
      for (const p of sent) {
        expect(p.attrs).toMatchObject({ from: `${ROOM}/romeo`, type: "unavailable" });
        expect(statusCodes(p)).toEqual(codes);
        expect(mucItem(p)?.attrs.role).toBe("none");
        if ("reason" in options) expect(mucItem(p)?.getChildText("reason")).toBe(options.reason);
      }
      if ("ban" in options) expect(mucItem(sent[0]!)?.attrs.affiliation).toBe("outcast");
      expect(muc.joinedResources).toEqual([]);
      // Nothing reaches resources that are no longer joined.
      await (await muc.getParticipant("Bob", { legacyId: "u-bob" })).sendText("anyone?");
      expect(component.takeSent()).toEqual([]);
      closeStores();
    }
  });
});

describe("LegacyMUC.getParticipant names", () => {
  it("gives clashing names a deterministic suffix: Name (2), Name (3)…, the same on every gateway", async () => {
    const nicks: string[][] = [];
    for (let run = 0; run < 2; run++) {
      const h = await startGateway();
      const muc = await room(h, "coffee");
      const made = [];
      for (const id of ["x1", "x2", "x3"]) made.push(await muc.getParticipant("Zed", { legacyId: id }));
      made.push(await muc.getParticipant("Zed (2)", { legacyId: "x4" }));
      nicks.push(made.map((p) => p.nick));
      // Known legacy ids are found again, whatever name they come with.
      expect(await muc.getParticipant("Zed", { legacyId: "x2" })).toBe(made[1]);
      closeStores();
    }
    expect(nicks[0]).toEqual(["Zed", "Zed (2)", "Zed (3)", "Zed (2) (2)"]);
    expect(nicks[1]).toEqual(nicks[0]);
  });

  it("the user's own nick wins over a participant named like the user", async () => {
    const h = await startGateway();
    await join(h, "coffee");
    const muc = await room(h, "coffee");
    const other = await muc.getParticipant("romeo", { legacyId: "other-romeo" });
    expect(other.nick).toBe("romeo (2)");
    expect((await muc.getUserParticipant()).nick).toBe("romeo");
  });

  it("turns hostile names into valid nicks, and never into invalid XML", async () => {
    const h = await startGateway();
    await join(h, "coffee");
    h.component.takeSent();
    const muc = await room(h, "coffee");
    const hostile = [
      "\u0000\u0001Null\u0007Bell\u001b[31m",
      "a".repeat(100_000),
      "😀".repeat(100_000),
      "",
      "   ",
      "\ud800lone\udfffsurrogates\ud83d",
      "\u202eevil\u2028line\u2029",
      "\ufffe\uffff",
      "<script>&amp;'\"",
      "a/b@c",
      "a".repeat(100_000), // clashes with the long one
      "",
    ];
    const nicks: string[] = [];
    for (const [i, name] of hostile.entries()) {
      const p = await muc.getParticipant(name, { legacyId: `h${i}` });
      nicks.push(p.nick);
      await p.sendText(`from ${i}`, `hm-${i}`);
    }
    expect(new Set(nicks).size).toBe(nicks.length);
    for (const nick of nicks) {
      expect(nick.length).toBeGreaterThan(0);
      expect(Buffer.byteLength(nick, "utf8")).toBeLessThanOrEqual(1023);
      expect(isXmlText(nick)).toBe(true);
      expect(parseJid(`${ROOM}/${nick}`).resource).toBe(nick);
    }
    expect(nicks[3]).toBe("unknown");
    expect(nicks[11]).toBe("unknown (4)");
    expect(nicks[8]).toBe("<script>&amp;'\"");
    const sent = h.component.takeSent();
    expect(sent).toHaveLength(hostile.length * 2);
    for (const s of sent) {
      const text = s.toString();
      expect(isXmlText(text)).toBe(true);
      // It parses back to the same stanza.
      expect(canonical(parseXml(text))).toBe(canonical(parseXml(s.toString())));
      expect(() => parseJid(String(s.attrs.from))).not.toThrow();
    }
  });

  it("never sends invalid XML from hostile legacy text: bodies, subjects, reasons, room names", async () => {
    const { component, muc } = await joinedTwice();
    const evil = "a\u0000b\u0001c\ud800d\ufffee\u001bf\tg\nh";
    const carol = await muc.getParticipant("Carol", { legacyId: "u-carol" });
    await carol.sendText(evil, "evil-1");
    await muc.setSubject(evil, { setter: carol });
    await muc.setInfo({ name: evil, description: evil });
    await carol.kick(evil);
    const sent = component.takeSent();
    expect(sent).toHaveLength(8);
    for (const s of sent) expect(isXmlText(s.toString())).toBe(true);
    expect(sent[0]!.getChildText("body")).toBe("abcdef\tg\nh");
    expect(sent[2]!.getChildText("subject")).toBe("abcdef\tg\nh");
    expect(mucItem(sent[6]!)?.getChildText("reason")).toBe("abcdef\tg\nh");
  });

  it("many participants with the same long name still get nicks of at most 1023 bytes", async () => {
    const h = await startGateway();
    const muc = await room(h, "coffee");
    const long = "a".repeat(5000);
    let last: string | undefined;
    const seen = new Set<string>();
    for (let i = 0; i < 120; i++) {
      last = (await muc.getParticipant(long, { legacyId: `l${i}` })).nick;
      expect(Buffer.byteLength(last, "utf8")).toBeLessThanOrEqual(1023);
      expect(seen.has(last)).toBe(false);
      seen.add(last);
    }
    // " (100)" is the first suffix that does not fit after the 1018 bytes of the cut name.
    expect(last).toMatch(/…+ \(120\)$/);
  });
});

describe("the system participant", () => {
  it("speaks from the bare room JID, without occupant-id, and is no occupant", async () => {
    const { component, muc } = await joinedTwice();
    const system = muc.getSystemParticipant();
    expect(muc.getSystemParticipant()).toBe(system);
    await system.sendText("Alice added Frank", "sys-1");
    const sent: Element[] = component.takeSent();
    expect(sent.map((s) => s.name)).toEqual(["message", "message"]);
    expect(sent[0]!.attrs).toMatchObject({ from: ROOM, to: TO, type: "groupchat", id: "sys-1" });
    expect(sent[0]!.getChild("occupant-id", NS_OCCUPANT_ID)).toBeUndefined();
    expect(sent[0]!.getChild("stanza-id", NS_SID)?.attrs.by).toBe(ROOM);
    expect(muc.participants).not.toContain(system);
  });
});
