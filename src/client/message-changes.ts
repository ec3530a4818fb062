/**
 * Messages that change earlier ones, through a {@link MucService}: corrections
 * (XEP-0308), retractions (XEP-0424) and their moderated form (XEP-0425),
 * reactions (XEP-0444), and replies (XEP-0461). Standalone functions, so that
 * a bundle carries these codecs only when it imports them.
 *
 * A room's `message` event carries every message with a body, so corrections
 * and retractions (whose body is a fallback notice) come there too;
 * {@link messageRefs} tells them apart. Reactions and moderations have no
 * body and reach the application only through {@link onMessageChange}.
 *
 * Which message is meant: a correction names the `id` attribute of the
 * message it corrects; retractions, reactions and replies name the stanza-id
 * the room assigned to it (`MessageEvent.stanzaId`). A groupchat message
 * without a stanza-id cannot be replied to (XEP-0461 §4).
 *
 * @module
 */
import xml, { type Element } from "@xmpp/xml";
import type { JID } from "@xmpp/jid";
import { isDecodeError } from "../xso/errors.js";
import {
  messageCorrection,
  messageFallback,
  messageModerate,
  messageReply,
  reactionsPayloads,
  readMessageRefs,
  retractionPayloads,
  RETRACTION_FALLBACK,
  type MessageModerated,
  type MessageRefs,
} from "../xso/message-refs.js";
import { messageContent } from "../xso/message.js";
import { NS_CLIENT, NS_REPLY } from "../xso/ns.js";
import { occupantId as occupantIdCodec } from "../xso/occupant-id.js";
import { tryParseJid } from "../xso/values.js";
import { bareOf, roomJid } from "./addresses.js";
import { MucStateError, type AbortError, type TimeoutError } from "../common/errors.js";
import { makeId } from "./iq.js";
import { iqOptions, type AdminRequestOptions } from "./moderation.js";
import type { Occupant } from "./occupant.js";
import type { MessageEvent } from "./room-events.js";
import { roomCore, type Room } from "./room.js";
import { defaultText, delayOf, isDuplicate, roomStanzaId } from "./room-messages.js";
import { serviceContext, type MucService } from "./service.js";
import type { XMPPError } from "../xso/stanza-error.js";

export type { MessageRefs } from "../xso/message-refs.js";

/**
 * What a message refers to: the message it corrects, retracts, replies or
 * reacts to, and its body without the fallback text written for clients that
 * lack those features. Never throws: a malformed reference counts as absent,
 * and the others are still read.
 *
 * @param message - a `message` event of a room, or a `<message/>` (such as `ArchivedMessage.message`).
 * @example
 * ```ts
 * room.on("message", (m) => {
 *   const refs = messageRefs(m);
 *   if (refs.corrects !== undefined || refs.retraction) return; // onMessageChange shows these
 *   show(m.nick, refs.text ?? m.body, refs.reply?.id);
 * });
 * ```
 *
 * @category Messages
 */
export function messageRefs(message: MessageEvent | Element): MessageRefs {
  const stanza = "stanza" in message ? message.stanza : message;
  let body = "body" in message && typeof message.body === "string" ? message.body : undefined;
  try {
    body ??= defaultText(messageContent.decode(stanza, NS_CLIENT).body);
  } catch (e) {
    if (!isDecodeError(e)) throw e;
  }
  return readMessageRefs(stanza, NS_CLIENT, body, true);
}

/**
 * What every {@link MessageChangeEvent} says of the message that makes the change.
 *
 * @category Messages
 */
export interface MessageChangeBase {
  /** The room. */
  readonly room: Room;
  /** The sender's nick; `undefined` when the room itself sends it (a moderation). */
  readonly nick: string | undefined;
  /** The sender, when still in the room. */
  readonly occupant: Occupant | undefined;
  /** The sender's XEP-0421 occupant id: compare it with the original's to accept a change only from its author. */
  readonly occupantId: string | undefined;
  /** The `id` attribute of the message making the change. */
  readonly id: string | undefined;
  /** The stanza-id the room assigned to the message making the change. */
  readonly stanzaId: string | undefined;
  /** When it was sent, from `<delay>` (history). */
  readonly delay: Date | undefined;
  /** Whether it comes with the discussion history of a (re)join: before the subject that ends it (the room's `message` event uses the same rule). */
  readonly history: boolean;
  /** Whether we sent it. */
  readonly own: boolean;
  /** The message. */
  readonly stanza: Element;
}

/**
 * A correction (XEP-0308): the message with the `id` `target` now reads `body`.
 *
 * @category Messages
 */
export interface MessageCorrectionEvent extends MessageChangeBase {
  /** The kind of change. */
  readonly kind: "correction";
  /** The `id` attribute of the message corrected. */
  readonly target: string;
  /** Its new text, without fallback text for a reply it makes. */
  readonly body: string;
}

/**
 * A retraction: the sender takes back their message (XEP-0424), or a
 * moderator has the room do it (XEP-0425; `moderated` is then set, and only
 * ever for a retraction the room itself sends).
 *
 * @category Messages
 */
export interface MessageRetractionEvent extends MessageChangeBase {
  /** The kind of change. */
  readonly kind: "retraction";
  /** The stanza-id of the message retracted. */
  readonly target: string;
  /** For a moderator's retraction: who, where the room says. */
  readonly moderated: MessageModerated | undefined;
  /** For a moderator's retraction: why, where they said. */
  readonly reason: string | undefined;
}

/**
 * Reactions (XEP-0444): all of the sender's reactions to the message `target` (none: they took them back).
 *
 * @category Messages
 */
export interface MessageReactionsEvent extends MessageChangeBase {
  /** The kind of change. */
  readonly kind: "reactions";
  /** The stanza-id of the message reacted to. */
  readonly target: string;
  /** The reactions, each an emoji, each once (duplicates and blank ones left out); they replace the sender's earlier ones. */
  readonly reactions: readonly string[];
}

/**
 * A message changing an earlier one, as {@link onMessageChange} hears it.
 *
 * @category Messages
 */
export type MessageChangeEvent = MessageCorrectionEvent | MessageRetractionEvent | MessageReactionsEvent;

/**
 * Hear the corrections, retractions and reactions in the rooms joined
 * through `muc` (history included), with or without a body. Each is reported
 * as sent: it is up to the application to accept a correction or a
 * retraction only from the author of the message it changes (same
 * `occupantId`, or same nick where the room gives none), and a moderated
 * retraction only from the room (this function reports `moderated` only
 * then). What `handler` throws is logged.
 *
 * @param muc - the service.
 * @param handler - called with each change.
 * @returns a function that stops listening.
 * @example
 * ```ts
 * onMessageChange(muc, (change) => {
 *   if (change.kind === "reactions") setReactions(change.target, change.occupantId, change.reactions);
 * });
 * ```
 *
 * @category Messages
 */
export function onMessageChange(muc: MucService, handler: (change: MessageChangeEvent) => void): () => void {
  const { listen, log } = serviceContext(muc);
  const listener = (stanza: Element): void => {
    if (stanza.name !== "message" || stanza.attrs.type !== "groupchat") return;
    const from = typeof stanza.attrs.from === "string" ? tryParseJid(stanza.attrs.from) : undefined;
    if (!from?.local) return;
    const room = muc.getRoom(bareOf(from));
    // What the room dropped (a duplicate, the history of a join we gave up on) is no change either.
    if (room === undefined || isDuplicate(roomCore(room), stanza) || roomCore(room).leftWhileJoining()) return;
    const change = changeOf(room, from, stanza, log.debug.bind(log));
    if (change === undefined) return;
    try {
      handler(change);
    } catch (e) {
      log.warn("the message change handler failed", e);
    }
  };
  return listen(listener);
}

/** The change a groupchat message from `room` makes, if any. */
function changeOf(room: Room, from: JID, stanza: Element, debug: (message: string, ...details: unknown[]) => void): MessageChangeEvent | undefined {
  let refs: MessageRefs;
  let body: string | undefined;
  try {
    body = defaultText(messageContent.decode(stanza).body);
  } catch (e) {
    if (!isDecodeError(e)) throw e;
    debug(`ignoring a malformed message change from ${from.toString()}`, e.message);
    return undefined;
  }
  try {
    refs = readMessageRefs(stanza, NS_CLIENT, body);
  } catch (e) {
    if (!isDecodeError(e)) throw e;
    // A malformed reference counts as absent; the others are still read.
    debug(`ignoring a malformed reference in a message from ${from.toString()}`, e.message);
    refs = readMessageRefs(stanza, NS_CLIENT, body, true);
  }
  const nick = from.resource || undefined;
  const occupantId = nick === undefined ? undefined : occupantIdCodec.tryFindIn(stanza, NS_CLIENT)?.id;
  const me = room.me;
  const delay = delayOf(stanza);
  const base: MessageChangeBase = {
    room,
    nick,
    occupant: nick === undefined ? undefined : room.getOccupant(nick),
    occupantId,
    id: typeof stanza.attrs.id === "string" ? stanza.attrs.id : undefined,
    stanzaId: roomStanzaId(stanza, room.jid),
    delay,
    history: roomCore(room).sync.isHistory(delay !== undefined),
    own: nick !== undefined && me !== undefined && (nick === me.nick || (occupantId !== undefined && occupantId === me.occupantId)),
    stanza,
  };
  if (refs.retraction) {
    const moderated = nick === undefined ? refs.retraction.moderated : undefined;
    return { ...base, kind: "retraction", target: refs.retraction.id, moderated, reason: moderated ? refs.retraction.reason : undefined };
  }
  if (nick === undefined) return undefined; // only moderations come from the room itself
  if (refs.corrects !== undefined && body !== undefined) return { ...base, kind: "correction", target: refs.corrects, body: refs.text ?? body };
  if (refs.reactions) return { ...base, kind: "reactions", target: refs.reactions.id, reactions: distinctReactions(refs.reactions.reactions) };
  return undefined;
}

/**
 * The reactions as XEP-0444 §5 has receivers take them: each once (a
 * receiver SHOULD ignore duplicates, which would otherwise count twice), and
 * none that is blank (no emoji at all).
 */
function distinctReactions(reactions: readonly string[]): string[] {
  return [...new Set(reactions)].filter((r) => r.trim() !== "");
}

/** The joined room `mucJid` of `muc`. */
function joinedRoom(muc: MucService, mucJid: JID | string): Room {
  const jid = roomJid(mucJid);
  const room = muc.getRoom(jid);
  if (room?.joined !== true) throw new MucStateError(`room ${jid.toString()} is not joined`);
  return room;
}

/**
 * Options of {@link sendCorrection}.
 *
 * @category Messages
 */
export interface CorrectionOptions {
  /**
   * The other payloads of the message, which a correction replaces whole
   * (XEP-0308 §4): for a reply, `composeReply(...).payloads` (and its `body`
   * as the new body), so that the correction stays a reply.
   */
  readonly payloads?: readonly Element[];
}

/**
 * Correct a message we sent to a room (XEP-0308): send `body` in its place.
 *
 * @param muc - the service.
 * @param mucJid - the room, which must be joined.
 * @param id - the `id` attribute of the message corrected (the first one's, for a second correction).
 * @param body - the new text.
 * @param options - the message's other payloads.
 * @returns the sent stanza.
 * @throws Rejects with {@link MucStateError} when the room is not joined through `muc`.
 * @example
 * ```ts
 * const sent = await room.sendMessage("Thrice the brinded cat hath mewd.");
 * await sendCorrection(muc, room.jid, sent.attrs.id, "Thrice the brinded cat hath mew'd.");
 * ```
 *
 * @category Messages
 */
export async function sendCorrection(muc: MucService, mucJid: JID | string, id: string, body: string, options: CorrectionOptions = {}): Promise<Element> {
  return joinedRoom(muc, mucJid).sendMessage(body, { payloads: [...(options.payloads ?? []), messageCorrection.encode({ id })] });
}

/**
 * What a reply needs of the message it answers: a room's `message` event has it all.
 *
 * @category Messages
 */
export interface ReplyOriginal {
  /** The author's nick; `undefined` for the room itself. */
  readonly nick: string | undefined;
  /** The stanza-id the room gave it: a groupchat message without one cannot be replied to (XEP-0461 §4). */
  readonly stanzaId: string | undefined;
  /** Its body. */
  readonly body: string;
  /** The message, to quote its text without its own fallback quote. */
  readonly stanza?: Element;
  /** The text to quote, where it differs from what the message says (after a correction, say). */
  readonly text?: string;
}

/**
 * A message's body and payloads, for `room.sendMessage(body, { payloads })` or `room.sendTrackedMessage`.
 *
 * @category Messages
 */
export interface ComposedMessage {
  /** The body, fallback text included. */
  readonly body: string;
  /** The elements to add to the message. */
  readonly payloads: Element[];
}

/**
 * The body and payloads of a reply (XEP-0461) to send with
 * `room.sendMessage` or `room.sendTrackedMessage`: `body`, preceded by a
 * quote of the original for clients without replies, marked as fallback
 * (XEP-0428). The quote is `original.text`, else the original's text
 * without its own fallback quote, else its body.
 *
 * @param mucJid - the room.
 * @param original - the message replied to.
 * @param body - the reply.
 * @throws {@link MucStateError} for an invalid room JID, or an original without a stanza-id.
 * @example
 * ```ts
 * const reply = composeReply(room.jid, message, "and foul is fair");
 * const tracker = room.sendTrackedMessage(reply.body, { payloads: reply.payloads });
 * ```
 *
 * @category Messages
 */
export function composeReply(mucJid: JID | string, original: ReplyOriginal, body: string): ComposedMessage {
  const jid = roomJid(mucJid);
  const id = original.stanzaId;
  if (id === undefined) throw new MucStateError("the message replied to has no stanza-id: the room does not let it be referred to (XEP-0461 §4)");
  const quoted = original.text ?? (original.stanza ? messageRefs(original.stanza).text : undefined) ?? original.body;
  const quote = `> ${original.nick ?? jid.local} wrote:\n${quoted
    .split("\n")
    .map((line) => `> ${line}`)
    .join("\n")}\n`;
  const to = original.nick === undefined ? undefined : tryParseJid(`${jid.toString()}/${original.nick}`);
  return {
    body: quote + body,
    payloads: [messageReply.encode({ ...(to ? { to } : {}), id }), messageFallback.encode({ for: NS_REPLY, bodies: [{ start: 0, end: [...quote].length }] })],
  };
}

/**
 * Reply to a message of a room (XEP-0461), as {@link composeReply} writes it.
 *
 * @param muc - the service.
 * @param mucJid - the room, which must be joined.
 * @param original - the message replied to, as the room's `message` event gave it.
 * @param body - the reply.
 * @returns the sent stanza.
 * @throws Rejects with {@link MucStateError} when the room is not joined through `muc`,
 *   or the original has no stanza-id.
 *
 * @category Messages
 */
export async function sendReply(muc: MucService, mucJid: JID | string, original: ReplyOriginal, body: string): Promise<Element> {
  const room = joinedRoom(muc, mucJid);
  const reply = composeReply(room.jid, original, body);
  return room.sendMessage(reply.body, { payloads: reply.payloads });
}

/**
 * Retract a message we sent to a room (XEP-0424), with a notice for clients
 * without retractions. The room may refuse to pass on a retraction of
 * someone else's message, and clients ignore it.
 *
 * @param muc - the service.
 * @param mucJid - the room, which must be joined.
 * @param stanzaId - the stanza-id the room gave the message.
 * @returns the sent stanza.
 * @throws Rejects with {@link MucStateError} when the room is not joined through `muc`.
 *
 * @category Messages
 */
export async function sendRetraction(muc: MucService, mucJid: JID | string, stanzaId: string): Promise<Element> {
  return joinedRoom(muc, mucJid).sendMessage(RETRACTION_FALLBACK, { payloads: retractionPayloads(stanzaId) });
}

/**
 * Set our reactions to a message of a room (XEP-0444): all of them, none to
 * take them back. The message has no body.
 *
 * @param muc - the service.
 * @param mucJid - the room, which must be joined.
 * @param stanzaId - the stanza-id the room gave the message.
 * @param reactions - the emojis.
 * @returns the sent stanza.
 * @throws Rejects with {@link MucStateError} when the room is not joined through `muc`.
 * @example
 * ```ts
 * await sendReactions(muc, room.jid, message.stanzaId!, ["👍"]);
 * ```
 *
 * @category Messages
 */
export async function sendReactions(muc: MucService, mucJid: JID | string, stanzaId: string, reactions: readonly string[]): Promise<Element> {
  const room = joinedRoom(muc, mucJid);
  const stanza = xml("message", { type: "groupchat", to: room.jid.toString(), id: makeId("r") }, ...reactionsPayloads(stanzaId, reactions));
  await serviceContext(muc).send(stanza);
  return stanza;
}

/**
 * Options of {@link moderateMessage}.
 *
 * @category Moderation
 */
export interface ModerateMessageOptions extends AdminRequestOptions {
  /** Why; the room passes it on with the retraction (`<reason/>`). */
  readonly reason?: string;
}

/**
 * As a moderator, have a room retract someone's message (XEP-0425): the room
 * tells every occupant, and replaces the message in its archive.
 *
 * @param muc - the service.
 * @param mucJid - the room.
 * @param stanzaId - the stanza-id the room gave the message.
 * @param options - the reason, timeout and signal.
 * @returns a promise that resolves once the room accepts.
 * @throws Rejects with {@link XMPPError} when the room refuses (`forbidden`, `item-not-found`;
 *   `service-unavailable` or `feature-not-implemented` where it lacks moderation), {@link TimeoutError}, {@link AbortError}.
 *
 * @category Moderation
 */
export async function moderateMessage(muc: MucService, mucJid: JID | string, stanzaId: string, options: ModerateMessageOptions = {}): Promise<void> {
  const jid = roomJid(mucJid);
  const payload = messageModerate.encode({ id: stanzaId, retract: true, ...(options.reason !== undefined ? { reason: options.reason } : {}) });
  await serviceContext(muc).iq.request("set", jid, payload, iqOptions(options));
}
