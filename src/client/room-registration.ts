/**
 * A user's standing with a room outside of being in it, through a
 * {@link MucService}: registering with the room (XEP-0045 §7.10), the nick
 * the room reserves for the user (§7.12), and asking a service for a room
 * name no one uses (§10.1.4, XEP-0307). Standalone functions, like those of
 * `room-admin.ts`, so that a bundle carries only those it imports.
 *
 * Each returns a promise that rejects with {@link MucStateError} for an
 * invalid JID (nothing is sent), {@link XMPPError} when the room or service
 * refuses, {@link DecodeError} for a malformed answer, {@link TimeoutError}
 * or {@link AbortError}.
 *
 * @module
 */
import type { JID } from "@xmpp/jid";
import { formType, type DataForm, type DataFormInput } from "../xso/data-form.js";
import { discoInfoQuery } from "../xso/disco.js";
import { DecodeError } from "../xso/errors.js";
import { roomRegisterSchema, type RoomRegistration } from "../xso/muc-forms.js";
import { mucUnique } from "../xso/muc-owner.js";
import { NS_MUC_REGISTER } from "../xso/ns.js";
import { registerQuery } from "../xso/register.js";
import type { XMPPError } from "../xso/stanza-error.js";
import { tryParseJid } from "../xso/values.js";
import { roomJid, serviceJid } from "./addresses.js";
import { decodePayload } from "./admin.js";
import { MucStateError, type AbortError, type TimeoutError } from "../common/errors.js";
import { iqOptions, type AdminRequestOptions } from "./moderation.js";
import { serviceContext, type MucService } from "./service.js";

/** The node of the disco#info request for the reserved nick (XEP-0045 §7.12). */
const RESERVED_NICK_NODE = "x-roomuser-item";

/**
 * What a room answers about registering with it (XEP-0045 §7.10).
 *
 * @category Joining & presence
 */
export interface RoomRegistrationInfo {
  /** Whether we are registered with the room already (`<registered/>`). */
  readonly registered: boolean;
  /** The nick registered, when the room says (`<username/>`). */
  readonly nick?: string;
  /** The room's instructions, if any. */
  readonly instructions?: string;
  /** The registration form to fill in (`muc#register`), when not registered; or the registration data, where the room sends it. */
  readonly form?: DataForm;
  /** The `muc#register` fields of `form`, typed (those that do not parse are left out). */
  readonly fields: Partial<RoomRegistration>;
}

/**
 * Ask a room how to register with it, or whether we are registered
 * (XEP-0045 §7.10).
 *
 * @param muc - the service.
 * @param mucJid - the room's bare JID.
 * @param options - timeout and abort signal.
 * @returns the registration state, with the form to fill in.
 * @throws Rejects with {@link XMPPError} (`registration-required` when the
 *   room takes registrations from members only, `forbidden` for a banned
 *   user) and as the module says.
 * @example
 * ```ts
 * const { registered, fields } = await getRoomRegistration(muc, "coven@chat.shakespeare.lit");
 * if (!registered) await registerWithRoom(muc, "coven@chat.shakespeare.lit", { roomNick: "thirdwitch" });
 * ```
 *
 * @category Joining & presence
 */
export async function getRoomRegistration(muc: MucService, mucJid: JID | string, options: AdminRequestOptions = {}): Promise<RoomRegistrationInfo> {
  const to = roomJid(mucJid);
  const result = await serviceContext(muc).iq.request("get", to, registerQuery.encode({}), iqOptions(options));
  const query = decodePayload(result, registerQuery, to);
  const form = query.form;
  const fields = form !== undefined && formType(form) === NS_MUC_REGISTER ? roomRegisterSchema.parse(form, { invalid: "ignore" }) : {};
  return {
    registered: query.registered,
    ...(query.username !== undefined ? { nick: query.username } : {}),
    ...(query.instructions !== undefined ? { instructions: query.instructions } : {}),
    ...(form !== undefined ? { form } : {}),
    fields,
  };
}

/**
 * Register with a room (XEP-0045 §7.10): submit the `muc#register` form,
 * with the nick to reserve and any other fields, or a data form (such as
 * the `form` of {@link getRoomRegistration} filled in, submitted as it is).
 * Depending on the room, we become a member at once or once an admin
 * approves.
 *
 * @param muc - the service.
 * @param mucJid - the room's bare JID.
 * @param registration - the typed fields (at least `roomNick`), or a data form.
 * @param options - timeout and abort signal.
 * @returns a promise that resolves when the room accepts the request.
 * @throws Rejects with {@link MucStateError} for a registration without a
 *   nick; {@link XMPPError} (`conflict` when the nick is taken,
 *   `not-acceptable` for a missing required field, `registration-required`,
 *   `forbidden`) and as the module says.
 * @example
 * ```ts
 * await registerWithRoom(muc, "coven@chat.shakespeare.lit", { roomNick: "thirdwitch", email: "hag66@witchesonline" });
 * ```
 *
 * @category Joining & presence
 */
export async function registerWithRoom(
  muc: MucService,
  mucJid: JID | string,
  registration: (Partial<RoomRegistration> & { readonly roomNick: string }) | DataFormInput,
  options: AdminRequestOptions = {},
): Promise<void> {
  const to = roomJid(mucJid);
  let form: DataFormInput;
  if ("fields" in registration && Array.isArray(registration.fields)) {
    form = { ...(registration as DataFormInput), type: "submit" };
  } else {
    const record = registration as Partial<RoomRegistration>;
    if (typeof record.roomNick !== "string" || record.roomNick.trim() === "") throw new MucStateError("a room registration needs a non-empty roomNick");
    form = roomRegisterSchema.toSubmit(record);
  }
  let payload;
  try {
    payload = registerQuery.encode({ form });
  } catch (e) {
    throw new MucStateError(`the registration form does not encode: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
  await serviceContext(muc).iq.request("set", to, payload, iqOptions(options));
}

/**
 * The nick a room has reserved for us, if any (XEP-0045 §7.12): the name of
 * the `conference` identity of its disco#info for the node `x-roomuser-item`.
 *
 * @param muc - the service.
 * @param mucJid - the room's bare JID.
 * @param options - timeout and abort signal.
 * @returns the reserved nick, or `undefined` when the room reserves none.
 * @throws Rejects with {@link XMPPError} (`item-not-found`,
 *   `feature-not-implemented` from rooms that do not support it) and as the module says.
 * @example
 * ```ts
 * const nick = (await getReservedNick(muc, "coven@chat.shakespeare.lit")) ?? "thirdwitch";
 * muc.join("coven@chat.shakespeare.lit", nick);
 * ```
 *
 * @category Joining & presence
 */
export async function getReservedNick(muc: MucService, mucJid: JID | string, options: AdminRequestOptions = {}): Promise<string | undefined> {
  const to = roomJid(mucJid);
  const result = await serviceContext(muc).iq.request("get", to, discoInfoQuery.encode({ node: RESERVED_NICK_NODE }), iqOptions(options));
  const query = decodePayload(result, discoInfoQuery, to);
  const nick = query.identities.find((i) => i.category === "conference" && i.name !== undefined && i.name !== "")?.name;
  return nick;
}

/**
 * Ask a MUC service for a room name no one uses (XEP-0045 §10.1.4,
 * XEP-0307), to create a room under it.
 *
 * @param muc - the service.
 * @param service - the MUC service's JID (`chat.shakespeare.lit`).
 * @param options - timeout and abort signal.
 * @returns the bare JID of the room to create.
 * @throws Rejects with {@link DecodeError} when the answer holds no valid
 *   name; {@link XMPPError} (`feature-not-implemented`) and as the module says.
 * @example
 * ```ts
 * const jid = await getUniqueRoomName(muc, "chat.shakespeare.lit");
 * const room = await createRoom(muc, jid, "firstwitch");
 * ```
 *
 * @category Administration & configuration
 */
export async function getUniqueRoomName(muc: MucService, service: JID | string, options: AdminRequestOptions = {}): Promise<JID> {
  const to = serviceJid(service);
  const result = await serviceContext(muc).iq.request("get", to, mucUnique.encode({ name: "" }), iqOptions(options));
  const name = decodePayload(result, mucUnique, to).name.trim();
  const jid = name === "" ? undefined : tryParseJid(`${name}@${to.domain}`);
  if (jid === undefined || jid.resource || jid.local !== name.toLowerCase()) {
    throw new DecodeError(`the unique room name '${name.slice(0, 64)}' from ${to.toString()} is not a JID localpart`, { element: "unique", ns: mucUnique.ns });
  }
  return jid;
}
