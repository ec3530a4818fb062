/**
 * The answers a mock's test gives to what the code sent: an IQ result, or an
 * error of the request's own kind. Shared by {@link MockConnection} and
 * {@link MockComponent}, which differ in the stream namespace and in whom the
 * answer is addressed to; not part of the package's exports.
 *
 * @module
 */
import { Element } from "@xmpp/xml";
import { XMPPError, type StanzaErrorCondition, type StanzaErrorType } from "../xso/stanza-error.js";

/** Where an answer goes: the stream's namespace, and the addressee (none: no `to`). */
export interface ReplyAddress {
  readonly xmlns: string;
  readonly to: string | undefined;
}

/** A `result` IQ answering `request`, from `from` (by default the request's `to`), with `payload` as its child. */
export function iqResult(address: ReplyAddress, request: Element, payload: Element | undefined, from: string | undefined): Element {
  const iq = new Element("iq", { xmlns: address.xmlns, type: "result", id: request.attrs.id });
  const sender = from ?? request.attrs.to;
  if (sender !== undefined) iq.attrs.from = sender;
  if (address.to !== undefined) iq.attrs.to = address.to;
  if (payload !== undefined) iq.cnode(payload);
  return iq;
}

/** An error of `request`'s own kind (`<iq/>`, `<message/>`, `<presence/>`) answering it, from `options.from` (by default the request's `to`). */
export function errorReply(
  address: ReplyAddress,
  request: Element,
  condition: StanzaErrorCondition,
  options: { type?: StanzaErrorType; text?: string; from?: string },
): Element {
  const reply = new Element(request.name, { xmlns: address.xmlns, type: "error" });
  if (request.attrs.id !== undefined) reply.attrs.id = request.attrs.id;
  const sender = options.from ?? request.attrs.to;
  if (sender !== undefined) reply.attrs.from = sender;
  if (address.to !== undefined) reply.attrs.to = address.to;
  const err = new XMPPError(condition, { ...(options.type ? { type: options.type } : {}), ...(options.text ? { text: options.text } : {}) });
  reply.cnode(err.toElement());
  return reply;
}
