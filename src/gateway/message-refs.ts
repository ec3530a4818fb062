/**
 * The gateway's side of messages that refer to earlier ones: the elements it
 * writes for a legacy reply (XEP-0461), retraction (XEP-0424) or reactions
 * (XEP-0444), and what it reads of a user's correction (XEP-0308),
 * retraction, reactions or reply.
 *
 * @module
 */
import xml, { type Element } from "@xmpp/xml";
import type { JID } from "@xmpp/jid";
import { isDecodeError } from "../xso/errors.js";
import {
  messageCorrection,
  messageFallback,
  messageFallbackV0,
  messageReactions,
  messageReply,
  messageRetracted,
  messageRetraction,
  stripFallback,
  type MessageFallback,
} from "../xso/message-refs.js";
import { NS_COMPONENT, NS_DELAY, NS_HINTS, NS_OCCUPANT_ID, NS_REPLY, NS_RETRACT, NS_SID } from "../xso/ns.js";
import { parseElement } from "../xso/parse.js";
import { XMPPError } from "../xso/stanza-error.js";
import { tryParseJid } from "../xso/values.js";
import type { ArchiveEntry } from "./store/store.js";

/** The body of a retraction, for clients without XEP-0424 (all of it is fallback). */
export const RETRACTION_FALLBACK = "/me retracted a previous message, but it's unsupported by your client.";

/**
 * The `<reply/>` to an archived message of the room: to its author's
 * occupant JID, by the stanza-id the room gave it (XEP-0461 §4.1).
 *
 * @param room - the room's JID.
 * @param original - the archived message replied to.
 */
export function replyTo(room: JID, original: ArchiveEntry): Element {
  const to = tryParseJid(`${room.toString()}/${original.nick}`);
  return messageReply.encode({ ...(to ? { to } : {}), id: original.stanzaId });
}

/**
 * The payloads of a retraction of the message with this stanza-id: the
 * `<retract/>`, the fallback marking the whole body, and a hint to store it
 * (XEP-0424 §3).
 *
 * @param stanzaId - the stanza-id the room gave the message retracted.
 */
export function retraction(stanzaId: string): Element[] {
  return [messageRetraction.encode({ id: stanzaId }), messageFallback.encode({ for: NS_RETRACT, bodies: [] }), xml("store", { xmlns: NS_HINTS })];
}

/**
 * The payloads of a participant's reactions to the message with this
 * stanza-id: all of them, none to take them back (XEP-0444 §4), and a hint
 * to store them.
 *
 * @param stanzaId - the stanza-id the room gave the message reacted to.
 * @param emojis - the reactions.
 */
export function reactionsTo(stanzaId: string, emojis: readonly string[]): Element[] {
  return [messageReactions.encode({ id: stanzaId, reactions: [...emojis] }), xml("store", { xmlns: NS_HINTS })];
}

/** Who moderated a retraction, for its tombstone. */
export interface ModerationInfo {
  /** The moderator's occupant JID. */
  readonly by?: JID;
  /** The moderator's occupant-id. */
  readonly occupantId: string;
  /** Why. */
  readonly reason?: string;
}

/**
 * The tombstone of a retracted archived message (XEP-0424 §5, XEP-0425 §5):
 * the message as archived, its content (body and every payload but its
 * stanza-id, occupant-id and delay) replaced by `<retracted/>`.
 *
 * @param original - the archived message.
 * @param retractionId - the `id` of the retraction message.
 * @param when - when it was retracted.
 * @param moderation - who moderated it, for a moderator's retraction.
 * @returns the entry's new body (empty) and XML.
 */
export function tombstone(original: ArchiveEntry, retractionId: string, when: Date, moderation?: ModerationInfo): { body: string; xml: string } {
  const message = parseElement(original.xml);
  message.children = message.children.filter((c): c is Element => typeof c !== "string" && KEPT_IN_TOMBSTONE.has(`${c.name} ${String(c.attrs.xmlns)}`));
  message.cnode(
    messageRetracted.encode({
      id: retractionId,
      stamp: when,
      ...(moderation ? { moderated: { ...(moderation.by ? { by: moderation.by } : {}), occupantId: { id: moderation.occupantId } } } : {}),
      ...(moderation?.reason !== undefined ? { reason: moderation.reason } : {}),
    }),
  );
  return { body: "", xml: message.toString() };
}

/** The elements a tombstone keeps: the ids that say which message it was, and when. */
const KEPT_IN_TOMBSTONE: ReadonlySet<string> = new Set([`stanza-id ${NS_SID}`, `occupant-id ${NS_OCCUPANT_ID}`, `delay ${NS_DELAY}`]);

/** What a user's groupchat message refers to. */
export interface UserMessageRefs {
  /** The `id` of the message it corrects (XEP-0308). */
  readonly corrects?: string;
  /** The stanza-id of the message it retracts (XEP-0424). */
  readonly retracts?: string;
  /** The message it reacts to (its stanza-id) and the reactions (XEP-0444). */
  readonly reactions?: { readonly id: string; readonly reactions: readonly string[] };
  /** The stanza-id of the message it replies to (XEP-0461). */
  readonly repliesTo?: string;
  /** The body without the quote written for clients without replies. */
  readonly text?: string;
}

/**
 * Read the references of a user's message (a component stanza).
 *
 * @param stanza - the user's `<message type='groupchat'>`.
 * @param body - its body, if any.
 * @throws {@link XMPPError} `bad-request` for a malformed `<replace/>`, `<retract/>` or `<reply/>`.
 */
export function readUserRefs(stanza: Element, body: string | undefined): UserMessageRefs {
  try {
    const corrects = messageCorrection.findIn(stanza, NS_COMPONENT)?.id;
    const retracts = messageRetraction.findIn(stanza, NS_COMPONENT)?.id;
    const repliesTo = messageReply.findIn(stanza, NS_COMPONENT)?.id;
    const reactions = messageReactions.findIn(stanza, NS_COMPONENT);
    let text = body;
    if (body !== undefined && repliesTo !== undefined) {
      const fallbacks: MessageFallback[] = [...messageFallback.findAllIn(stanza, NS_COMPONENT), ...messageFallbackV0.findAllIn(stanza, NS_COMPONENT)];
      text = stripFallback(body, fallbacks, NS_REPLY);
    }
    return {
      ...(corrects !== undefined ? { corrects } : {}),
      ...(retracts !== undefined ? { retracts } : {}),
      ...(repliesTo !== undefined ? { repliesTo } : {}),
      ...(reactions !== undefined ? { reactions } : {}),
      ...(text !== undefined ? { text } : {}),
    };
  } catch (e) {
    if (!isDecodeError(e)) throw e;
    throw new XMPPError("bad-request", { text: e.message });
  }
}
