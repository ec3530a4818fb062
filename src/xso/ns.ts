/**
 * XML namespaces used by the codecs.
 *
 * @module
 */

/** Namespace constants, one per protocol the SDK speaks. */
export const NS = {
  /** RFC 6120 client stanzas. */
  CLIENT: "jabber:client",
  /** XEP-0114 component stanzas. */
  COMPONENT: "jabber:component:accept",
  /** RFC 6120 stanza error conditions. */
  STANZAS: "urn:ietf:params:xml:ns:xmpp-stanzas",
  /** XEP-0045 join request. */
  MUC: "http://jabber.org/protocol/muc",
  /** XEP-0045 occupant-facing extension. */
  MUC_USER: "http://jabber.org/protocol/muc#user",
  /** XEP-0045 moderator/admin queries. */
  MUC_ADMIN: "http://jabber.org/protocol/muc#admin",
  /** XEP-0045 owner queries. */
  MUC_OWNER: "http://jabber.org/protocol/muc#owner",
  /** XEP-0045 room configuration form type. */
  MUC_ROOMCONFIG: "http://jabber.org/protocol/muc#roomconfig",
  /** XEP-0045 room information form type. */
  MUC_ROOMINFO: "http://jabber.org/protocol/muc#roominfo",
  /** XEP-0045 room registration form type. */
  MUC_REGISTER: "http://jabber.org/protocol/muc#register",
  /** XEP-0045 voice request form type. */
  MUC_REQUEST: "http://jabber.org/protocol/muc#request",
  /** XEP-0004 data forms. */
  DATA_FORMS: "jabber:x:data",
  /** XEP-0203 delayed delivery. */
  DELAY: "urn:xmpp:delay",
  /** XEP-0359 unique and stable stanza IDs. */
  SID: "urn:xmpp:sid:0",
  /** XEP-0421 occupant identifiers. */
  OCCUPANT_ID: "urn:xmpp:occupant-id:0",
  /** XEP-0249 direct MUC invitations. */
  CONFERENCE: "jabber:x:conference",
  /** XEP-0313 message archive management. */
  MAM: "urn:xmpp:mam:2",
  /** XEP-0059 result set management. */
  RSM: "http://jabber.org/protocol/rsm",
  /** XEP-0297 stanza forwarding. */
  FORWARD: "urn:xmpp:forward:0",
  /** XEP-0317 hats. */
  HATS: "urn:xmpp:hats:0",
  /** XEP-0030 service discovery, info. */
  DISCO_INFO: "http://jabber.org/protocol/disco#info",
  /** XEP-0030 service discovery, items. */
  DISCO_ITEMS: "http://jabber.org/protocol/disco#items",
  /** XEP-0410 MUC self-ping. */
  MUC_SELF_PING: "urn:xmpp:ping",
  /** XEP-0077 in-band registration. */
  REGISTER: "jabber:iq:register",
  /** The XML namespace (xml:lang). */
  XML: "http://www.w3.org/XML/1998/namespace",
} as const;

/** Any of the namespace strings in {@link NS}. */
export type KnownNamespace = (typeof NS)[keyof typeof NS];
