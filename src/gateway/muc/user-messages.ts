/**
 * The user's groupchat messages to the room (private messages and
 * invitations go to `user-private.ts`): text (with replies and mentions),
 * corrections, retractions, reactions and subject changes, handed to the
 * session's hooks (or the room's `onSetSubject`), then reflected to every
 * joined resource and archived. Functions over the room's state
 * ({@link MucCore}); not part of the package's API.
 *
 * @module
 */
import { readLinkPreviews } from "../messages/message-extras.js";
import { randomUUID } from "node:crypto";
import xml, { type Element } from "@xmpp/xml";
import { chatMarkerOf, chatMarkerPayloads, chatStateOf, chatStatePayloads } from "../../xso/chat-states.js";
import type { JID } from "@xmpp/jid";
import { NS_CLIENT } from "../../xso/ns.js";
import { viewInNamespace } from "../../xso/codec.js";
import { messageContent } from "../../xso/message.js";
import { XMPPError } from "../../xso/stanza-error.js";
import { isDecodeError } from "../../xso/errors.js";
import { RETRACTION_FALLBACK } from "../../xso/message-refs.js";
import { readUserRefs, replyFallbackText } from "../messages/message-refs.js";
import { sendUserContent } from "../messages/user-content.js";
import { onUserChatState } from "../messages/chat-state-hooks.js";
import { stickerOf } from "../../xso/stickers.js";
import { mentionedNicks } from "../names.js";
import type { LegacyParticipant } from "../participant.js";
import { asXmppError, errorFor } from "../replies.js";
import type { TextOptions } from "../session.js";
import type { ArchiveEntry } from "../store/store.js";
import type { MucCore } from "./core.js";
import { cloneWithTo, reflectedGroupchat } from "./stanzas.js";
import { onUserInvitation, onUserPrivateMessage } from "./user-private.js";
import { archivedByLegacyId, archivedByStanzaId, archiveMessage, bury, legacyIdOf, mapMessageIds, roomMessageIds } from "./store.js";
import { isSpecialMsgId, legacyThreadOf, rememberThread } from "../messages/threads.js";

/**
 * The user's chat state (XEP-0085) or marker (XEP-0333) in the room: handed
 * to the session's hook (a `displayed` marker by the legacy id of the
 * message its stanza-id names; one the archive does not know is dropped),
 * then reflected to the user's joined resources, as a room reflects every
 * groupchat message. Not archived.
 */
async function userAttention(core: MucCore, stanza: Element, thread: string | undefined): Promise<void> {
  const session = core.session;
  const room = core.room;
  const options = thread === undefined ? {} : { thread };
  const state = chatStateOf(stanza);
  await onUserChatState(session, room, state, options);
  const marker = chatMarkerOf(stanza);
  if (marker?.marker === "displayed") {
    const legacyId = archivedByStanzaId(core, marker.id)?.legacyId ?? legacyIdOf(core, marker.id);
    if (legacyId !== undefined) {
      // One read mark for the message named, or (markAllMessages) for each unread one up to it.
      for (const id of core.unread.read(legacyId, session.gateway.markAllMessages)) await session.onDisplayed(room, id, options);
    }
  }
  const me = await room.getUserParticipant();
  const payloads = [...(state ? chatStatePayloads(state) : []), ...(marker ? chatMarkerPayloads(marker.marker, marker.id) : [])];
  const template = xml("message", { from: `${core.jid.toString()}/${me.nick}`, type: "groupchat", id: typeof stanza.attrs.id === "string" ? stanza.attrs.id : randomUUID() }, ...payloads);
  for (const resource of core.readyResources()) await core.send(cloneWithTo(template, core.userResource(resource)));
}

/** A message from one of the user's resources to the room or to an occupant of it. */
export async function onUserMessage(core: MucCore, stanza: Element, from: JID, to: JID): Promise<void> {
  const room = core.room;
  const resource = from.resource ?? "";
  if (stanza.attrs.type === "error") return;
  if (to.resource) {
    await onUserPrivateMessage(core, stanza, from, to);
    return;
  }
  if (stanza.attrs.type !== "groupchat") {
    await onUserInvitation(core, stanza);
    return;
  }
  if (core.joined.get(resource) !== true) {
    await core.send(errorFor(stanza, new XMPPError("not-acceptable", { text: "Join the room before sending messages" })));
    return;
  }
  let msg;
  try {
    msg = messageContent.decode(viewInNamespace(stanza, NS_CLIENT));
  } catch (e) {
    await core.send(errorFor(stanza, new XMPPError("bad-request", { text: isDecodeError(e) ? e.message : "malformed message" })));
    return;
  }
  const body = msg.body[""] ?? Object.values(msg.body)[0];
  const xmppId = typeof stanza.attrs.id === "string" ? stanza.attrs.id : randomUUID();
  try {
    const refs = readUserRefs(stanza, body);
    if (refs.retraction !== undefined) {
      await userRetraction(core, stanza, xmppId, body ?? RETRACTION_FALLBACK, refs.retraction.id);
      return;
    }
    if (refs.reactions !== undefined) {
      await userReactions(core, stanza, xmppId, body, refs.reactions);
      return;
    }
    const xmppThread = msg.thread?.id || undefined;
    const thread = legacyThreadOf(core.session, xmppThread, roomMessageIds(core));
    const sticker = stickerOf(stanza);
    const subject = msg.subject[""] ?? Object.values(msg.subject)[0];
    if (body === undefined && (chatStateOf(stanza) !== undefined || chatMarkerOf(stanza) !== undefined)) {
      await userAttention(core, stanza, thread);
      // A subject change or a sticker may carry a chat state too (clients add <active/> to what they send).
      if (sticker === undefined && subject === undefined) return;
    }
    if (body === undefined && sticker === undefined) {
      if (subject === undefined) return;
      if (!room.hasSubject) throw new XMPPError("forbidden", { text: "This group has no subject to change" });
      // The module updates the subject (slidge's on_set_subject): now, or when the network echoes the change.
      await room.onSetSubject(subject);
      return;
    }
    const me = await room.getUserParticipant();
    const others = [...core.participants.values()].filter((p) => !p.isUser && !p.isSystem).map((p) => p.nick);
    const original = refs.reply === undefined ? undefined : archivedByStanzaId(core, refs.reply.id);
    const replied = original?.legacyId;
    // The quote a client adds for clients without replies goes only when the legacy side gets the reference instead (XEP-0461 §3.1).
    const text = replied !== undefined ? (refs.text ?? body ?? "") : (body ?? "");
    const fallback = body === undefined ? undefined : replyFallbackText(body, refs, replied);
    const author = original ? core.participants.get(original.nick) : undefined;
    const previews = readLinkPreviews(stanza);
    const options: TextOptions = {
      xmppId,
      mentions: mentionedNicks(text, others),
      ...(replied !== undefined ? { replyTo: replied } : {}),
      ...(author ? { replyToAuthor: author } : {}),
      ...(fallback !== undefined ? { replyToFallbackText: fallback } : {}),
      ...(previews.length ? { linkPreviews: previews } : {}),
      ...(thread !== undefined ? { thread } : {}),
    };
    if (refs.corrects !== undefined) {
      const legacyId = ownLegacyId(core, me, legacyIdOf(core, refs.corrects));
      await core.session.onCorrect(room, text, legacyId, options);
      await reflect(core, stanza, me, xmppId, body, undefined);
      return;
    }
    const legacyId = await sendUserContent(core.session, room, stanza, text, sticker, options, from);
    if (legacyId) mapMessageIds(core, legacyId, xmppId);
    rememberThread(core.session, xmppThread, thread, legacyId);
    await reflect(core, stanza, me, xmppId, body, legacyId || undefined);
  } catch (e) {
    await core.send(errorFor(stanza, asXmppError(e)));
  }
}

/** `{ thread }`: the network's thread of a message's `<thread/>`, or `{}`. */
function threadOf(core: MucCore, stanza: Element): { thread?: string } {
  const thread = legacyThreadOf(core.session, stanza.getChildText("thread") ?? undefined, roomMessageIds(core));
  return thread === undefined ? {} : { thread };
}

/** The user retracts one of their messages, named by its stanza-id. */
async function userRetraction(core: MucCore, stanza: Element, xmppId: string, body: string, stanzaId: string): Promise<void> {
  const me = await core.room.getUserParticipant();
  const original = archivedByStanzaId(core, stanzaId);
  if (!original) throw new XMPPError("item-not-found", { text: `No message with stanza-id ${stanzaId} in this room` });
  const legacyId = ownLegacyId(core, me, original.legacyId, original);
  await core.session.onRetract(core.room, legacyId, { xmppId, ...threadOf(core, stanza) });
  await reflect(core, stanza, me, xmppId, body, undefined);
  bury(core, original, xmppId);
}

/** The user reacts to a message (anyone's), named by its stanza-id. */
async function userReactions(core: MucCore, stanza: Element, xmppId: string, body: string | undefined, reactions: { readonly id: string; readonly reactions: readonly string[] }): Promise<void> {
  const me = await core.room.getUserParticipant();
  // An id of the module's own making (slidge's SPECIAL_MSG_ID_PREFIX) goes to the hook as it is.
  const legacyId = isSpecialMsgId(core.session, reactions.id) ? reactions.id : archivedByStanzaId(core, reactions.id)?.legacyId;
  if (legacyId === undefined) throw new XMPPError("item-not-found", { text: `No message with stanza-id ${reactions.id} known to the legacy network` });
  await core.session.onReact(core.room, legacyId, reactions.reactions, { xmppId, ...threadOf(core, stanza) });
  await reflect(core, stanza, me, xmppId, body, undefined);
}

/**
 * The legacy id of one of the user's messages, checked: `item-not-found`
 * when the network never had it, `forbidden` when someone else wrote it.
 */
function ownLegacyId(core: MucCore, me: LegacyParticipant, legacyId: string | undefined, entry: ArchiveEntry | undefined = legacyId === undefined ? undefined : archivedByLegacyId(core, legacyId)): string {
  if (legacyId === undefined || entry === undefined) throw new XMPPError("item-not-found", { text: "This message is unknown to the legacy network" });
  if (entry.occupantId !== me.occupantId) throw new XMPPError("forbidden", { text: "Only your own messages can be corrected or retracted" });
  return legacyId;
}

/** Reflect the user's message to each of their joined resources, with a stanza-id, and archive it. */
async function reflect(core: MucCore, stanza: Element, me: LegacyParticipant, xmppId: string, body: string | undefined, legacyId: string | undefined): Promise<void> {
  const stanzaId = randomUUID();
  const template = reflectedGroupchat(core.jid, stanza, me, { id: xmppId, body, stanzaId });
  archiveMessage(core, { stanzaId, legacyId, when: Date.now(), nick: me.nick, occupantId: me.occupantId, body: body ?? "", xml: template.toString() });
  for (const r of core.readyResources()) await core.send(cloneWithTo(template, core.userResource(r)));
}
