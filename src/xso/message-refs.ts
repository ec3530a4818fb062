/**
 * The elements by which a message refers to an earlier one: XEP-0308
 * `<replace/>` (a correction), XEP-0424 `<retract/>` (a retraction), XEP-0461
 * `<reply/>` (a reply), XEP-0444 `<reactions/>`, XEP-0425 moderation, and the XEP-0428
 * `<fallback/>` that marks the parts of a body written only for clients
 * without the feature.
 *
 * In a groupchat, retractions, replies and reactions name the original by
 * the stanza-id the room assigned to it (XEP-0359); corrections by its `id`
 * attribute.
 *
 * @module
 */
import xml, { type Element } from "@xmpp/xml";
import { attr, child, children, childText, childTexts, element, flag, type Infer, type Input } from "./codec.js";
import { NS_CORRECT, NS_FALLBACK, NS_HINTS, NS_MODERATE, NS_REACTIONS, NS_REPLY, NS_RETRACT } from "./ns.js";
import { occupantId } from "./occupant-id.js";
import { dateTime, integer, jidValue, string } from "./values.js";

/**
 * `<replace xmlns='urn:xmpp:message-correct:0' id/>`: this message corrects the one with that `id` (XEP-0308).
 *
 * @category Message changes
 */
export const messageCorrection = element("replace", NS_CORRECT, {
  /** The `id` attribute of the message corrected. */
  id: attr("id", string, { required: true }),
});
/**
 * Decoded `<replace/>`.
 *
 * @category Message changes
 */
export type MessageCorrection = Infer<typeof messageCorrection>;

/**
 * `<moderated xmlns='urn:xmpp:message-moderate:1' by/>`: in a retraction, the moderator who made it (XEP-0425).
 *
 * @category Message changes
 */
export const messageModerated = element("moderated", NS_MODERATE, {
  /** The moderator (in a room, their occupant JID), where the room says. */
  by: attr("by", jidValue),
  /** The moderator's XEP-0421 occupant id (`<occupant-id/>` child). */
  occupantId: child(occupantId),
});
/**
 * Decoded `<moderated/>`.
 *
 * @category Message changes
 */
export type MessageModerated = Infer<typeof messageModerated>;

/**
 * `<retract xmlns='urn:xmpp:message-retract:1' id/>`: the sender retracts a
 * message (XEP-0424), or, with `<moderated/>`, a room's moderator does
 * (XEP-0425, sent by the room itself).
 *
 * @category Message changes
 */
export const messageRetraction = element("retract", NS_RETRACT, {
  /** The message retracted: in a groupchat, the stanza-id the room assigned to it. */
  id: attr("id", string, { required: true }),
  /** Who moderated it, for a moderator's retraction. */
  moderated: child(messageModerated),
  /** Why a moderator retracted it (`<reason/>`). */
  reason: childText("reason"),
});

/**
 * `<retracted xmlns='urn:xmpp:message-retract:1' id stamp/>`: in an archive,
 * what stands in for a retracted message (a tombstone, XEP-0424 §5; with
 * `<moderated/>`, XEP-0425 §5).
 *
 * @category Message changes
 */
export const messageRetracted = element("retracted", NS_RETRACT, {
  /** The `id` of the retraction message. */
  id: attr("id"),
  /** When the message was retracted. */
  stamp: attr("stamp", dateTime),
  /** Who moderated it, for a moderator's retraction. */
  moderated: child(messageModerated),
  /** Why a moderator retracted it. */
  reason: childText("reason"),
});
/**
 * Decoded `<retracted/>`.
 *
 * @category Message changes
 */
export type MessageRetracted = Infer<typeof messageRetracted>;

/**
 * The disco feature of an archive that replaces retracted messages with tombstones (XEP-0424 §5).
 *
 * @category Message changes
 */
export const RETRACT_TOMBSTONE_FEATURE = `${NS_RETRACT}#tombstone`;

/**
 * `<moderate xmlns='urn:xmpp:message-moderate:1' id>`: a moderator asks the
 * room to retract a message (XEP-0425 §4), in an IQ set.
 *
 * @category Message changes
 */
export const messageModerate = element("moderate", NS_MODERATE, {
  /** The message: the stanza-id the room assigned to it. */
  id: attr("id", string, { required: true }),
  /** The action asked for: a retraction (`<retract xmlns='urn:xmpp:message-retract:1'/>`). */
  retract: flag("retract", { ns: NS_RETRACT }),
  /** Why (`<reason/>`). */
  reason: childText("reason"),
});
/**
 * Decoded `<moderate/>`.
 *
 * @category Message changes
 */
export type MessageModerate = Infer<typeof messageModerate>;
/**
 * Decoded `<retract/>`.
 *
 * @category Message changes
 */
export type MessageRetraction = Infer<typeof messageRetraction>;

/**
 * `<reply xmlns='urn:xmpp:reply:0' to id/>`: this message replies to another (XEP-0461).
 *
 * @category Message changes
 */
export const messageReply = element("reply", NS_REPLY, {
  /** The author of the message replied to (in a groupchat, their occupant JID). */
  to: attr("to", jidValue),
  /** The message replied to: in a groupchat, the stanza-id the room assigned to it. */
  id: attr("id", string, { required: true }),
});
/**
 * Decoded `<reply/>`.
 *
 * @category Message changes
 */
export type MessageReply = Infer<typeof messageReply>;
/**
 * `<reply/>` as accepted by `messageReply.encode`.
 *
 * @category Message changes
 */
export type MessageReplyInput = Input<typeof messageReply>;

/**
 * `<reactions xmlns='urn:xmpp:reactions:0' id>`: the sender's reactions to a
 * message, all of them (XEP-0444): each message replaces the sender's
 * earlier reactions to it; none removes them all.
 *
 * @category Message changes
 */
export const messageReactions = element("reactions", NS_REACTIONS, {
  /** The message reacted to: in a groupchat, the stanza-id the room assigned to it. */
  id: attr("id", string, { required: true }),
  /** The reactions, each an emoji (`<reaction/>` children). */
  reactions: childTexts("reaction"),
});
/**
 * Decoded `<reactions/>`.
 *
 * @category Message changes
 */
export type MessageReactions = Infer<typeof messageReactions>;

/**
 * The namespace of XEP-0428 before version 0.2, which older clients still send.
 *
 * @category Message changes
 */
export const NS_FALLBACK_V0 = "urn:xmpp:feature-fallback:0";

/** The `<fallback/>` codecs of one XEP-0428 namespace. */
function fallbackCodecs(ns: string) {
  const body = element("body", ns, {
    /** The first code point of the range. */
    start: attr("start", integer(0)),
    /** The code point after the range. */
    end: attr("end", integer(0)),
  });
  const subject = element("subject", ns, {
    /** The first code point of the range. */
    start: attr("start", integer(0)),
    /** The code point after the range. */
    end: attr("end", integer(0)),
  });
  const fallback = element("fallback", ns, {
    /** The namespace of the feature the fallback stands in for (`for` attribute). */
    for: attr("for"),
    /**
     * The ranges of the body that are fallback text. With neither body nor
     * subject ranges, the whole body (and subject) is; with subject ranges
     * only, none of the body.
     */
    bodies: children(body),
    /** The ranges of the subject that are fallback text (`<subject/>` children). */
    subjects: children(subject),
  });
  return { body, fallback };
}

const fallbackV1 = fallbackCodecs(NS_FALLBACK);
const fallbackV0 = fallbackCodecs(NS_FALLBACK_V0);

/**
 * `<body start end/>` of a fallback: a range of the body, in Unicode code points.
 *
 * @category Message changes
 */
export const fallbackBody = fallbackV1.body;
/**
 * Decoded `<body/>` of a fallback.
 *
 * @category Message changes
 */
export type FallbackBody = Infer<typeof fallbackBody>;

/**
 * `<fallback xmlns='urn:xmpp:fallback:0' for/>`: text written for clients without the feature `for` (XEP-0428).
 *
 * @category Message changes
 */
export const messageFallback = fallbackV1.fallback;
/**
 * Decoded `<fallback/>`.
 *
 * @category Message changes
 */
export type MessageFallback = Infer<typeof messageFallback>;

/**
 * `<body/>` of {@link messageFallbackV0}.
 *
 * @category Message changes
 */
export const fallbackBodyV0 = fallbackV0.body;
/**
 * `<fallback xmlns='urn:xmpp:feature-fallback:0'>`: {@link messageFallback} in the namespace before XEP-0428 0.2.
 *
 * @category Message changes
 */
export const messageFallbackV0 = fallbackV0.fallback;

/**
 * `body` without the text the fallbacks for `features` mark (XEP-0428 §4):
 * their ranges are cut out, or the whole body goes when a fallback names no
 * range at all (one that names only subject ranges leaves the body alone). Ranges count Unicode code points, all in the original body; those
 * outside it are clipped to it.
 *
 * @param body - the message body.
 * @param fallbacks - the message's fallbacks.
 * @param features - the namespace(s) of the features understood (`urn:xmpp:reply:0`).
 * @returns the body as a client with the features shows it.
 * @example
 * ```ts
 * stripFallback("> Juliet: hi\nhello", [{ for: NS.REPLY, bodies: [{ start: 0, end: 13 }] }], NS.REPLY); // "hello"
 * ```
 *
 * @category Message changes
 */
export function stripFallback(
  body: string,
  fallbacks: readonly (Pick<MessageFallback, "for" | "bodies"> & { readonly subjects?: MessageFallback["subjects"] })[],
  features: string | readonly string[],
): string {
  const understood = typeof features === "string" ? [features] : features;
  const points = [...body];
  const cut = new Array<boolean>(points.length).fill(false);
  for (const f of fallbacks) {
    if (f.for === undefined || !understood.includes(f.for)) continue;
    if (f.bodies.length === 0 && (f.subjects?.length ?? 0) === 0) return "";
    for (const { start = 0, end = points.length } of f.bodies) {
      for (let i = Math.max(0, start); i < Math.min(end, points.length); i++) cut[i] = true;
    }
  }
  return points.filter((_, i) => !cut[i]).join("");
}

/**
 * What a message refers to, as {@link readMessageRefs} reads it: each property is there when the message carries it.
 *
 * @category Message changes
 */
export interface MessageRefs {
  /** The `id` attribute of the message it corrects (XEP-0308 `<replace/>`). */
  readonly corrects?: string;
  /** Its retraction of an earlier message: the sender's (XEP-0424), or with `moderated` a moderator's, sent by the room (XEP-0425). */
  readonly retraction?: MessageRetraction;
  /** The message it replies to (XEP-0461). */
  readonly reply?: MessageReply;
  /** Its reactions to an earlier message: all of the sender's, none to take them back (XEP-0444). */
  readonly reactions?: MessageReactions;
  /**
   * The body without the fallback text (XEP-0428) written for clients that lack
   * the features above that the message uses (the quote of a reply, the notice of a retraction);
   * there when the message has a body.
   */
  readonly text?: string;
}

/** The features whose fallback text {@link readMessageRefs} strips, by the property that says the message uses them. */
const FALLBACK_FEATURES = { reply: NS_REPLY, retraction: NS_RETRACT, reactions: NS_REACTIONS } as const;

/**
 * Read what a message refers to: a correction, retraction, reply or reactions,
 * and its body without the fallback text for them.
 *
 * @param stanza - the `<message/>`.
 * @param ns - the stanza namespace (`jabber:client`, or `jabber:component:accept` for a component).
 * @param body - its body in the default language, if any.
 * @param lenient - whether a malformed `<replace/>`, `<retract/>`, `<reply/>` or `<reactions/>`
 *   counts as absent (the others are still read) instead of throwing.
 * @throws {@link DecodeError} for a malformed `<replace/>`, `<retract/>`, `<reply/>` or `<reactions/>`,
 *   unless `lenient` (malformed fallbacks are always left out: their text then stays in `text`).
 *
 * @category Message changes
 */
export function readMessageRefs(stanza: Element, ns: string, body: string | undefined, lenient = false): MessageRefs {
  const find = <T>(codec: { findIn(el: Element, ns: string): T | undefined; tryFindIn(el: Element, ns: string): T | undefined }): T | undefined =>
    lenient ? codec.tryFindIn(stanza, ns) : codec.findIn(stanza, ns);
  const refs: { -readonly [K in keyof MessageRefs]: MessageRefs[K] } = {};
  const corrects = find(messageCorrection)?.id;
  if (corrects !== undefined) refs.corrects = corrects;
  const retraction = find(messageRetraction);
  if (retraction) refs.retraction = retraction;
  const reply = find(messageReply);
  if (reply) refs.reply = reply;
  const reactions = find(messageReactions);
  if (reactions) refs.reactions = reactions;
  if (body !== undefined) {
    const features = (Object.keys(FALLBACK_FEATURES) as (keyof typeof FALLBACK_FEATURES)[]).filter((k) => refs[k] !== undefined).map((k) => FALLBACK_FEATURES[k]);
    refs.text = features.length === 0 ? body : stripFallback(body, fallbacksOf(stanza, ns), features);
  }
  return refs;
}

/** The message's well-formed fallbacks, in either namespace. */
function fallbacksOf(stanza: Element, ns: string): MessageFallback[] {
  const out: MessageFallback[] = [];
  for (const codec of [messageFallback, messageFallbackV0]) {
    for (const el of stanza.getChildren("fallback", codec.ns)) {
      const fallback = codec.tryDecode(el, ns);
      if (fallback.ok) out.push(fallback.value);
    }
  }
  return out;
}

/**
 * The body of a retraction, for clients without XEP-0424 (all of it is fallback).
 *
 * @category Message changes
 */
export const RETRACTION_FALLBACK = "/me retracted a previous message, but it's unsupported by your client.";

/**
 * The payloads of a retraction of the message with this id (in a groupchat,
 * its stanza-id): the `<retract/>`, the fallback marking the whole body, and
 * a hint to store it (XEP-0424 §3). The body is {@link RETRACTION_FALLBACK}.
 *
 * @param id - the message retracted.
 *
 * @category Message changes
 */
export function retractionPayloads(id: string): Element[] {
  return [messageRetraction.encode({ id }), messageFallback.encode({ for: NS_RETRACT, bodies: [] }), xml("store", { xmlns: NS_HINTS })];
}

/**
 * The payloads of a sender's reactions to the message with this id (in a
 * groupchat, its stanza-id): all of them, none to take them back (XEP-0444
 * §4), and a hint to store them.
 *
 * @param id - the message reacted to.
 * @param emojis - the reactions.
 *
 * @category Message changes
 */
export function reactionsPayloads(id: string, emojis: readonly string[]): Element[] {
  return [messageReactions.encode({ id, reactions: [...emojis] }), xml("store", { xmlns: NS_HINTS })];
}
