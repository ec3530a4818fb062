/**
 * Adding a room to the user's XMPP bookmarks (XEP-0402, PEP native
 * bookmarks) from the gateway, as a privileged entity (XEP-0356): the
 * existing bookmark is read, merged with what the gateway wants, and
 * published on the user's behalf; when the server does not allow it, the
 * user gets a direct invitation (XEP-0249) instead.
 *
 * @module
 */
import type { Element } from "@xmpp/xml";
import type { JID } from "@xmpp/jid";
import { isTimeoutError } from "../common/errors.js";
import { isDecodeError } from "../xso/errors.js";
import { NS_BOOKMARKS } from "../xso/ns.js";
import { pubsubQuery } from "../xso/pubsub.js";
import {
  bookmarkConference,
  bookmarkPinned,
  bookmarksPublishOptions,
  notificationSettings,
  type BookmarkConference,
  type BookmarkConferenceInput,
  type NotificationSetting,
  type NotifySettingElement,
} from "../xso/bookmarks.js";
import { isXMPPError } from "../xso/stanza-error.js";
import type { BaseGateway } from "./gateway.js";
import type { LegacyMUC } from "./muc.js";
import { isPrivilegeError } from "./privilege.js";

/**
 * Options of {@link LegacyMUC.addToBookmarks} (slidge's `add_to_bookmarks`).
 *
 * @category Rooms
 */
export interface AddToBookmarksOptions {
  /**
   * Whether the user's clients join the room on startup (the bookmark's
   * `autojoin`); clients online now get the bookmark pushed and join it.
   * An existing bookmark keeps the user's choice when `preserve` is `true`.
   * @default true
   */
  readonly autoJoin?: boolean;
  /**
   * Also send the user a direct invitation (XEP-0249) from the gateway, for
   * clients without XEP-0402 or that do not honour autojoin. (The
   * invitation is sent anyway when the bookmark cannot be written.)
   * @default false
   */
  readonly invite?: boolean;
  /**
   * Keep what the user set on an existing bookmark: its autojoin, name, nick
   * and password. When `false`, they become the gateway's (`autoJoin`, the
   * room's name, {@link LegacyMUC.userNick}, no password). Either way, the
   * bookmark's extensions the gateway does not own are kept.
   * @default true
   */
  readonly preserve?: boolean;
  /** Pin (`true`) or unpin (`false`) the room (XEP-0469); `undefined` leaves it as it is. */
  readonly pin?: boolean;
  /**
   * The room's notification setting for every client of the user
   * (XEP-0492, the fallback setting without a client identity); settings
   * for particular client identities and advanced rules are kept.
   * `undefined` leaves it as it is.
   */
  readonly notify?: NotificationSetting;
}

/**
 * What {@link LegacyMUC.addToBookmarks} did:
 *
 * - `published`: the bookmark was written;
 * - `unchanged`: the bookmark was already as asked, nothing was written;
 * - `fallback`: the bookmark could not be written (the server grants the
 *   gateway no privilege for it, refused, or did not answer); the user was
 *   sent a direct invitation instead.
 *
 * @category Rooms
 */
export type BookmarkOutcome = "published" | "unchanged" | "fallback";

/** What the user reads in the invitation sent when the bookmark cannot be written. */
const FALLBACK_REASON =
  "This group could not be added to your bookmarks automatically: the gateway is not allowed to on your server. Join it from this invitation.";

/** @internal The work of {@link LegacyMUC.addToBookmarks}. */
export async function addRoomToBookmarks(muc: LegacyMUC, options: AddToBookmarksOptions): Promise<BookmarkOutcome> {
  const session = muc.session;
  const gateway = session.gateway;
  const user = session.userJid;
  let outcome: BookmarkOutcome;
  try {
    const existing = await fetchBookmark(gateway, user, muc.jid);
    const wanted = mergeBookmark(existing, {
      autoJoin: options.autoJoin ?? true,
      preserve: options.preserve ?? true,
      name: muc.name,
      nick: muc.userNick,
      pin: options.pin,
      notify: options.notify,
    });
    if (existing !== undefined && sameBookmark(existing, wanted)) {
      outcome = "unchanged";
    } else {
      await publishBookmark(gateway, user, muc.jid, wanted);
      outcome = "published";
    }
    gateway.log.debug(`room ${muc.jid.toString()}: bookmark of ${user.toString()} ${outcome}`);
  } catch (e) {
    if (!isPrivilegeError(e) && !isXMPPError(e) && !isTimeoutError(e) && !isDecodeError(e)) throw e;
    gateway.log.debug(`room ${muc.jid.toString()}: cannot write the bookmark of ${user.toString()} (${e.message}); sending a direct invitation instead`);
    await session.sendGatewayInvite(muc, { reason: FALLBACK_REASON });
    return "fallback";
  }
  if (options.invite) await session.sendGatewayInvite(muc);
  return outcome;
}

/**
 * The user's bookmark of `room`, read with a privileged IQ; `undefined` when
 * there is none (or it holds no `<conference/>` that can be read).
 */
async function fetchBookmark(gateway: BaseGateway, user: JID, room: JID): Promise<BookmarkConference | undefined> {
  const id = room.toString();
  let result: Element;
  try {
    result = await gateway.sendPrivilegedIq(user, "get", pubsubQuery.encode({ items: { node: NS_BOOKMARKS, items: [{ id }] } }));
  } catch (e) {
    // No bookmarks node at all.
    if (isXMPPError(e) && e.condition === "item-not-found") return undefined;
    throw e;
  }
  const item = pubsubQuery.findIn(result)?.items?.items.find((i) => i.id === id);
  if (item?.payload === undefined) return undefined;
  const decoded = bookmarkConference.tryDecode(item.payload);
  return decoded.ok ? decoded.value : undefined;
}

/** Publish the bookmark of `room` with a privileged IQ, with the node options of XEP-0402 §3.1. */
async function publishBookmark(gateway: BaseGateway, user: JID, room: JID, conference: BookmarkConferenceInput): Promise<void> {
  const payload = pubsubQuery.encode({
    publish: { node: NS_BOOKMARKS, items: [{ id: room.toString(), payload: bookmarkConference.encode(conference) }] },
    publishOptions: { form: bookmarksPublishOptions() },
  });
  await gateway.sendPrivilegedIq(user, "set", payload);
}

/** What the gateway wants of a bookmark. */
interface Wanted {
  readonly autoJoin: boolean;
  readonly preserve: boolean;
  readonly name: string | undefined;
  readonly nick: string | undefined;
  readonly pin: boolean | undefined;
  readonly notify: NotificationSetting | undefined;
}

/**
 * @internal The bookmark to publish: the existing one's settings when
 * `preserve` (else the gateway's), its extensions, with pinning and the
 * notification setting changed as asked.
 */
export function mergeBookmark(existing: BookmarkConference | undefined, wanted: Wanted): BookmarkConferenceInput {
  const keep = wanted.preserve && existing !== undefined;
  const settings: BookmarkConferenceInput = keep
    ? { name: existing.name, autojoin: existing.autojoin, nick: existing.nick, password: existing.password }
    : { name: wanted.name, autojoin: wanted.autoJoin, nick: wanted.nick };
  let extensions: Element[] = [...(existing?.extensions ?? [])];
  if (wanted.pin !== undefined) extensions = withPin(extensions, wanted.pin);
  if (wanted.notify !== undefined) extensions = withNotify(extensions, wanted.notify);
  const hadExtensions = existing?.extensions !== undefined;
  return { ...settings, extensions: extensions.length > 0 || hadExtensions ? extensions : undefined };
}

/** Whether the bookmark to publish says what the existing one says. */
function sameBookmark(existing: BookmarkConference, wanted: BookmarkConferenceInput): boolean {
  if (existing.name !== wanted.name || existing.autojoin !== (wanted.autojoin ?? false)) return false;
  if (existing.nick !== wanted.nick || existing.password !== wanted.password) return false;
  const a = existing.extensions;
  const b = wanted.extensions;
  if (a === undefined || b === undefined) return a === b;
  return a.length === b.length && a.every((el, i) => el === b[i] || el.toString() === b[i]?.toString());
}

/** The extensions with the room pinned (one `<pinned/>`, where it was if it was) or unpinned (none). */
function withPin(extensions: readonly Element[], pin: boolean): Element[] {
  const isPinned = (el: Element): boolean => bookmarkPinned.matches(el);
  const first = extensions.find(isPinned);
  const others = extensions.filter((el) => !isPinned(el) || (pin && el === first));
  return pin && first === undefined ? [...others, bookmarkPinned.encode({})] : others;
}

const SETTING_KEYS = { always: "always", "on-mention": "onMention", never: "never" } as const;

/** Whether a setting element is the fallback, for every client (no client identity). */
function isFallback(s: NotifySettingElement): boolean {
  return s.identityCategory === undefined && s.identityType === undefined;
}

/**
 * The extensions with `setting` as the fallback notification setting
 * (XEP-0492): one `<notify/>`, whose settings for particular client
 * identities and other children are kept, and whose former fallback
 * settings give way to `setting`, which takes over their advanced rules. A
 * `<notify/>` already saying so is left as it is; one that cannot be read is
 * replaced.
 */
function withNotify(extensions: readonly Element[], setting: NotificationSetting): Element[] {
  const isNotify = (el: Element): boolean => notificationSettings.matches(el);
  const current = extensions.filter(isNotify);
  const decoded = current.map((el) => notificationSettings.tryDecode(el)).flatMap((r) => (r.ok ? [r.value] : []));
  const key = SETTING_KEYS[setting];
  if (current.length === 1 && decoded.length === 1) {
    const only = decoded[0]!;
    const fallbacks = [...only.always, ...only.onMention, ...only.never].filter(isFallback);
    if (fallbacks.length === 1 && only[key].includes(fallbacks[0]!)) return [...extensions];
  }
  const scoped = (k: "always" | "onMention" | "never"): NotifySettingElement[] => decoded.flatMap((d) => d[k].filter((s) => !isFallback(s)));
  const advanced = decoded.flatMap((d) => [...d.always, ...d.onMention, ...d.never]).find((s) => isFallback(s) && s.advanced !== undefined)?.advanced;
  const merged = { always: scoped("always"), onMention: scoped("onMention"), never: scoped("never"), other: decoded.flatMap((d) => d.other) };
  merged[key] = [{ identityCategory: undefined, identityType: undefined, advanced }, ...merged[key]];
  const replacement = notificationSettings.encode(merged);
  const at = extensions.findIndex(isNotify);
  if (at === -1) return [...extensions, replacement];
  const out: Element[] = [];
  extensions.forEach((el, i) => {
    if (i === at) out.push(replacement);
    else if (!isNotify(el)) out.push(el);
  });
  return out;
}
