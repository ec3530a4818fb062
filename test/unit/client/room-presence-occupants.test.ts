/**
 * Occupant presence flows (XEP-0045 §7.2–7.7, §8, §9, §10.9, §11): joins,
 * leaves, status/role/affiliation changes, kicks, bans, removals with status
 * codes (for others: `leave`; for us: `exit`), 333 with autorejoin, room
 * destruction, nick changes (theirs and ours), occupant-id, real JIDs, and
 * the room features learned from status codes.
 *
 * We are mostly crone1 (firstwitch, the owner), so the XEP's examples sent
 * to crone1@shakespeare.lit/desktop are used as they stand.
 */
import { afterEach, describe, expect, it } from "vitest";
import {
  LeaveMode,
  XMPPError,
  type AffiliationChangeEvent,
  type ConfigChangeEvent,
  type ExitEvent,
  type LeaveEvent,
  type NickChangeEvent,
  type RoleChangeEvent,
  type StatusChangeEvent,
} from "../../../src/index.js";
import { canonical, parseXml } from "../../helpers/xml.js";
import { CAST, NS_MUC, ROOM, enterAs, flush, isJoinPresence, recordEvents, setup, type Harness } from "./room-presence-helpers.js";

const CRONE = CAST.firstwitch.jid;
const HAG = CAST.thirdwitch.jid;

let h: Harness | undefined;
afterEach(() => {
  h?.muc.close();
  h = undefined;
});

async function asCrone(options: Parameters<typeof enterAs>[2] = {}) {
  h = setup(CRONE);
  const { room } = await enterAs(h, "firstwitch", options);
  return { h, room, events: recordEvents(room) };
}

async function asHag(options: Parameters<typeof enterAs>[2] = {}) {
  h = setup(HAG);
  const { room } = await enterAs(h, "thirdwitch", options);
  return { h, room, events: recordEvents(room) };
}

describe("other occupants", () => {
  it("a participant joining later: `join` with initial false", async () => {
    const { h, room, events } = await asCrone({ others: ["secondwitch"] });
    // XEP-0045 example 23 (to crone1).
    h.conn.receive(`<presence from='coven@chat.shakespeare.lit/thirdwitch' id='27C55F89-1C6A-459A-9EB5-77690145D624' to='crone1@shakespeare.lit/desktop'>
      <x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='member' role='participant'/></x>
    </presence>`);
    expect(events).toEqual(["join thirdwitch"]);
    const hag = room.getOccupant("thirdwitch");
    expect(hag).toMatchObject({ nick: "thirdwitch", affiliation: "member", role: "participant", isSelf: false, jid: undefined });
    expect(hag?.occupantJid).toBe(`${ROOM}/thirdwitch`);
    expect(room.occupants.map((o) => o.nick)).toEqual(["firstwitch", "secondwitch", "thirdwitch"]);
  });

  it("leaving normally: `leave` NORMAL, the occupant removed with role none (example 82)", async () => {
    const { h, room, events } = await asCrone();
    const hag = room.getOccupant("thirdwitch");
    const leaves: LeaveEvent[] = [];
    room.on("leave", (e) => leaves.push(e));
    h.conn.receive(`<presence from='coven@chat.shakespeare.lit/thirdwitch' to='crone1@shakespeare.lit/desktop' type='unavailable'>
      <x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='member' jid='hag66@shakespeare.lit/pda' role='none'/></x>
    </presence>`);
    expect(events).toEqual(["leave thirdwitch normal"]);
    expect(leaves[0]).toMatchObject({ mode: LeaveMode.NORMAL, actor: undefined, reason: undefined });
    expect(leaves[0]!.occupant).toBe(hag);
    expect(hag?.role).toBe("none");
    expect(room.getOccupant("thirdwitch")).toBeUndefined();
    expect(room.occupants.map((o) => o.nick)).toEqual(["firstwitch", "secondwitch"]);
  });

  it("an unavailable presence from someone we never saw fires nothing", async () => {
    const { h, events } = await asCrone({ others: [] });
    h.conn.receive(`<presence from='${ROOM}/ghost' type='unavailable'><x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='none' role='none'/></x></presence>`);
    expect(events).toEqual([]);
  });

  it("status and show change: `statusChange` only (example 61)", async () => {
    const { h, room, events } = await asCrone();
    const changes: StatusChangeEvent[] = [];
    room.on("statusChange", (e) => changes.push(e));
    h.conn.receive(`<presence from='coven@chat.shakespeare.lit/secondwitch' id='86E11ABF-26BC-46F1-AD3B-F5E54F3C1EE5' to='crone1@shakespeare.lit/desktop'>
      <show>xa</show>
      <status>gone where the goblins go</status>
      <x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='admin' jid='wiccarocks@shakespeare.lit/laptop' role='moderator'/></x>
    </presence>`);
    expect(events).toEqual([`statusChange secondwitch xa {"":"gone where the goblins go"}`]);
    expect(changes[0]).toMatchObject({ show: "xa", status: { "": "gone where the goblins go" } });
    expect(changes[0]!.occupant).toBe(room.getOccupant("secondwitch"));
    expect(room.getOccupant("secondwitch")).toMatchObject({ show: "xa", status: { "": "gone where the goblins go" } });

    // Back to plain availability.
    h.conn.receive(`<presence from='${ROOM}/secondwitch'><x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='admin' role='moderator'/></x></presence>`);
    expect(events.at(-1)).toBe("statusChange secondwitch available {}");
    // The same presence again changes nothing.
    h.conn.receive(`<presence from='${ROOM}/secondwitch'><x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='admin' role='moderator'/></x></presence>`);
    expect(events).toHaveLength(2);
  });

  it("role change: `roleChange` with actor and reason (§8.4, example 74 plus an actor)", async () => {
    const { h, room, events } = await asCrone();
    const changes: RoleChangeEvent[] = [];
    room.on("roleChange", (e) => changes.push(e));
    h.conn.receive(`<presence from='coven@chat.shakespeare.lit/thirdwitch' to='crone1@shakespeare.lit/desktop'>
      <x xmlns='http://jabber.org/protocol/muc#user'>
        <item affiliation='member' nick='thirdwitch' role='visitor'>
          <actor nick='firstwitch'/>
          <reason>Not so worthy after all!</reason>
        </item>
      </x>
    </presence>`);
    expect(events).toEqual(["roleChange thirdwitch participant -> visitor"]);
    expect(changes[0]).toMatchObject({ oldRole: "participant", newRole: "visitor", actor: { nick: "firstwitch" }, reason: "Not so worthy after all!" });
    expect(room.getOccupant("thirdwitch")?.role).toBe("visitor");
    expect(room.getOccupant("thirdwitch")?.hasVoice).toBe(false);
  });

  it("affiliation change: `affiliationChange` (example 199); with a role change too, affiliation first", async () => {
    const { h, room, events } = await asCrone();
    const changes: AffiliationChangeEvent[] = [];
    room.on("affiliationChange", (e) => changes.push(e));
    h.conn.receive(`<presence from='coven@chat.shakespeare.lit/secondwitch' to='crone1@shakespeare.lit/desktop'>
      <x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='owner' jid='wiccarocks@shakespeare.lit/laptop' role='moderator'/></x>
    </presence>`);
    expect(events).toEqual(["affiliationChange secondwitch admin -> owner"]);
    expect(changes[0]).toMatchObject({ oldAffiliation: "admin", newAffiliation: "owner", actor: undefined, reason: undefined });
    expect(room.getOccupant("secondwitch")?.affiliation).toBe("owner");

    // §9.7: admin status granted to a member also makes it a moderator.
    h.conn.receive(`<presence from='${ROOM}/thirdwitch' to='${CRONE}'>
      <x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='admin' jid='hag66@shakespeare.lit/pda' role='moderator'/></x>
    </presence>`);
    expect(events.slice(1)).toEqual(["affiliationChange thirdwitch member -> admin", "roleChange thirdwitch participant -> moderator"]);
  });

  it("one presence changing affiliation, role and status fires the three in the documented order", async () => {
    const { h, events } = await asCrone();
    h.conn.receive(`<presence from='${ROOM}/thirdwitch'><show>dnd</show>
      <x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='none' role='visitor'/></x></presence>`);
    expect(events).toEqual([
      "affiliationChange thirdwitch member -> none",
      "roleChange thirdwitch participant -> visitor",
      `statusChange thirdwitch dnd {}`,
    ]);
  });

  it("kick (307): `leave` KICKED with actor and reason", async () => {
    const { h, room, events } = await asCrone();
    const leaves: LeaveEvent[] = [];
    room.on("leave", (e) => leaves.push(e));
    h.conn.receive(`<presence from='coven@chat.shakespeare.lit/thirdwitch' to='crone1@shakespeare.lit/desktop' type='unavailable'>
      <x xmlns='http://jabber.org/protocol/muc#user'>
        <item affiliation='member' role='none'>
          <actor nick='Fluellen'/>
          <reason>Avaunt, you cullion!</reason>
        </item>
        <status code='307'/>
      </x>
    </presence>`);
    expect(events).toEqual(["leave thirdwitch kicked"]);
    expect(leaves[0]).toMatchObject({ mode: LeaveMode.KICKED, actor: { nick: "Fluellen" }, reason: "Avaunt, you cullion!" });
    expect(room.getOccupant("thirdwitch")).toBeUndefined();
  });

  it("ban (301): `affiliationChange` to outcast, THEN `leave` BANNED (example 113 plus actor and reason)", async () => {
    const { h, room, events } = await asCrone();
    const hag = room.getOccupant("thirdwitch");
    const changes: AffiliationChangeEvent[] = [];
    const leaves: LeaveEvent[] = [];
    room.on("affiliationChange", (e) => changes.push(e));
    room.on("leave", (e) => leaves.push(e));
    h.conn.receive(`<presence type='unavailable' from='coven@chat.shakespeare.lit/thirdwitch' to='crone1@shakespeare.lit/desktop'>
      <x xmlns='http://jabber.org/protocol/muc#user'>
        <item affiliation='outcast' jid='hag66@shakespeare.lit/pda' role='none'>
          <actor nick='firstwitch'/>
          <reason>Treason</reason>
        </item>
        <status code='301'/>
      </x>
    </presence>`);
    expect(events).toEqual(["affiliationChange thirdwitch member -> outcast", "leave thirdwitch banned"]);
    expect(changes[0]).toMatchObject({ oldAffiliation: "member", newAffiliation: "outcast", actor: { nick: "firstwitch" }, reason: "Treason" });
    expect(leaves[0]).toMatchObject({ mode: LeaveMode.BANNED, actor: { nick: "firstwitch" }, reason: "Treason" });
    expect(leaves[0]!.occupant).toBe(hag);
    expect(hag).toMatchObject({ affiliation: "outcast", role: "none" });
  });

  const removals: { code: number; mode: LeaveMode; what: string; affiliation: string }[] = [
    { code: 321, mode: LeaveMode.AFFILIATION_CHANGE, what: "affiliation change (example 120)", affiliation: "none" },
    { code: 322, mode: LeaveMode.MODERATION_CHANGE, what: "room became members-only (§10.2)", affiliation: "member" },
    { code: 332, mode: LeaveMode.SYSTEM_SHUTDOWN, what: "system shutdown (§11.2)", affiliation: "member" },
    { code: 333, mode: LeaveMode.ERROR, what: "technical problem (§11.1, example 174)", affiliation: "member" },
  ];

  it.each(removals)("removal $code ($what) → `leave` $mode", async ({ code, mode, affiliation }) => {
    const { h, room, events } = await asCrone();
    const leaves: LeaveEvent[] = [];
    room.on("leave", (e) => leaves.push(e));
    h.conn.receive(`<presence from='coven@chat.shakespeare.lit/thirdwitch' to='crone1@shakespeare.lit/desktop' type='unavailable'>
      <x xmlns='http://jabber.org/protocol/muc#user'>
        <item affiliation='${affiliation}' role='none'><actor nick='TheBard'/></item>
        <status code='${code}'/>
      </x>
    </presence>`);
    expect(events.at(-1)).toBe(`leave thirdwitch ${mode}`);
    expect(leaves).toMatchObject([{ mode, actor: { nick: "TheBard" } }]);
    expect(room.getOccupant("thirdwitch")).toBeUndefined();
    expect(room.joined).toBe(true);
  });

  it("333 together with 307 is an ERROR removal, not a kick (XEP-0045 §11.1: ignore 307 with 333)", async () => {
    const { h, events } = await asCrone();
    h.conn.receive(`<presence from='${ROOM}/thirdwitch' type='unavailable'>
      <x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='member' role='none'/><status code='307'/><status code='333'/></x>
    </presence>`);
    expect(events).toEqual(["leave thirdwitch error"]);
  });
});

describe("our own removal: `exit`", () => {
  const cases: { codes: number[]; mode: LeaveMode; affiliation: string; what: string }[] = [
    { codes: [110, 307], mode: LeaveMode.KICKED, affiliation: "member", what: "kicked (example 89)" },
    { codes: [301], mode: LeaveMode.BANNED, affiliation: "outcast", what: "banned (example 112, no 110: recognised by nick)" },
    { codes: [110, 321], mode: LeaveMode.AFFILIATION_CHANGE, affiliation: "none", what: "affiliation change" },
    { codes: [110, 322], mode: LeaveMode.MODERATION_CHANGE, affiliation: "none", what: "room became members-only" },
    { codes: [110, 332], mode: LeaveMode.SYSTEM_SHUTDOWN, affiliation: "member", what: "system shutdown (example 175)" },
    { codes: [110, 333], mode: LeaveMode.ERROR, affiliation: "member", what: "technical problem, autorejoin off (example 173)" },
  ];

  it.each(cases)("$codes: $what → `exit` $mode", async ({ codes, mode, affiliation }) => {
    const { h, room, events } = await asHag({ autorejoin: false });
    const exits: ExitEvent[] = [];
    room.on("exit", (e) => exits.push(e));
    h.conn.receive(`<presence from='coven@chat.shakespeare.lit/thirdwitch' to='hag66@shakespeare.lit/pda' type='unavailable'>
      <x xmlns='http://jabber.org/protocol/muc#user'>
        <item affiliation='${affiliation}' role='none'>
          <actor nick='Fluellen'/>
          <reason>Avaunt, you cullion!</reason>
        </item>
        ${codes.map((c) => `<status code='${c}'/>`).join("")}
      </x>
    </presence>`);
    expect(events.at(-1)).toBe(`exit ${mode}`);
    expect(events.filter((e) => e.startsWith("exit"))).toHaveLength(1);
    expect(events.filter((e) => e.startsWith("leave"))).toEqual([]);
    expect(exits[0]).toMatchObject({ mode, actor: { nick: "Fluellen" }, reason: "Avaunt, you cullion!", alternateVenue: undefined, error: undefined });
    expect(exits[0]!.stanza?.attrs.type).toBe("unavailable");
    expect(room.joined).toBe(false);
    expect(room.active).toBe(false);
    expect(h.muc.getRoom(ROOM)).toBeUndefined();
    expect(h.muc.rooms).toEqual([]);
    // Nothing is sent back (no rejoin, no leave).
    await flush();
    expect(h.conn.takeSent()).toEqual([]);
  });

  it("a ban fires `affiliationChange` for us before `exit`", async () => {
    const { h, events } = await asHag();
    h.conn.receive(`<presence from='${ROOM}/thirdwitch' type='unavailable'>
      <x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='outcast' role='none'/><status code='110'/><status code='301'/></x></presence>`);
    expect(events).toEqual(["affiliationChange thirdwitch member -> outcast", "exit banned"]);
  });

  it("333 with autorejoin on: suspend, a rejoin presence, then resume when the self-presence comes back — no exit", async () => {
    const { h, room, events } = await asHag({ history: { maxStanzas: 20 }, password: "cauldronburn" });
    const me = room.me;
    h.conn.takeSent();
    h.conn.receive(`<presence from='harfleur@chat.shakespeare.lit/pistol' type='unavailable'/>`); // unrelated room: ignored
    h.conn.receive(`<presence from='coven@chat.shakespeare.lit/thirdwitch' to='hag66@shakespeare.lit/pda' type='unavailable'>
      <x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='member' role='none'/><status code='110'/><status code='333'/></x>
    </presence>`);
    expect(events).toEqual(["suspend"]);
    expect(room.joined).toBe(true);
    expect(room.active).toBe(false);
    expect(h.muc.getRoom(ROOM)).toBe(room);

    const rejoin = await h.conn.nextSent(isJoinPresence);
    expect(rejoin.attrs.to).toBe(`${ROOM}/thirdwitch`);
    const x = rejoin.getChild("x", NS_MUC)!;
    expect(x.getChildText("password")).toBe("cauldronburn");

    // The room takes us back: firstwitch is still there, secondwitch is gone.
    h.conn.receive(`<presence from='${ROOM}/firstwitch' to='${HAG}'>
      <x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='owner' jid='crone1@shakespeare.lit/desktop' role='moderator'/></x></presence>`);
    h.conn.receive(`<presence from='${ROOM}/thirdwitch' to='${HAG}'>
      <x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='member' role='participant'/><status code='110'/></x></presence>`);
    expect(events).toEqual(["suspend", "leave secondwitch normal", "resume"]);
    expect(room.active).toBe(true);
    expect(room.me).toBe(me);
    expect(room.occupants.map((o) => o.nick)).toEqual(["thirdwitch", "firstwitch"]);
  });

  it("the rejoin's self-presence states the features afresh and fires `configChange` once, after `resume`", async () => {
    const { h, room, events } = await asHag({ codes: [100] });
    h.conn.receive(`<presence from='${ROOM}/thirdwitch' type='unavailable'>
      <x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='member' role='none'/><status code='110'/><status code='333'/></x></presence>`);
    await h.conn.nextSent(isJoinPresence);
    h.conn.receive(`<presence from='${ROOM}/firstwitch'><x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='owner' role='moderator'/></x></presence>`);
    h.conn.receive(`<presence from='${ROOM}/secondwitch'><x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='admin' role='moderator'/></x></presence>`);
    h.conn.receive(`<presence from='${ROOM}/thirdwitch'>
      <x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='member' role='participant'/><status code='110'/><status code='170'/></x></presence>`);
    expect(events).toEqual(["suspend", "resume", "configChange 110,170"]);
    expect(room.features).toEqual({ nonAnonymous: undefined, logged: true });
  });

  it("a rejoin the service answers under another nick (110 + 210) fires `nickChange` before `resume`", async () => {
    const { h, room, events } = await asHag();
    const me = room.me;
    h.conn.receive(`<presence from='${ROOM}/thirdwitch' type='unavailable'>
      <x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='member' role='none'/><status code='110'/><status code='333'/></x></presence>`);
    await h.conn.nextSent(isJoinPresence);
    h.conn.receive(`<presence from='${ROOM}/firstwitch'><x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='owner' role='moderator'/></x></presence>`);
    h.conn.receive(`<presence from='${ROOM}/secondwitch'><x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='admin' role='moderator'/></x></presence>`);
    h.conn.receive(`<presence from='${ROOM}/thirdwitch_'>
      <x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='member' role='participant'/><status code='110'/><status code='210'/></x></presence>`);
    expect(events).toEqual(["suspend", "nickChange thirdwitch -> thirdwitch_", "resume"]);
    expect(room.nick).toBe("thirdwitch_");
    expect(room.me).toBe(me);
    expect(room.getOccupant("thirdwitch_")).toBe(me);
    expect(room.getOccupant("thirdwitch")).toBeUndefined();
  });

  it("333 with 307 and autorejoin on rejoins too", async () => {
    const { h, events } = await asHag();
    h.conn.takeSent();
    h.conn.receive(`<presence from='${ROOM}/thirdwitch' type='unavailable'>
      <x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='member' role='none'/><status code='110'/><status code='307'/><status code='333'/></x></presence>`);
    expect(events).toEqual(["suspend"]);
    await expect(h.conn.nextSent(isJoinPresence)).resolves.toBeDefined();
  });

  it("room destroyed (§10.9, example 169): `exit` DESTROYED with the alternate venue and the reason", async () => {
    h = setup(HAG);
    const { room } = await enterAs(h, "thirdwitch", { room: "heath@chat.shakespeare.lit", others: [] });
    const exits: ExitEvent[] = [];
    room.on("exit", (e) => exits.push(e));
    h.conn.receive(`<presence from='heath@chat.shakespeare.lit/thirdwitch' to='hag66@shakespeare.lit/pda' type='unavailable'>
      <x xmlns='http://jabber.org/protocol/muc#user'>
        <item affiliation='none' role='none'/>
        <destroy jid='coven@chat.shakespeare.lit'>
          <reason>Macbeth doth come.</reason>
        </destroy>
      </x>
    </presence>`);
    expect(exits).toHaveLength(1);
    expect(exits[0]).toMatchObject({ mode: LeaveMode.DESTROYED, reason: "Macbeth doth come." });
    expect(exits[0]!.alternateVenue?.toString()).toBe("coven@chat.shakespeare.lit");
    expect(room.joined).toBe(false);
    expect(h.muc.getRoom("heath@chat.shakespeare.lit")).toBeUndefined();
  });
});

describe("nick changes", () => {
  it("another occupant (example 55, as crone1 sees it): `nickChange` once, no leave/join, same Occupant object", async () => {
    const { h, room, events } = await asCrone();
    const hag = room.getOccupant("thirdwitch");
    const changes: NickChangeEvent[] = [];
    room.on("nickChange", (e) => changes.push(e));
    h.conn.receive(`<presence from='coven@chat.shakespeare.lit/thirdwitch' id='5C1B95B3-7CCC-4422-A952-8885A050BDE9' to='crone1@shakespeare.lit/desktop' type='unavailable'>
      <x xmlns='http://jabber.org/protocol/muc#user'>
        <item affiliation='member' jid='hag66@shakespeare.lit/pda' nick='oldhag' role='participant'/>
        <status code='303'/>
      </x>
    </presence>`);
    h.conn.receive(`<presence from='coven@chat.shakespeare.lit/oldhag' id='19E41EB3-3F4C-444F-8A1B-713A8860980C' to='crone1@shakespeare.lit/desktop'>
      <x xmlns='http://jabber.org/protocol/muc#user'>
        <item affiliation='member' jid='hag66@shakespeare.lit/pda' role='participant'/>
      </x>
    </presence>`);
    expect(events).toEqual(["nickChange thirdwitch -> oldhag"]);
    expect(changes[0]).toMatchObject({ oldNick: "thirdwitch", newNick: "oldhag" });
    expect(changes[0]!.occupant).toBe(hag);
    expect(changes[0]!.stanza.attrs.type).toBe("unavailable");
    expect(room.getOccupant("oldhag")).toBe(hag);
    expect(room.getOccupant("thirdwitch")).toBeUndefined();
    expect(hag).toMatchObject({ nick: "oldhag", role: "participant", affiliation: "member" });
    expect(hag?.occupantJid).toBe(`${ROOM}/oldhag`);
    expect(room.occupants.map((o) => o.nick)).toEqual(["firstwitch", "secondwitch", "oldhag"]);

    // Later changes follow the occupant under its new nick.
    h.conn.receive(`<presence from='${ROOM}/oldhag'><show>away</show><x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='member' role='participant'/></x></presence>`);
    expect(events.at(-1)).toBe("statusChange oldhag away {}");
    h.conn.receive(`<presence from='${ROOM}/oldhag' type='unavailable'><x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='member' role='none'/></x></presence>`);
    expect(events.at(-1)).toBe("leave oldhag normal");
  });

  it("a nick change that also changes status fires `nickChange`, then `statusChange`", async () => {
    const { h, events } = await asCrone();
    h.conn.receive(`<presence from='${ROOM}/thirdwitch' type='unavailable'>
      <x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='member' nick='oldhag' role='participant'/><status code='303'/></x></presence>`);
    h.conn.receive(`<presence from='${ROOM}/oldhag'><status>renamed</status>
      <x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='member' role='participant'/></x></presence>`);
    expect(events).toEqual(["nickChange thirdwitch -> oldhag", `statusChange oldhag available {"":"renamed"}`]);
  });

  it("ours via room.setNick(): the presence of example 54, resolving after 303 and the new presence (example 55)", async () => {
    const { h, room, events } = await asHag();
    const me = room.me;
    h.conn.takeSent();
    const done = room.setNick("oldhag");
    const sent = await h.conn.nextSent((s) => s.is("presence"));
    expect(sent.attrs.to).toBe(`${ROOM}/oldhag`);
    expect(sent.attrs.type).toBeUndefined();
    expect(sent.getChild("x", NS_MUC)).toBeUndefined();

    h.conn.receive(`<presence from='coven@chat.shakespeare.lit/thirdwitch' id='DC352437-C019-40EC-B590-AF29E879AF98' to='hag66@shakespeare.lit/pda' type='unavailable'>
      <x xmlns='http://jabber.org/protocol/muc#user'>
        <item affiliation='member' jid='hag66@shakespeare.lit/pda' nick='oldhag' role='participant'/>
        <status code='303'/>
        <status code='110'/>
      </x>
    </presence>`);
    expect(room.joined).toBe(true);
    h.conn.receive(`<presence from='coven@chat.shakespeare.lit/oldhag' id='5B4F27A4-25ED-43F7-A699-382C6B4AFC67' to='hag66@shakespeare.lit/pda'>
      <x xmlns='http://jabber.org/protocol/muc#user'>
        <item affiliation='member' jid='hag66@shakespeare.lit/pda' role='participant'/>
        <status code='110'/>
      </x>
    </presence>`);
    await expect(done).resolves.toBeUndefined();
    expect(events).toEqual(["nickChange thirdwitch -> oldhag"]);
    expect(room.nick).toBe("oldhag");
    expect(room.me).toBe(me);
    expect(room.getOccupant("oldhag")).toBe(me);
    expect(room.getOccupant("thirdwitch")).toBeUndefined();
  });

  it("ours, modified by the service (example 57: 303 to the lower-cased nick, then 110 + 210): resolves with the service's nick", async () => {
    const { h, room, events } = await asHag();
    const done = room.setNick("OldHag", { timeout: 2_000 });
    const sent = await h.conn.nextSent((s) => s.is("presence") && s.attrs.to === `${ROOM}/OldHag`);
    expect(sent).toBeDefined();
    h.conn.receive(`<presence from='${ROOM}/thirdwitch' to='${HAG}' type='unavailable'>
      <x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='member' jid='${HAG}' nick='oldhag' role='participant'/><status code='303'/><status code='110'/></x>
    </presence>`);
    h.conn.receive(`<presence from='coven@chat.shakespeare.lit/oldhag' id='D0E2B666-3373-42C9-B726-D52C40A48383' to='hag66@shakespeare.lit/pda'>
      <x xmlns='http://jabber.org/protocol/muc#user'>
        <item affiliation='member' jid='hag66@shakespeare.lit/pda' role='participant'/>
        <status code='110'/>
        <status code='210'/>
      </x>
    </presence>`);
    await expect(done).resolves.toBeUndefined();
    expect(room.nick).toBe("oldhag");
    expect(events).toEqual(["nickChange thirdwitch -> oldhag"]);
  });

  it("ours, when the service skips the 303 and only sends our presence under the new nick: resolves, `nickChange` once", async () => {
    const { h, room, events } = await asHag();
    const done = room.setNick("oldhag", { timeout: 2_000 });
    await h.conn.nextSent((s) => s.is("presence") && s.attrs.to === `${ROOM}/oldhag`);
    h.conn.receive(`<presence from='${ROOM}/oldhag'><x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='member' role='participant'/><status code='110'/></x></presence>`);
    await expect(done).resolves.toBeUndefined();
    expect(events).toEqual(["nickChange thirdwitch -> oldhag"]);
    expect(room.nick).toBe("oldhag");
  });

  it("ours: a self-presence under the old nick while the change is pending does not complete it", async () => {
    const { h, room } = await asHag();
    const done = room.setNick("oldhag", { timeout: 2_000 });
    let settled = false;
    void done.then(() => (settled = true));
    await h.conn.nextSent((s) => s.is("presence") && s.attrs.to === `${ROOM}/oldhag`);
    h.conn.receive(`<presence from='${ROOM}/thirdwitch'><show>away</show><x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='member' role='participant'/><status code='110'/></x></presence>`);
    await flush();
    expect(settled).toBe(false);
    h.conn.receive(`<presence from='${ROOM}/thirdwitch' type='unavailable'><x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='member' nick='oldhag' role='participant'/><status code='303'/><status code='110'/></x></presence>`);
    h.conn.receive(`<presence from='${ROOM}/oldhag'><x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='member' role='participant'/><status code='110'/></x></presence>`);
    await expect(done).resolves.toBeUndefined();
  });

  it("ours, refused with conflict (example 58, from our current nick): rejects with XMPPError conflict, nick unchanged", async () => {
    const { h, room, events } = await asHag();
    const done = room.setNick("oldhag", { timeout: 2_000 });
    await h.conn.nextSent((s) => s.is("presence") && s.attrs.to === `${ROOM}/oldhag`);
    h.conn.receive(`<presence from='coven@chat.shakespeare.lit/thirdwitch' id='ifd1c35' to='hag66@shakespeare.lit/pda' type='error'>
      <x xmlns='http://jabber.org/protocol/muc'/>
      <error by='coven@chat.shakespeare.lit' type='cancel'>
        <conflict xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/>
      </error>
    </presence>`);
    await expect(done).rejects.toBeInstanceOf(XMPPError);
    await expect(done).rejects.toMatchObject({ condition: "conflict", type: "cancel" });
    expect(room.nick).toBe("thirdwitch");
    expect(room.joined).toBe(true);
    expect(events).toEqual([]);
  });

  it("ours, refused from the requested nick (as Prosody answers): rejects with conflict", async () => {
    const { h, room } = await asHag();
    const done = room.setNick("secondwitch", { timeout: 2_000 });
    const sent = await h.conn.nextSent((s) => s.is("presence") && s.attrs.to === `${ROOM}/secondwitch`);
    h.conn.replyError(sent, "conflict", { from: `${ROOM}/secondwitch` });
    await expect(done).rejects.toMatchObject({ name: "XMPPError", condition: "conflict" });
    expect(room.nick).toBe("thirdwitch");
    expect(room.getOccupant("secondwitch")?.isSelf).toBe(false);
  });

  it("ours, refused because nicks are locked down (example 59): rejects with not-acceptable", async () => {
    const { h, room } = await asHag();
    const done = room.setNick("oldhag", { timeout: 2_000 });
    const sent = await h.conn.nextSent((s) => s.is("presence") && s.attrs.to === `${ROOM}/oldhag`);
    h.conn.replyError(sent, "not-acceptable", { from: `${ROOM}/thirdwitch` });
    await expect(done).rejects.toMatchObject({ name: "XMPPError", condition: "not-acceptable" });
    // A later nick change works.
    const again = room.setNick("oldhag2", { timeout: 2_000 });
    await h.conn.nextSent((s) => s.is("presence") && s.attrs.to === `${ROOM}/oldhag2`);
    h.conn.receive(`<presence from='${ROOM}/thirdwitch' type='unavailable'><x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='member' nick='oldhag2' role='participant'/><status code='303'/><status code='110'/></x></presence>`);
    h.conn.receive(`<presence from='${ROOM}/oldhag2'><x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='member' role='participant'/><status code='110'/></x></presence>`);
    await expect(again).resolves.toBeUndefined();
    expect(room.nick).toBe("oldhag2");
  });
});

describe("occupant identity data", () => {
  it("occupant-id (XEP-0421) is stored on the occupant, ours too, and kept across a nick change", async () => {
    h = setup(HAG);
    const { room, joined } = h.muc.join(ROOM, "thirdwitch");
    await h.conn.nextSent(isJoinPresence);
    h.conn.receive(`<presence from='${ROOM}/firstwitch'>
      <x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='owner' role='moderator'/></x>
      <occupant-id xmlns='urn:xmpp:occupant-id:0' id='dd72603deec90a38ba552f7c68cbcc61bca202cd'/>
    </presence>`);
    h.conn.receive(`<presence from='${ROOM}/thirdwitch'>
      <x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='member' role='participant'/><status code='110'/></x>
      <occupant-id xmlns='urn:xmpp:occupant-id:0' id='9b5e6ed1d8c2bd6e3a8d4e3f1f8b0c37a3cbd0f1'/>
    </presence>`);
    await joined;
    expect(room.getOccupant("firstwitch")?.occupantId).toBe("dd72603deec90a38ba552f7c68cbcc61bca202cd");
    expect(room.me?.occupantId).toBe("9b5e6ed1d8c2bd6e3a8d4e3f1f8b0c37a3cbd0f1");

    const crone = room.getOccupant("firstwitch");
    h.conn.receive(`<presence from='${ROOM}/firstwitch' type='unavailable'>
      <x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='owner' nick='crone' role='moderator'/><status code='303'/></x>
      <occupant-id xmlns='urn:xmpp:occupant-id:0' id='dd72603deec90a38ba552f7c68cbcc61bca202cd'/>
    </presence>`);
    h.conn.receive(`<presence from='${ROOM}/crone'>
      <x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='owner' role='moderator'/></x>
      <occupant-id xmlns='urn:xmpp:occupant-id:0' id='dd72603deec90a38ba552f7c68cbcc61bca202cd'/>
    </presence>`);
    expect(room.getOccupant("crone")).toBe(crone);
    expect(crone?.occupantId).toBe("dd72603deec90a38ba552f7c68cbcc61bca202cd");
  });

  it("real JIDs of a non-anonymous room (item jid, example 25) are stored", async () => {
    const { h, room } = await asCrone();
    expect(room.getOccupant("secondwitch")?.jid?.toString()).toBe("wiccarocks@shakespeare.lit/laptop");
    expect(room.getOccupant("thirdwitch")?.jid?.toString()).toBe("hag66@shakespeare.lit/pda");
    expect(room.me?.jid?.toString()).toBe(CRONE);
    h.conn.receive(`<presence from='coven@chat.shakespeare.lit/fourthwitch' to='crone1@shakespeare.lit/desktop'>
      <x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='none' jid='hecate@shakespeare.lit/broom' role='participant'/></x>
    </presence>`);
    expect(room.getOccupant("fourthwitch")?.jid?.toString()).toBe("hecate@shakespeare.lit/broom");
  });

  it("without a jid the real JID stays unknown (semi-anonymous)", async () => {
    h = setup(HAG);
    const { room } = await enterAs(h, "thirdwitch", { others: [] });
    h.conn.receive(`<presence from='${ROOM}/fourthwitch'><x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='none' role='participant'/></x></presence>`);
    expect(room.getOccupant("fourthwitch")?.jid).toBeUndefined();
  });
});

describe("room features from status codes", () => {
  it("self-presence 100 and 170 (example 26/31): features set, `enter` first, then `configChange`", async () => {
    h = setup(HAG);
    const { room, joined } = h.muc.join(ROOM, "thirdwitch");
    const events = recordEvents(room);
    let featuresAtEnter: unknown;
    room.on("enter", () => (featuresAtEnter = room.features));
    await h.conn.nextSent(isJoinPresence);
    h.conn.receive(`<presence from='coven@chat.shakespeare.lit/thirdwitch' id='n13mt3l' to='hag66@shakespeare.lit/pda'>
      <x xmlns='http://jabber.org/protocol/muc#user'>
        <item affiliation='member' role='participant'/>
        <status code='100'/>
        <status code='110'/>
        <status code='170'/>
        <status code='210'/>
      </x>
    </presence>`);
    await joined;
    expect(room.features).toEqual({ nonAnonymous: true, logged: true });
    expect(featuresAtEnter).toEqual({ nonAnonymous: true, logged: true });
    expect(events).toEqual(["enter thirdwitch nickAssigned", "configChange 100,110,170,210"]);
  });

  it("a room that says nothing leaves both features undefined", async () => {
    const { room } = await asHag();
    expect(room.features).toEqual({ nonAnonymous: undefined, logged: undefined });
  });

  const messages: { code: number; features: { nonAnonymous: boolean | undefined; logged: boolean | undefined } }[] = [
    { code: 170, features: { nonAnonymous: true, logged: true } },
    { code: 171, features: { nonAnonymous: true, logged: false } },
    { code: 172, features: { nonAnonymous: true, logged: undefined } },
    { code: 173, features: { nonAnonymous: false, logged: undefined } },
    { code: 174, features: { nonAnonymous: false, logged: undefined } },
    { code: 104, features: { nonAnonymous: true, logged: undefined } },
  ];

  it.each(messages)("groupchat message from the room with $code (example 162): features and `configChange`", async ({ code, features }) => {
    const { h, room, events } = await asHag({ codes: [100] });
    const changes: ConfigChangeEvent[] = [];
    room.on("configChange", (e) => changes.push(e));
    h.conn.receive(`<message from='coven@chat.shakespeare.lit' id='80349046-F26A-44F3-A7A6-54825064DD9E' to='hag66@shakespeare.lit/pda' type='groupchat'>
      <x xmlns='http://jabber.org/protocol/muc#user'>
        <status code='${code}'/>
      </x>
    </message>`);
    expect(events).toEqual([`configChange ${code}`]);
    expect(changes[0]!.statusCodes).toEqual([code]);
    expect(changes[0]!.stanza.attrs.id).toBe("80349046-F26A-44F3-A7A6-54825064DD9E");
    expect(room.features).toEqual(features);
  });

  it("codes flip the features both ways: 173 then 172, 170 then 171", async () => {
    const { h, room } = await asHag({ codes: [100, 170] });
    const config = (code: number): void => {
      h.conn.receive(`<message from='${ROOM}' type='groupchat'><x xmlns='http://jabber.org/protocol/muc#user'><status code='${code}'/></x></message>`);
    };
    config(173);
    expect(room.features.nonAnonymous).toBe(false);
    config(172);
    expect(room.features.nonAnonymous).toBe(true);
    config(171);
    expect(room.features.logged).toBe(false);
    config(170);
    expect(room.features.logged).toBe(true);
  });

  it("a later self-presence with 173 clears nonAnonymous learned from 100 at join", async () => {
    const { h, room, events } = await asHag({ codes: [100] });
    expect(room.features.nonAnonymous).toBe(true);
    h.conn.receive(`<presence from='${ROOM}/thirdwitch'><x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='member' role='participant'/><status code='110'/><status code='173'/></x></presence>`);
    expect(room.features.nonAnonymous).toBe(false);
    expect(events).toEqual(["configChange 110,173"]);
  });

  it("a non-groupchat message from the room with 104 also fires `configChange`", async () => {
    const { h, events } = await asHag();
    h.conn.receive(`<message from='${ROOM}'><x xmlns='http://jabber.org/protocol/muc#user'><status code='104'/></x></message>`);
    expect(events).toEqual(["configChange 104"]);
  });

  it("the status-only message is not a `message` event", async () => {
    const { h, events } = await asHag();
    h.conn.receive(`<message from='${ROOM}' type='groupchat'><x xmlns='http://jabber.org/protocol/muc#user'><status code='104'/></x></message>`);
    expect(events.filter((e) => e.startsWith("message"))).toEqual([]);
  });
});

describe("the join presence of a rejoin (333) compared canonically", () => {
  it("asks for the history of the seconds since the last message seen (at most 1,000 messages), with the password", async () => {
    const { h, room } = await asHag({ password: "cauldronburn", history: { maxStanzas: 20 } });
    h.conn.receive(`<message from='${ROOM}/firstwitch' type='groupchat' id='live1'><body>Live.</body></message>`);
    h.conn.takeSent();
    h.conn.receive(`<presence from='${ROOM}/thirdwitch' type='unavailable'><x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='member' role='none'/><status code='110'/><status code='333'/></x></presence>`);
    const rejoin = await h.conn.nextSent(isJoinPresence);
    const x = rejoin.getChild("x", NS_MUC)!;
    const seconds = x.getChild("history")?.attrs.seconds as string;
    // The margin's 60 s, and at most a second of this test.
    expect(["60", "61"]).toContain(seconds);
    expect(canonical(x)).toBe(canonical(parseXml(`<x xmlns='${NS_MUC}'><history maxstanzas='1000' seconds='${seconds}'/><password>cauldronburn</password></x>`)));
    expect(room.joined).toBe(true);
  });
});
