/**
 * The gateway's side of messages that refer to earlier ones: the `<reply/>`
 * it writes for a legacy reply (XEP-0461), the tombstone that replaces a
 * retracted message in the archive (XEP-0424 §5, XEP-0425 §5), and what it
 * reads of a user's correction (XEP-0308), retraction, reactions or reply.
 * The retraction and reactions payloads are shared with the client, in
 * `xso/message-refs.ts`.
 *
 * @module
 */
import type { Element } from "@xmpp/xml";
import type { JID } from "@xmpp/jid";
import { isDecodeError } from "../../xso/errors.js";
import {
  messageReply,
  messageRetracted,
  readMessageRefs,
  type MessageRefs,
} from "../../xso/message-refs.js";
import { NS_COMPONENT, NS_DELAY, NS_OCCUPANT_ID, NS_SID } from "../../xso/ns.js";
import { parseElement } from "../../xso/parse.js";
import { XMPPError } from "../../xso/stanza-error.js";
import { tryParseJid } from "../../xso/values.js";
import type { ArchiveEntry } from "../store/store.js";
import { attachmentsOf, type Attachment } from "../../xso/file-sharing.js";

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

/**
 * Read the references of a user's message (a component stanza).
 *
 * @param stanza - the user's `<message type='groupchat'>`.
 * @param body - its body, if any.
 * @throws {@link XMPPError} `bad-request` for a malformed `<replace/>`, `<retract/>`, `<reply/>` or `<reactions/>`.
 */
export function readUserRefs(stanza: Element, body: string | undefined): MessageRefs {
  try {
    return readMessageRefs(stanza, NS_COMPONENT, body);
  } catch (e) {
    if (!isDecodeError(e)) throw e;
    throw new XMPPError("bad-request", { text: e.message });
  }
}

/**
 * The quote a user's client put before a reply for clients without replies
 * (its XEP-0428 fallback): the body before `refs.text`, when the reply names
 * a message the gateway knows.
 */
export function replyFallbackText(body: string, refs: MessageRefs, replied: string | undefined): string | undefined {
  if (replied === undefined || refs.text === undefined || !body.endsWith(refs.text) || body.length <= refs.text.length) return undefined;
  return body.slice(0, body.length - refs.text.length);
}

/** The file a user's message shares (XEP-0447 / XEP-0066) when its body is only the file's URL, as clients send them. */
export function sharedFile(stanza: Element, text: string): Attachment | undefined {
  const files = attachmentsOf(stanza);
  const only = files.length === 1 ? files[0] : undefined;
  return only && (text.trim() === only.url || text.trim() === "") ? only : undefined;
}

/**
 * Refuse (`TypeError`) a URL a legacy entity shares (`sendFile({ url })` of
 * a participant, a contact, or the gateway) that is not an absolute http(s)
 * one: clients drop the others (`javascript:`, `file:`, `data:`…), and the
 * message would carry a link no one may follow into the archive.
 *
 * @param url - the file's URL, as the module gave it.
 * @throws TypeError when it is not an absolute `http:` or `https:` URL.
 */
export function checkSharedUrl(url: string): void {
  let protocol: string | undefined;
  try {
    protocol = new URL(url).protocol;
  } catch {
    protocol = undefined;
  }
  if (protocol !== "http:" && protocol !== "https:") throw new TypeError(`sendFile: a file's url must be an absolute http(s) URL, not '${url.length > 64 ? `${url.slice(0, 64)}…` : url}'`);
}
