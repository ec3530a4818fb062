/**
 * RFC 6121 §4.7: the basic `<presence/>` stanza in `jabber:client` — its
 * common attributes (RFC 6120 §8.1) and the `<show/>`, `<status/>` and
 * `<priority/>` children. Extensions (MUC, occupant-id, hats, delay…) are
 * decoded separately with their own codecs' `findIn`.
 *
 * Presences on a component stream (`jabber:component:accept`) decode with
 * `presence.decode(el, NS_CLIENT)`.
 *
 * @module
 */
import { attr, childText, element, langText, mapped, type Infer, type Input } from "./codec.js";
import { NS_CLIENT } from "./ns.js";
import { canonicalValues, enumeration, integer, jidValue, openEnumeration } from "./values.js";

/**
 * Presence types (RFC 6121 §4.7.1). `"available"` stands for the absent
 * `type` attribute; it is never written.
 *
 * @category Core stanzas
 */
export const PRESENCE_TYPES = [
  "available",
  "unavailable",
  "subscribe",
  "subscribed",
  "unsubscribe",
  "unsubscribed",
  "probe",
  "error",
] as const;
/**
 * A presence type; `"available"` when the stanza has no `type`.
 *
 * @category Core stanzas
 */
export type PresenceType = (typeof PRESENCE_TYPES)[number];

/**
 * Availability sub-states (RFC 6121 §4.7.2.1).
 *
 * @category Core stanzas
 */
export const PRESENCE_SHOWS = ["away", "chat", "dnd", "xa"] as const;
/**
 * An availability sub-state; absent means plain "online".
 *
 * @category Core stanzas
 */
export type PresenceShow = (typeof PRESENCE_SHOWS)[number];

const showOf = canonicalValues(PRESENCE_SHOWS);

/**
 * Whether `s` is one of the {@link PRESENCE_SHOWS}.
 *
 * @category Core stanzas
 */
export function isPresenceShow(s: string | undefined): s is PresenceShow {
  return s !== undefined && showOf(s) !== undefined;
}

/**
 * The one of the {@link PRESENCE_SHOWS} that `s` is (the constant, not `s`
 * itself), or `undefined`.
 *
 * @category Core stanzas
 */
export function presenceShowOf(s: string | undefined): PresenceShow | undefined {
  return s === undefined ? undefined : showOf(s);
}

/**
 * A presence's priority: an integer from -128 to 127 (RFC 6121 §4.7.2.3).
 *
 * @category Core stanzas
 */
export const presencePriority = integer(-128, 127);

/** The state a presence announces (type, show, status, priority), without its addressing. */
const presenceStateFields = {
  /** The presence type (`type` attribute); `"available"` when absent. */
  type: attr("type", enumeration(PRESENCE_TYPES), { default: "available" }),
  /** The availability sub-state (`<show/>` child); absent means online. */
  show: mapped(
    childText("show", openEnumeration(PRESENCE_SHOWS)),
    (s): PresenceShow | undefined => presenceShowOf(s),
    (s: PresenceShow | undefined) => s,
  ),
  /** Human-readable status texts by `xml:lang` (`<status/>` children). */
  status: langText("status"),
  /** The resource's priority, -128 to 127 (`<priority/>` child); absent means 0. */
  priority: childText("priority", presencePriority),
};

/**
 * `<presence>` read for its state only — type, show, status, priority —
 * without parsing its addresses: for code that already routed the stanza
 * by its `from` (a room handling each occupant presence).
 *
 * @category Core stanzas
 */
export const presenceState = element("presence", NS_CLIENT, presenceStateFields);
/**
 * Decoded presence state.
 *
 * @category Core stanzas
 */
export type PresenceState = Infer<typeof presenceState>;

/**
 * `<presence/>` (RFC 6121 §4.7).
 *
 * - `type`: `"available"` when absent; an unknown type fails decoding.
 * - `lang`: the stanza's `xml:lang` (RFC 6120 §8.1.5), the language of the
 *   `status` text that has no `xml:lang` of its own.
 * - `show`: a value outside {@link PRESENCE_SHOWS} (seen in the wild as
 *   `online` or `available`) decodes as absent rather than failing the whole
 *   stanza.
 * - `status`: texts by `xml:lang` (`""` for the one without).
 * - `priority`: -128 to 127; absent means 0.
 *
 * @category Core stanzas
 */
export const presence = element("presence", NS_CLIENT, {
  ...presenceStateFields,
  /** The stanza ID (`id` attribute). */
  id: attr("id"),
  /** The sender (`from` attribute); in a MUC, the occupant's room JID. */
  from: attr("from", jidValue),
  /** The recipient (`to` attribute). */
  to: attr("to", jidValue),
  /** The stanza's default language (`xml:lang` attribute). */
  lang: attr("xml:lang"),
});
/**
 * Decoded `<presence/>`.
 *
 * @category Core stanzas
 */
export type Presence = Infer<typeof presence>;
/**
 * `<presence/>` as accepted by `presence.encode`.
 *
 * @category Core stanzas
 */
export type PresenceInput = Input<typeof presence>;
