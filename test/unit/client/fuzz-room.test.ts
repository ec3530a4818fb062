/**
 * Fuzz: a joined room receives thousands of mutated room stanzas (presences
 * of joins, leaves, nick changes, kicks, bans and role changes; messages,
 * subjects, history, private messages, invitations, errors, IQ answers).
 * Nothing may escape a handler (the service logs "failed to handle a
 * stanza" if anything does), and the room's state must stay consistent
 * after every stanza. Afterwards the room still works.
 */
import { describe, expect, it } from "vitest";
import { parseXml } from "../../helpers/xml.js";
import { mutate, pick, prng } from "../../helpers/mutate.js";
import { AFFILIATIONS, messageRefs, onMessageChange, ROLES, type MessageChangeEvent, type Room } from "../../../src/index.js";
import { answerArchive, CAST, enterAs, NS_MUC_USER, ROOM, setup } from "./room-presence-helpers.js";

const ME = CAST.thirdwitch.jid;
const NICKS = ["firstwitch", "secondwitch", "thirdwitch", "hecate", "", "x".repeat(2000), "a/b", "ü̈", "__proto__"];

/** Stanzas a room sends, as templates of a nick. */
const CORPUS: ((nick: string) => string)[] = [
  (n) => `<presence from='${ROOM}/${n}' to='${ME}'><x xmlns='${NS_MUC_USER}'><item affiliation='member' jid='hag${n}@shakespeare.lit/pda' role='participant'/></x></presence>`,
  (n) => `<presence from='${ROOM}/${n}' to='${ME}'><show>away</show><status xml:lang='en'>gone</status><x xmlns='${NS_MUC_USER}'><item affiliation='none' role='visitor'/></x><occupant-id xmlns='urn:xmpp:occupant-id:0' id='occ-${n}'/><hats xmlns='urn:xmpp:hats:0'><hat uri='http://example.com/hats#Teacher' title='Teacher' hue='210'/></hats></presence>`,
  (n) => `<presence from='${ROOM}/${n}' to='${ME}' type='unavailable'><x xmlns='${NS_MUC_USER}'><item affiliation='member' role='none'/></x></presence>`,
  (n) => `<presence from='${ROOM}/${n}' to='${ME}' type='unavailable'><x xmlns='${NS_MUC_USER}'><item affiliation='member' nick='${n}2' role='participant'/><status code='303'/></x></presence>`,
  (n) => `<presence from='${ROOM}/${n}' to='${ME}' type='unavailable'><x xmlns='${NS_MUC_USER}'><item affiliation='none' role='none'><actor nick='firstwitch'/><reason>Avaunt</reason></item><status code='307'/></x></presence>`,
  (n) => `<presence from='${ROOM}/${n}' to='${ME}' type='unavailable'><x xmlns='${NS_MUC_USER}'><item affiliation='outcast' role='none'/><status code='301'/></x></presence>`,
  (n) => `<presence from='${ROOM}/${n}' to='${ME}'><x xmlns='${NS_MUC_USER}'><item affiliation='admin' role='moderator'/><status code='110'/><status code='100'/><status code='170'/></x></presence>`,
  (n) => `<presence from='${ROOM}/${n}' to='${ME}' type='error'><error type='cancel'><conflict xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></presence>`,
  (n) => `<presence from='${ROOM}' to='${ME}' type='unavailable'><x xmlns='${NS_MUC_USER}'><item affiliation='none' role='none'/><status code='110'/><destroy jid='other@chat.shakespeare.lit'><reason>${n}</reason></destroy></x></presence>`,
  (n) => `<message from='${ROOM}/${n}' to='${ME}' type='groupchat' id='m-${n}'><body>hello</body><stanza-id xmlns='urn:xmpp:sid:0' id='s-${n}' by='${ROOM}'/><origin-id xmlns='urn:xmpp:sid:0' id='o-${n}'/><occupant-id xmlns='urn:xmpp:occupant-id:0' id='occ-${n}'/></message>`,
  (n) => `<message from='${ROOM}/${n}' to='${ME}' type='groupchat'><body>old</body><delay xmlns='urn:xmpp:delay' from='${ROOM}' stamp='2002-10-13T23:58:37Z'/></message>`,
  (n) => `<message from='${ROOM}/${n}' to='${ME}' type='groupchat'><subject xml:lang='en'>Fire Burn and Cauldron Bubble!</subject></message>`,
  (n) => `<message from='${ROOM}/${n}' to='${ME}' type='chat'><body>psst</body><x xmlns='${NS_MUC_USER}'/></message>`,
  (n) => `<message from='${ROOM}' to='${ME}'><x xmlns='${NS_MUC_USER}'><invite from='crone1@shakespeare.lit/desktop'><reason>${n}</reason></invite><password>cauldronburn</password></x></message>`,
  (n) => `<message from='crone1@shakespeare.lit/desktop' to='${ME}'><x xmlns='jabber:x:conference' jid='${ROOM}' password='cauldronburn' reason='${n}'/></message>`,
  (n) => `<message from='${ROOM}' to='${ME}' type='groupchat'><x xmlns='${NS_MUC_USER}'><status code='104'/><status code='172'/></x><body>${n}</body></message>`,
  (n) => `<message from='${ROOM}' to='${ME}' type='error' id='m-${n}'><error type='modify'><not-acceptable xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></message>`,
  () => `<iq from='${ROOM}' to='${ME}' type='result' id='iq-1'/>`,
];

/** The room's state is consistent: unique nicks, `me` first and only when in, roles and affiliations valid, counts agree. */
function checkRoom(room: Room): void {
  const occupants = room.occupants;
  const nicks = occupants.map((o) => o.nick);
  expect(new Set(nicks).size).toBe(nicks.length);
  expect(room.occupantCount).toBe(occupants.length);
  if (room.me) expect(occupants[0]).toBe(room.me);
  for (const o of occupants) {
    expect(ROLES).toContain(o.role);
    expect(AFFILIATIONS).toContain(o.affiliation);
    expect(typeof o.nick).toBe("string");
    expect(room.getOccupant(o.nick)).toBe(o);
  }
  if (room.joined) expect(room.me).toBeDefined();
}

describe("fuzz: a joined room under mutated stanzas", () => {
  const SEEDS = [20261122, 1, 7];

  it("keeps its state consistent and never lets an exception escape, for 15,000 stanzas; then still works", async () => {
    const h = setup(ME);
    let rnd = prng(SEEDS[0]!);
    const names = ["from", "to", "type", "id", "nick", "jid", "affiliation", "role", "code", "by", "stamp", "xml:lang", "item", "status", "x", "body", "subject", "reason", "actor", "destroy", "invite", "delay", "stanza-id", "origin-id", "occupant-id", "hats", "hat"];
    // The storm must reach the room's logic, not only bounce off the decoders.
    const fired: Record<string, number> = {};
    const watch = (room: Room): Room => {
      for (const event of ["join", "leave", "nickChange", "roleChange", "affiliationChange", "statusChange", "message", "privateMessage", "subjectChange", "exit"] as const) {
        room.on(event, () => (fired[event] = (fired[event] ?? 0) + 1));
      }
      return room;
    };
    let room = watch((await enterAs(h, "thirdwitch")).room);
    for (let i = 0; i < 15_000; i++) {
      // Three seeds' worth of stanzas, each run of 5,000 reproducible on its own.
      if (i % 5_000 === 0) rnd = prng(SEEDS[i / 5_000]!);
      const el = parseXml(pick(rnd, CORPUS)(pick(rnd, NICKS)));
      if (rnd() < 0.8) mutate(el, rnd, names, "jabber:client");
      const before = room.occupants.map((o) => `${o.nick}`).join(",");
      expect(() => h.conn.receive(el)).not.toThrow();
      try {
        checkRoom(room);
      } catch (e) {
        throw new Error(`after stanza ${i}: ${el.toString().slice(0, 1500)}\nbefore: ${before}\nafter: ${room.occupants.map((o) => o.nick).join(",")}\n${String(e)}`);
      }
      // Kicked, banned, destroyed, or a refused nick: come back, so the storm keeps hitting a room we are in.
      if (!room.joined && h.muc.getRoom(ROOM) === undefined) room = watch((await enterAs(h, "thirdwitch")).room);
    }
    expect(h.logger.warn.mock.calls.filter(([message]) => String(message).includes("failed to handle"))).toEqual([]);
    for (const event of ["join", "leave", "message", "subjectChange", "exit"]) expect(fired[event] ?? 0).toBeGreaterThan(20);

    // Afterwards the room still works.
    if (!room.joined) room = (await enterAs(h, "thirdwitch")).room;
    if (!room.active) {
      // Removed without a removal code by the storm's last stanzas, and rejoining: the room answers the rejoin.
      h.conn.receive(`<presence from='${ROOM}/${room.nick}' to='${ME}'><x xmlns='${NS_MUC_USER}'><item affiliation='none' role='participant'/><status code='110'/></x></presence>`);
    }
    // A rejoin's history (one the storm started) ends with the subject; live messages wait until then,
    // and until the room's archive (asked when the storm's messages had stanza-ids) has answered.
    h.conn.receive(`<message from='${ROOM}' to='${ME}' type='groupchat'><subject/></message>`);
    await answerArchive(h.conn);
    expect(room.active).toBe(true);
    const seen: string[] = [];
    room.on("message", (m) => seen.push(m.body));
    h.conn.receive(`<message from='${ROOM}/firstwitch' to='${ME}' type='groupchat'><body>still here</body></message>`);
    expect(seen).toEqual(["still here"]);
    checkRoom(room);
  });
});

describe("contradictions the fuzz found: nicks stay unique", () => {
  it("our self-presence under a nick another occupant holds: that occupant leaves, we take the nick", async () => {
    const h = setup(ME);
    const { room } = await enterAs(h, "thirdwitch");
    const events: string[] = [];
    room.on("leave", (e) => events.push(`leave ${e.occupant.nick}`));
    room.on("nickChange", (e) => events.push(`nick ${e.oldNick} → ${e.newNick}`));
    h.conn.receive(`<presence from='${ROOM}/secondwitch' to='${ME}'><x xmlns='${NS_MUC_USER}'><item affiliation='member' role='participant'/><status code='110'/><status code='210'/></x></presence>`);
    expect(events).toEqual(["leave secondwitch", "nick thirdwitch → secondwitch"]);
    expect(room.me?.nick).toBe("secondwitch");
    expect(room.occupants.map((o) => o.nick).filter((n) => n === "secondwitch")).toHaveLength(1);
    checkRoom(room);
  });

  it("another occupant's nick change to our nick is ignored", async () => {
    const h = setup(ME);
    const { room } = await enterAs(h, "thirdwitch");
    h.conn.receive(`<presence from='${ROOM}/firstwitch' to='${ME}' type='unavailable'><x xmlns='${NS_MUC_USER}'><item affiliation='owner' nick='thirdwitch' role='moderator'/><status code='303'/></x></presence>`);
    expect(room.getOccupant("firstwitch")).toBeDefined();
    expect(room.getOccupant("thirdwitch")).toBe(room.me);
    checkRoom(room);
  });
});

/** Messages that change earlier ones, as templates of a nick (an empty nick: from the room itself). */
const CHANGES: ((nick: string) => string)[] = [
  (n) => `<message from='${ROOM}/${n}' to='${ME}' type='groupchat' id='c-${n}'><body>fixed</body><replace id='m-${n}' xmlns='urn:xmpp:message-correct:0'/><occupant-id xmlns='urn:xmpp:occupant-id:0' id='occ-${n}'/></message>`,
  (n) => `<message from='${ROOM}/${n}' to='${ME}' type='groupchat'><retract id='s-${n}' xmlns='urn:xmpp:message-retract:1'/><fallback xmlns='urn:xmpp:fallback:0' for='urn:xmpp:message-retract:1'/><body>/me retracted a previous message, but it's unsupported by your client.</body><store xmlns='urn:xmpp:hints'/></message>`,
  (n) => `<message from='${ROOM}${n ? `/${n}` : ""}' to='${ME}' type='groupchat' id='mod-${n}'><retract id='s-${n}' xmlns='urn:xmpp:message-retract:1'><moderated by='${ROOM}/firstwitch' xmlns='urn:xmpp:message-moderate:1'><occupant-id xmlns='urn:xmpp:occupant-id:0' id='occ-1'/></moderated><reason>${n}</reason></retract></message>`,
  (n) => `<message from='${ROOM}/${n}' to='${ME}' type='groupchat'><reactions id='s-${n}' xmlns='urn:xmpp:reactions:0'><reaction>👍</reaction><reaction>${n}</reaction></reactions><store xmlns='urn:xmpp:hints'/></message>`,
  (n) => `<message from='${ROOM}/${n}' to='${ME}' type='groupchat'><body>&gt; ${n} wrote:
&gt; hi
yes</body><reply to='${ROOM}/${n}' id='s-${n}' xmlns='urn:xmpp:reply:0'/><fallback xmlns='urn:xmpp:fallback:0' for='urn:xmpp:reply:0'><body start='0' end='${n.length + 14}'/></fallback><stanza-id xmlns='urn:xmpp:sid:0' id='s2-${n}' by='${ROOM}'/></message>`,
];

describe("fuzz: messages that change earlier ones", () => {
  it("10,000 mutated corrections, retractions, moderations, reactions and replies: nothing escapes, moderations only from the room", async () => {
    const h = setup(ME);
    const rnd = prng(20261123);
    const names = ["from", "type", "id", "to", "by", "for", "start", "end", "body", "replace", "retract", "moderated", "reason", "reactions", "reaction", "reply", "fallback", "occupant-id", "stanza-id"];
    const { room } = await enterAs(h, "thirdwitch");
    const changes: MessageChangeEvent[] = [];
    const stop = onMessageChange(h.muc, (c) => changes.push(c));
    let refsRead = 0;
    room.on("message", (m) => {
      // The text is the body with fallback ranges cut out: never longer.
      const refs = messageRefs(m);
      if (refs.text !== undefined && [...refs.text].length > [...m.body].length) throw new Error(`text longer than the body: ${m.stanza.toString()}`);
      refsRead++;
    });
    const kinds: Record<string, number> = {};
    for (let i = 0; i < 10_000; i++) {
      const el = parseXml(pick(rnd, CHANGES)(pick(rnd, [...NICKS.filter((n) => n !== ""), ""])));
      // Each message its own id, as senders give them (the same id, sender and text is a duplicate).
      if (typeof el.attrs.id === "string") el.attrs.id += `-${i}`;
      if (rnd() < 0.8) mutate(el, rnd, names, "jabber:client");
      const from = changes.length;
      expect(() => h.conn.receive(el)).not.toThrow();
      for (const c of changes.slice(from)) {
        kinds[c.kind] = (kinds[c.kind] ?? 0) + 1;
        expect(c.room).toBe(room);
        expect(typeof c.target).toBe("string");
        if (c.kind === "retraction" && c.moderated !== undefined) expect(c.nick).toBeUndefined();
        if (c.kind === "reactions") expect(c.reactions.every((r) => typeof r === "string")).toBe(true);
        if (c.kind === "correction") expect(typeof c.body).toBe("string");
      }
    }
    stop();
    expect(h.logger.warn.mock.calls.filter(([message]) => /failed/.test(String(message)))).toEqual([]);
    // The storm reached the logic: every kind was reported, moderated ones among the retractions.
    for (const kind of ["correction", "retraction", "reactions"]) expect(kinds[kind] ?? 0).toBeGreaterThan(100);
    expect(changes.filter((c) => c.kind === "retraction" && c.moderated !== undefined).length).toBeGreaterThan(50);
    expect(refsRead).toBeGreaterThan(1_000);
    checkRoom(room);
  });
});
