/**
 * The XEP-0045 requests about a room's lists, configuration and existence,
 * and the service discovery requests about rooms, as standalone functions over
 * an {@link IqClient}. The public functions of `room-admin.ts` build on them;
 * the role and affiliation changes are in `moderation.ts` (re-exported here).
 *
 * - Lists (§8.5 voice, §9.2 ban, §9.5 members, §9.8 moderators, §10.5 owners,
 *   §10.8 admins): `getRoleList`, `getAffiliations`.
 * - Owner (§10.1 creating a room, §10.2 configuration, §10.9 destroying):
 *   `createInstantRoom`, `getRoomConfig`, `setRoomConfig`,
 *   `cancelRoomConfig`, `destroyRoom`.
 * - Discovery (§6.3 rooms of a service, §6.4 room information; XEP-0030,
 *   XEP-0128, XEP-0059): `getRoomInfo`, `listRooms`.
 *
 * Every function returns a promise that rejects with:
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
import { formType, type DataForm, type DataFormField, type DataFormInput } from "../xso/data-form.js";
import { discoInfoQuery, discoItem, discoItemsQuery, type DiscoIdentity } from "../xso/disco.js";
import { DecodeError } from "../xso/errors.js";
import { mucAdminItem, mucAdminQuery, type MucAdminItem } from "../xso/muc-admin.js";
import { roomConfigFields, roomConfigSchema, roomInfoSchema, type RoomConfig, type RoomInfo } from "../xso/muc-forms.js";
import { mucOwnerQuery, type MucOwnerDestroy } from "../xso/muc-owner.js";
import type { Affiliation, Role } from "../xso/muc-user.js";
import { NS_DISCO_ITEMS, NS_MUC, NS_MUC_ADMIN, NS_MUC_ROOMINFO } from "../xso/ns.js";
import { rsmSet, type RsmSet, type RsmSetInput } from "../xso/rsm.js";
import type { XMPPError } from "../xso/stanza-error.js";
import { MucStateError, type AbortError, type TimeoutError } from "../common/errors.js";
import type { IqClient } from "./iq.js";
import { asJid, roomJid, serviceJid } from "./addresses.js";
import { checkAffiliation, iqOptions, type AdminRequestOptions } from "./moderation.js";

export {
  setRole,
  setAffiliation,
  setAffiliations,
  type AdminRequestOptions,
  type SetRoleOptions,
  type SetAffiliationOptions,
  type AffiliationChange,
} from "./moderation.js";

// ---------------------------------------------------------------------------
// Types
// ---------------------------------------------------------------------------

/**
 * An affiliation a room keeps a list of (§9.2 ban list, §9.5 member list, §10.5 owner list, §10.8 admin list).
 *
 * @category Administration & configuration
 */
export type ListedAffiliation = Exclude<Affiliation, "none">;

/**
 * One user of an affiliation list returned by `getAffiliations`.
 *
 * @category Administration & configuration
 */
export interface AffiliationEntry {
  /** The user's JID (normally bare). */
  jid: JID;
  /** The user's affiliation: the one listed, or the one asked for when the item does not say. */
  affiliation: Affiliation;
  /** The user's reserved room nickname, where the room reports it. */
  nick?: string;
  /** The user's current role in the room, where the room reports it. */
  role?: Role;
  /** The reason recorded with the affiliation (a ban reason), where the room reports it. */
  reason?: string;
}

/**
 * A role a room keeps a list of (§8.5 voice list, §9.8 moderator list).
 *
 * @category Administration & configuration
 */
export type ListedRole = "moderator" | "participant";

/**
 * One occupant of a role list returned by `getRoleList`.
 *
 * @category Administration & configuration
 */
export interface RoleEntry {
  /** The occupant's room nickname. */
  nick: string;
  /** The occupant's role: the one listed, or the one asked for when the item does not say. */
  role: Role;
  /** The occupant's real JID, where the room reports it. */
  jid?: JID;
  /** The occupant's affiliation, where the room reports it. */
  affiliation?: Affiliation;
}

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
 * The answer of `getRoomInfo`: a room's disco#info, read as XEP-0045 §6.4 describes it.
 *
 * @category Discovery
 */
export interface RoomInfoResult {
  /** The room asked. */
  readonly jid: JID;
  /** The room's natural-language name: the `name` of its `conference` identity, else of its first named identity. */
  readonly name?: string;
  /** Every identity the room reported. */
  readonly identities: readonly DiscoIdentity[];
  /** Every feature the room reported (`muc_open`, `http://jabber.org/protocol/muc#stable_id`, …). */
  readonly features: ReadonlySet<string>;
  /** The `muc#roominfo` extended information, typed; `{}` when the room sent none. Fields that do not parse are left out. */
  readonly info: RoomInfo;
  /** The `muc#roominfo` form itself (XEP-0128), when the room sent one. */
  readonly form?: DataForm;
  /** Whether the entity is a MUC room or service (feature `http://jabber.org/protocol/muc`). */
  readonly isMuc: boolean;
  /** Whether entering needs a password (feature `muc_passwordprotected`; `muc_unsecured` rooms read `false`). */
  readonly passwordProtected: boolean;
  /** Whether only members may enter (feature `muc_membersonly`). */
  readonly membersOnly: boolean;
  /** Whether anyone not banned may enter (feature `muc_open`). */
  readonly open: boolean;
  /** Whether only occupants with voice may speak (feature `muc_moderated`; `muc_unmoderated` rooms read `false`). */
  readonly moderated: boolean;
  /** Whether the room stays when its last occupant leaves (feature `muc_persistent`; `muc_temporary` rooms read `false`). */
  readonly persistent: boolean;
  /** Whether the room is listed in searches (feature `muc_public`; `muc_hidden` rooms read `false`). */
  readonly public: boolean;
  /**
   * Whether every occupant may see the real JIDs of the others (feature
   * `muc_nonanonymous`); `muc_semianonymous` rooms, where only moderators
   * see them, read `false`.
   */
  readonly nonAnonymous: boolean;
}

/**
 * One room listed by `listRooms`.
 *
 * @category Discovery
 */
export interface RoomListItem {
  /** The room's JID. */
  jid: JID;
  /** The room's natural-language name, where the service reports it. */
  name?: string;
}

/**
 * Options of `listRooms`.
 *
 * @category Discovery
 */
export interface ListRoomsOptions extends AdminRequestOptions {
  /**
   * The most rooms to return. Asked for as the XEP-0059 page size (`<max/>`),
   * and paging stops once that many are collected. By default, every room
   * (within `MAX_ROOM_LIST_PAGES`, 100, pages).
   */
  readonly max?: number;
}

/** The most XEP-0059 pages `listRooms` requests before it stops following a service's pages. */
export const MAX_ROOM_LIST_PAGES = 100;

// ---------------------------------------------------------------------------
// Validation and decoding helpers
// ---------------------------------------------------------------------------

const LISTED_ROLES: ReadonlySet<string> = new Set<string>(["moderator", "participant"]);

/** The first child of `result` that `codec` matches, with the namespace its children inherit. */
function payloadOf(result: Element, codec: ElementCodec<unknown, unknown>, from: JID): { el: Element; scope: string | undefined } {
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
function decodeEach<T>(parent: Element, parentNs: string, inherited: string | undefined, codec: ElementCodec<T, unknown>): { values: T[]; skipped: number } {
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

/** The muc#admin items of an IQ result, each decoded on its own (malformed ones skipped). */
function adminItemsOf(result: Element, from: JID): MucAdminItem[] {
  const { el, scope } = payloadOf(result, mucAdminQuery as ElementCodec<unknown, unknown>, from);
  return decodeEach(el, NS_MUC_ADMIN, scope, mucAdminItem).values;
}

// ---------------------------------------------------------------------------
// Roles and affiliations (§8, §9, §10.3–10.8)
// ---------------------------------------------------------------------------

/**
 * Fetch the users with an affiliation: the ban list (`outcast`, §9.2), the
 * member list (§9.5), the owner list (§10.5) or the admin list (§10.8).
 * Items the room lists without a (valid) JID, or that do not decode, are
 * skipped.
 *
 * @param iq - the IQ client.
 * @param room - the room's bare JID.
 * @param affiliation - the list to fetch.
 * @param options - timeout and abort signal.
 * @returns the users, in the room's order.
 * @throws Rejects with {@link MucStateError} when `room` is not a bare room JID or
 *   `affiliation` is not a listed affiliation (nothing is sent);
 *   {@link XMPPError} when the room refuses (`forbidden` without the privilege);
 *   {@link DecodeError} when the answer has no muc#admin `<query/>`;
 *   {@link TimeoutError}; {@link AbortError}.
 * @example
 * ```ts
 * const banned = await getAffiliations(iq, room, "outcast");
 * for (const { jid, reason } of banned) console.log(jid.toString(), reason);
 * ```
 */
export async function getAffiliations(iq: IqClient, room: JID, affiliation: ListedAffiliation, options: AdminRequestOptions = {}): Promise<AffiliationEntry[]> {
  const to = roomJid(room);
  checkAffiliation(affiliation);
  if ((affiliation as Affiliation) === "none") throw new MucStateError("rooms keep no list of affiliation 'none'");
  const result = await iq.request("get", to, mucAdminQuery.encode({ items: [{ affiliation }] }), iqOptions(options));
  const entries: AffiliationEntry[] = [];
  for (const item of adminItemsOf(result, to)) {
    if (item.jid === undefined) continue;
    const entry: AffiliationEntry = { jid: item.jid, affiliation: item.affiliation ?? affiliation };
    if (item.nick !== undefined) entry.nick = item.nick;
    if (item.role !== undefined) entry.role = item.role;
    if (item.reason !== undefined) entry.reason = item.reason;
    entries.push(entry);
  }
  return entries;
}

/**
 * Fetch the occupants with a role: the voice list (`participant`, §8.5) or
 * the moderator list (§9.8). Items without a nickname, or that do not
 * decode, are skipped.
 *
 * @param iq - the IQ client.
 * @param room - the room's bare JID.
 * @param role - the list to fetch.
 * @param options - timeout and abort signal.
 * @returns the occupants, in the room's order.
 * @throws Rejects with {@link MucStateError} when `room` is not a bare room JID or `role`
 *   is not `moderator` or `participant` (nothing is sent);
 *   {@link XMPPError} when the room refuses;
 *   {@link DecodeError} when the answer has no muc#admin `<query/>`;
 *   {@link TimeoutError}; {@link AbortError}.
 * @example
 * ```ts
 * const voiced = await getRoleList(iq, room, "participant");
 * console.log(voiced.map((o) => o.nick));
 * ```
 */
export async function getRoleList(iq: IqClient, room: JID, role: ListedRole, options: AdminRequestOptions = {}): Promise<RoleEntry[]> {
  const to = roomJid(room);
  if (typeof role !== "string" || !LISTED_ROLES.has(role)) throw new MucStateError(`'${String(role)}' is not a listed role (moderator, participant)`);
  const result = await iq.request("get", to, mucAdminQuery.encode({ items: [{ role }] }), iqOptions(options));
  const entries: RoleEntry[] = [];
  for (const item of adminItemsOf(result, to)) {
    if (item.nick === undefined) continue;
    const entry: RoleEntry = { nick: item.nick, role: item.role ?? role };
    if (item.jid !== undefined) entry.jid = item.jid;
    if (item.affiliation !== undefined) entry.affiliation = item.affiliation;
    entries.push(entry);
  }
  return entries;
}

// ---------------------------------------------------------------------------
// Owner use cases (§10.1, §10.2, §10.9)
// ---------------------------------------------------------------------------

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

// ---------------------------------------------------------------------------
// Discovery (§6.3, §6.4)
// ---------------------------------------------------------------------------

/**
 * Ask a room about itself (§6.4): its name, identities and features, and its
 * `muc#roominfo` extended information (XEP-0128), read into typed values and
 * the convenience booleans of {@link RoomInfoResult}. XEP-0045 recommends
 * doing so before entering a room, to learn its privacy profile.
 *
 * @param iq - the IQ client.
 * @param room - the room's bare JID.
 * @param options - timeout and abort signal.
 * @returns the room information.
 * @throws Rejects with {@link MucStateError} when `room` is not a bare room JID (nothing is sent);
 *   {@link XMPPError} when the room does not answer it (`item-not-found` for
 *   a room that does not exist);
 *   {@link DecodeError} when the answer has no disco#info `<query/>` or it is
 *   malformed (an identity without a category, a feature without a `var`);
 *   {@link TimeoutError}; {@link AbortError}.
 * @example
 * ```ts
 * const info = await getRoomInfo(iq, parseJid("coven@chat.shakespeare.lit"));
 * if (info.passwordProtected) askForPassword();
 * console.log(info.name, info.info.occupants, info.nonAnonymous ? "non-anonymous" : "semi-anonymous");
 * ```
 */
export async function getRoomInfo(iq: IqClient, room: JID, options: AdminRequestOptions = {}): Promise<RoomInfoResult> {
  const to = roomJid(room);
  const result = await iq.request("get", to, discoInfoQuery.encode({}), iqOptions(options));
  const query = decodePayload(result, discoInfoQuery, to);
  const features: ReadonlySet<string> = new Set(query.features);
  const name = query.identities.find((i) => i.category === "conference" && i.name !== undefined)?.name ?? query.identities.find((i) => i.name !== undefined)?.name;
  const form = query.forms.find((f) => formType(f) === NS_MUC_ROOMINFO);
  const info: RoomInfo = form === undefined ? {} : roomInfoSchema.parse(form, { invalid: "ignore" });
  return {
    jid: to,
    ...(name === undefined ? {} : { name }),
    identities: query.identities,
    features,
    info,
    ...(form === undefined ? {} : { form }),
    isMuc: features.has(NS_MUC),
    passwordProtected: features.has("muc_passwordprotected"),
    membersOnly: features.has("muc_membersonly"),
    open: features.has("muc_open"),
    moderated: features.has("muc_moderated"),
    persistent: features.has("muc_persistent"),
    public: features.has("muc_public"),
    nonAnonymous: features.has("muc_nonanonymous"),
  };
}

/** One decoded page of a disco#items answer. */
interface ItemsPage {
  readonly rooms: RoomListItem[];
  /** Items on the page, malformed ones included. */
  readonly size: number;
  readonly rsm: RsmSet | undefined;
}

/** Decode a disco#items answer: each item on its own (malformed ones skipped), the RSM page strictly. */
function itemsPageOf(result: Element, from: JID): ItemsPage {
  const { el, scope } = payloadOf(result, discoItemsQuery as ElementCodec<unknown, unknown>, from);
  const { values, skipped } = decodeEach(el, NS_DISCO_ITEMS, scope, discoItem);
  let rsm: RsmSet | undefined;
  try {
    rsm = rsmSet.findIn(el, childScopeOf(el, NS_DISCO_ITEMS, scope));
  } catch (e) {
    if (!(e instanceof DecodeError)) throw e;
    throw new DecodeError(`<query xmlns='${NS_DISCO_ITEMS}'> rsm: ${e.message}`, { element: "query", ns: NS_DISCO_ITEMS, field: `rsm${e.field === undefined ? "" : `.${e.field}`}`, cause: e });
  }
  const rooms = values.map((item): RoomListItem => (item.name === undefined ? { jid: item.jid } : { jid: item.jid, name: item.name }));
  return { rooms, size: values.length + skipped, rsm };
}

/**
 * List the rooms of a MUC service (§6.3) with disco#items. When the service
 * returns a partial list with an XEP-0059 `<set/>` (a `last` item, and a
 * `count` beyond the items seen or no `count`), the following pages are
 * requested with `<after/>`, up to `MAX_ROOM_LIST_PAGES` (100) pages; paging
 * also stops at an empty page or one that does not advance. Items that do
 * not decode (no or an invalid `jid`) are skipped.
 *
 * @param iq - the IQ client.
 * @param service - the MUC service's JID (`chat.shakespeare.lit`).
 * @param options - the most rooms to return, timeout (per page) and abort signal.
 * @returns the rooms, in the service's order.
 * @throws Rejects with {@link MucStateError} when `service` has a resource or `max` is
 *   not a non-negative integer (nothing is sent);
 *   {@link XMPPError} when the service refuses;
 *   {@link DecodeError} when an answer has no disco#items `<query/>` or its
 *   `<set/>` is malformed;
 *   {@link TimeoutError}; {@link AbortError}.
 * @example
 * ```ts
 * const rooms = await listRooms(iq, parseJid("chat.shakespeare.lit"), { max: 50 });
 * for (const { jid, name } of rooms) console.log(jid.toString(), name ?? "");
 * ```
 */
export async function listRooms(iq: IqClient, service: JID, options: ListRoomsOptions = {}): Promise<RoomListItem[]> {
  const to = serviceJid(service);
  const max = options.max;
  if (max !== undefined && (!Number.isSafeInteger(max) || max < 0)) throw new MucStateError(`max must be a non-negative integer, got ${String(max)}`);
  const rooms: RoomListItem[] = [];
  if (max === 0) return rooms;
  let after: string | undefined;
  let seen = 0;
  for (let page = 0; page < MAX_ROOM_LIST_PAGES; page++) {
    // The first request of a plain listing is the empty query of §6.3; RSM
    // only when there is a limit to ask for or a page to continue after.
    const request: RsmSetInput = {};
    if (max !== undefined) request.max = max - rooms.length;
    if (after !== undefined) request.after = after;
    const query = discoItemsQuery.encode(request.max === undefined && request.after === undefined ? {} : { rsm: request });
    const result = await iq.request("get", to, query, iqOptions(options));
    const { rooms: found, size, rsm } = itemsPageOf(result, to);
    for (const r of found) {
      rooms.push(r);
      if (max !== undefined && rooms.length >= max) return rooms;
    }
    seen += size;
    if (rsm?.last === undefined || size === 0 || rsm.last === after) break;
    if (rsm.count !== undefined) {
      const end = rsm.first?.index === undefined ? seen : rsm.first.index + size;
      if (end >= rsm.count) break;
    }
    after = rsm.last;
  }
  return rooms;
}
