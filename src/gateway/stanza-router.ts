/**
 * Where each stanza the component receives goes: answers to the gateway's
 * own requests and questions at once; every other stanza of a user after
 * that user's previous one (different users in parallel), to the gateway's
 * own JID, a room, a contact of the user, or an error reply. Not part of the
 * package's API.
 *
 * @module
 */
import xml, { type Element } from "@xmpp/xml";
import type { JID } from "@xmpp/jid";
import { NS_COMMANDS, NS_MUC } from "../xso/ns.js";
import { parseJid, tryParseJid } from "../xso/values.js";
import { XMPPError } from "../xso/stanza-error.js";
import { isDecodeError } from "../xso/errors.js";
import type { IqRequests } from "./iq-requests.js";
import type { PendingInputs } from "./user-input.js";
import type { LegacyMUC } from "./muc.js";
import type { LegacyContact } from "./contacts/contact.js";
import { handleContactStanza } from "./contacts/direct-chat.js";
import { handleGatewayStanza, type GatewayJidContext } from "./gateway-jid.js";
import { asXmppError, errorFor } from "./replies.js";
import { unescapeLocalpart } from "./names.js";

/** What routing needs of the gateway beyond its public members. */
export interface RouterContext {
  /** What the stanzas to the gateway's own JID need (and the gateway itself). */
  readonly ownStanzas: GatewayJidContext;
  /** The gateway's pending IQs. */
  readonly iqs: IqRequests;
  /** The questions the gateway asked users. */
  readonly inputs: PendingInputs;
  /** The gateway's JID as text. */
  readonly jidText: string;
}

/**
 * At most this many of one user's stanzas wait for handling at once; more
 * are refused (`resource-constraint`, type `wait`) rather than held in
 * memory without bound while a slow hook holds the user's queue. Unavailable
 * presences may wait up to twice as many.
 */
export const MAX_QUEUED_STANZAS = 1_000;

/** One user's queue: the last stanza in handling, and how many wait or are handled. */
interface UserQueue {
  tail: Promise<void>;
  waiting: number;
}

/** Routes the component's stanzas; one per gateway. */
export class StanzaRouter {
  readonly #context: RouterContext;
  /** Each user's queue, by bare JID. */
  readonly #queues = new Map<string, UserQueue>();

  constructor(context: RouterContext) {
    this.#context = context;
  }

  /** The component's `stanza` listener. */
  readonly onStanza = (el: Element): void => {
    const { iqs, inputs, jidText, ownStanzas } = this.#context;
    // Answers to the gateway's own IQs skip the per-user queues: the handling
    // that waits for one may be what holds its sender's queue.
    if (iqs.settle(el)) return;
    const toGateway = addressesGateway(el.attrs.to, jidText);
    // Answers to questions (input) too: the handling that asked may hold the queue.
    if (toGateway && inputs.settle(el)) return;
    // Command stages too: one may wait long (a QR scan), and a client waits for each answer anyway.
    if (toGateway && el.name === "iq" && el.attrs.type === "set" && el.getChild("command", NS_COMMANDS)) {
      void route(this.#context, el).catch((e: unknown) => ownStanzas.gateway.log.warn("gateway: failed to handle a command", e));
      return;
    }
    this.#enqueue(el);
  };

  /** Resolves once every stanza received so far is handled. */
  async idle(): Promise<void> {
    await Promise.all([...this.#queues.values()].map((q) => q.tail));
  }

  /** Stanzas of one user are handled in order; different users in parallel; at most {@link MAX_QUEUED_STANZAS} of one user at a time. */
  #enqueue(el: Element): void {
    const from = typeof el.attrs.from === "string" ? el.attrs.from : "";
    const key = from.split("/")[0] ?? "";
    const queue = this.#queues.get(key) ?? { tail: Promise.resolve(), waiting: 0 };
    // A resource leaving gets more room: dropping it would leave a ghost occupant.
    const limit = el.name === "presence" && el.attrs.type === "unavailable" ? 2 * MAX_QUEUED_STANZAS : MAX_QUEUED_STANZAS;
    if (queue.waiting >= limit) {
      this.#refuse(el, key);
      return;
    }
    queue.waiting++;
    const next = queue.tail
      .then(() => route(this.#context, el))
      .catch((e: unknown) => this.#context.ownStanzas.gateway.log.warn("gateway: failed to handle a stanza", e, el.toString().slice(0, 500)))
      .finally(() => {
        queue.waiting--;
      });
    queue.tail = next;
    this.#queues.set(key, queue);
    void next.then(() => {
      if (queue.tail === next) this.#queues.delete(key);
    });
  }

  /**
   * A stanza over the user's queue limit: answered with `resource-constraint`
   * when it may be (never an error, nor a presence of a type other than
   * a plain one, nor a stanza without a sender), else dropped.
   */
  #refuse(el: Element, key: string): void {
    const gateway = this.#context.ownStanzas.gateway;
    gateway.log.debug(`gateway: ${key} has ${MAX_QUEUED_STANZAS} stanzas waiting; refusing one more`);
    const type = el.attrs.type;
    if (key === "" || type === "error" || (el.name === "iq" && type !== "get" && type !== "set") || (el.name === "presence" && type !== undefined)) return;
    const error = new XMPPError("resource-constraint", { text: "Too many of your stanzas are waiting; try again later" });
    void gateway.send(errorFor(el, error)).catch((e: unknown) => gateway.log.warn("gateway: failed to refuse a stanza", e));
  }
}

/**
 * Whether `to` is the gateway's own JID (`jidText`, as the gateway writes
 * it): compared as JIDs, since a client may write the domain in another
 * case (RFC 7622 §3.2: domainparts compare case-insensitively).
 */
function addressesGateway(to: unknown, jidText: string): boolean {
  if (to === jidText) return true;
  const jid = typeof to === "string" ? tryParseJid(to) : undefined;
  return jid !== undefined && jid.toString() === jidText;
}

/** Hand one stanza to what it is for. */
async function route(context: RouterContext, el: Element): Promise<void> {
  const gateway = context.ownStanzas.gateway;
  const addresses = addressesOf(el);
  if (typeof addresses === "string") {
    gateway.log.debug("gateway: ignoring a stanza with an invalid from or to", addresses);
    return;
  }
  const { from, to } = addresses;
  // The server routes only the gateway's domain here; anything else names no room, contact or gateway of ours.
  if (to.domain.toLowerCase() !== gateway.jid.domain.toLowerCase()) {
    gateway.log.debug(`gateway: ignoring a stanza to ${to.toString()}, not of this gateway's domain`);
    return;
  }
  const type = el.attrs.type;
  if (type === "error") {
    await onBounce(context, el, from, to);
    return;
  }
  if (el.name === "iq" && type === "result") return;
  // An IQ request without an id cannot be answered: its result or error would have no id to match (RFC 6120 §8.1.3).
  if (el.name === "iq" && typeof el.attrs.id !== "string") {
    gateway.log.debug("gateway: ignoring an IQ without an id");
    return;
  }
  // The one check of every IQ to the gateway, a room or an occupant: its
  // type is required, and an IQ that is no answer must be a get or a set
  // (RFC 6120 §8.2.3).
  if (el.name === "iq" && type !== "get" && type !== "set") {
    await gateway.send(errorFor(el, new XMPPError("bad-request", { text: "An IQ needs a type: get, set, result or error" })));
    return;
  }
  if (!to.local) {
    await handleGatewayStanza(context.ownStanzas, el, from);
    return;
  }
  let session = context.ownStanzas.sessionOf(from);
  const login = session && !session.loggedIn ? gateway.loginOf(session) : undefined;
  if (login) {
    // The gateway is starting and this user's login is still to come: their stanzas wait for it, in order.
    await login;
    session = context.ownStanzas.sessionOf(from);
  }
  if (!session || !session.loggedIn) {
    if (el.name === "presence" && type === "unavailable") return;
    await gateway.send(errorFor(el, new XMPPError("registration-required", { text: "Register with this gateway first" })));
    return;
  }
  let muc: LegacyMUC | undefined;
  try {
    muc = await session.bookmarks.byJid(to);
  } catch (e) {
    await gateway.send(errorFor(el, asXmppError(e)));
    return;
  }
  if (!muc && el.name === "presence" && type === undefined && to.resource && el.getChild("x", NS_MUC) && session.supportsGroupCreation) {
    // Joining a room JID that names no group creates one (XEP-0045 §10.1; slidge's on_create_group).
    try {
      const legacyId = await session.onCreateGroup(unescapeLocalpart(to.local), []);
      muc = await session.bookmarks.created(legacyId, to.local);
    } catch (e) {
      await gateway.send(errorFor(el, asXmppError(e)));
      return;
    }
  }
  if (!muc) {
    // Not a group: a contact of the user (a direct chat), or nobody.
    let contact: LegacyContact | undefined;
    try {
      contact = to.resource ? undefined : await session.contacts.byJid(to);
    } catch (e) {
      await gateway.send(errorFor(el, asXmppError(e)));
      return;
    }
    if (contact) {
      await handleContactStanza(contact, el, from);
      return;
    }
    if (el.name === "presence" && type === "unavailable") return;
    await gateway.send(errorFor(el, new XMPPError("item-not-found", { text: "No such group or contact" })));
    return;
  }
  try {
    await muc.handleStanza(el, from, to);
  } catch (e) {
    gateway.log.warn(`room ${muc.jid.toString()}: handling failed`, e);
    await gateway.send(errorFor(el, asXmppError(e)));
  }
}

/** The sender and the addressee of a stanza, or why they are unusable (missing, not strings, invalid JIDs). */
function addressesOf(el: Element): { from: JID; to: JID } | string {
  const { from, to } = el.attrs;
  // An attribute absent is no JID (String(undefined) would parse as the JID "undefined").
  if (typeof from !== "string" || typeof to !== "string") return "missing from or to";
  try {
    return { from: parseJid(from), to: parseJid(to) };
  } catch (e) {
    return isDecodeError(e) || e instanceof Error ? e.message : String(e);
  }
}

/**
 * Error conditions with which a user's server bounces what a room sent to
 * one of the user's resources that is gone (it went offline while the
 * gateway was down, say, and never said it left).
 */
const GONE_CONDITIONS: ReadonlySet<string> = new Set(["gone", "item-not-found", "recipient-unavailable", "redirect", "remote-server-not-found", "remote-server-timeout", "service-unavailable"]);

/**
 * An error stanza from a user's resource to a room: when it says the
 * resource is gone, the resource leaves the room, as an unavailable presence
 * from it would make it (what MUC services do with such ghosts). Other errors
 * are ignored: an error is never answered.
 */
async function onBounce(context: RouterContext, el: Element, from: JID, to: JID): Promise<void> {
  if (el.name === "iq" || !to.local || !from.resource) return;
  const condition = XMPPError.fromStanza(el).condition;
  if (!GONE_CONDITIONS.has(condition)) return;
  const session = context.ownStanzas.sessionOf(from);
  const local = to.local.toLowerCase();
  const muc = session?.loggedIn ? session.bookmarks.rooms.find((m) => m.jid.local.toLowerCase() === local) : undefined;
  if (!muc) return;
  context.ownStanzas.gateway.log.debug(`gateway: ${from.toString()} bounced what ${to.toString()} sent (${condition}): the resource leaves the room`);
  await muc.handleStanza(xml("presence", { type: "unavailable", from: from.toString(), to: muc.jid.toString() }), from, muc.jid);
}
