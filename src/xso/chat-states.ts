/**
 * XEP-0085 chat states and XEP-0333 chat markers: what a message says of
 * its sender's attention (typing, paused…) and of what they have read. In
 * a room, a chat state goes alone in a groupchat message without a body,
 * and a marker names the message it marks by its room stanza-id.
 *
 * @module
 */
import xml, { type Element } from "@xmpp/xml";
import { namespaceOf } from "./codec.js";
import { NS_CHAT_MARKERS, NS_CHAT_STATES, NS_HINTS } from "./ns.js";

/**
 * The chat states (XEP-0085 §2): `active`, `composing`, `paused`, `inactive`, `gone`.
 *
 * @category Chat states & markers
 */
export const CHAT_STATES = ["active", "composing", "paused", "inactive", "gone"] as const;
/**
 * A chat state.
 *
 * @category Chat states & markers
 */
export type ChatState = (typeof CHAT_STATES)[number];

/**
 * The chat markers (XEP-0333 §3): `received`, `displayed`, `acknowledged`.
 *
 * @category Chat states & markers
 */
export const CHAT_MARKERS = ["received", "displayed", "acknowledged"] as const;
/**
 * A chat marker.
 *
 * @category Chat states & markers
 */
export type ChatMarker = (typeof CHAT_MARKERS)[number];

const STATE_SET: ReadonlySet<string> = new Set(CHAT_STATES);
const MARKER_SET: ReadonlySet<string> = new Set(CHAT_MARKERS);

/**
 * The chat state a message carries: its first child in the chat states
 * namespace that names one, or `undefined`.
 *
 * @param message - a `<message/>`.
 *
 * @category Chat states & markers
 */
export function chatStateOf(message: Element): ChatState | undefined {
  for (const c of message.children) {
    if (typeof c === "string" || namespaceOf(c) !== NS_CHAT_STATES) continue;
    if (STATE_SET.has(c.name)) return c.name as ChatState;
  }
  return undefined;
}

/**
 * A chat marker a message carries.
 *
 * @category Chat states & markers
 */
export interface ChatMarkerOf {
  /** Which marker. */
  readonly marker: ChatMarker;
  /** The id of the message it marks. */
  readonly id: string;
}

/**
 * The chat marker a message carries (`received`, `displayed` or
 * `acknowledged` with a non-empty `id`), or `undefined`. A `<markable/>`
 * request is no marker.
 *
 * @param message - a `<message/>`.
 *
 * @category Chat states & markers
 */
export function chatMarkerOf(message: Element): ChatMarkerOf | undefined {
  for (const c of message.children) {
    if (typeof c === "string" || !MARKER_SET.has(c.name) || namespaceOf(c) !== NS_CHAT_MARKERS) continue;
    const id = c.attrs.id;
    if (typeof id === "string" && id !== "") return { marker: c.name as ChatMarker, id };
  }
  return undefined;
}

/**
 * A chat state's payloads: the state, and a `<no-store/>` hint (XEP-0334;
 * a state is stale at once, archives need not keep it).
 *
 * @param state - the chat state.
 *
 * @category Chat states & markers
 */
export function chatStatePayloads(state: ChatState): Element[] {
  return [xml(state, { xmlns: NS_CHAT_STATES }), xml("no-store", { xmlns: NS_HINTS })];
}

/**
 * A chat marker's payloads: the marker of `id`, and a `<store/>` hint
 * (XEP-0333 §6: markers are kept, so other devices learn them).
 *
 * @param marker - which marker.
 * @param id - the id of the marked message (in a room, its stanza-id).
 *
 * @category Chat states & markers
 */
export function chatMarkerPayloads(marker: ChatMarker, id: string): Element[] {
  return [xml(marker, { xmlns: NS_CHAT_MARKERS, id }), xml("store", { xmlns: NS_HINTS })];
}
