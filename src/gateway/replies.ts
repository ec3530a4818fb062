/**
 * Answers to a user's stanza, addressed back to its sender, and what a
 * failure becomes in them.
 *
 * @module
 */
import xml, { type Element } from "@xmpp/xml";
import { XMPPError } from "../xso/stanza-error.js";
import { NS_MUC } from "../xso/ns.js";

/**
 * The `<iq type='result'>` answering `request`.
 *
 * @param request - the IQ get or set.
 * @param payload - the result's child, if any.
 */
export function resultFor(request: Element, payload?: Element): Element {
  const reply = xml("iq", { type: "result", id: request.attrs.id, from: request.attrs.to, to: request.attrs.from });
  if (payload) reply.cnode(payload);
  return reply;
}

/**
 * The error stanza of the same kind answering `request` (RFC 6120 §8.3). A
 * refused join echoes the join's `<x xmlns='http://jabber.org/protocol/muc'/>`
 * (empty), as XEP-0045's examples do: some clients recognise the answer to
 * their join by it.
 *
 * @param request - the message, presence or IQ that failed.
 * @param error - what went wrong.
 */
export function errorFor(request: Element, error: XMPPError): Element {
  const reply = xml(request.name, { type: "error", from: request.attrs.to, to: request.attrs.from });
  if (request.attrs.id !== undefined) reply.attrs.id = request.attrs.id;
  if (request.name === "presence" && request.getChild("x", NS_MUC)) reply.cnode(xml("x", { xmlns: NS_MUC }));
  reply.cnode(error.toElement());
  return reply;
}

/**
 * What a legacy module threw, as a stanza error: an XMPPError keeps its condition, anything else is internal-server-error.
 *
 * @category Errors
 */
export function asXmppError(e: unknown): XMPPError {
  if (e instanceof XMPPError) return e;
  return new XMPPError("internal-server-error", { text: e instanceof Error ? e.message : "The legacy network failed", cause: e });
}
