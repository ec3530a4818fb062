/**
 * The user's presence in the room: joining (what the room needs first: its
 * info, its participants, its backfill; then the occupants, the
 * self-presence, the history and the subject), leaving, refused nick
 * changes, being out of the room when the user unregisters; and, after a
 * restart, catching up the resources that stayed joined. Functions over the
 * room's state ({@link MucCore}); not part of the package's API.
 *
 * @module
 */
import type { Element } from "@xmpp/xml";
import type { JID } from "@xmpp/jid";
import { NS_COMPONENT, NS_MUC } from "../../xso/ns.js";
import { mucJoin, type MucHistory } from "../../xso/muc.js";
import { StatusCode } from "../../xso/muc-user.js";
import { XMPPError } from "../../xso/stanza-error.js";
import { isDecodeError } from "../../xso/errors.js";
import { parseJid } from "../../xso/values.js";
import { isNonAnonymous } from "../muc-type.js";
import type { LegacyParticipant } from "../participant.js";
import { errorFor } from "../replies.js";
import type { GatewayStore, ParticipantRecord, RoomRecord } from "../store/store.js";
import { MucType } from "../muc-type.js";
import { backfillContext, type MucCore } from "./core.js";
import { historyMessage, occupantPresence, type OccupantPresenceOptions, type OccupantView } from "./stanzas.js";
import { archivedByStanzaId, archiveQuery, saveParticipant, saveParticipants, saveRoom } from "./store.js";

/** Default number of history messages sent on join when the user asks for no limit. */
const DEFAULT_HISTORY = 20;

/** A presence from one of the user's resources to the room or to an occupant of it. */
export async function onUserPresence(core: MucCore, stanza: Element, from: JID, to: JID): Promise<void> {
  const resource = from.resource;
  if (!resource) return;
  const type = stanza.attrs.type;
  if (type === "unavailable") {
    if (!core.joined.has(resource)) return;
    core.joined.delete(resource);
    saveRoom(core);
    const me = await core.room.getUserParticipant();
    await core.send(core.presenceTo(me, resource, { unavailable: true, codes: [StatusCode.SELF_PRESENCE] }));
    return;
  }
  if (type !== undefined && type !== "available") return;
  if (!to.resource) {
    await core.send(errorFor(stanza, new XMPPError("jid-malformed", { text: "A nick is required to join" })));
    return;
  }
  const isJoinRequest = stanza.getChild("x", NS_MUC) !== undefined;
  if (core.joined.get(resource) === true && !isJoinRequest) {
    const me = await core.room.getUserParticipant();
    if (to.resource !== me.nick) {
      // Policy: nicks come from the legacy network; they cannot be changed here.
      await core.send(errorFor(stanza, new XMPPError("not-acceptable", { text: "Nick changes are not supported by this gateway" })));
      return;
    }
    return; // a status update; nothing to relay
  }
  // A join request from a resource we count as joined (it rejoins, say
  // after a reconnect or after our restart): the full join flow again.
  await join(core, stanza, resource, to.resource);
}

async function join(core: MucCore, stanza: Element, resource: string, requestedNick: string): Promise<void> {
  const room = core.room;
  let history: MucHistory | undefined;
  try {
    history = mucJoin.findIn(stanza, NS_COMPONENT)?.history;
  } catch (e) {
    core.session.gateway.log.debug("ignoring a malformed join request's history", isDecodeError(e) ? e.message : e);
  }
  core.joined.set(resource, false);
  let me: LegacyParticipant | undefined;
  try {
    me = await prepareJoin(core, requestedNick);
  } catch (e) {
    // No half-joined resource is left behind; the gateway answers with the error.
    core.joined.delete(resource);
    throw e;
  }
  if (me === undefined || !core.registered) {
    await endUnregisteredJoin(core, stanza, resource, undefined);
    return;
  }
  if (me.affiliation === "outcast") {
    // XEP-0045 §7.2.8: a banned user cannot enter.
    core.joined.delete(resource);
    await core.send(errorFor(stanza, new XMPPError("forbidden", { text: "You are banned from this group" })));
    return;
  }
  if (core.participants.get(me.nick) !== me) {
    // The user was removed (a kick, or leaving on the legacy side) and comes back.
    me.nick = core.uniqueNick(me.nick, me);
    if (me.role === "none") me.role = "participant";
    core.add(me);
    saveParticipant(core, me);
  }
  const nonAnonymous = isNonAnonymous(room.type);
  // 1. The other occupants.
  for (const p of core.participants.values()) {
    // An offline channel participant is off the list (see `LegacyParticipant.setPresence`).
    if (p === me || (p.show === "offline" && room.type !== MucType.GROUP)) continue;
    await core.send(core.presenceTo(p, resource));
  }
  // Each check of the registration and what follows it run without a pause
  // between them: the unregistration (see `userUnregistered`) cannot come in
  // between, and finds the resource either joined or still joining.
  if (!core.registered) return endUnregisteredJoin(core, stanza, resource, undefined);
  // 2. Our self-presence: 110, 100 in non-anonymous rooms, 210 when the nick was rewritten; the join's id echoed.
  const codes: number[] = [];
  if (nonAnonymous) codes.push(StatusCode.NON_ANONYMOUS);
  codes.push(StatusCode.SELF_PRESENCE);
  if (me.nick !== requestedNick) codes.push(StatusCode.NICK_ASSIGNED);
  if (core.createdByJoin) {
    // XEP-0045 §10.1.1: the room was created by this join.
    codes.push(StatusCode.ROOM_CREATED);
    core.createdByJoin = false;
  }
  const self = core.presenceTo(me, resource, { codes });
  if (typeof stanza.attrs.id === "string") self.attrs.id = stanza.attrs.id;
  await core.send(self);
  if (!core.registered) return endUnregisteredJoin(core, stanza, resource, me);
  core.joined.set(resource, true);
  saveRoom(core);
  // 3. History from the archive, then 4. the subject, always. From here a
  // live message is relayed to this resource too (one archived before the
  // history is read is in it): it must come after both (XEP-0045 §7.2.12–16).
  await sendInOrder(core, [...joinHistory(core, history, resource), core.subjectTo(resource)]);
}

/**
 * Send `stanzas` in order, with nothing sent meanwhile coming between them:
 * the sends are all issued before any is awaited, and the component writes
 * (or queues, while away) what it is given in call order. Rejects as the
 * first failed send does.
 */
async function sendInOrder(core: MucCore, stanzas: readonly Element[]): Promise<void> {
  await Promise.all(stanzas.map((stanza) => core.send(stanza)));
}

/**
 * What the room needs before the user joins: its info, its participants and
 * its backfill, then the user's occupant. `undefined` when the user
 * unregistered (or registered again) meanwhile — an unregister command does
 * not wait behind the join: the store keeps nothing of theirs any more, so
 * what failed to be stored for them is no failure of the join's.
 */
async function prepareJoin(core: MucCore, requestedNick: string): Promise<LegacyParticipant | undefined> {
  const room = core.room;
  try {
    await room.ensureInfo();
    await fillOnce(core);
    await backfillBeforeJoin(core);
  } catch (e) {
    if (!core.registered) return undefined;
    throw e;
  }
  if (!core.registered) return undefined;
  if (room.userNick === undefined) room.userNick = requestedNick;
  return room.getUserParticipant();
}

/**
 * End the join of a user who unregistered (or registered again) while it
 * waited (see {@link prepareJoin}): storing nothing and leaving the resource
 * out. Before its self-presence, the join gets what any unregistered user's
 * join gets; after it (`answeredAs`, the user's occupant it showed), the
 * resource is in the room as far as it knows, and is told it is out as the
 * joined resources are (see {@link userUnregistered}).
 */
async function endUnregisteredJoin(core: MucCore, stanza: Element, resource: string, answeredAs: LegacyParticipant | undefined): Promise<void> {
  core.joined.delete(resource);
  core.session.gateway.log.debug(`room ${core.jid.toString()}: ${core.userJid} unregistered while ${resource} joined; the join ends`);
  if (answeredAs !== undefined) await core.send(removedPresence(core, answeredAs, resource));
  else await core.send(errorFor(stanza, new XMPPError("registration-required", { text: "Register with this gateway first" })));
}

/**
 * The user unregistered (see `BaseGateway.unregisterUser`): the resources
 * joined to the room are out of it, and each is told so (see
 * {@link removedPresence}). Nothing is stored: the user's records go with
 * the registration. A resource still joining is left to its join, which
 * ends at its next check of the registration (see {@link endUnregisteredJoin}).
 */
export async function userUnregistered(core: MucCore): Promise<void> {
  const resources = [...core.readyResources()];
  for (const resource of resources) core.joined.delete(resource);
  // A joined resource implies the user's occupant: its join made it (and stored it, for a restart).
  const me = core.user;
  if (me === undefined || resources.length === 0) return;
  await sendInOrder(core, resources.map((resource) => removedPresence(core, me, resource)));
}

/**
 * How the unavailable self-presence tells a resource it is out of the room
 * because the user's registration ended: 321 (removed because of an
 * affiliation change, XEP-0045 §9.4), affiliation none — their registration
 * was what made them a member; 332 (the service shuts down) it is not.
 */
const REMOVED: OccupantPresenceOptions = { unavailable: true, codes: [StatusCode.SELF_PRESENCE, StatusCode.REMOVED_AFFILIATION_CHANGE], affiliation: "none" };

/** The unavailable self-presence (see {@link REMOVED}) to one joined resource of a loaded room. */
function removedPresence(core: MucCore, me: LegacyParticipant, resource: string): Element {
  return core.presenceTo(me, resource, REMOVED);
}

/**
 * The user unregistered while the store lists resources joined to a room
 * that is not loaded (after a restart, before `fill()` reached it): the same
 * presences as {@link userUnregistered} sends, made from the room's records
 * alone — no room is made, so the module is asked nothing about a group it
 * may not list any more. Read before the user's records are deleted.
 *
 * @param gatewayJid - the gateway's JID (rooms are `local@` it).
 * @param room - the room's record.
 * @param participants - its stored participants (the user's occupant among them).
 */
/**
 * The unavailable self-presences of `BaseGateway.unregisterUser` for the
 * rooms the store lists as joined by `user` that are not loaded (`fill()`
 * has not reached them since a restart), made from their records: no room
 * is made, so no module hook runs for them.
 *
 * @param loaded - the legacy ids of the rooms loaded, which tell their resources themselves.
 */
export function unloadedRoomRemovals(store: GatewayStore, gatewayJid: JID, user: string, loaded: ReadonlySet<string>): Element[] {
  return store.rooms
    .list(user)
    .filter((room) => !loaded.has(room.legacyId) && room.joinedResources.length > 0)
    .flatMap((room) => storedRoomRemovals(gatewayJid, room, store.participants.list(user, room.legacyId)));
}

function storedRoomRemovals(gatewayJid: JID, room: RoomRecord, participants: readonly ParticipantRecord[]): Element[] {
  // As for a loaded room: a joined resource implies the user's occupant, stored by its join.
  const me = participants.find((p) => p.isUser);
  if (me === undefined) return [];
  const roomJid = parseJid(`${room.local}@${gatewayJid.toString()}`);
  // Leaving, the presence shows none of the occupant's show, status, avatar or hats.
  const view: OccupantView = {
    nick: me.nick,
    isUser: true,
    occupantId: me.occupantId,
    affiliation: me.affiliation,
    role: me.role,
    realJid: me.realJid,
    show: "online",
    status: undefined,
    advertisedAvatar: undefined,
    hats: [],
  };
  return room.joinedResources.map((resource) => occupantPresence(roomJid, room.type, view, `${room.userJid}/${resource}`, REMOVED));
}

/** Make sure `updateInfo()` ran once (see `LegacyMUC.ensureInfo`). */
export async function updateInfoOnce(core: MucCore): Promise<void> {
  if (core.infoUpdated) return;
  core.infoUpdating ??= (async () => {
    await core.room.updateInfo();
    core.infoUpdated = true;
    saveRoom(core);
  })().finally(() => {
    core.infoUpdating = undefined;
  });
  await core.infoUpdating;
}

/** Run `fillParticipants()` once per room (the flag is kept); presences are not broadcast meanwhile. */
export async function fillOnce(core: MucCore): Promise<void> {
  if (core.filled) return;
  core.filling ??= (async () => {
    try {
      for await (const p of core.room.fillParticipants()) core.add(p);
    } finally {
      core.filling = undefined;
    }
    core.filled = true;
    saveParticipants(core);
    saveRoom(core);
  })();
  await core.filling;
}

/**
 * Call `backfill()` for the gap (see `LegacyMUC.backfill`): from where the
 * room's history is known complete ({@link MucCore.backfilledTo}) to the first
 * message this process archived live. Once per process when it completes,
 * which moves the mark to the newest archived message (what was archived
 * since the gap came live: this process was up); a failure leaves the mark,
 * and the next join (or the next start) asks for the same gap again.
 */
async function backfillOnce(core: MucCore): Promise<void> {
  core.backfilling ??= (async () => {
    try {
      const after = core.backfilledTo === undefined ? undefined : archivedByStanzaId(core, core.backfilledTo);
      const before = core.firstLive === undefined ? undefined : archivedByStanzaId(core, core.firstLive);
      await backfillContext.run(core, () => core.room.backfill(after, before));
      // The user unregistered meanwhile: nothing of theirs is stored any more, the mark included.
      if (!core.registered) return;
      core.backfilledTo = archiveQuery(core, { limit: 1, last: true })[0]?.stanzaId;
      saveRoom(core);
    } catch (e) {
      core.backfilling = undefined;
      if (!core.registered) {
        // What failed was archiving for a user who unregistered meanwhile: their archive went with them.
        core.session.gateway.log.debug(`room ${core.jid.toString()}: backfill ended, ${core.userJid} unregistered`, e);
        return;
      }
      // The store failed, or the backfill threw: the join goes on without the gap.
      core.session.gateway.log.warn(`room ${core.jid.toString()}: backfill failed; the next join asks again`, e);
    }
  })();
  await core.backfilling;
}

/** The history messages for a join of `resource`, as they will be sent. */
function joinHistory(core: MucCore, h: MucHistory | undefined, resource: string): Element[] {
  if (h?.maxStanzas === 0 || h?.maxChars === 0) return [];
  const since = Math.max(h?.since?.getTime() ?? 0, h?.seconds !== undefined ? Date.now() - h.seconds * 1000 : 0);
  const entries = archiveQuery(core, {
    ...(since > 0 ? { since } : {}),
    limit: h?.maxStanzas ?? DEFAULT_HISTORY,
    last: true,
  });
  const to = core.userResource(resource);
  const messages = entries.map((entry) => historyMessage(core.jid, entry, to));
  if (h?.maxChars === undefined) return messages;
  // XEP-0045 §7.2.15: maxchars counts the complete XML stanzas, as delivered.
  let chars = 0;
  let start = messages.length;
  while (start > 0) {
    const size = (messages[start - 1] as Element).toString().length;
    if (chars + size > h.maxChars) break;
    chars += size;
    start--;
  }
  return messages.slice(start);
}

/**
 * The room's backfill before a join (see {@link backfillOnce}). When a
 * backfill is to run while some of the user's resources are joined — one
 * that failed at an earlier join, or at the restart, is asked for again —
 * they get what it archives as the resources that stayed joined across a
 * restart get it (see {@link backfillForJoined}); the joining resource, not
 * joined yet, reads it in its history.
 */
async function backfillBeforeJoin(core: MucCore): Promise<void> {
  if (core.backfilling === undefined && [...core.readyResources()].length > 0) await backfillForJoined(core, "delivering the backfill to the joined resources", async () => {});
  else await backfillOnce(core);
}

/** After a restart, backfill the gap for the resources that stayed joined and deliver what it archived (see `LegacyMUC.catchUp`). */
export function catchUpAfterRestart(core: MucCore): void {
  if (core.joined.size === 0 || core.backfilling !== undefined || core.held !== undefined) return;
  void backfillForJoined(core, "catching up after the restart", async () => {
    await core.room.ensureInfo();
    await fillOnce(core);
  });
}

/**
 * Run `prepare`, then the backfill (see {@link backfillOnce}), and deliver
 * what it archived to the user's resources joined by then, as history, in
 * archive order. The room's live legacy events wait meanwhile (see
 * `MucCore.afterCatchUp`), after any that waited already, and follow in
 * order; a message delivered here is not delivered again when the network
 * sends it live. Failures are logged (`what` names the work); the returned
 * promise does not reject.
 */
function backfillForJoined(core: MucCore, what: string, prepare: () => Promise<void>): Promise<void> {
  const log = core.session.gateway.log;
  const previous = core.held;
  const run = (async () => {
    // Events held already (an earlier catch-up) go first: they came first.
    await previous;
    await prepare();
    const archived: string[] = [];
    try {
      core.catchingUp = archived;
      await backfillOnce(core);
    } finally {
      core.catchingUp = undefined;
    }
    await deliverBackfilled(core, archived);
  })().catch((e: unknown) => log.warn(`room ${core.jid.toString()}: ${what} failed`, e));
  core.hold(run);
  return run;
}

/** Deliver the messages of these stanza-ids, which a backfill archived, to the resources joined now, and remember their legacy ids (see `MucCore.caughtUp`). */
async function deliverBackfilled(core: MucCore, archived: readonly string[]): Promise<void> {
  if (archived.length === 0) return;
  const entries = archiveQuery(core, { ids: archived });
  core.caughtUp = new Set(entries.flatMap((e) => (e.legacyId === undefined ? [] : [e.legacyId])));
  // The resources joined now; one joining meanwhile reads these in its history.
  const resources = [...core.readyResources()];
  for (const entry of entries) {
    for (const r of resources) if (core.joined.get(r) === true) await core.send(historyMessage(core.jid, entry, core.userResource(r)));
  }
}
