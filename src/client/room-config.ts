/**
 * The XEP-0045 owner requests (§10.1 creating a room, §10.2 configuration,
 * §10.9 destroying), as standalone functions over an {@link IqClient}:
 * `createInstantRoom`, `getRoomConfig`, `setRoomConfig`, `cancelRoomConfig`
 * and `destroyRoom`, with the writing of a configuration record as a form
 * submission. They reject as `admin.ts` describes.
 *
 * @module
 */
import type { Element } from "@xmpp/xml";
import type { JID } from "@xmpp/jid";
import type { DataForm, DataFormField, DataFormInput } from "../xso/data-form.js";
import type { DecodeError } from "../xso/errors.js";
import { roomConfigFields, roomConfigSchema, type RoomConfig } from "../xso/muc-forms.js";
import { mucOwnerQuery, type MucOwnerDestroy } from "../xso/muc-owner.js";
import type { XMPPError } from "../xso/stanza-error.js";
import { MucStateError, type AbortError, type TimeoutError } from "../common/errors.js";
import type { IqClient } from "./iq.js";
import { asJid, roomJid } from "./addresses.js";
import { iqOptions, type AdminRequestOptions } from "./moderation.js";
import { decodePayload } from "./admin.js";

/**
 * The answer of `getRoomConfig`.
 *
 * @category Administration & configuration
 */
export interface RoomConfigResult {
  /**
   * The configuration form as the room sent it (§10.1.3, §10.2), to show or to
   * fill in and submit with `setRoomConfig`. When the room offers no
   * configuration options (an empty `<query/>`), an empty form of type `form`.
   */
  form: DataForm;
  /**
   * The `muc#roomconfig` fields of the form, typed. A field whose value does
   * not parse as its type is left out rather than failing the whole answer.
   */
  config: RoomConfig;
}

/**
 * A room configuration to submit with `setRoomConfig`:
 *
 * - a data form (an object with a `type` and a `fields` array), submitted as
 *   it is, with its type set to `submit`;
 * - a {@link RoomConfig} record (`{ persistent: true, maxUsers: 50 }`),
 *   written as a `muc#roomconfig` submission;
 * - a record of raw fields by `var` (`{ "muc#roomconfig_allowvoicerequests": true }`),
 *   for fields {@link RoomConfig} does not declare;
 * - or a mix of the last two.
 *
 * @category Administration & configuration
 */
export type RoomConfigInput = DataFormInput | Partial<RoomConfig> | Readonly<Record<string, string | readonly string[] | boolean | number>>;

/** Options of `destroyRoom`. */
export interface DestroyRoomOptions extends AdminRequestOptions {
  /** Why the room is destroyed; passed on to the occupants (`<reason/>`). */
  readonly reason?: string;
  /** A room the occupants may go to instead (`jid` attribute of `<destroy/>`). */
  readonly alternateVenue?: JID;
  /** The password of the alternate room (`<password/>`). */
  readonly password?: string;
}

/**
 * Accept the default configuration of a room just created (status 201), so
 * that others may enter it: an "instant room" (§10.1.2). Sends an empty
 * submitted form.
 *
 * @param iq - the IQ client.
 * @param room - the room's bare JID.
 * @param options - timeout and abort signal.
 * @returns a promise that resolves when the room is unlocked.
 * @throws Rejects with {@link MucStateError} when `room` is not a bare room JID (nothing is sent);
 *   {@link XMPPError} when the room refuses (`forbidden` when we are not its owner);
 *   {@link TimeoutError}; {@link AbortError}.
 * @example
 * ```ts
 * // after the self-presence with status codes 110 and 201:
 * await createInstantRoom(iq, parseJid("coven@chat.shakespeare.lit"));
 * ```
 */
export async function createInstantRoom(iq: IqClient, room: JID, options: AdminRequestOptions = {}): Promise<void> {
  const to = roomJid(room);
  await iq.request("set", to, mucOwnerQuery.encode({ form: { type: "submit" } }), iqOptions(options));
}

/**
 * Fetch a room's configuration form: the initial one of a room just created,
 * to make it a "reserved room" (§10.1.3), or the current one (§10.2).
 *
 * @param iq - the IQ client.
 * @param room - the room's bare JID.
 * @param options - timeout and abort signal.
 * @returns the form as sent, and its `muc#roomconfig` fields typed (fields
 *   whose values do not parse are left out of `config`).
 * @throws Rejects with {@link MucStateError} when `room` is not a bare room JID (nothing is sent);
 *   {@link XMPPError} when the room refuses (`forbidden` for a non-owner);
 *   {@link DecodeError} when the answer has no muc#owner `<query/>`, the form
 *   is malformed, or its FORM_TYPE is not `muc#roomconfig`;
 *   {@link TimeoutError}; {@link AbortError}.
 * @example
 * ```ts
 * const { form, config } = await getRoomConfig(iq, room);
 * if (!config.persistent) await setRoomConfig(iq, room, { persistent: true });
 * ```
 */
export async function getRoomConfig(iq: IqClient, room: JID, options: AdminRequestOptions = {}): Promise<RoomConfigResult> {
  const to = roomJid(room);
  const result = await iq.request("get", to, mucOwnerQuery.encode({}), iqOptions(options));
  const query = decodePayload(result, mucOwnerQuery, to);
  const form: DataForm = query.form ?? { type: "form", instructions: [], fields: [], items: [] };
  return { form, config: roomConfigSchema.parse(form, { invalid: "ignore" }) };
}

/** Whether `input` is a data form rather than a record of fields. */
function isDataFormInput(input: RoomConfigInput): input is DataFormInput {
  const candidate = input as { type?: unknown; fields?: unknown };
  return typeof candidate.type === "string" && Array.isArray(candidate.fields);
}

/** The `muc#roomconfig` property names. */
type RoomConfigKey = keyof typeof roomConfigFields;

/** Whether `key` is a {@link RoomConfig} property. */
function isRoomConfigKey(key: string): key is RoomConfigKey {
  return Object.prototype.hasOwnProperty.call(roomConfigFields, key);
}

/** The property of a `muc#roomconfig` field var, if any. */
function propertyOfVar(name: string): RoomConfigKey | undefined {
  return (Object.keys(roomConfigFields) as RoomConfigKey[]).find((key) => roomConfigFields[key].var === name);
}

/** One value as `<value/>` text: booleans as `1`/`0`, numbers and JIDs as their text. */
function wireValue(key: string, value: unknown): string {
  switch (typeof value) {
    case "string":
      return value;
    case "boolean":
      return value ? "1" : "0";
    case "number":
    case "bigint":
      return String(value);
    case "object":
      if (value !== null && typeof (value as { toString?: unknown }).toString === "function" && (value as object).toString !== Object.prototype.toString) {
        return String(value);
      }
  }
  throw new MucStateError(`room configuration '${key}': cannot write a value of type ${value === null ? "null" : typeof value}`);
}

/** A record value as `<value/>` texts; `undefined` (skip the key) for `undefined` and `null`. */
function wireValues(key: string, value: unknown): string[] | undefined {
  if (value === undefined || value === null) return undefined;
  if (Array.isArray(value)) return value.filter((v) => v !== undefined && v !== null).map((v) => wireValue(key, v));
  return [wireValue(key, value)];
}

/**
 * The submission of a record of room configuration values: {@link RoomConfig}
 * properties through `roomConfigSchema.toSubmit`, other keys as raw fields.
 */
function configSubmission(record: Readonly<Record<string, unknown>>): DataForm {
  const typed: Record<string, unknown> = {};
  const raw = new Map<string, string[]>();
  for (const key of Object.keys(record)) {
    const values = wireValues(key, record[key]);
    if (values === undefined) continue;
    if (isRoomConfigKey(key)) {
      const spec = roomConfigFields[key];
      raw.delete(spec.var);
      let parsed: unknown;
      try {
        parsed = spec.kind.parse(values);
      } catch {
        parsed = undefined;
      }
      if (parsed !== undefined) {
        typed[key] = parsed;
      } else {
        // Not a value of the property's type (an option this SDK does not
        // know, an empty value): the server decides (XEP-0004 §4: validation is the form-processing entity's).
        delete typed[key];
        raw.set(spec.var, values);
      }
    } else {
      const property = propertyOfVar(key);
      if (property !== undefined) delete typed[property];
      raw.set(key, values);
    }
  }
  const form = roomConfigSchema.toSubmit(typed as RoomConfig);
  for (const [name, values] of raw) {
    const existing = form.fields.find((f) => f.var === name);
    if (existing !== undefined) existing.values = values;
    else form.fields.push({ var: name, required: false, values, options: [] } satisfies DataFormField);
  }
  return form;
}

/**
 * Submit a room configuration (§10.1.3 for a room just created, §10.2 later).
 *
 * `config` is one of:
 * - **a data form** — an object with a `type` and a `fields` array, such as
 *   the `form` of `getRoomConfig` with values filled in: submitted as it
 *   is, with its `type` set to `submit`;
 * - **a record of {@link RoomConfig} properties** (`{ persistent: true,
 *   maxUsers: 50, roomAdmins: [jid] }`): written with
 *   `roomConfigSchema.toSubmit`, the `muc#roomconfig` FORM_TYPE first;
 * - **a record of raw fields by `var`** — any key that is not a
 *   {@link RoomConfig} property (`"muc#roomconfig_allowvoicerequests"`,
 *   `"x-vendor_option"`): written as a field of that `var`, booleans as
 *   `1`/`0`, numbers as their decimal text, arrays as one `<value/>` each;
 * - **a mix** of properties and raw fields, in one submission.
 *
 * Keys whose value is `undefined` are left out (so the room keeps the
 * current value, XEP-0004 §3.5). A property whose value is not of its type
 * (`whois: "participants"`, `persistent: "maybe"`) is written as a raw field
 * under its `var`, for the room to accept or refuse (`not-acceptable`). When
 * a property and the raw `var` of the same field are both given, the later
 * key wins.
 *
 * @param iq - the IQ client.
 * @param room - the room's bare JID.
 * @param config - the data form, or the record of values to submit.
 * @param options - timeout and abort signal.
 * @returns a promise that resolves when the room accepts the configuration.
 * @throws Rejects with {@link MucStateError} when `room` is not a bare room JID, or a
 *   value cannot be written (an object, a symbol) or the data form does not
 *   encode (nothing is sent);
 *   {@link XMPPError} when the room refuses (`not-acceptable` for options it
 *   cannot apply, `forbidden` for a non-owner);
 *   {@link TimeoutError}; {@link AbortError}.
 * @example
 * ```ts
 * await setRoomConfig(iq, room, {
 *   roomName: "A Dark Cave",
 *   persistent: true,
 *   whois: "moderators",
 *   "muc#roomconfig_allowvoicerequests": false, // a field RoomConfig does not declare
 * });
 * // or fill in the form the room sent:
 * const { form } = await getRoomConfig(iq, room);
 * await setRoomConfig(iq, room, form);
 * ```
 */
export async function setRoomConfig(iq: IqClient, room: JID, config: RoomConfigInput, options: AdminRequestOptions = {}): Promise<void> {
  const to = roomJid(room);
  if (typeof config !== "object" || config === null || Array.isArray(config)) throw new MucStateError("room configuration must be a data form or a record");
  const form: DataFormInput = isDataFormInput(config) ? { ...config, type: "submit" } : configSubmission(config as Readonly<Record<string, unknown>>);
  let payload: Element;
  try {
    payload = mucOwnerQuery.encode({ form });
  } catch (e) {
    throw new MucStateError(`room configuration does not encode: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
  await iq.request("set", to, payload, iqOptions(options));
}

/**
 * Cancel the configuration of a room (§10.1.3: a room just created is then
 * destroyed; §10.2: the configuration stays as it was).
 *
 * @param iq - the IQ client.
 * @param room - the room's bare JID.
 * @param options - timeout and abort signal.
 * @returns a promise that resolves when the room acknowledges the cancellation.
 * @throws Rejects with {@link MucStateError} when `room` is not a bare room JID (nothing is sent);
 *   {@link XMPPError} when the room refuses;
 *   {@link TimeoutError}; {@link AbortError}.
 * @example
 * ```ts
 * await cancelRoomConfig(iq, parseJid("coven@chat.shakespeare.lit"));
 * ```
 */
export async function cancelRoomConfig(iq: IqClient, room: JID, options: AdminRequestOptions = {}): Promise<void> {
  const to = roomJid(room);
  await iq.request("set", to, mucOwnerQuery.encode({ form: { type: "cancel" } }), iqOptions(options));
}

/**
 * Destroy a room (§10.9): the room removes every occupant, telling them the
 * reason and the alternate venue, if given.
 *
 * @param iq - the IQ client.
 * @param room - the room's bare JID.
 * @param options - the reason, an alternate room and its password, timeout and abort signal.
 * @returns a promise that resolves when the room is destroyed.
 * @throws Rejects with {@link MucStateError} when `room` is not a bare room JID (nothing is sent);
 *   {@link XMPPError} when the room refuses (`forbidden` for a non-owner);
 *   {@link TimeoutError}; {@link AbortError}.
 * @example
 * ```ts
 * await destroyRoom(iq, parseJid("heath@chat.shakespeare.lit"), {
 *   reason: "Macbeth doth come.",
 *   alternateVenue: parseJid("coven@chat.shakespeare.lit"),
 * });
 * ```
 */
export async function destroyRoom(iq: IqClient, room: JID, options: DestroyRoomOptions = {}): Promise<void> {
  const to = roomJid(room);
  const destroy: MucOwnerDestroy = {};
  if (options.alternateVenue !== undefined) destroy.jid = asJid(options.alternateVenue, "alternateVenue");
  if (options.password !== undefined) destroy.password = options.password;
  if (options.reason !== undefined) destroy.reason = options.reason;
  await iq.request("set", to, mucOwnerQuery.encode({ destroy }), iqOptions(options));
}
