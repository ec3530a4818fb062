/**
 * XEP-0402 (PEP Native Bookmarks): the `<conference xmlns='urn:xmpp:bookmarks:1'>`
 * payload of an item of the user's `urn:xmpp:bookmarks:1` PEP node (one item
 * per room, its id the room's bare JID), with its `<extensions/>`; and two of
 * those extensions: XEP-0469 pinning (`<pinned/>`) and XEP-0492 chat
 * notification settings (`<notify/>`).
 *
 * @module
 */
import type { Element } from "@xmpp/xml";
import { attr, child, childText, children, element, localName, mapped, raw, rawList, type Infer, type Input } from "./codec.js";
import type { DataFormInput } from "./data-form.js";
import { NS_BOOKMARKS, NS_BOOKMARKS_PINNING, NS_NOTIFICATION_SETTINGS, NS_PUBSUB_PUBLISH_OPTIONS } from "./ns.js";
import { boolean } from "./values.js";

/**
 * `<extensions/>` of a bookmark: elements of other specifications, kept raw.
 *
 * @category PubSub & bookmarks
 */
export const bookmarkExtensions = element("extensions", NS_BOOKMARKS, {
  /** The extension elements, in order. */
  elements: rawList(() => true),
});
/**
 * Decoded `<extensions/>`.
 *
 * @category PubSub & bookmarks
 */
export type BookmarkExtensions = Infer<typeof bookmarkExtensions>;

/**
 * `<conference xmlns='urn:xmpp:bookmarks:1' name autojoin>`: a bookmarked
 * room (XEP-0402 §3). `extensions` is `undefined` when the bookmark has no
 * `<extensions/>` element.
 *
 * @category PubSub & bookmarks
 */
export const bookmarkConference = element("conference", NS_BOOKMARKS, {
  /** A friendly name for the room (`name` attribute). */
  name: attr("name"),
  /** Whether clients join the room on startup (`autojoin` attribute, default `false`). */
  autojoin: attr("autojoin", boolean, { default: false }),
  /** The nick to join with (`<nick/>` child). */
  nick: childText("nick"),
  /** The room's password (`<password/>` child). */
  password: childText("password"),
  /** The extension elements (children of `<extensions/>`), kept raw. */
  extensions: mapped(
    child(bookmarkExtensions),
    (e): Element[] | undefined => e?.elements,
    (elements: Element[] | undefined) => (elements === undefined ? undefined : { elements }),
  ),
});
/**
 * Decoded `<conference/>`.
 *
 * @category PubSub & bookmarks
 */
export type BookmarkConference = Infer<typeof bookmarkConference>;
/**
 * `<conference/>` as accepted by `bookmarkConference.encode`.
 *
 * @category PubSub & bookmarks
 */
export type BookmarkConferenceInput = Input<typeof bookmarkConference>;

/**
 * XEP-0469 `<pinned xmlns='urn:xmpp:bookmarks-pinning:0'/>` in a bookmark's extensions: the room is pinned.
 *
 * @category PubSub & bookmarks
 */
export const bookmarkPinned = element("pinned", NS_BOOKMARKS_PINNING, {});

/**
 * The notification settings of XEP-0492 §2.1.
 *
 * @category PubSub & bookmarks
 */
export const NOTIFICATION_SETTINGS = ["always", "on-mention", "never"] as const;
/**
 * When a chat notifies: on every message, when the user is mentioned, or never.
 *
 * @category PubSub & bookmarks
 */
export type NotificationSetting = (typeof NOTIFICATION_SETTINGS)[number];

const SETTING_NAMES = new Set<string>(NOTIFICATION_SETTINGS);

/** The fields every setting element has: the client identity it is for (XEP-0492 §2.2), and advanced rules (§2.3). */
function settingFields() {
  return {
    /** The disco identity category of the clients it is for (`identity-category` attribute); none: the fallback for every client. */
    identityCategory: attr("identity-category"),
    /** The disco identity type of the clients it is for (`identity-type` attribute). */
    identityType: attr("identity-type"),
    /** Advanced rules (`<advanced/>` child), kept raw. */
    advanced: raw((c, ns) => localName(c) === "advanced" && ns === NS_NOTIFICATION_SETTINGS, { name: "advanced", ns: NS_NOTIFICATION_SETTINGS }),
  };
}

/**
 * `<always/>`: notify for every message.
 *
 * @category PubSub & bookmarks
 */
export const notifyAlways = element("always", NS_NOTIFICATION_SETTINGS, settingFields());
/**
 * `<on-mention/>`: notify when the user is mentioned.
 *
 * @category PubSub & bookmarks
 */
export const notifyOnMention = element("on-mention", NS_NOTIFICATION_SETTINGS, settingFields());
/**
 * `<never/>`: never notify.
 *
 * @category PubSub & bookmarks
 */
export const notifyNever = element("never", NS_NOTIFICATION_SETTINGS, settingFields());
/**
 * Decoded setting element (`<always/>`, `<on-mention/>` or `<never/>`).
 *
 * @category PubSub & bookmarks
 */
export type NotifySettingElement = Infer<typeof notifyAlways>;

/**
 * `<notify xmlns='urn:xmpp:notification-settings:1'>` (XEP-0492): the
 * setting elements by name, each for every client (no identity attributes)
 * or for one client identity, and any other children, kept raw.
 *
 * @category PubSub & bookmarks
 */
export const notificationSettings = element("notify", NS_NOTIFICATION_SETTINGS, {
  /** `<always/>` children. */
  always: children(notifyAlways),
  /** `<on-mention/>` children. */
  onMention: children(notifyOnMention),
  /** `<never/>` children. */
  never: children(notifyNever),
  /** Children that are none of the three, kept raw. */
  other: rawList((c, ns) => !(ns === NS_NOTIFICATION_SETTINGS && SETTING_NAMES.has(localName(c)))),
});
/**
 * Decoded `<notify/>`.
 *
 * @category PubSub & bookmarks
 */
export type NotificationSettings = Infer<typeof notificationSettings>;
/**
 * `<notify/>` as accepted by `notificationSettings.encode`.
 *
 * @category PubSub & bookmarks
 */
export type NotificationSettingsInput = Input<typeof notificationSettings>;

/**
 * The publish options of the bookmarks node (XEP-0402 §3.1): items persist,
 * as many as there are rooms, only the user may read them, and none is sent
 * to new subscribers on their own.
 *
 * @returns the `<x type='submit'/>` form of `<publish-options/>`.
 *
 * @category PubSub & bookmarks
 */
export function bookmarksPublishOptions(): DataFormInput {
  return {
    type: "submit",
    fields: [
      { var: "FORM_TYPE", type: "hidden", values: [NS_PUBSUB_PUBLISH_OPTIONS] },
      { var: "pubsub#persist_items", values: ["true"] },
      { var: "pubsub#max_items", values: ["max"] },
      { var: "pubsub#send_last_published_item", values: ["never"] },
      { var: "pubsub#access_model", values: ["whitelist"] },
    ],
  };
}
