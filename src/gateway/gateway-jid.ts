/**
 * What users send to the gateway's own JID (no localpart): their presence
 * (asking the gateway's status, or telling theirs), chat commands, and the
 * IQs the gateway answers itself — disco#info and disco#items, XEP-0077
 * registration, XEP-0050 commands, XEP-0055 search and XEP-0100 lookups,
 * its vCard and pings. Functions over the gateway; not part of the
 * package's API.
 *
 * @module
 */
import { randomUUID } from "node:crypto";
import xml, { type Element } from "@xmpp/xml";
import type { JID } from "@xmpp/jid";
import type { DataFormFieldInput } from "../xso/data-form.js";
import { discoInfoQuery, discoItemsQuery } from "../xso/disco.js";
import { NS_COMMANDS, NS_COMPONENT, NS_DATA_FORMS, NS_DISCO_INFO, NS_DISCO_ITEMS, NS_IQ_GATEWAY, NS_MAM, NS_MUC, NS_MUC_SELF_PING, NS_REGISTER, NS_SEARCH, NS_VCARD } from "../xso/ns.js";
import { registerQuery } from "../xso/register.js";
import { XMPPError } from "../xso/stanza-error.js";
import { parseJid } from "../xso/values.js";
import { vcardTemp } from "../xso/vcard.js";
import type { CommandRunner } from "./commands/command-runner.js";
import { decodeSubmission, formFields, submittedValues } from "./commands/forms.js";
import type { BaseGateway } from "./gateway.js";
import { asXmppError, errorFor, resultFor } from "./replies.js";
import { handleGatewayQuery, handleSearch } from "./commands/search.js";
import type { BaseSession } from "./session.js";

/** What the gateway's own stanzas need of it beyond its public members. */
export interface GatewayJidContext {
  readonly gateway: BaseGateway;
  /** Its commands. */
  readonly commands: CommandRunner;
  /** Whether the module's sessions search (their class overrides `onSearch`). */
  searches(): boolean;
  /** The session of the user a JID belongs to, logged in or not. */
  sessionOf(from: JID): BaseSession | undefined;
}

/** A stanza to the gateway's own JID. */
export async function handleGatewayStanza(context: GatewayJidContext, el: Element, from: JID): Promise<void> {
  if (el.name === "presence") {
    const session = context.sessionOf(from);
    if (el.attrs.type === "probe" && session) await session.sendGatewayStatus(session.loggedIn ? "Logged in" : "Not logged in", session.loggedIn ? undefined : "dnd");
    else if (session?.loggedIn && from.resource) await userPresence(context, session, from.resource, el);
    return;
  }
  // Messages to the gateway itself: servers' privilege announcements (the gateway took them already) and users' chat commands.
  if (el.name === "message") {
    await chatCommand(context, el, from);
    return;
  }
  if (el.name !== "iq") return;
  let answer: IqAnswer;
  try {
    answer = await answerIq(context, el, from);
  } catch (e) {
    await context.gateway.send(errorFor(el, asXmppError(e)));
    return;
  }
  await context.gateway.send(answer.result);
  // What comes after the answer (a new user's login and welcome), before the user's next stanza.
  await answer.afterwards?.().catch((e: unknown) => context.gateway.log.warn("gateway: starting a new session failed", e));
}

/**
 * A presence of one of the user's resources, for the session's hooks
 * (`onPresence`): a hook that fails is the module's failure, logged, not the
 * handling's (a presence has no answer to carry it).
 */
async function userPresence(context: GatewayJidContext, session: BaseSession, resource: string, el: Element): Promise<void> {
  try {
    await session.userPresence(resource, el);
  } catch (e) {
    context.gateway.log.warn(`gateway: onPresence of ${session.userJid.toString()}/${resource} failed`, e);
  }
}

/** The result of an IQ, and what to do once it is sent. */
interface IqAnswer {
  readonly result: Element;
  readonly afterwards?: () => Promise<void>;
}

/** The answer to an IQ to the gateway's JID (get or set). */
async function answerIq(context: GatewayJidContext, el: Element, from: JID): Promise<IqAnswer> {
  const result = await iqResult(context, el, from);
  return result instanceof Function ? { result: resultFor(el), afterwards: result } : { result };
}

/** The result of an IQ to the gateway's JID, or (a registration) what starts the new session once the empty result is sent. */
async function iqResult(context: GatewayJidContext, el: Element, from: JID): Promise<Element | (() => Promise<void>)> {
  const { gateway, commands } = context;
  const type = el.attrs.type;
  const payload = el.children.find((c): c is Element => typeof c !== "string");
  const ns = payload?.attrs.xmlns;
  const session = context.sessionOf(from);
  const node = payload?.attrs.node as string | undefined;
  const query = payload?.name === "query" ? payload : undefined;
  if (type === "get" && query && ns === NS_DISCO_INFO) {
    const info = node === undefined ? discoInfo(gateway, context.searches()) : commands.discoInfo(node, session);
    if (!info) throw new XMPPError("item-not-found", { text: `No node ${node ?? ""}` });
    return resultFor(el, info);
  }
  if (type === "get" && query && ns === NS_DISCO_ITEMS) {
    if (node !== undefined && node !== NS_COMMANDS) throw new XMPPError("item-not-found", { text: `No node ${node}` });
    return resultFor(el, node === NS_COMMANDS ? commands.discoItems(session) : discoItems(session));
  }
  if ((type === "get" || type === "set") && query && ns === NS_SEARCH) return resultFor(el, await handleSearch(gateway, type, query, session));
  if ((type === "get" || type === "set") && query && ns === NS_IQ_GATEWAY) return resultFor(el, await handleGatewayQuery(gateway, type, query, session));
  if (type === "set" && payload?.name === "command" && ns === NS_COMMANDS) return resultFor(el, await commands.handleIq(payload, from, session));
  if (type === "get" && query && ns === NS_REGISTER) return resultFor(el, registrationForm(gateway, from));
  if (type === "set" && query && ns === NS_REGISTER) return (await register(gateway, session, from, query)) ?? resultFor(el);
  if (type === "get" && payload?.name === "vCard" && ns === NS_VCARD) return resultFor(el, vcard(gateway));
  if (type === "get" && payload?.name === "ping" && ns === NS_MUC_SELF_PING) return resultFor(el);
  throw new XMPPError("feature-not-implemented");
}

/** A chat command: a chat or normal message with a body, from a user, to the gateway JID. */
async function chatCommand(context: GatewayJidContext, el: Element, from: JID): Promise<void> {
  const type = el.attrs.type ?? "normal";
  if ((type !== "chat" && type !== "normal") || !from.local) return;
  const body = el.getChildText("body");
  if (!body) return;
  const reply = await context.commands.handleChat(body, from, context.sessionOf(from));
  if (reply === undefined) return;
  const gateway = context.gateway;
  await gateway.send(xml("message", { from: gateway.jid.toString(), to: from.toString(), type: "chat", id: randomUUID() }, xml("body", {}, reply)));
}

/** The gateway's disco#info: a gateway and a MUC service, with what it serves. */
function discoInfo(gateway: BaseGateway, searches: boolean): Element {
  return discoInfoQuery.encode({
    identities: [
      { category: "gateway", type: gateway.componentType, name: gateway.componentName },
      { category: "conference", type: "text", name: gateway.componentName },
    ],
    features: [
      NS_DISCO_INFO,
      NS_DISCO_ITEMS,
      NS_REGISTER,
      NS_COMMANDS,
      ...(searches ? [NS_SEARCH, ...(gateway.searchFields.length === 1 ? [NS_IQ_GATEWAY] : [])] : []),
      NS_MUC,
      NS_MUC_SELF_PING,
      NS_MAM,
      NS_VCARD,
    ],
  });
}

/** The gateway's vCard: its name and, when set, its avatar. */
function vcard(gateway: BaseGateway): Element {
  const avatar = gateway.componentAvatar;
  return vcardTemp.encode({
    fullName: gateway.componentName,
    ...(typeof avatar === "string" ? { photo: { extval: avatar } } : avatar ? { photo: { type: avatar.type, binval: Buffer.from(avatar.data).toString("base64") } } : {}),
  });
}

/** The gateway's disco#items: the asking user's rooms, once logged in. */
function discoItems(session: BaseSession | undefined): Element {
  const items = session?.loggedIn ? session.bookmarks.rooms.map((muc) => ({ jid: muc.jid, ...(muc.name !== undefined ? { name: muc.name } : {}) })) : [];
  return discoItemsQuery.encode({ items });
}

/** The XEP-0077 registration form, filled with what a registered user gave. */
function registrationForm(gateway: BaseGateway, from: JID): Element {
  const user = gateway.store.users.get(`${from.local}@${from.domain}`);
  const fields: DataFormFieldInput[] = [{ var: "FORM_TYPE", type: "hidden", values: [NS_REGISTER] }, ...formFields(gateway.registrationFields, user?.legacyData)];
  return registerQuery.encode({
    instructions: gateway.registrationInstructions,
    registered: user !== undefined,
    form: { type: "form", title: `Register with ${gateway.componentName}`, instructions: [gateway.registrationInstructions], fields },
  });
}

/**
 * An XEP-0077 registration (a data form or the legacy fields) or `<remove/>`.
 * Registrations of more than one step are refused towards the register command.
 *
 * @returns what starts the new session, once the user has the answer; nothing for a removal.
 */
async function register(gateway: BaseGateway, session: BaseSession | undefined, from: JID, query: Element): Promise<(() => Promise<void>) | undefined> {
  if (query.getChild("remove")) {
    if (!session) throw new XMPPError("registration-required", { text: "Not registered" });
    await gateway.unregisterUser(session);
    return undefined;
  }
  let values: Record<string, string> = {};
  const form = query.getChild("x", NS_DATA_FORMS);
  if (form) {
    const submission = decodeSubmission(form, NS_COMPONENT);
    // Only a form of type submit is a registration (XEP-0004 §3.1); a cancel, or the form sent back, registers nothing.
    if (submission.type !== "submit") throw new XMPPError("bad-request", { text: `A registration form of type ${submission.type} cannot be submitted` });
    values = submittedValues(submission);
  } else {
    for (const c of query.children) if (typeof c !== "string") values[c.name] = c.getText();
  }
  if (gateway.registrationType !== "single-step-form") {
    throw new XMPPError("not-acceptable", { text: "This gateway registers in several steps: use its Register command (XEP-0050 ad-hoc commands)" });
  }
  const pending = await gateway.beginRegistration(parseJid(`${from.local}@${from.domain}`), values);
  if (gateway.registrationTypeFor(pending) !== "single-step-form") {
    throw new XMPPError("not-acceptable", { text: "This account registers in several steps: use the gateway's Register command (XEP-0050 ad-hoc commands)" });
  }
  return gateway.finishRegistration(pending);
}
