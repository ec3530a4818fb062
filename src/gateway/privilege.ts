/**
 * XEP-0356 (Privileged Entity) for the gateway: reading the permissions a
 * server grants the component (the `<message><privilege/></message>` it
 * sends after the component connects), and wrapping an IQ the gateway sends
 * on behalf of one of that server's users (`<privileged_iq/>`) and
 * unwrapping its answer.
 *
 * This speaks `urn:xmpp:privilege:2` (XEP-0356 0.4), the version Prosody's
 * mod_privilege implements; the earlier `urn:xmpp:privilege:1` has no IQ
 * permission.
 *
 * @module
 */
import xml, { type Element } from "@xmpp/xml";
import type { JID } from "@xmpp/jid";
import { causeOption, hasErrorName, isDecodeError } from "../xso/errors.js";
import { NS_CLIENT, NS_FORWARD, NS_PRIVILEGE } from "../xso/ns.js";
import { privilege, privilegedIq, type PrivilegeIqType } from "../xso/privilege.js";
import { XMPPError } from "../xso/stanza-error.js";
import type { Logger } from "../common/logger.js";

/**
 * The permissions one server granted the gateway (XEP-0356), for its own users.
 *
 * @category Gateway & sessions
 */
export interface GrantedPrivileges {
  /** The server's domain: the gateway may act for the users of this domain (`user@server`). */
  readonly server: string;
  /** Roster access: `none`, `get`, `set` or `both`; `undefined` when not advertised. */
  readonly roster: string | undefined;
  /** Message permission: `outgoing`, or `undefined`. */
  readonly message: string | undefined;
  /** Presence permission: `managed_entity`, `roster`, or `undefined`. */
  readonly presence: string | undefined;
  /** IQ permissions: for each payload namespace, which IQ types the gateway may send on the users' behalf. */
  readonly iq: ReadonlyMap<string, PrivilegeIqType>;
}

/**
 * Whether the privileges let the gateway send an IQ of `type` whose payload
 * is in `ns` on behalf of the server's users.
 *
 * @param granted - what the server advertised.
 * @param ns - the payload's namespace.
 * @param type - the IQ type.
 *
 * @category Gateway & sessions
 */
export function allowsIq(granted: GrantedPrivileges, ns: string, type: "get" | "set"): boolean {
  const t = granted.iq.get(ns);
  return t === "both" || t === type;
}

/**
 * The permissions advertised in a message from a server (XEP-0356 §4.2, §7.1),
 * or `undefined` when the message carries no `<privilege/>` (or a malformed
 * one, or a forwarded stanza rather than permissions).
 *
 * @param message - the `<message/>` (from the server's domain).
 * @param server - the domain it came from.
 */
export function readPrivileges(message: Element, server: string): GrantedPrivileges | undefined {
  const el = message.getChild("privilege", NS_PRIVILEGE);
  if (!el) return undefined;
  const decoded = privilege.tryDecode(el);
  if (!decoded.ok || decoded.value.forwarded !== undefined) return undefined;
  let roster: string | undefined;
  let msg: string | undefined;
  let presence: string | undefined;
  const iq = new Map<string, PrivilegeIqType>();
  for (const perm of decoded.value.perms) {
    if (perm.access === "roster") roster = perm.type;
    else if (perm.access === "message") msg = perm.type;
    else if (perm.access === "presence") presence = perm.type;
    else if (perm.access === "iq") {
      for (const n of perm.namespaces) {
        const t = n.type;
        if (!isIqType(t)) continue;
        const before = iq.get(n.ns);
        iq.set(n.ns, before === undefined || before === t ? t : "both");
      }
    }
  }
  return { server, roster, message: msg, presence, iq };
}

function isIqType(t: string | undefined): t is PrivilegeIqType {
  return t === "get" || t === "set" || t === "both";
}

/**
 * Why a privileged IQ could not be sent or read (see {@link PrivilegeError}).
 *
 * @category Errors
 */
export type PrivilegeErrorReason = "not-granted" | "malformed-answer";

/**
 * Options of {@link PrivilegeError}.
 *
 * @category Errors
 */
export interface PrivilegeErrorOptions {
  /** The user's server. */
  readonly server: string;
  /** The payload namespace of the IQ. */
  readonly namespace?: string;
  /** The underlying cause. */
  readonly cause?: unknown;
}

/**
 * A privileged IQ (XEP-0356 §7) that could not be used: the server's
 * advertisement grants no such IQ (`not-granted`, nothing was sent), or its
 * answer did not hold the forwarded IQ (`malformed-answer`). A refusal by
 * the server is an `XMPPError` instead (`forbidden`, `service-unavailable`
 * when the server has no privileged entities at all).
 *
 * @example
 * ```ts
 * try { await gateway.sendPrivilegedIq(user, "get", query); }
 * catch (e) { if (isPrivilegeError(e) && e.reason === "not-granted") askTheAdmin(); }
 * ```
 *
 * @category Errors
 */
export class PrivilegeError extends Error {
  /** Always `"PrivilegeError"`. */
  override readonly name = "PrivilegeError" as const;
  // Set by the constructor: `declare` spares class fields that would define them as undefined first.
  /** What went wrong. */
  declare readonly reason: PrivilegeErrorReason;
  /** The user's server. */
  declare readonly server: string;
  /** The payload namespace of the IQ, when known. */
  declare readonly namespace: string | undefined;

  /**
   * @param reason - what went wrong.
   * @param message - in words.
   * @param options - server, namespace, cause.
   */
  constructor(reason: PrivilegeErrorReason, message: string, options: PrivilegeErrorOptions) {
    super(message, causeOption(options.cause));
    this.reason = reason;
    this.server = options.server;
    this.namespace = options.namespace;
  }
}

/**
 * Whether `e` is a {@link PrivilegeError}, also across realms.
 *
 * @category Errors
 */
export function isPrivilegeError(e: unknown): e is PrivilegeError {
  return e instanceof PrivilegeError || (hasErrorName(e, "PrivilegeError") && typeof (e as { reason?: unknown }).reason === "string");
}

/**
 * The IQ that asks the user's server to send `payload` on the user's behalf
 * (XEP-0356 §7.2): to the user's bare JID, of the wrapped IQ's type,
 * wrapping `<iq xmlns='jabber:client' type id from='user'>` with the payload
 * (addressed to nobody: the user's own account, as their PEP service is).
 *
 * @param gateway - the gateway's JID (the outer `from`).
 * @param user - the user's bare JID.
 * @param type - the IQ type.
 * @param payload - the wrapped IQ's payload.
 * @param id - the id of both IQs.
 */
export function wrapPrivilegedIq(gateway: JID, user: JID, type: "get" | "set", payload: Element, id: string): Element {
  const bare = user.bare().toString();
  const inner = xml("iq", { xmlns: NS_CLIENT, type, id, from: bare }, payload);
  return xml("iq", { type, id, from: gateway.toString(), to: bare }, privilegedIq.encode({ iq: inner }));
}

/**
 * The wrapped answer of a privileged IQ's result (XEP-0356 §7.2): the
 * forwarded `<iq type='result'>`.
 *
 * @param result - the outer `<iq type='result'>`.
 * @param server - the user's server (for the error).
 * @throws {@link XMPPError} when the forwarded IQ is an error; {@link PrivilegeError} `malformed-answer` when there is none.
 */
export function unwrapPrivilegedResult(result: Element, server: string): Element {
  let inner: Element | undefined;
  try {
    inner = privilege.findIn(result)?.forwarded?.iq;
  } catch (e) {
    if (!isDecodeError(e)) throw e;
    throw new PrivilegeError("malformed-answer", `the privileged IQ's answer from ${server} is malformed: ${e.message}`, { server, cause: e });
  }
  if (inner === undefined) throw new PrivilegeError("malformed-answer", `the privileged IQ's answer from ${server} forwards no IQ`, { server });
  if (inner.attrs.type === "error") throw XMPPError.fromStanza(inner);
  if (inner.attrs.type !== "result") throw new PrivilegeError("malformed-answer", `the IQ ${server} forwarded is of type ${String(inner.attrs.type)}`, { server });
  return inner;
}

/**
 * The message that asks the user's server to deliver `message` as if the
 * user had sent it (XEP-0356 §6, the `outgoing` message permission): a
 * message the user wrote from the legacy network's own client, so that their
 * XMPP clients show it in the chat (a carbon).
 *
 * @param gateway - the gateway's JID.
 * @param server - the user's server.
 * @param message - the message, from the user's bare JID.
 */
export function wrapPrivilegedMessage(gateway: JID, server: string, message: Element): Element {
  message.attrs.xmlns = NS_CLIENT;
  return xml("message", { from: gateway.toString(), to: server }, xml("privilege", { xmlns: NS_PRIVILEGE }, xml("forwarded", { xmlns: NS_FORWARD }, message)));
}

/**
 * @internal What the servers granted the gateway (their latest
 * advertisement each), checked before anything is sent on a user's behalf,
 * and the ids of the carbons the gateway sent (they come back to it).
 */
export class Privileges {
  readonly #granted = new Map<string, GrantedPrivileges>();
  readonly #carbonIds = new Set<string>();
  readonly #log: Logger;

  constructor(log: Logger) {
    this.#log = log;
  }

  /**
   * A server's advertisement of the permissions it grants (XEP-0356 §4.2): a
   * message from a bare domain. A newer one replaces the older (the server
   * sends one on each connection); anything else is ignored.
   */
  record(message: Element, from: JID): void {
    if (from.local || from.resource) return;
    const granted = readPrivileges(message, from.domain);
    if (!granted) return;
    this.#granted.set(granted.server, granted);
    const iq = [...granted.iq].map(([ns, t]) => `${ns} (${t})`).join(", ");
    this.#log.debug(`gateway: ${granted.server} grants privileges: IQ ${iq || "none"}; roster ${granted.roster ?? "none"}; message ${granted.message ?? "none"}; presence ${granted.presence ?? "none"}`);
  }

  /** What `server` advertised, or `undefined`. */
  of(server: string): GrantedPrivileges | undefined {
    return this.#granted.get(server.toLowerCase());
  }

  /**
   * Throw {@link PrivilegeError} `not-granted` when `server` advertised its
   * permissions and they exclude IQs of `type` with a payload in `ns`; when it
   * advertised none, the IQ may go (the server enforces what it grants).
   */
  checkIq(server: string, ns: string | undefined, type: "get" | "set"): void {
    const granted = this.of(server);
    if (granted && (ns === undefined || !allowsIq(granted, ns, type))) {
      throw new PrivilegeError("not-granted", `${server} does not let this gateway send IQ ${type} in ${ns ?? "(no namespace)"} for its users`, {
        server,
        ...(ns !== undefined ? { namespace: ns } : {}),
      });
    }
  }

  /** Whether `server` lets the gateway write its users' rosters. */
  writesRoster(server: string): boolean {
    const roster = this.of(server)?.roster;
    return roster === "set" || roster === "both";
  }

  /**
   * Whether `server` lets the gateway send messages as its users; when it
   * does, a message's id is remembered (the 1,000 latest) for
   * {@link Privileges.isOwnCarbon}.
   */
  sendsCarbon(server: string, id: string | undefined): boolean {
    if (this.of(server)?.message !== "outgoing") return false;
    if (id !== undefined) {
      this.#carbonIds.add(id);
      if (this.#carbonIds.size > 1_000) this.#carbonIds.delete(this.#carbonIds.values().next().value as string);
    }
    return true;
  }

  /** Whether `id` is the id of a carbon the gateway sent (forgotten once seen). */
  isOwnCarbon(id: string | undefined): boolean {
    return id !== undefined && this.#carbonIds.delete(id);
  }
}
