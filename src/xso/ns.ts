/**
 * XML namespaces used by the codecs: one constant per protocol the SDK
 * speaks (`NS_MUC_USER`), and the {@link NS} object grouping them
 * (`NS.MUC_USER`). The SDK's own modules import the single constants, so a
 * bundle carries only the namespaces it uses.
 *
 * @module
 */

/**
 * RFC 6120 client stanzas.
 *
 * @category Namespaces
 */
export const NS_CLIENT = "jabber:client";
/**
 * XEP-0114 component stanzas.
 *
 * @category Namespaces
 */
export const NS_COMPONENT = "jabber:component:accept";
/**
 * RFC 6120 stanza error conditions.
 *
 * @category Namespaces
 */
export const NS_STANZAS = "urn:ietf:params:xml:ns:xmpp-stanzas";
/**
 * XEP-0045 join request.
 *
 * @category Namespaces
 */
export const NS_MUC = "http://jabber.org/protocol/muc";
/**
 * XEP-0045 occupant-facing extension.
 *
 * @category Namespaces
 */
export const NS_MUC_USER = "http://jabber.org/protocol/muc#user";
/**
 * XEP-0045 moderator/admin queries.
 *
 * @category Namespaces
 */
export const NS_MUC_ADMIN = "http://jabber.org/protocol/muc#admin";
/**
 * XEP-0045 owner queries.
 *
 * @category Namespaces
 */
export const NS_MUC_OWNER = "http://jabber.org/protocol/muc#owner";
/**
 * XEP-0045 room configuration form type.
 *
 * @category Namespaces
 */
export const NS_MUC_ROOMCONFIG = "http://jabber.org/protocol/muc#roomconfig";
/**
 * XEP-0045 room information form type.
 *
 * @category Namespaces
 */
export const NS_MUC_ROOMINFO = "http://jabber.org/protocol/muc#roominfo";
/**
 * XEP-0045 room registration form type.
 *
 * @category Namespaces
 */
export const NS_MUC_REGISTER = "http://jabber.org/protocol/muc#register";
/**
 * XEP-0045 voice request form type.
 *
 * @category Namespaces
 */
export const NS_MUC_REQUEST = "http://jabber.org/protocol/muc#request";
/**
 * XEP-0004 data forms.
 *
 * @category Namespaces
 */
export const NS_DATA_FORMS = "jabber:x:data";
/**
 * XEP-0203 delayed delivery.
 *
 * @category Namespaces
 */
export const NS_DELAY = "urn:xmpp:delay";
/**
 * XEP-0359 unique and stable stanza IDs.
 *
 * @category Namespaces
 */
export const NS_SID = "urn:xmpp:sid:0";
/**
 * XEP-0421 occupant identifiers.
 *
 * @category Namespaces
 */
export const NS_OCCUPANT_ID = "urn:xmpp:occupant-id:0";
/**
 * XEP-0249 direct MUC invitations.
 *
 * @category Namespaces
 */
export const NS_CONFERENCE = "jabber:x:conference";
/**
 * XEP-0313 message archive management.
 *
 * @category Namespaces
 */
export const NS_MAM = "urn:xmpp:mam:2";
/**
 * XEP-0059 result set management.
 *
 * @category Namespaces
 */
export const NS_RSM = "http://jabber.org/protocol/rsm";
/**
 * XEP-0297 stanza forwarding.
 *
 * @category Namespaces
 */
export const NS_FORWARD = "urn:xmpp:forward:0";
/**
 * XEP-0317 hats.
 *
 * @category Namespaces
 */
export const NS_HATS = "urn:xmpp:hats:0";
/**
 * XEP-0054 vcard-temp.
 *
 * @category Namespaces
 */
export const NS_VCARD = "vcard-temp";
/**
 * XEP-0153 vCard-based avatars: the photo hash in presence.
 *
 * @category Namespaces
 */
export const NS_VCARD_UPDATE = "vcard-temp:x:update";
/**
 * XEP-0307 unique room names.
 *
 * @category Namespaces
 */
export const NS_MUC_UNIQUE = "http://jabber.org/protocol/muc#unique";
/**
 * XEP-0308 last message correction.
 *
 * @category Namespaces
 */
export const NS_CORRECT = "urn:xmpp:message-correct:0";
/**
 * XEP-0424 message retraction.
 *
 * @category Namespaces
 */
export const NS_RETRACT = "urn:xmpp:message-retract:1";
/**
 * XEP-0461 message replies.
 *
 * @category Namespaces
 */
export const NS_REPLY = "urn:xmpp:reply:0";
/**
 * XEP-0425 moderated message retraction.
 *
 * @category Namespaces
 */
export const NS_MODERATE = "urn:xmpp:message-moderate:1";
/**
 * XEP-0444 message reactions.
 *
 * @category Namespaces
 */
export const NS_REACTIONS = "urn:xmpp:reactions:0";
/**
 * XEP-0428 fallback indication.
 *
 * @category Namespaces
 */
export const NS_FALLBACK = "urn:xmpp:fallback:0";
/**
 * XEP-0334 message processing hints.
 *
 * @category Namespaces
 */
export const NS_HINTS = "urn:xmpp:hints";
/**
 * XEP-0363 HTTP file upload.
 *
 * @category Namespaces
 */
export const NS_HTTP_UPLOAD = "urn:xmpp:http:upload:0";
/**
 * XEP-0066 out-of-band data (a URL in a message).
 *
 * @category Namespaces
 */
export const NS_OOB = "jabber:x:oob";
/**
 * XEP-0447 stateless file sharing.
 *
 * @category Namespaces
 */
export const NS_SFS = "urn:xmpp:sfs:0";
/**
 * XEP-0446 file metadata.
 *
 * @category Namespaces
 */
export const NS_FILE_METADATA = "urn:xmpp:file:metadata:0";
/**
 * XEP-0103 URL address information (a source of XEP-0447).
 *
 * @category Namespaces
 */
export const NS_URL_DATA = "http://jabber.org/protocol/url-data";
/**
 * XEP-0300 cryptographic hashes (`<hash algo='sha-256'>`).
 *
 * @category Namespaces
 */
export const NS_HASHES = "urn:xmpp:hashes:2";
/**
 * XEP-0449 stickers (`<sticker pack='…'/>` in a message).
 *
 * @category Namespaces
 */
export const NS_STICKERS = "urn:xmpp:stickers:0";
/**
 * XEP-0231 bits of binary (small data named by a `cid:` URL).
 *
 * @category Namespaces
 */
export const NS_BOB = "urn:xmpp:bob";
/**
 * XEP-0071 XHTML-IM (the `<html/>` wrapper in a message).
 *
 * @category Namespaces
 */
export const NS_XHTML_IM = "http://jabber.org/protocol/xhtml-im";
/**
 * XHTML 1.0, the namespace of XEP-0071's `<body/>`.
 *
 * @category Namespaces
 */
export const NS_XHTML = "http://www.w3.org/1999/xhtml";
/**
 * XEP-0085 chat state notifications.
 *
 * @category Namespaces
 */
export const NS_CHAT_STATES = "http://jabber.org/protocol/chatstates";
/**
 * XEP-0333 displayed markers (chat markers).
 *
 * @category Namespaces
 */
export const NS_CHAT_MARKERS = "urn:xmpp:chat-markers:0";
/**
 * XEP-0030 service discovery, info.
 *
 * @category Namespaces
 */
export const NS_DISCO_INFO = "http://jabber.org/protocol/disco#info";
/**
 * XEP-0030 service discovery, items.
 *
 * @category Namespaces
 */
export const NS_DISCO_ITEMS = "http://jabber.org/protocol/disco#items";
/**
 * XEP-0410 MUC self-ping.
 *
 * @category Namespaces
 */
export const NS_MUC_SELF_PING = "urn:xmpp:ping";
/**
 * XEP-0077 in-band registration.
 *
 * @category Namespaces
 */
export const NS_REGISTER = "jabber:iq:register";
/**
 * XEP-0050 ad-hoc commands (also the disco node listing them).
 *
 * @category Namespaces
 */
export const NS_COMMANDS = "http://jabber.org/protocol/commands";
/**
 * XEP-0055 jabber search.
 *
 * @category Namespaces
 */
export const NS_SEARCH = "jabber:iq:search";
/**
 * XEP-0100 gateway interaction: a legacy address to a JID.
 *
 * @category Namespaces
 */
export const NS_IQ_GATEWAY = "jabber:iq:gateway";
/**
 * The XML namespace (xml:lang).
 *
 * @category Namespaces
 */
export const NS_XML = "http://www.w3.org/XML/1998/namespace";
/**
 * XEP-0356 privileged entity (the version Prosody's mod_privilege speaks, with IQ permissions).
 *
 * @category Namespaces
 */
export const NS_PRIVILEGE = "urn:xmpp:privilege:2";
/**
 * XEP-0060 publish-subscribe.
 *
 * @category Namespaces
 */
export const NS_PUBSUB = "http://jabber.org/protocol/pubsub";
/**
 * XEP-0060 publish options form type (§7.1.5).
 *
 * @category Namespaces
 */
export const NS_PUBSUB_PUBLISH_OPTIONS = "http://jabber.org/protocol/pubsub#publish-options";
/**
 * XEP-0402 PEP native bookmarks: the node and the `<conference/>` payload.
 *
 * @category Namespaces
 */
export const NS_BOOKMARKS = "urn:xmpp:bookmarks:1";
/**
 * XEP-0469 bookmark pinning.
 *
 * @category Namespaces
 */
export const NS_BOOKMARKS_PINNING = "urn:xmpp:bookmarks-pinning:0";
/**
 * XEP-0492 chat notification settings (version 0.2).
 *
 * @category Namespaces
 */
export const NS_NOTIFICATION_SETTINGS = "urn:xmpp:notification-settings:1";
/**
 * RFC 6120 §4 streams: the `<stream:features/>` the client reads.
 *
 * @category Namespaces
 */
export const NS_STREAMS = "http://etherx.jabber.org/streams";
/**
 * RFC 6120 §7 resource binding.
 *
 * @category Namespaces
 */
export const NS_BIND = "urn:ietf:params:xml:ns:xmpp-bind";
/**
 * XEP-0198 stream management: acknowledgements and resumption on the stream.
 *
 * @category Namespaces
 */
export const NS_SM = "urn:xmpp:sm:3";

/**
 * Namespace constants, one per protocol the SDK speaks.
 *
 * @category Namespaces
 */
export const NS = {
  /** RFC 6120 client stanzas. */
  CLIENT: NS_CLIENT,
  /** XEP-0114 component stanzas. */
  COMPONENT: NS_COMPONENT,
  /** RFC 6120 stanza error conditions. */
  STANZAS: NS_STANZAS,
  /** XEP-0045 join request. */
  MUC: NS_MUC,
  /** XEP-0045 occupant-facing extension. */
  MUC_USER: NS_MUC_USER,
  /** XEP-0045 moderator/admin queries. */
  MUC_ADMIN: NS_MUC_ADMIN,
  /** XEP-0045 owner queries. */
  MUC_OWNER: NS_MUC_OWNER,
  /** XEP-0045 room configuration form type. */
  MUC_ROOMCONFIG: NS_MUC_ROOMCONFIG,
  /** XEP-0045 room information form type. */
  MUC_ROOMINFO: NS_MUC_ROOMINFO,
  /** XEP-0045 room registration form type. */
  MUC_REGISTER: NS_MUC_REGISTER,
  /** XEP-0045 voice request form type. */
  MUC_REQUEST: NS_MUC_REQUEST,
  /** XEP-0004 data forms. */
  DATA_FORMS: NS_DATA_FORMS,
  /** XEP-0203 delayed delivery. */
  DELAY: NS_DELAY,
  /** XEP-0359 unique and stable stanza IDs. */
  SID: NS_SID,
  /** XEP-0421 occupant identifiers. */
  OCCUPANT_ID: NS_OCCUPANT_ID,
  /** XEP-0249 direct MUC invitations. */
  CONFERENCE: NS_CONFERENCE,
  /** XEP-0313 message archive management. */
  MAM: NS_MAM,
  /** XEP-0059 result set management. */
  RSM: NS_RSM,
  /** XEP-0297 stanza forwarding. */
  FORWARD: NS_FORWARD,
  /** XEP-0317 hats. */
  HATS: NS_HATS,
  /** XEP-0054 vcard-temp. */
  VCARD: NS_VCARD,
  /** XEP-0153 vCard-based avatars: the photo hash in presence. */
  VCARD_UPDATE: NS_VCARD_UPDATE,
  /** XEP-0307 unique room names. */
  MUC_UNIQUE: NS_MUC_UNIQUE,
  /** XEP-0308 last message correction. */
  CORRECT: NS_CORRECT,
  /** XEP-0424 message retraction. */
  RETRACT: NS_RETRACT,
  /** XEP-0461 message replies. */
  REPLY: NS_REPLY,
  /** XEP-0425 moderated message retraction. */
  MODERATE: NS_MODERATE,
  /** XEP-0444 message reactions. */
  REACTIONS: NS_REACTIONS,
  /** XEP-0428 fallback indication. */
  FALLBACK: NS_FALLBACK,
  /** XEP-0334 message processing hints. */
  HINTS: NS_HINTS,
  /** XEP-0363 HTTP file upload. */
  HTTP_UPLOAD: NS_HTTP_UPLOAD,
  /** XEP-0066 out-of-band data. */
  OOB: NS_OOB,
  /** XEP-0447 stateless file sharing. */
  SFS: NS_SFS,
  /** XEP-0446 file metadata. */
  FILE_METADATA: NS_FILE_METADATA,
  /** XEP-0103 URL address information. */
  URL_DATA: NS_URL_DATA,
  /** XEP-0085 chat state notifications. */
  CHAT_STATES: NS_CHAT_STATES,
  /** XEP-0333 displayed markers (chat markers). */
  CHAT_MARKERS: NS_CHAT_MARKERS,
  /** XEP-0030 service discovery, info. */
  DISCO_INFO: NS_DISCO_INFO,
  /** XEP-0030 service discovery, items. */
  DISCO_ITEMS: NS_DISCO_ITEMS,
  /** XEP-0410 MUC self-ping. */
  MUC_SELF_PING: NS_MUC_SELF_PING,
  /** XEP-0077 in-band registration. */
  REGISTER: NS_REGISTER,
  /** XEP-0050 ad-hoc commands. */
  COMMANDS: NS_COMMANDS,
  /** XEP-0055 jabber search. */
  SEARCH: NS_SEARCH,
  /** XEP-0100 gateway interaction. */
  IQ_GATEWAY: NS_IQ_GATEWAY,
  /** The XML namespace (xml:lang). */
  XML: NS_XML,
  /** XEP-0356 privileged entity. */
  PRIVILEGE: NS_PRIVILEGE,
  /** XEP-0060 publish-subscribe. */
  PUBSUB: NS_PUBSUB,
  /** XEP-0060 publish options form type. */
  PUBSUB_PUBLISH_OPTIONS: NS_PUBSUB_PUBLISH_OPTIONS,
  /** XEP-0402 PEP native bookmarks. */
  BOOKMARKS: NS_BOOKMARKS,
  /** XEP-0469 bookmark pinning. */
  BOOKMARKS_PINNING: NS_BOOKMARKS_PINNING,
  /** XEP-0492 chat notification settings. */
  NOTIFICATION_SETTINGS: NS_NOTIFICATION_SETTINGS,
} as const;


/**
 * Any of the namespace strings in {@link NS}.
 *
 * @category Namespaces
 */
export type KnownNamespace = (typeof NS)[keyof typeof NS];
