/**
 * RFC 6121 §5.2: the basic `<message/>` stanza in `jabber:client` — its
 * common attributes (RFC 6120 §8.1) and the `<body/>`, `<subject/>` and
 * `<thread/>` children. Extensions (delay, stanza-id, occupant-id, muc#user…)
 * are decoded separately with their own codecs' `findIn`.
 *
 * Messages on a component stream (`jabber:component:accept`) decode with
 * `message.decode(el, NS_CLIENT)`.
 *
 * @module
 */
import { attr, child, element, langText, mapped, text, type Infer, type Input } from "./codec.js";
import { NS_CLIENT } from "./ns.js";
import { jidValue, openEnumeration } from "./values.js";

/**
 * Message types (RFC 6121 §5.2.2).
 *
 * @category Core stanzas
 */
export const MESSAGE_TYPES = ["chat", "error", "groupchat", "headline", "normal"] as const;
/**
 * A message type; `"normal"` when the stanza has no `type` or one not understood.
 *
 * @category Core stanzas
 */
export type MessageType = (typeof MESSAGE_TYPES)[number];

const TYPE_SET: ReadonlySet<string> = new Set<string>(MESSAGE_TYPES);

/**
 * `<thread/>` (RFC 6121 §5.2.5): a conversation thread ID, optionally with its parent thread.
 *
 * @category Core stanzas
 */
export const messageThread = element("thread", NS_CLIENT, {
  /** The thread ID (the element's text). */
  id: text(),
  /** The ID of the parent thread (`parent` attribute). */
  parent: attr("parent"),
});
/**
 * Decoded `<thread/>`.
 *
 * @category Core stanzas
 */
export type MessageThread = Infer<typeof messageThread>;

/** What a message says (type, bodies, subjects, thread), without its addressing. */
const messageContentFields = {
  /** The message type (`type` attribute); `"normal"` when absent or unknown. */
  type: mapped(
    attr("type", openEnumeration(MESSAGE_TYPES), { default: "normal" }),
    (t): MessageType => (TYPE_SET.has(t) ? (t as MessageType) : "normal"),
    (t: MessageType | undefined) => t,
  ),
  /** Message bodies by `xml:lang` (`<body/>` children). */
  body: langText("body"),
  /** Subjects by `xml:lang` (`<subject/>` children); in a MUC, the room subject. */
  subject: langText("subject"),
  /** The conversation thread (`<thread/>` child). */
  thread: child(messageThread),
};

/**
 * `<message>` read for its content only — type, bodies, subjects, thread —
 * without parsing its addresses: for code that already routed the stanza
 * by its `from` (a room handling each groupchat message).
 *
 * @category Core stanzas
 */
export const messageContent = element("message", NS_CLIENT, messageContentFields);
/**
 * Decoded message content.
 *
 * @category Core stanzas
 */
export type MessageContent = Infer<typeof messageContent>;

/**
 * `<message/>` (RFC 6121 §5.2).
 *
 * - `type`: an absent or unknown `type` decodes as `"normal"`, as RFC 6121
 *   §5.2.2 requires; `"normal"` is encoded by omitting the attribute.
 * - `lang`: the stanza's `xml:lang` (RFC 6120 §8.1.5), the language of the
 *   `body` and `subject` texts that have no `xml:lang` of their own.
 * - `body`, `subject`: texts by `xml:lang` (`""` for the one without). An
 *   empty `<subject/>` decodes as `{ "": "" }` and no `<subject/>` as `{}`:
 *   in a MUC, a message with a `<subject/>` but no `<body/>` changes the
 *   subject, and an empty one clears it (XEP-0045 §8.1).
 *
 * @category Core stanzas
 */
export const message = element("message", NS_CLIENT, {
  ...messageContentFields,
  /** The stanza ID (`id` attribute). */
  id: attr("id"),
  /** The sender (`from` attribute); in a MUC, the occupant's room JID or the room's bare JID. */
  from: attr("from", jidValue),
  /** The recipient (`to` attribute). */
  to: attr("to", jidValue),
  /** The stanza's default language (`xml:lang` attribute). */
  lang: attr("xml:lang"),
});
/**
 * Decoded `<message/>`.
 *
 * @category Core stanzas
 */
export type Message = Infer<typeof message>;
/**
 * `<message/>` as accepted by `message.encode`.
 *
 * @category Core stanzas
 */
export type MessageInput = Input<typeof message>;
