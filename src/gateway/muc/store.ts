/**
 * A room's access to the gateway's store, scoped to the room and its user:
 * the room's record, its participants' records, its message archive (append,
 * look up, query, tombstones, the MAM view) and the legacy ↔ XMPP message
 * ids. Functions over the room's state ({@link MucCore}); not part of the
 * package's API.
 *
 * @module
 */
import { tombstone, type ModerationInfo } from "../messages/message-refs.js";
import type { ChatMessageIds } from "../messages/threads.js";
import type { LegacyParticipant } from "../participant.js";
import type { RoomArchive } from "../room-archive.js";
import type { ArchiveEntry, ArchiveQuery, ParticipantRecord } from "../store/store.js";
import type { MucCore } from "./core.js";

/** What the store keeps of a participant. */
export function participantRecord(userJid: string, roomLegacyId: string, p: LegacyParticipant): ParticipantRecord {
  return {
    userJid,
    roomLegacyId,
    nick: p.nick,
    legacyId: p.legacyId,
    occupantId: p.occupantId,
    affiliation: p.affiliation,
    role: p.role,
    realJid: p.realJid,
    isUser: p.isUser,
  };
}

/**
 * Save the room's record. Only the resources whose join completed are kept
 * joined: one still joining (or refused) had no self-presence, and must not
 * count as joined after a restart.
 */
export function saveRoom(core: MucCore): void {
  const room = core.room;
  core.store.rooms.save({
    userJid: core.userJid,
    legacyId: room.legacyId,
    local: room.jid.local,
    type: room.type,
    name: room.name,
    description: room.description,
    subject: core.subject,
    subjectSetter: core.subjectSetter,
    subjectDate: core.subjectDate?.getTime(),
    userNick: room.userNick,
    joinedResources: [...core.readyResources()],
    participantsFilled: core.filled,
    avatar: core.avatar,
    backfilledTo: core.backfilledTo,
  });
}

/** Save one participant (not the system participant, which is not kept). */
export function saveParticipant(core: MucCore, p: LegacyParticipant): void {
  if (p.isSystem) return;
  core.store.participants.save(participantRecord(core.userJid, core.room.legacyId, p));
}

/** Save every participant of the room, in one go. */
export function saveParticipants(core: MucCore): void {
  const userJid = core.userJid;
  core.store.participants.saveMany([...core.participants.values()].map((p) => participantRecord(userJid, core.room.legacyId, p)));
}

/** Forget the participant of this nick. */
export function forgetParticipant(core: MucCore, nick: string): void {
  core.store.participants.delete(core.userJid, core.room.legacyId, nick);
}

/**
 * Append a message to the room's archive. A live one (not `backfilled`) that
 * is the first of this process marks where the gap the backfill fills ends.
 */
export function archiveMessage(core: MucCore, entry: Omit<ArchiveEntry, "userJid" | "roomLegacyId">, backfilled = false): void {
  core.store.archive.append({ userJid: core.userJid, roomLegacyId: core.room.legacyId, ...entry });
  if (!backfilled) core.firstLive ??= entry.stanzaId;
}

/** The room's archived messages `query` selects. */
export function archiveQuery(core: MucCore, query: ArchiveQuery): ArchiveEntry[] {
  return core.store.archive.query(core.userJid, core.room.legacyId, query);
}

/** The archived message of this stanza-id. */
export function archivedByStanzaId(core: MucCore, stanzaId: string): ArchiveEntry | undefined {
  return core.store.archive.get(core.userJid, core.room.legacyId, stanzaId);
}

/** The newest archived message of this legacy id. */
export function archivedByLegacyId(core: MucCore, legacyMsgId: string): ArchiveEntry | undefined {
  return archiveQuery(core, { legacyId: legacyMsgId, limit: 1, last: true })[0];
}

/** Replace a retracted message in the archive with its tombstone, so that history and MAM no longer serve it (XEP-0424 §5). */
export function bury(core: MucCore, original: ArchiveEntry, retractionId: string, moderation?: ModerationInfo): void {
  core.store.archive.replace(core.userJid, core.room.legacyId, original.stanzaId, tombstone(original, retractionId, new Date(), moderation));
}

/** This room's archive, as the user's queries see it. */
export function roomArchive(core: MucCore): RoomArchive {
  return {
    store: core.store.archive,
    userJid: core.userJid,
    roomLegacyId: core.room.legacyId,
    roomJid: core.room.jid,
    // Without creating the user's occupant (which would fix their nick before they join).
    userOccupantId: async () => core.userOccupantId(),
    stable: core.room.stableArchive,
  };
}

/**
 * The XMPP id of the message of this legacy id, when known: the one the
 * store maps it to in this room (the user's own messages, the ids the
 * gateway made up), else what the session's `legacyToXmppMsgId` (which a
 * module may override) derives. Legacy ids need be unique only within a
 * group: another room's mapping of the same id is not this message's.
 */
export function xmppIdOf(core: MucCore, legacyMsgId: string): string | undefined {
  const ids = core.store.messageIds;
  const mapped = ids.legacyToXmpp(core.userJid, legacyMsgId, core.room.legacyId);
  if (mapped !== undefined) return mapped;
  const derived = core.session.legacyToXmppMsgId(legacyMsgId);
  // The session's default looks the id up in all the user's chats: what it finds there is another room's message.
  return derived !== undefined && derived === ids.legacyToXmpp(core.userJid, legacyMsgId) ? undefined : derived;
}

/** The legacy id of the message of this XMPP id, when known: from the store (this room's mappings), else from the session's `xmppToLegacyMsgId`. */
export function legacyIdOf(core: MucCore, xmppId: string): string | undefined {
  const ids = core.store.messageIds;
  const mapped = ids.xmppToLegacy(core.userJid, xmppId, core.room.legacyId);
  if (mapped !== undefined) return mapped;
  const derived = core.session.xmppToLegacyMsgId(xmppId);
  // As in `xmppIdOf`: the session's default answer from another room's mapping is not this room's.
  return derived !== undefined && derived === ids.xmppToLegacy(core.userJid, xmppId) ? undefined : derived;
}

/** Remember that the message of this legacy id, in this room, has this XMPP id. */
export function mapMessageIds(core: MucCore, legacyMsgId: string, xmppId: string): void {
  core.store.messageIds.map(core.userJid, legacyMsgId, xmppId, core.room.legacyId);
}

/**
 * The room's message ids as threads see them: an XMPP id (a stanza-id, as
 * the user's clients name room messages, or the message's own id) to a
 * legacy id, and a legacy id to its stanza-id.
 */
export function roomMessageIds(core: MucCore): ChatMessageIds {
  let ids = messageIdsOf.get(core);
  if (ids === undefined) {
    ids = {
      legacyIdOf: (xmppId) => archivedByStanzaId(core, xmppId)?.legacyId ?? legacyIdOf(core, xmppId),
      xmppIdOf: (legacyMsgId) => archivedByLegacyId(core, legacyMsgId)?.stanzaId ?? xmppIdOf(core, legacyMsgId),
    };
    messageIdsOf.set(core, ids);
  }
  return ids;
}

/** Each room's {@link roomMessageIds}, made once (not per message). */
const messageIdsOf = new WeakMap<MucCore, ChatMessageIds>();
