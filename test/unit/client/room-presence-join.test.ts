/**
 * Entering a room (XEP-0045 §7.2): the join presence, every error the room
 * may answer with, self-presence variants (no 110, 210, 201), the join
 * timeout and abort (and the leave a late confirmation then triggers),
 * joining again, and handlers attached right after `join()`.
 *
 * Stanzas are the XEP's own examples (version 1.35), addressed to our JID.
 */
import { getEventListeners } from "node:events";
import { afterEach, describe, expect, it, vi } from "vitest";
import {
  AbortError,
  MucService,
  TimeoutError,
  XMPPError,
  type EnterEvent,
  type HistoryOptions,
  type JoinEvent,
  type StanzaErrorCondition,
  type StanzaErrorType,
} from "../../../src/index.js";
import { MockConnection } from "../../../src/testing/index.js";
import { canonical, parseXml } from "../../helpers/xml.js";
import { CAST, NS_MUC, ROOM, flush, isJoinPresence, isUnavailable, occupantPresence, recordEvents, selfPresence, setup, type Harness } from "./room-presence-helpers.js";

const HAG = CAST.thirdwitch.jid;

let h: Harness | undefined;
afterEach(() => {
  h?.muc.close();
  h = undefined;
  vi.useRealTimers();
});

/** The error presence of XEP-0045 §7.2.6–7.2.11 / §7.2.1 for `condition`, answering `id`. */
function errorPresence(from: string, id: string, condition: StanzaErrorCondition, type: StanzaErrorType): string {
  return `<presence from='${from}' id='${id}' to='${HAG}' type='error'>
    <x xmlns='${NS_MUC}'/>
    <error by='${ROOM}' type='${type}'><${condition} xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error>
  </presence>`;
}

describe("join errors: `joined` rejects with a typed XMPPError", () => {
  const cases: { condition: StanzaErrorCondition; type: StanzaErrorType; from: "nick" | "bare"; what: string }[] = [
    { condition: "not-authorized", type: "auth", from: "nick", what: "password required (§7.2.7, example 27)" },
    { condition: "registration-required", type: "auth", from: "nick", what: "members-only room (§7.2.8)" },
    { condition: "forbidden", type: "auth", from: "nick", what: "banned (§7.2.9)" },
    { condition: "conflict", type: "cancel", from: "nick", what: "nick in use (§7.2.10)" },
    { condition: "service-unavailable", type: "wait", from: "nick", what: "room full (§7.2.11)" },
    { condition: "item-not-found", type: "cancel", from: "nick", what: "locked room (§7.2.12)" },
    { condition: "not-acceptable", type: "modify", from: "nick", what: "reserved nick must be used (§7.2.20 table)" },
    { condition: "not-allowed", type: "cancel", from: "nick", what: "room creation restricted (§7.2.20 table)" },
    { condition: "jid-malformed", type: "modify", from: "bare", what: "no nick (§7.2.1), from the bare room JID" },
    { condition: "forbidden", type: "auth", from: "bare", what: "banned, reported by the bare room JID" },
  ];

  it.each(cases)("$condition: $what", async ({ condition, type, from }) => {
    h = setup();
    const { room, joined } = h.muc.join(ROOM, "thirdwitch");
    const events = recordEvents(room);
    const join = await h.conn.nextSent(isJoinPresence);
    h.conn.receive(errorPresence(from === "bare" ? ROOM : `${ROOM}/thirdwitch`, String(join.attrs.id), condition, type));

    await expect(joined).rejects.toBeInstanceOf(XMPPError);
    await expect(joined).rejects.toMatchObject({ name: "XMPPError", condition, type });
    const error = (await joined.catch((e: unknown) => e)) as XMPPError;
    expect(error.by?.toString()).toBe(ROOM);
    expect(error.stanza?.attrs.type).toBe("error");
    expect(room.joined).toBe(false);
    expect(room.active).toBe(false);
    expect(room.me).toBeUndefined();
    expect(h.muc.getRoom(ROOM)).toBeUndefined();
    expect(events).toEqual([]);
    // Nothing else is sent: no leave for a room we never entered.
    await flush();
    expect(h.conn.takeSent()).toEqual([]);
  });

  it("an error from another occupant's nick does not fail our join", async () => {
    h = setup();
    const { joined } = h.muc.join(ROOM, "thirdwitch");
    await h.conn.nextSent(isJoinPresence);
    h.conn.receive(errorPresence(`${ROOM}/firstwitch`, "x1", "conflict", "cancel"));
    h.conn.receive(selfPresence(ROOM, "thirdwitch", HAG));
    await expect(joined).resolves.toBeDefined();
  });
});

describe("the join presence", () => {
  it("is XEP-0045 example 18: available presence to room/nick with an empty muc <x/>", async () => {
    h = setup();
    h.muc.join(ROOM, "thirdwitch");
    const join = await h.conn.nextSent(isJoinPresence);
    expect(join.attrs.to).toBe(`${ROOM}/thirdwitch`);
    expect(join.attrs.type).toBeUndefined();
    expect(typeof join.attrs.id).toBe("string");
    const x = join.getChild("x", NS_MUC);
    expect(x).toBeDefined();
    expect(canonical(x!)).toBe(canonical(parseXml(`<x xmlns='${NS_MUC}'/>`)));
  });

  it("carries the password (example 28)", async () => {
    h = setup();
    h.muc.join(ROOM, "thirdwitch", { password: "cauldronburn" });
    const join = await h.conn.nextSent(isJoinPresence);
    expect(canonical(join.getChild("x", NS_MUC)!)).toBe(canonical(parseXml(`<x xmlns='${NS_MUC}'><password>cauldronburn</password></x>`)));
  });

  const histories: { name: string; history: HistoryOptions; xml: string }[] = [
    { name: "maxchars (example 38)", history: { maxChars: 65000 }, xml: "<history maxchars='65000'/>" },
    { name: "maxstanzas (example 39)", history: { maxStanzas: 20 }, xml: "<history maxstanzas='20'/>" },
    { name: "seconds (example 40)", history: { seconds: 180 }, xml: "<history seconds='180'/>" },
    { name: "since (example 41)", history: { since: new Date("1970-01-01T00:00:00Z") }, xml: "<history since='1970-01-01T00:00:00Z'/>" },
    { name: "no history (example 42)", history: { maxChars: 0 }, xml: "<history maxchars='0'/>" },
    {
      name: "every limit at once",
      history: { maxChars: 65000, maxStanzas: 20, seconds: 180, since: new Date("2002-10-13T23:58:37Z") },
      xml: "<history maxchars='65000' maxstanzas='20' seconds='180' since='2002-10-13T23:58:37Z'/>",
    },
  ];

  it.each(histories)("carries the history request: $name", async ({ history, xml }) => {
    h = setup();
    h.muc.join(ROOM, "thirdwitch", { history });
    const join = await h.conn.nextSent(isJoinPresence);
    expect(canonical(join.getChild("x", NS_MUC)!)).toBe(canonical(parseXml(`<x xmlns='${NS_MUC}'>${xml}</x>`)));
  });

  it("carries password and history together, and the presence options", async () => {
    h = setup();
    h.muc.join(ROOM, "thirdwitch", { password: "cauldronburn", history: { maxStanzas: 20 }, presence: { show: "away", status: "brewing" } });
    const join = await h.conn.nextSent(isJoinPresence);
    expect(canonical(join)).toBe(
      canonical(
        parseXml(`<presence to='${ROOM}/thirdwitch' id='${String(join.attrs.id)}'>
          <show>away</show><status>brewing</status>
          <x xmlns='${NS_MUC}'><history maxstanzas='20'/><password>cauldronburn</password></x>
        </presence>`),
      ),
    );
  });
});

describe("self-presence variants", () => {
  it("a server that omits status 110 but answers from the requested nick completes the join", async () => {
    h = setup();
    const { room, joined } = h.muc.join(ROOM, "thirdwitch");
    const events = recordEvents(room);
    await h.conn.nextSent(isJoinPresence);
    h.conn.receive(occupantPresence(ROOM, "firstwitch", HAG));
    h.conn.receive(`<presence from='${ROOM}/thirdwitch' to='${HAG}'>
      <x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='member' role='participant'/></x></presence>`);
    await expect(joined).resolves.toBe(room);
    expect(events).toEqual(["join firstwitch initial", "enter thirdwitch"]);
    expect(room.me?.nick).toBe("thirdwitch");
    expect(room.me?.isSelf).toBe(true);
    expect(room.occupants.map((o) => o.nick)).toEqual(["thirdwitch", "firstwitch"]);
  });

  it("a nick assigned by the service (210, from another nick with 110) becomes room.nick and room.me.nick", async () => {
    h = setup();
    const { room, joined } = h.muc.join(ROOM, "OldHag");
    const enters: EnterEvent[] = [];
    room.on("enter", (e) => enters.push(e));
    const join = await h.conn.nextSent(isJoinPresence);
    expect(join.attrs.to).toBe(`${ROOM}/OldHag`);
    h.conn.receive(occupantPresence(ROOM, "firstwitch", HAG));
    // XEP-0045 §7.2.3 (example 24), the nick lower-cased by the service (cf. example 57).
    h.conn.receive(`<presence from='${ROOM}/oldhag' id='${String(join.attrs.id)}' to='${HAG}'>
      <x xmlns='http://jabber.org/protocol/muc#user'>
        <item affiliation='member' role='participant'/>
        <status code='110'/>
        <status code='210'/>
      </x>
    </presence>`);
    await joined;
    expect(room.nick).toBe("oldhag");
    expect(room.me?.nick).toBe("oldhag");
    expect(room.getOccupant("oldhag")).toBe(room.me);
    expect(room.getOccupant("OldHag")).toBeUndefined();
    expect(room.occupants.map((o) => o.nick)).toEqual(["oldhag", "firstwitch"]);
    expect(enters).toHaveLength(1);
    expect(enters[0]).toMatchObject({ nickAssigned: true, created: false, statusCodes: [110, 210] });
    expect(enters[0]!.occupant).toBe(room.me);

    // The assigned nick is the one we leave from.
    const left = room.leave();
    const unavailable = await h.conn.nextSent(isUnavailable);
    expect(unavailable.attrs.to).toBe(`${ROOM}/oldhag`);
    h.conn.receive(`<presence from='${ROOM}/oldhag' to='${HAG}' type='unavailable'>
      <x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='member' role='none'/><status code='110'/></x></presence>`);
    await left;
  });

  it("status 201 (XEP-0045 §10.1.1, example 153): enter.created", async () => {
    h = setup(CAST.firstwitch.jid);
    const { room, joined } = h.muc.join(ROOM, "firstwitch");
    const enters: EnterEvent[] = [];
    room.on("enter", (e) => enters.push(e));
    await h.conn.nextSent(isJoinPresence);
    h.conn.receive(`<presence from='${ROOM}/firstwitch' to='crone1@shakespeare.lit/desktop'>
      <x xmlns='http://jabber.org/protocol/muc#user'>
        <item affiliation='owner' role='moderator'/>
        <status code='110'/>
        <status code='201'/>
      </x>
    </presence>`);
    await joined;
    expect(enters.map((e) => ({ created: e.created, nickAssigned: e.nickAssigned, codes: e.statusCodes }))).toEqual([
      { created: true, nickAssigned: false, codes: [110, 201] },
    ]);
    expect(room.me).toMatchObject({ nick: "firstwitch", affiliation: "owner", role: "moderator" });
  });

  it("an ordinary join has created and nickAssigned false", async () => {
    h = setup();
    const { room, joined } = h.muc.join(ROOM, "thirdwitch");
    const enters: EnterEvent[] = [];
    room.on("enter", (e) => enters.push(e));
    await h.conn.nextSent(isJoinPresence);
    h.conn.receive(selfPresence(ROOM, "thirdwitch", HAG));
    await joined;
    expect(enters).toMatchObject([{ created: false, nickAssigned: false }]);
  });
});

describe("join timeout and abort", () => {
  it("no answer within `timeout` rejects with TimeoutError; a late self-presence is answered by leaving", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    h = setup();
    const { room, joined } = h.muc.join(ROOM, "thirdwitch", { timeout: 5_000 });
    const events = recordEvents(room);
    await flush();
    expect(h.conn.takeSent().filter(isJoinPresence)).toHaveLength(1);

    await vi.advanceTimersByTimeAsync(4_999);
    expect(h.muc.getRoom(ROOM)).toBe(room);
    await vi.advanceTimersByTimeAsync(1);
    await expect(joined).rejects.toBeInstanceOf(TimeoutError);
    await expect(joined).rejects.toMatchObject({ name: "TimeoutError", timeout: 5_000 });
    expect(room.joined).toBe(false);
    expect(h.muc.getRoom(ROOM)).toBeUndefined();

    // The room answers late: the occupant list, then our self-presence.
    h.conn.receive(occupantPresence(ROOM, "firstwitch", HAG));
    await flush();
    expect(h.conn.takeSent()).toEqual([]);
    h.conn.receive(selfPresence(ROOM, "thirdwitch", HAG));
    await flush();
    const sent = h.conn.takeSent();
    expect(sent.map((s) => canonical(s))).toEqual([canonical(parseXml(`<presence to='${ROOM}/thirdwitch' type='unavailable'/>`))]);
    expect(events).toEqual([]);
    expect(room.joined).toBe(false);
  });

  it("the service's `joinTimeout` is the default", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    h = setup(HAG, { joinTimeout: 1_000 });
    const { joined } = h.muc.join(ROOM, "thirdwitch");
    await vi.advanceTimersByTimeAsync(1_000);
    await expect(joined).rejects.toMatchObject({ name: "TimeoutError", timeout: 1_000 });
  });

  it("aborting rejects with AbortError; when the room confirms anyway, we leave", async () => {
    h = setup();
    const controller = new AbortController();
    const { room, joined } = h.muc.join(ROOM, "thirdwitch", { signal: controller.signal });
    const events = recordEvents(room);
    await h.conn.nextSent(isJoinPresence);
    controller.abort(new Error("user closed the tab"));
    await expect(joined).rejects.toBeInstanceOf(AbortError);
    await expect(joined).rejects.toMatchObject({ name: "AbortError", cause: expect.objectContaining({ message: "user closed the tab" }) });
    expect(h.muc.getRoom(ROOM)).toBeUndefined();

    h.conn.receive(selfPresence(ROOM, "thirdwitch", HAG));
    const unavailable = await h.conn.nextSent(isUnavailable);
    expect(unavailable.attrs.to).toBe(`${ROOM}/thirdwitch`);
    expect(events).toEqual([]);
  });

  it("a signal aborted before join() rejects at once and sends no join", async () => {
    h = setup();
    const { room, joined } = h.muc.join(ROOM, "thirdwitch", { signal: AbortSignal.abort() });
    await expect(joined).rejects.toMatchObject({ name: "AbortError" });
    await flush();
    expect(h.conn.takeSent()).toEqual([]);
    expect(room.joined).toBe(false);
    expect(h.muc.getRoom(ROOM)).toBeUndefined();
  });

  it("the join stops listening to its signal once it settles (a long-lived signal collects no listeners)", async () => {
    h = setup();
    const controller = new AbortController();
    const first = h.muc.join(ROOM, "thirdwitch", { signal: controller.signal });
    expect(getEventListeners(controller.signal, "abort")).toHaveLength(1);
    await h.conn.nextSent(isJoinPresence);
    h.conn.receive(selfPresence(ROOM, "thirdwitch", HAG));
    await first.joined;
    expect(getEventListeners(controller.signal, "abort")).toHaveLength(0);

    const second = h.muc.join("heath@chat.shakespeare.lit", "thirdwitch", { signal: controller.signal });
    const join = await h.conn.nextSent(isJoinPresence);
    h.conn.replyError(join, "forbidden", { from: "heath@chat.shakespeare.lit/thirdwitch" });
    await expect(second.joined).rejects.toMatchObject({ condition: "forbidden" });
    expect(getEventListeners(controller.signal, "abort")).toHaveLength(0);
  });

  it("aborting after the join completed changes nothing", async () => {
    h = setup();
    const controller = new AbortController();
    const { room, joined } = h.muc.join(ROOM, "thirdwitch", { signal: controller.signal });
    await h.conn.nextSent(isJoinPresence);
    h.conn.receive(selfPresence(ROOM, "thirdwitch", HAG));
    await joined;
    controller.abort();
    await flush();
    expect(room.joined).toBe(true);
    expect(h.muc.getRoom(ROOM)).toBe(room);
    expect(h.conn.takeSent()).toEqual([]);
  });
});

describe("joining again", () => {
  it("after a refused join, the same room can be joined again (new Room)", async () => {
    h = setup();
    const first = h.muc.join(ROOM, "thirdwitch");
    const join1 = await h.conn.nextSent(isJoinPresence);
    h.conn.receive(errorPresence(`${ROOM}/thirdwitch`, String(join1.attrs.id), "conflict", "cancel"));
    await expect(first.joined).rejects.toMatchObject({ condition: "conflict" });

    const second = h.muc.join(ROOM, "thirdwitch2");
    expect(second.room).not.toBe(first.room);
    expect(h.muc.getRoom(ROOM)).toBe(second.room);
    const join2 = await h.conn.nextSent(isJoinPresence);
    expect(join2.attrs.to).toBe(`${ROOM}/thirdwitch2`);
    h.conn.receive(selfPresence(ROOM, "thirdwitch2", HAG));
    await expect(second.joined).resolves.toBe(second.room);
    expect(second.room.nick).toBe("thirdwitch2");
    expect(first.room.joined).toBe(false);
  });

  it("after a timed-out join, joining again is answered normally (not by leaving)", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    h = setup();
    const first = h.muc.join(ROOM, "thirdwitch", { timeout: 100 });
    await vi.advanceTimersByTimeAsync(100);
    await expect(first.joined).rejects.toBeInstanceOf(TimeoutError);
    h.conn.takeSent();

    const second = h.muc.join(ROOM, "thirdwitch");
    await flush();
    expect(h.conn.takeSent().filter(isJoinPresence)).toHaveLength(1);
    h.conn.receive(selfPresence(ROOM, "thirdwitch", HAG));
    await expect(second.joined).resolves.toBe(second.room);
    await flush();
    expect(h.conn.takeSent()).toEqual([]);
    expect(second.room.joined).toBe(true);
  });
});

describe("handlers attached right after join()", () => {
  it("see the initial occupants (`join`, initial: true) and then `enter`", async () => {
    h = setup();
    const { room, joined } = h.muc.join(ROOM, "thirdwitch");
    const joins: JoinEvent[] = [];
    const order: string[] = [];
    room.on("join", (e) => {
      joins.push(e);
      order.push(`join ${e.occupant.nick}`);
    });
    room.on("enter", (e) => order.push(`enter ${e.occupant.nick} with ${e.room.occupants.length} occupants`));
    await h.conn.nextSent(isJoinPresence);
    // XEP-0045 examples 20–22.
    h.conn.receive(`<presence from='${ROOM}/firstwitch' id='3DCB0401-D7CF-4E31-BE05-EDF8D057BFBD' to='${HAG}'>
      <x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='owner' role='moderator'/></x></presence>`);
    h.conn.receive(`<presence from='${ROOM}/secondwitch' id='C2CD9EE3-8421-431E-854A-A2AD0CE2E23D' to='${HAG}'>
      <x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='admin' role='moderator'/></x></presence>`);
    h.conn.receive(`<presence from='${ROOM}/thirdwitch' id='026B3509-2CCE-4D69-96D6-25F41FFDC408' to='${HAG}'>
      <x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='member' role='participant'/><status code='110'/></x></presence>`);
    await joined;
    expect(order).toEqual(["join firstwitch", "join secondwitch", "enter thirdwitch with 3 occupants"]);
    expect(joins.map((e) => ({ nick: e.occupant.nick, initial: e.initial, affiliation: e.occupant.affiliation, role: e.occupant.role }))).toEqual([
      { nick: "firstwitch", initial: true, affiliation: "owner", role: "moderator" },
      { nick: "secondwitch", initial: true, affiliation: "admin", role: "moderator" },
    ]);
    expect(joins[0]!.occupant).toBe(room.getOccupant("firstwitch"));
    expect(joins[0]!.stanza.attrs.id).toBe("3DCB0401-D7CF-4E31-BE05-EDF8D057BFBD");
  });

  it("also when the connection comes online only after join()", async () => {
    const conn = new MockConnection({ jid: HAG, online: false });
    const muc = new MucService(conn, { selfPing: false });
    h = { conn, muc, logger: { debug: vi.fn(), warn: vi.fn() } };
    const { room, joined } = muc.join(ROOM, "thirdwitch");
    const events = recordEvents(room);
    await flush();
    expect(conn.sent).toEqual([]);
    conn.newSession(HAG);
    await conn.nextSent(isJoinPresence);
    conn.receive(occupantPresence(ROOM, "firstwitch", HAG));
    conn.receive(selfPresence(ROOM, "thirdwitch", HAG));
    await joined;
    expect(events).toEqual(["join firstwitch initial", "enter thirdwitch"]);
  });
});
