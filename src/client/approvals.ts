/**
 * Requests a room forwards for approval, through a {@link MucService}: a
 * visitor asks the moderators for voice (XEP-0045 §7.13) and a moderator
 * approves or refuses (§8.6); a user asks to register with a room and an
 * admin approves or refuses (§9.9). Standalone functions, so that a bundle
 * carries the data-form codecs only when it imports them.
 *
 * @module
 */
import xml, { type Element } from "@xmpp/xml";
import type { JID } from "@xmpp/jid";
import { dataForm, formType, type DataForm, type DataFormField } from "../xso/data-form.js";
import { isDecodeError } from "../xso/errors.js";
import { roomRegisterSchema, voiceRequestSchema, type RoomRegistration } from "../xso/muc-forms.js";
import type { Role } from "../xso/muc-user.js";
import { NS_CLIENT, NS_MUC_REGISTER, NS_MUC_REQUEST } from "../xso/ns.js";
import { tryParseJid } from "../xso/values.js";
import { roomJid } from "./addresses.js";
import { MucStateError } from "../common/errors.js";
import { makeId } from "./iq.js";
import { serviceContext, type MucService } from "./service.js";

/**
 * Ask a room's moderators for voice (XEP-0045 §7.13): a `muc#request` form
 * asking for the `participant` role.
 *
 * @param muc - the service.
 * @param mucJid - the room, which must be joined.
 * @returns a promise that resolves once the request is sent.
 * @throws Rejects with {@link MucStateError} when the room is not joined through `muc`.
 * @example
 * ```ts
 * if (room.me?.role === "visitor") await requestVoice(muc, room.jid);
 * ```
 *
 * @category Moderation
 */
export async function requestVoice(muc: MucService, mucJid: JID | string): Promise<void> {
  const { send } = serviceContext(muc);
  const jid = roomJid(mucJid);
  if (muc.getRoom(jid)?.joined !== true) throw new MucStateError(`room ${jid.toString()} is not joined`);
  const form = voiceRequestSchema.toSubmit({ role: "participant" });
  await send(xml("message", { to: jid.toString(), id: makeId("voice") }, dataForm.encode(form)));
}

/**
 * A voice request a room forwards to its moderators (XEP-0045 §8.6).
 *
 * @category Moderation
 */
export interface VoiceRequestEvent {
  /** The room. */
  readonly room: JID;
  /** Who asks (`muc#jid`), where the room says. */
  readonly jid: JID | undefined;
  /** Their nick in the room (`muc#roomnick`), where the room says. */
  readonly nick: string | undefined;
  /** The role asked for (`muc#role`), normally `participant`. */
  readonly role: Role | undefined;
  /** The approval form as the room sent it. */
  readonly form: DataForm;
  /** The `<message/>` that carried it. */
  readonly stanza: Element;
  /** Grant the voice: submit the form with `muc#request_allow` true. */
  approve(): Promise<void>;
  /** Refuse it: submit the form with `muc#request_allow` false. */
  deny(): Promise<void>;
}

/**
 * Hear the voice requests that the rooms joined through `muc` forward to
 * us as a moderator (XEP-0045 §8.6). Only requests from the bare JID of a
 * room we are in are taken; what `handler` throws is logged.
 *
 * @param muc - the service.
 * @param handler - called with each request.
 * @returns a function that stops listening.
 * @example
 * ```ts
 * const stop = onVoiceRequest(muc, (request) => {
 *   if (confirm(`Give ${request.nick} voice?`)) void request.approve();
 * });
 * ```
 *
 * @category Moderation
 */
export function onVoiceRequest(muc: MucService, handler: (request: VoiceRequestEvent) => void): () => void {
  return onApprovalForm(muc, NS_MUC_REQUEST, "muc#request_allow", (room) => muc.getRoom(room)?.joined === true, (room, form, stanza, answer) => {
    const fields = voiceRequestSchema.parse(form, { invalid: "ignore" });
    handler({ room, jid: fields.jid, nick: fields.roomNick, role: fields.role, form, stanza, ...answer });
  });
}

/**
 * A request to register with a room, which the room forwards to its admins (XEP-0045 §9.9).
 *
 * @category Moderation
 */
export interface RegistrationRequestEvent {
  /** The room. */
  readonly room: JID;
  /** What the user filled in (`muc#register_roomnick`, names, email, …). */
  readonly registration: Omit<Partial<RoomRegistration>, "allow">;
  /** The approval form as the room sent it. */
  readonly form: DataForm;
  /** The `<message/>` that carried it. */
  readonly stanza: Element;
  /** Let the user register: submit the form with `muc#register_allow` true. */
  approve(): Promise<void>;
  /** Refuse: submit the form with `muc#register_allow` false. */
  deny(): Promise<void>;
}

/**
 * Options of {@link onRegistrationRequest}.
 *
 * @category Moderation
 */
export interface RegistrationRequestOptions {
  /**
   * Which rooms to take requests from. Anyone can send a form from a bare
   * JID, so an application that knows the rooms it administers should say
   * so. By default, any bare JID with a localpart is taken.
   */
  readonly from?: (room: JID) => boolean;
}

/**
 * Hear the registration requests rooms forward to us as an admin (XEP-0045
 * §9.9), which a room may do instead of accepting registrations at once. An
 * admin need not be in the room, so a request is taken from any room JID (a
 * bare JID with a localpart) that `options.from` accepts; answering sends the
 * form back to that JID only. What `handler` throws is logged.
 *
 * @param muc - the service.
 * @param handler - called with each request.
 * @param options - which rooms to listen to.
 * @returns a function that stops listening.
 * @example
 * ```ts
 * const mine = new Set(["coven@chat.shakespeare.lit"]);
 * onRegistrationRequest(muc, (request) => {
 *   if (request.registration.email?.endsWith("@witchesonline")) void request.approve();
 * }, { from: (room) => mine.has(room.toString()) });
 * ```
 *
 * @category Moderation
 */
export function onRegistrationRequest(muc: MucService, handler: (request: RegistrationRequestEvent) => void, options: RegistrationRequestOptions = {}): () => void {
  const accept = options.from ?? (() => true);
  return onApprovalForm(muc, NS_MUC_REGISTER, "muc#register_allow", accept, (room, form, stanza, answer) => {
    const { allow: _allow, ...registration } = roomRegisterSchema.parse(form, { invalid: "ignore" });
    void _allow;
    handler({ room, registration, form, stanza, ...answer });
  });
}

/** The two answers to an approval form. */
interface ApprovalAnswers {
  approve(): Promise<void>;
  deny(): Promise<void>;
}

/**
 * Listen for forms of `formType_` that a room sends for approval (a `form`
 * in a non-groupchat message from a room's bare JID that `accept` accepts),
 * calling `take` with the two answers; what `take` throws is logged.
 */
function onApprovalForm(
  muc: MucService,
  formType_: string,
  allowVar: string,
  accept: (room: JID) => boolean,
  take: (room: JID, form: DataForm, stanza: Element, answers: ApprovalAnswers) => void,
): () => void {
  const { listen, send, log } = serviceContext(muc);
  const listener = (el: Element): void => {
    if (el.name !== "message" || el.attrs.type === "groupchat" || el.attrs.type === "error") return;
    const from = typeof el.attrs.from === "string" ? tryParseJid(el.attrs.from) : undefined;
    if (!from || from.resource || !from.local || !accept(from)) return;
    let form: DataForm | undefined;
    try {
      form = dataForm.findIn(el, NS_CLIENT);
    } catch (e) {
      if (!isDecodeError(e)) throw e;
      log.debug(`ignoring a malformed form from ${from.toString()}`, e.message);
      return;
    }
    if (form === undefined || form.type !== "form" || formType(form) !== formType_) return;
    const answer = async (allow: boolean): Promise<void> => {
      const submission = approvalSubmission(form, allowVar, allow);
      await send(xml("message", { to: from.toString(), id: makeId("approve") }, dataForm.encode(submission)));
    };
    try {
      take(from, form, el, { approve: () => answer(true), deny: () => answer(false) });
    } catch (e) {
      log.warn(`the ${formType_} approval handler failed`, e);
    }
  };
  return listen(listener);
}

/**
 * The submission of an approval form: every field of the form with its
 * values as the room sent them (so fields a service adds, such as a request
 * id, go back to it), except the `fixed` texts, and `allowVar` set to
 * `allow` (XEP-0004 §3.3 booleans, `1` or `0`), appended if absent.
 */
function approvalSubmission(form: DataForm, allowVar: string, allow: boolean): DataForm {
  const answer = [allow ? "1" : "0"];
  const fields = form.fields
    .filter((f) => f.var !== undefined && f.type !== "fixed")
    .map((f): DataFormField => ({ var: f.var, required: false, values: f.var === allowVar ? answer : f.values, options: [] }));
  if (!fields.some((f) => f.var === allowVar)) fields.push({ var: allowVar, required: false, values: answer, options: [] });
  return { type: "submit", instructions: [], fields, items: [] };
}
