/**
 * The service discovery requests about rooms (XEP-0045 §6.3 rooms of a
 * service, §6.4 room information; XEP-0030, XEP-0128, XEP-0059), as
 * standalone functions over an {@link IqClient}: `getRoomInfo` and
 * `listRooms`, with the decoding of disco#items pages. They reject as
 * `admin.ts` describes.
 *
 * @module
 */
import type { Element } from "@xmpp/xml";
import type { JID } from "@xmpp/jid";
import { childScopeOf, type ElementCodec } from "../xso/codec.js";
import { formType, type DataForm } from "../xso/data-form.js";
import { discoInfoQuery, discoItem, discoItemsQuery, type DiscoIdentity } from "../xso/disco.js";
import { DecodeError } from "../xso/errors.js";
import { roomInfoSchema, type RoomInfo } from "../xso/muc-forms.js";
import { NS_DISCO_ITEMS, NS_MUC, NS_MUC_ROOMINFO } from "../xso/ns.js";
import { rsmSet, type RsmSet, type RsmSetInput } from "../xso/rsm.js";
import type { XMPPError } from "../xso/stanza-error.js";
import { MucStateError, type AbortError, type TimeoutError } from "../common/errors.js";
import type { IqClient } from "./iq.js";
import { roomJid, serviceJid } from "./addresses.js";
import { iqOptions, type AdminRequestOptions } from "./moderation.js";
import { decodeEach, decodePayload, payloadOf } from "./admin.js";

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
