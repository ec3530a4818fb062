/**
 * How a room reads presences: occupants joining, leaving, changing nick,
 * role, affiliation or status; our own self-presence; errors. Functions over
 * the room's state ({@link RoomCore}); not part of the package's API.
 *
 * @module
 */
import type { Element } from "@xmpp/xml";
import type { JID } from "@xmpp/jid";
import { mucUserX, type MucUserItem, type MucUserX } from "../xso/muc-user.js";
import { occupantId as occupantIdCodec } from "../xso/occupant-id.js";
import { presenceState, type PresenceShow, type PresenceState } from "../xso/presence.js";
import { readOccupantPresence, type OccupantPresence } from "../xso/occupant-presence.js";
import { hats as hatsCodec, sameHats, type Hat } from "../xso/hats.js";
import { vcardUpdate } from "../xso/vcard-update.js";
import { XMPPError } from "../xso/stanza-error.js";
import { NS_CLIENT } from "../xso/ns.js";
import { mapJidParts } from "../xso/values.js";
import { isDecodeError } from "../xso/errors.js";
import type { LeaveMode } from "./enums.js";
import { Occupant, updateOccupant } from "./occupant.js";
import { isValidNick } from "./addresses.js";
import { detach, keptDomain } from "./kept-strings.js";
import type { RoomCore } from "./room-core.js";

/** A presence from this room's JID: `nick` is its resource (`""` from the room itself). */
export function handlePresence(core: RoomCore, stanza: Element, nick: string): void {
  if (core.sync.presenceOutOfStep) {
    core.debug(`ignoring a presence of ${nick || "the room"} about the dead session's occupancy`);
    return;
  }
  core.pinger?.activity();
  if (stanza.attrs.type === "error") {
    onErrorPresence(core, stanza, nick);
    return;
  }
  if (!nick) {
    core.debug(`ignoring a presence from the bare room JID`);
    return;
  }
  // The common occupant presence in one pass; anything else through the codecs.
  const fast = readOccupantPresence(stanza);
  let x: MucUserX | undefined;
  let basics: PresenceState;
  if (fast) {
    x = fast.x;
    basics = fast.state;
  } else {
    try {
      x = mucUserX.findIn(stanza, NS_CLIENT);
      basics = presenceState.decode(stanza);
    } catch (e) {
      core.debug(`ignoring a malformed presence from ${nick}`, isDecodeError(e) ? e.message : e);
      return;
    }
  }
  if (!x) {
    core.debug(`ignoring a presence without muc#user data from ${nick}`);
    return;
  }
  const codes = x.statusCodes;
  const item: MucUserItem = x.items[0] ?? {};
  // 110: the presence is about us.
  // While joining, a presence under the nick we asked for is ours even without 110 (servers that leave it out),
  // but not an unavailable one, unless we left: that is someone leaving the nick (a ghost of an older session of ours).
  const isSelf =
    codes.includes(110) ||
    (core.state === "joining" && nick === core.requestedNick && basics.type !== "unavailable") ||
    (core.leftWhileJoining() && nick === core.requestedNick) ||
    (core.me !== undefined && nick === core.me.nick && core.state !== "joining" && core.state !== "rejoining");

  // Our self-presence answers the join whose id it carries (and the older ones).
  if (isSelf && basics.type === "available") core.joinAnswers.answered(typeof stanza.attrs.id === "string" ? stanza.attrs.id : undefined);
  if (basics.type === "unavailable") {
    onUnavailable(core, stanza, nick, x, item, isSelf);
  } else if (basics.type === "available") {
    onAvailable(core, stanza, nick, x, item, isSelf, basics.show, basics.status, fast);
  }
}

function onErrorPresence(core: RoomCore, stanza: Element, nick: string): void {
  const error = XMPPError.fromStanza(stanza);
  if (core.state === "joining" && (nick === "" || nick === core.requestedNick)) {
    core.failJoin(error);
    core.close();
    return;
  }
  if (core.leftWhileJoining() && (nick === "" || nick === core.requestedNick)) {
    // The join we gave up on was refused: we are out, as leave() asked.
    core.exit({ mode: "normal", stanza });
    return;
  }
  // A refused nick change comes from the requested nick (Prosody), from our
  // current one (XEP-0045 §7.6 examples 58–59) or from the room itself.
  if (core.nickChange && (nick === core.nickChange.nick || nick === core.nick || nick === "")) {
    core.endNickChange(error);
    return;
  }
  if (core.state === "rejoining" && (nick === "" || nick === core.requestedNick)) {
    // Refused for now (a gateway not back yet after a server restart): rejoin again later.
    if (error.type === "wait" && core.rejoins.retryLater(error)) return;
    core.exit({ mode: "error", error, stanza });
    return;
  }
  core.debug(`error presence (${error.condition}) for ${nick || "the room"}`);
}

function onUnavailable(core: RoomCore, stanza: Element, nick: string, x: MucUserX, item: MucUserItem, isSelf: boolean): void {
  const codes = x.statusCodes;
  // Whoever we held a presence of under our nick has gone again.
  if (!isSelf && nick === core.me?.nick) core.heldUnderOurNick = undefined;
  const occupant = isSelf ? core.me : core.others.get(nick);
  // 303: a nick change, with the new nick in the item.
  if (codes.includes(303) && item.nick !== undefined) {
    if (!isValidNick(core.jid, item.nick) || item.nick === nick) {
      core.debug(`ignoring a nick change of ${nick} to an invalid or the same nick`);
      return;
    }
    if (occupant) rename(core, occupant, nick, detach(item.nick), stanza);
    return;
  }
  const mode = leaveMode(codes, x);
  if (isSelf && mode === "normal" && (core.state === "joining" || core.state === "rejoining")) {
    // A room answers a join with our self-presence or an error, never with a
    // plain exit: this one ends an older occupancy under our nick, one the
    // (re)join replaces. ejabberd sends it when a new session binds the full
    // JID of a dead one that was in the room — to the new session, while
    // it rejoins. Taken as ours, the room would end instead of resuming.
    core.debug(`ignoring an unavailable self-presence while ${core.state}: the end of an older occupancy`);
    return;
  }
  const actor = item.actor;
  const reason = item.reason ?? x.destroy?.reason;
  if (occupant) affiliationFrom(core, occupant, item, reason, stanza);
  if (isSelf) {
    if (core.state === "joining") {
      // The room removed us while we were joining.
      core.failJoin(new XMPPError("undefined-condition", { text: `removed while joining (${mode})`, stanza }));
      core.close();
      return;
    }
    // Removed without our asking, for no reason a moderator or the service
    // gave: status 333 (a technical problem), or no removal code at all while
    // we did not ask to leave (ejabberd removes an occupant whose session
    // bounced a message of the room — the dead session a new one replaced —
    // with only a status text). Come back, as after a dead stream: the
    // rejoin's history fills the gap, and our messages wait for it.
    const exit = (): void => core.exit({ mode, actor, reason, stanza, alternateVenue: x.destroy?.jid });
    if (mode === "normal" && core.state === "joined" && core.autorejoin && core.joinAnswers.pending) {
      // The room answers an earlier join of ours (see JoinAnswers): its self-presence, history and subject follow.
      core.debug(`our occupancy ended while the room may still answer an earlier join of ours: awaiting that answer`);
      core.awaitRoomRejoin(exit);
      return;
    }
    if ((mode === "error" || mode === "normal") && core.rejoins.afterRemoval()) {
      core.debug(`removed from the room (${mode === "error" ? "status 333" : "no removal code"}) without leaving: rejoining`);
      return;
    }
    exit();
    return;
  }
  if (occupant) core.left(occupant, stanza, mode, actor, reason);
}

function onAvailable(core: RoomCore, 
  stanza: Element,
  nick: string,
  x: MucUserX,
  item: MucUserItem,
  isSelf: boolean,
  show: PresenceShow | undefined,
  status: Record<string, string>,
  fast: OccupantPresence | undefined,
): void {
  // We left while joining: the room's answer to the join (occupants, our
  // self-presence) is moot; only our unavailable self-presence counts.
  if (core.leftWhileJoining()) return;
  if (!isSelf && item.role === "none") {
    // Role none is "not in the room" (XEP-0045 §5.1), whatever the presence
    // type says (a server bug): whoever was listed under the nick has gone.
    core.debug(`an available presence with role 'none' from ${nick}: not an occupant`);
    const holder = core.others.get(nick);
    if (holder !== undefined) core.left(holder, stanza);
    return;
  }
  if (!isSelf && core.me !== undefined && nick === core.me.nick) {
    // While rejoining, a presence under our nick without 110 is our old
    // self-presence lingering (nicks stay unique), unless the room then
    // gives us another nick: kept until our self-presence says which.
    core.debug(`holding a presence under our own nick without status 110`);
    core.heldUnderOurNick = stanza;
    return;
  }
  const codes = x.statusCodes;
  let occupant = isSelf && core.me ? core.me : core.others.get(nick);
  if (isSelf && occupant !== undefined && occupant === core.me && occupant.nick !== nick) {
    // We are under another nick without a 303 announcing it: the service
    // assigned one on a rejoin (status 210), or skipped the 303.
    const oldNick = occupant.nick;
    evictHolder(core, nick, occupant, stanza);
    core.addFormerNick(oldNick);
    core.requestedNick = nick;
    updateOccupant(occupant, { nick });
    core.emit("nickChange", { room: core.room, occupant, oldNick, newNick: nick, stanza });
    // Someone else's presence under the nick we had is theirs after all.
    const held = core.heldUnderOurNick;
    core.heldUnderOurNick = undefined;
    if (held !== undefined) handlePresence(core, held, oldNick);
  } else if (isSelf) {
    core.heldUnderOurNick = undefined;
  }
  // What the one-pass reading read already (it declines presences with hats).
  const occupantId = fast ? fast.occupantId : occupantIdCodec.tryFindIn(stanza, NS_CLIENT)?.id;
  const hats = fast ? NO_HATS : (hatsCodec.tryFindIn(stanza, NS_CLIENT)?.hats ?? NO_HATS);
  const photo = fast ? fast.avatarHash : vcardUpdate.tryFindIn(stanza, NS_CLIENT)?.photo;
  const avatarHash = photo ? detach(photo) : undefined;

  if (occupant === undefined || (isSelf && core.me === undefined)) {
    nick = detach(nick);
    const created = new Occupant({
      roomJid: core.jid,
      isSelf,
      nick,
      jid: detachJid(item.jid),
      role: item.role ?? "participant",
      affiliation: item.affiliation ?? "none",
      occupantId: occupantId === undefined ? undefined : detach(occupantId),
      show,
      status: detachTexts(status),
      hats,
      avatarHash,
    });
    if (isSelf) {
      // Nicks are unique, and the self-presence wins over whoever the room listed under ours.
      evictHolder(core, nick, created, stanza);
      core.me = created;
      core.entered(stanza, codes);
      return;
    }
    core.others.set(nick, created);
    core.emit("join", { room: core.room, occupant: created, initial: core.state === "joining", stanza });
    return;
  }

  core.stale?.delete(occupant);
  if (item.jid && !(occupant.jid && occupant.jid.equals(item.jid))) updateOccupant(occupant, { jid: detachJid(item.jid) });
  if (occupantId !== undefined && occupantId !== occupant.occupantId) updateOccupant(occupant, { occupantId: detach(occupantId) });
  if (!sameHats(hats, occupant.hats)) {
    const oldHats = occupant.hats;
    updateOccupant(occupant, { hats });
    core.emit("hatsChange", { room: core.room, occupant, oldHats, newHats: hats, stanza });
  }
  // XEP-0153 §3.2: a presence without the hash says nothing about the avatar; an empty <photo/> removes it.
  if (photo !== undefined && avatarHash !== occupant.avatarHash) {
    const oldHash = occupant.avatarHash;
    updateOccupant(occupant, { avatarHash });
    core.emit("avatarChange", { room: core.room, occupant, oldHash, newHash: avatarHash, stanza });
  }
  affiliationFrom(core, occupant, item, item.reason, stanza);
  if (item.role && item.role !== occupant.role) {
    const oldRole = occupant.role;
    updateOccupant(occupant, { role: item.role });
    core.emit("roleChange", { room: core.room, occupant, oldRole, newRole: item.role, actor: item.actor, reason: item.reason, stanza });
  }
  if (show !== occupant.show || !sameTexts(status, occupant.status)) {
    updateOccupant(occupant, { show, status: detachTexts(status) });
    core.emit("statusChange", { room: core.room, occupant, show, status, stanza });
  }
  if (isSelf) {
    evictHolder(core, nick, occupant, stanza);
    if (core.state === "rejoining") {
      core.resumed(stanza, codes);
      return;
    }
    // Our nick change is done when our presence under a new nick comes:
    // the one we asked for, or the one the service chose instead (it may
    // modify the nick, XEP-0045 §7.6 example 57, with status 210).
    if (core.nickChange && (nick === core.nickChange.nick || nick !== core.nickChange.from)) core.endNickChange();
    core.onStatusCodes(codes, stanza);
  }
}

/** Take the affiliation a presence's item states; fire `affiliationChange` when it differs. */
function affiliationFrom(core: RoomCore, occupant: Occupant, item: MucUserItem, reason: string | undefined, stanza: Element): void {
  const newAffiliation = item.affiliation;
  if (!newAffiliation || newAffiliation === occupant.affiliation) return;
  const oldAffiliation = occupant.affiliation;
  updateOccupant(occupant, { affiliation: newAffiliation });
  core.emit("affiliationChange", { room: core.room, occupant, oldAffiliation, newAffiliation, actor: item.actor, reason, stanza });
}

function rename(core: RoomCore, occupant: Occupant, oldNick: string, newNick: string, stanza: Element): void {
  // Nicks are unique: no one takes ours, and whoever else the room said held newNick is gone.
  if (!occupant.isSelf && newNick === core.me?.nick) {
    core.debug(`ignoring ${oldNick} taking our nick`);
    return;
  }
  evictHolder(core, newNick, occupant, stanza);
  if (!occupant.isSelf) {
    core.others.delete(oldNick);
    core.others.set(newNick, occupant);
  } else {
    core.addFormerNick(oldNick);
    core.requestedNick = newNick;
  }
  updateOccupant(occupant, { nick: newNick });
  core.emit("nickChange", { room: core.room, occupant, oldNick, newNick, stanza });
}

/** Another occupant the room listed under `nick`, which `occupant` now has: it left (`leave`, NORMAL). */
function evictHolder(core: RoomCore, nick: string, occupant: Occupant, stanza: Element): void {
  const holder = core.others.get(nick);
  if (holder !== undefined && holder !== occupant) core.left(holder, stanza);
}


/** The hats of an occupant without any (shared: no array per presence). */
const NO_HATS: readonly Hat[] = Object.freeze([]);

function detachJid(jid: JID | undefined): JID | undefined {
  return jid === undefined ? undefined : mapJidParts(jid, detach, keptDomain);
}

function detachTexts(texts: Record<string, string>): Record<string, string> {
  for (const k in texts) texts[k] = detach(texts[k] as string);
  return texts;
}

/**
 * The status codes of a removal and the LeaveMode each means, in order of
 * precedence: banned (301), removed after a technical problem (333), kicked
 * (307), by an affiliation change (321), because the room became
 * members-only (322), by a shutdown (332). 333 wins over 307: some servers
 * add 307 to a removal for a technical problem, and XEP-0045 §11.1 tells
 * clients to ignore the 307 then.
 */
const REMOVALS: readonly (readonly [number, LeaveMode])[] = [
  [301, "banned"],
  [333, "error"],
  [307, "kicked"],
  [321, "affiliation-change"],
  [322, "moderation-change"],
  [332, "system-shutdown"],
];

/** The LeaveMode of an unavailable presence: `destroyed` with a `<destroy/>`, else as its status codes say ({@link REMOVALS}). */
function leaveMode(codes: readonly number[], x: MucUserX): LeaveMode {
  if (x.destroy) return "destroyed";
  return REMOVALS.find(([code]) => codes.includes(code))?.[1] ?? "normal";
}

function sameTexts(a: Record<string, string>, b: Record<string, string>): boolean {
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  for (const k of ka) if (a[k] !== b[k]) return false;
  return true;
}
