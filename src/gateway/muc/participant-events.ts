/**
 * What the room's participants do, delivered to the user: their messages,
 * corrections, retractions, reactions and moderators' removals (archived,
 * then relayed to every joined resource, the sender's presence first when
 * the user has not seen it), and their nick, role and affiliation changes.
 * The {@link ParticipantOutbox} a participant calls is made here (its leaving
 * goes to the room's `removeParticipant`, part of the module API). Functions over the room's state ({@link MucCore}); not part of the
 * package's API.
 *
 * @module
 */
import { hintPayloads, linkPreviewPayloads } from "../messages/message-extras.js";
import { randomUUID } from "node:crypto";
import xml, { type Element } from "@xmpp/xml";
import { chatMarkerPayloads, chatStatePayloads } from "../../xso/chat-states.js";
import { attachmentPayloads } from "../../xso/file-sharing.js";
import { messageCorrection, reactionsPayloads, retractionPayloads, RETRACTION_FALLBACK } from "../../xso/message-refs.js";
import { StatusCode } from "../../xso/muc-user.js";
import { replyTo } from "../messages/message-refs.js";
import { safeNick } from "../names.js";
import type { LegacyParticipant, ParticipantOutbox, SendTextOptions } from "../participant.js";
import type { ArchiveEntry } from "../store/store.js";
import type { MucCore } from "./core.js";
import { cloneWithTo, moderatedRetraction, participantGroupchat, privateMessage } from "./stanzas.js";
import { archivedByLegacyId, archiveMessage, bury, forgetParticipant, mapMessageIds, roomMessageIds, saveParticipant, saveRoom, xmppIdOf } from "./store.js";
import { xmppThreadOf } from "../messages/threads.js";

/** What the room's participants call: each event waits, while the room's joined resources catch up on a backfill, for it (see {@link MucCore.afterCatchUp}). */
export function participantOutbox(core: MucCore): ParticipantOutbox {
  return {
    message: (p, body, legacyMsgId, options) => participantMessage(core, p, body, legacyMsgId, options),
    correct: (p, legacyMsgId, body, options) => core.afterCatchUp(() => participantCorrection(core, p, legacyMsgId, body, options)),
    retract: (p, legacyMsgId, options) => core.afterCatchUp(() => participantRetraction(core, p, legacyMsgId, options.thread)),
    file: (p, file, legacyMsgId, options) =>
      options.archiveOnly
        ? relayMessage(core, p, file.url, legacyMsgId, options, attachmentPayloads(file))
        : core.afterCatchUp(() => relayMessage(core, p, file.url, legacyMsgId, options, attachmentPayloads(file))),
    chatState: (p, state) => core.afterCatchUp(() => participantAttention(core, p, chatStatePayloads(state))),
    marker: (p, marker, legacyMsgId) =>
      core.afterCatchUp(async () => {
        const archived = archivedByLegacyId(core, legacyMsgId);
        if (!archived) return false;
        await participantAttention(core, p, chatMarkerPayloads(marker, archived.stanzaId));
        return true;
      }),
    privateMessage: (p, body, options) => core.afterCatchUp(() => participantPrivateMessage(core, p, body, options.when)),
    react: (p, legacyMsgId, emojis, options) => core.afterCatchUp(() => participantReactions(core, p, legacyMsgId, emojis, options.thread)),
    moderate: (p, legacyMsgId, reason) => core.afterCatchUp(() => participantModeration(core, p, legacyMsgId, reason)),
    remove: (p, options) => core.room.removeParticipant(p, options),
    rename: (p, name) => participantRenamed(core, p, name),
    changed: (p) => participantChanged(core, p),
  };
}

/** A message from a participant (see `LegacyParticipant.sendText`): archived only (backfill), or relayed once the room caught up. */
async function participantMessage(core: MucCore, participant: LegacyParticipant, body: string, legacyMsgId: string | undefined, options: SendTextOptions): Promise<string> {
  if (options.archiveOnly) return relayMessage(core, participant, body, legacyMsgId, options);
  return core.afterCatchUp(async () => {
    // The backfill this message waited for delivered it already.
    if (legacyMsgId !== undefined && core.caughtUp?.has(legacyMsgId)) {
      return xmppIdOf(core, legacyMsgId) ?? legacyMsgId;
    }
    return relayMessage(core, participant, body, legacyMsgId, options);
  });
}

/** A participant's message: its XMPP id chosen (and mapped), what it replies to referenced, then relayed. */
async function relayMessage(core: MucCore, participant: LegacyParticipant, body: string, legacyMsgId: string | undefined, options: SendTextOptions, extra: readonly Element[] = []): Promise<string> {
  let known = legacyMsgId === undefined ? undefined : xmppIdOf(core, legacyMsgId);
  const archived = legacyMsgId === undefined ? undefined : archivedByLegacyId(core, legacyMsgId);
  // A backfilled message this room's archive holds already (the legacy network sent it live, or an earlier backfill did).
  if (options.archiveOnly && legacyMsgId !== undefined && archived) return known ?? legacyMsgId;
  if (legacyMsgId !== undefined && archived && isSameMessage(archived, participant)) {
    // The network sent again, live, a message of the archive (a replay after a reconnect, say, or after
    // our restart): the user has it. Corrections carry no legacy id of their own here; they are not affected.
    core.session.gateway.log.debug(`room ${core.jid.toString()}: legacy message ${legacyMsgId} is archived already; not relayed again`);
    return known ?? legacyMsgId;
  }
  let xmppId = known ?? legacyMsgId ?? randomUUID();
  if (archived && !isSameMessage(archived, participant)) {
    // The legacy module reused the id of someone else's message of this room (say, a network whose
    // counter started again): the new message must not take the old one's XMPP id.
    known = undefined;
    xmppId = randomUUID();
    core.session.gateway.log.debug(`room ${core.jid.toString()}: legacy message id ${String(legacyMsgId)} names an earlier message already; the new one gets the XMPP id ${xmppId}`);
  }
  if (legacyMsgId !== undefined && known === undefined) mapMessageIds(core, legacyMsgId, xmppId);
  const payloads: Element[] = [];
  const original = options.replyTo === undefined ? undefined : archivedByLegacyId(core, options.replyTo);
  if (original) payloads.push(replyTo(core.jid, original));
  payloads.push(...threadPayloads(core, options.thread));
  payloads.push(...hintPayloads(options.hints), ...linkPreviewPayloads(options.linkPreviews));
  payloads.push(...extra);
  await relay(core, participant, body, xmppId, legacyMsgId, payloads, options);
  return xmppId;
}

/** The `<thread/>` of one of the network's threads, if any. */
function threadPayloads(core: MucCore, legacyThread: string | undefined): Element[] {
  if (legacyThread === undefined) return [];
  const thread = xmppThreadOf(core.session, legacyThread, roomMessageIds(core));
  return thread === undefined ? [] : [xml("thread", {}, thread)];
}

/** A participant corrected one of their messages; false when the archive has no such message of theirs. */
async function participantCorrection(core: MucCore, participant: LegacyParticipant, legacyMsgId: string, body: string, options: SendTextOptions & { readonly correctionEventId?: string }): Promise<boolean> {
  const archived = archivedByLegacyId(core, legacyMsgId);
  if (!archived || archived.occupantId !== participant.occupantId) return false;
  const original = xmppIdOf(core, legacyMsgId) ?? legacyMsgId;
  const payloads = [messageCorrection.encode({ id: original }), ...threadPayloads(core, options.thread), ...hintPayloads(options.hints), ...linkPreviewPayloads(options.linkPreviews)];
  await relay(core, participant, body, options.correctionEventId ?? randomUUID(), undefined, payloads, options);
  return true;
}

/** A participant retracted one of their messages; false when the archive has no such message of theirs. */
async function participantRetraction(core: MucCore, participant: LegacyParticipant, legacyMsgId: string, thread: string | undefined): Promise<boolean> {
  const original = archivedByLegacyId(core, legacyMsgId);
  if (!original || original.occupantId !== participant.occupantId) return false;
  const id = randomUUID();
  await relay(core, participant, RETRACTION_FALLBACK, id, undefined, [...retractionPayloads(original.stanzaId), ...threadPayloads(core, thread)], {});
  bury(core, original, id);
  return true;
}

/** A participant's reactions to a message; false when the archive does not know it. */
async function participantReactions(core: MucCore, participant: LegacyParticipant, legacyMsgId: string, emojis: readonly string[], thread: string | undefined): Promise<boolean> {
  const original = archivedByLegacyId(core, legacyMsgId);
  if (!original) return false;
  await relay(core, participant, undefined, randomUUID(), undefined, [...reactionsPayloads(original.stanzaId, emojis), ...threadPayloads(core, thread)], {});
  return true;
}

/** A legacy moderator deleted someone's message; false when the archive does not know it. */
async function participantModeration(core: MucCore, moderator: LegacyParticipant, legacyMsgId: string, reason: string | undefined): Promise<boolean> {
  const original = archivedByLegacyId(core, legacyMsgId);
  if (!original) return false;
  await broadcastModeration(core, moderator, original, reason);
  return true;
}

/** Tell every joined resource, from the room itself, that a moderator retracted a message (XEP-0425 §4.1), and archive it. */
export async function broadcastModeration(core: MucCore, moderator: LegacyParticipant, original: ArchiveEntry, reason: string | undefined): Promise<void> {
  const system = await core.room.getSystemParticipant();
  const { payloads, moderation } = moderatedRetraction(core.jid, moderator, original, reason);
  const id = randomUUID();
  await relay(core, system, undefined, id, undefined, payloads, {});
  bury(core, original, id, moderation);
}

/** Archive a participant's groupchat message and deliver it (its presence first, when the user has not seen it). */
async function relay(core: MucCore, participant: LegacyParticipant, body: string | undefined, xmppId: string, legacyMsgId: string | undefined, payloads: readonly Element[], options: SendTextOptions): Promise<void> {
  const when = options.when ?? new Date();
  const stanzaId = randomUUID();
  const template = participantGroupchat(core.jid, participant, { id: xmppId, body, payloads, stanzaId, when });
  archiveMessage(core, { stanzaId, legacyId: legacyMsgId, when: when.getTime(), nick: participant.nick, occupantId: participant.occupantId, body: body ?? "", xml: template.toString() }, options.archiveOnly === true);
  // The resources joined when it was archived: one whose join completes
  // later reads it in its history (read as the join completes), not twice.
  const resources = [...core.readyResources()];
  if (options.archiveOnly) core.catchingUp?.push(stanzaId);
  if (!options.archiveOnly) {
    if (!participant.isSystem && !participant.isUser && core.participants.get(participant.nick) !== participant) {
      // First message of someone not announced yet (or no longer present,
      // after leave/kick/ban): presence first. A removed participant had
      // role none (and outcast after a ban), which no present occupant has.
      if (participant.role === "none") participant.role = "participant";
      if (participant.affiliation === "outcast") participant.affiliation = core.defaultAffiliation();
      core.add(participant);
      saveParticipant(core, participant);
      await core.broadcastPresence(participant);
    }
    if (legacyMsgId !== undefined && !participant.isUser && !participant.isSystem) core.unread.received(legacyMsgId);
    for (const resource of resources) {
      if (core.joined.get(resource) === true) await core.send(cloneWithTo(template, core.userResource(resource)));
    }
  }
}

/** A participant's chat state or marker: a groupchat message without a body from its occupant to each joined resource (not archived). */
async function participantAttention(core: MucCore, participant: LegacyParticipant, payloads: readonly Element[]): Promise<void> {
  const from = participant.isSystem ? core.jid.toString() : `${core.jid.toString()}/${participant.nick}`;
  const template = xml("message", { from, type: "groupchat", id: randomUUID() }, ...payloads);
  for (const resource of core.readyResources()) await core.send(cloneWithTo(template, core.userResource(resource)));
}

/** A private message from a participant to each of the user's joined resources (not archived). */
async function participantPrivateMessage(core: MucCore, participant: LegacyParticipant, body: string, when: Date | undefined): Promise<string> {
  const id = randomUUID();
  const template = privateMessage(core.jid, participant, { id, body, when });
  for (const resource of core.readyResources()) await core.send(cloneWithTo(template, core.userResource(resource)));
  return id;
}

/** A participant's display name changed: status 303 under the old nick, then the presence under the new one. */
async function participantRenamed(core: MucCore, participant: LegacyParticipant, name: string): Promise<void> {
  if (core.participants.get(participant.nick) !== participant) return;
  const newNick = core.uniqueNick(safeNick(name), participant);
  if (newNick === participant.nick) return;
  const oldNick = participant.nick;
  // The 303s are made under the old nick; the new state is stored before anything is sent (sends wait while
  // the server is away, and a gateway killed meanwhile must find the participant under one nick or the other).
  const leaving = [...core.readyResources()].map((resource) => core.presenceTo(participant, resource, { unavailable: true, codes: [StatusCode.NEW_NICK], newNick }));
  forgetParticipant(core, oldNick);
  core.participants.delete(oldNick);
  participant.nick = newNick;
  core.participants.set(newNick, participant);
  saveParticipant(core, participant);
  if (participant.isUser) {
    core.room.userNick = newNick;
    saveRoom(core);
  }
  for (const presence of leaving) await core.send(presence);
  for (const resource of core.readyResources()) await core.send(core.presenceTo(participant, resource));
}

/** A participant's role or affiliation changed: saved and announced. */
export async function participantChanged(core: MucCore, participant: LegacyParticipant): Promise<void> {
  saveParticipant(core, participant);
  await core.broadcastPresence(participant);
}

/**
 * Whether a message reported with the legacy id of an archived entry may be
 * that message again (a resend, an edit): only when it has the same sender.
 * From someone else, it is another message reusing the id.
 */
function isSameMessage(archived: ArchiveEntry, participant: LegacyParticipant): boolean {
  return archived.occupantId === participant.occupantId;
}
