/**
 * What the standalone XEP-0045 and service discovery requests over an
 * {@link IqClient} share: the options of every request and the decoding of
 * an IQ result's payload. The requests themselves are by topic: the
 * affiliation and role lists in `member-lists.ts`; creating, configuring and
 * destroying a room in `room-config.ts`; asking a room about itself and
 * listing a service's rooms in `room-discovery.ts`; the role and affiliation
 * changes in `moderation.ts`. The public functions of `room-admin.ts` build
 * on them.
 *
 * Every one of those functions returns a promise that rejects with:
 * - {@link MucStateError} when the call itself is invalid (a room JID with a
 *   resource, an unknown role or affiliation) — nothing is sent then;
 * - {@link XMPPError} when the room answers with an error (its `condition`
 *   says why: `forbidden`, `not-allowed`, `item-not-found`, …);
 * - {@link TimeoutError} when no answer comes in time (answers from any other
 *   entity than the one asked are ignored), {@link AbortError} when the
 *   signal aborts;
 * - {@link DecodeError} when the answer lacks the expected payload or the
 *   payload is malformed.
 *
 * @module
 */
import type { Element } from "@xmpp/xml";
import type { JID } from "@xmpp/jid";
import { childScopeOf, namespaceOf, type ElementCodec } from "../xso/codec.js";
import { DecodeError } from "../xso/errors.js";
import type { XMPPError } from "../xso/stanza-error.js";
import type { AbortError, MucStateError, TimeoutError } from "../common/errors.js";
import type { IqClient } from "./iq.js";

export type { AdminRequestOptions } from "./moderation.js";

/** The first child of `result` that `codec` matches, with the namespace its children inherit. */
export function payloadOf(result: Element, codec: ElementCodec<unknown, unknown>, from: JID): { el: Element; scope: string | undefined } {
  const scope = childScopeOf(result, namespaceOf(result));
  for (const c of result.children) {
    if (typeof c !== "string" && codec.matches(c, scope)) return { el: c, scope };
  }
  throw new DecodeError(`the IQ result from ${from.toString()} has no <${codec.name} xmlns='${codec.ns}'>`, { element: codec.name, ns: codec.ns });
}

/** Decode the payload `codec` describes out of an IQ result. */
export function decodePayload<T>(result: Element, codec: ElementCodec<T, unknown>, from: JID): T {
  const { el, scope } = payloadOf(result, codec as ElementCodec<unknown, unknown>, from);
  return codec.decode(el, scope);
}

/**
 * The children of `parent` that `codec` matches, each decoded on its own;
 * `skipped` counts those that did not decode. One malformed entry of a long
 * list then costs that entry, not the list.
 */
export function decodeEach<T>(parent: Element, parentNs: string, inherited: string | undefined, codec: ElementCodec<T, unknown>): { values: T[]; skipped: number } {
  const scope = childScopeOf(parent, parentNs, inherited);
  const values: T[] = [];
  let skipped = 0;
  for (const c of parent.children) {
    if (typeof c === "string" || !codec.matches(c, scope)) continue;
    const r = codec.tryDecode(c, scope);
    if (r.ok) values.push(r.value);
    else skipped++;
  }
  return { values, skipped };
}
