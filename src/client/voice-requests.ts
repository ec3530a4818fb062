/**
 * Voice in moderated rooms, through a {@link MucService}: a visitor asks the
 * moderators for voice (XEP-0045 §7.13), and a moderator hears of such
 * requests and approves or refuses them (§8.6). Standalone functions, so
 * that a bundle carries the data-form codecs only when it imports them.
 *
 * @module
 */
import xml, { type Element } from "@xmpp/xml";
import type { JID } from "@xmpp/jid";
import { dataForm, formType, type DataForm } from "../xso/data-form.js";
import { isDecodeError } from "../xso/errors.js";
import { voiceRequestSchema } from "../xso/muc-forms.js";
import type { Role } from "../xso/muc-user.js";
import { NS_CLIENT, NS_MUC_REQUEST } from "../xso/ns.js";
import { tryParseJid } from "../xso/values.js";
import { roomJid } from "./addresses.js";
import { MucStateError } from "./errors.js";
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
 */
export async function requestVoice(muc: MucService, mucJid: JID | string): Promise<void> {
  const { send } = serviceContext(muc);
  const jid = roomJid(mucJid);
  if (muc.getRoom(jid)?.joined !== true) throw new MucStateError(`room ${jid.toString()} is not joined`);
  const form = voiceRequestSchema.toSubmit({ role: "participant" });
  await send(xml("message", { to: jid.toString(), id: makeId("voice") }, dataForm.encode(form)));
}

/** A voice request a room forwards to its moderators (XEP-0045 §8.6). */
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
 */
export function onVoiceRequest(muc: MucService, handler: (request: VoiceRequestEvent) => void): () => void {
  const { conn, send, log } = serviceContext(muc);
  const listener = (el: Element): void => {
    if (el.name !== "message" || el.attrs.type === "groupchat" || el.attrs.type === "error") return;
    const from = typeof el.attrs.from === "string" ? tryParseJid(el.attrs.from) : undefined;
    if (!from || from.resource || !from.local || muc.getRoom(from)?.joined !== true) return;
    let form: DataForm | undefined;
    try {
      form = dataForm.findIn(el, NS_CLIENT);
    } catch (e) {
      if (!isDecodeError(e)) throw e;
      log.debug(`ignoring a malformed form from ${from.toString()}`, e.message);
      return;
    }
    if (form === undefined || form.type !== "form" || formType(form) !== NS_MUC_REQUEST) return;
    const fields = voiceRequestSchema.parse(form, { invalid: "ignore" });
    const answer = async (allow: boolean): Promise<void> => {
      const submission = voiceRequestSchema.toSubmit({ ...fields, allow });
      await send(xml("message", { to: from.toString(), id: makeId("voice") }, dataForm.encode(submission)));
    };
    try {
      handler({
        room: from,
        jid: fields.jid,
        nick: fields.roomNick,
        role: fields.role,
        form,
        stanza: el,
        approve: () => answer(true),
        deny: () => answer(false),
      });
    } catch (e) {
      log.warn(`the voice request handler failed`, e);
    }
  };
  conn.on("stanza", listener);
  return () => {
    conn.removeListener("stanza", listener as (...args: never[]) => void);
  };
}
