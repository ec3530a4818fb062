/**
 * The stanzas a room sends, built from plain values: occupant presences, the
 * subject, history and groupchat messages, the configuration-change notice,
 * the room's vCard and disco#info. Pure functions: nothing here sends,
 * stores or reads the room's state. Not part of the package's API.
 *
 * @module
 */
import { createHash, randomUUID } from "node:crypto";
import xml, { type Element } from "@xmpp/xml";
import type { JID } from "@xmpp/jid";
import { NS_COMPONENT, NS_CORRECT, NS_DELAY, NS_DISCO_INFO, NS_FALLBACK, NS_HINTS, NS_MAM, NS_MODERATE, NS_MUC, NS_MUC_OWNER, NS_MUC_USER, NS_OCCUPANT_ID, NS_OOB, NS_SFS, NS_REACTIONS, NS_REPLY, NS_RETRACT, NS_SID, NS_VCARD, NS_STICKERS, NS_XHTML_IM, NS_BOB } from "../../xso/ns.js";
import { cloneElement } from "../../xso/codec.js";
import { parseElement } from "../../xso/parse.js";
import { parseJid, tryParseJid } from "../../xso/values.js";
import { mucUserX, StatusCode, type Affiliation } from "../../xso/muc-user.js";
import { originId as originIdCodec, stanzaId as stanzaIdCodec } from "../../xso/stanza-id.js";
import { occupantId as occupantIdCodec } from "../../xso/occupant-id.js";
import { delay as delayCodec } from "../../xso/delay.js";
import { discoInfoQuery } from "../../xso/disco.js";
import { vcardTemp, vcardUpdate } from "../../xso/vcard.js";
import { hats as hatsCodec } from "../../xso/hats.js";
import { roomInfoSchema } from "../../xso/muc-forms.js";
import { MAM_EXTENDED_FEATURE } from "../../xso/mam.js";
import { messageRetraction, NS_FALLBACK_V0, RETRACT_TOMBSTONE_FEATURE } from "../../xso/message-refs.js";
import { MucType, isNonAnonymous, mucTypeFeatures } from "../muc-type.js";
import type { ModerationInfo } from "../messages/message-refs.js";
import type { LegacyParticipant } from "../participant.js";
import type { ArchiveEntry, RoomAvatar } from "../store/store.js";

/** Messages older than this (ms) carry `<delay>` when delivered live. */
const DELAY_THRESHOLD_MS = 10_000;

/** The namespaces of the elements of a user's message the room reflects as they are: references to other messages, fallbacks, hints. */
const REFLECTED_PAYLOADS: ReadonlySet<string> = new Set([NS_CORRECT, NS_RETRACT, NS_REPLY, NS_REACTIONS, NS_FALLBACK, NS_FALLBACK_V0, NS_HINTS, NS_OOB, NS_SFS, NS_STICKERS, NS_XHTML_IM, NS_BOB]);

/** Options of {@link occupantPresence}. */
export interface OccupantPresenceOptions {
  /** The occupant leaves (role none). */
  readonly unavailable?: boolean;
  /** Status codes (110 is added for the user's own occupant). */
  readonly codes?: readonly number[];
  /** The reason of a kick or ban. */
  readonly reason?: string | undefined;
  /** The nick the occupant takes (status 303): the item's `nick`. */
  readonly newNick?: string;
  /** The room is destroyed (XEP-0045 §10.9): its `<destroy/>`, with the reason and the alternate venue (its JID and password) the owner gave. */
  readonly destroyed?: RoomDestruction;
  /** The affiliation the item shows instead of the occupant's (`none` for a user whose registration ended). */
  readonly affiliation?: Affiliation;
}

/** What the owner's destruction request (XEP-0045 §10.9) gave, passed on to the occupants. */
export interface RoomDestruction {
  /** Why the room is destroyed. */
  readonly reason: string | undefined;
  /** The room to go to instead (a bare room JID). */
  readonly alternateVenue?: JID | undefined;
  /** The alternate venue's password. */
  readonly password?: string | undefined;
}

/**
 * What a presence shows of an occupant: a participant's, or, for a room not
 * loaded, what its stored record gives (see `storedRoomRemovals`).
 */
export type OccupantView = Pick<LegacyParticipant, "nick" | "show" | "status" | "isUser" | "affiliation" | "role" | "realJid" | "occupantId" | "advertisedAvatar" | "hats">;

/**
 * A participant's presence in the room, as one of the user's resources sees it.
 *
 * @param roomJid - the room's bare JID.
 * @param type - the kind of room (whether real JIDs show).
 * @param p - the occupant.
 * @param to - the user's full JID.
 * @param options - leave, status codes, reason, new nick.
 */
export function occupantPresence(roomJid: JID, type: MucType, p: OccupantView, to: string, options: OccupantPresenceOptions = {}): Element {
  const presence = xml("presence", { from: `${roomJid.toString()}/${p.nick}`, to });
  // An offline participant of a channel is off the list; of a GROUP room, a member who is not around.
  const gone = options.unavailable === true || (p.show === "offline" && type !== MucType.GROUP);
  if (gone) presence.attrs.type = "unavailable";
  else {
    const show = p.show === "offline" ? "xa" : p.show === "online" ? undefined : p.show;
    if (show) presence.cnode(xml("show", {}, show));
    const status = p.status ?? (p.show === "offline" ? "Offline" : undefined);
    if (status !== undefined) presence.cnode(xml("status", {}, status));
  }
  const showJid = isNonAnonymous(type) && p.realJid !== undefined;
  // Every presence of the user's own occupant tells the user it is theirs (XEP-0045 §7.6, §9.6).
  const codes = [...(options.codes ?? [])];
  if (p.isUser && !codes.includes(StatusCode.SELF_PRESENCE)) codes.push(StatusCode.SELF_PRESENCE);
  const x = mucUserX.encode({
    items: [
      {
        affiliation: options.affiliation ?? p.affiliation,
        role: gone ? "none" : p.role,
        ...(showJid ? { jid: parseJid(p.realJid as string) } : {}),
        ...(options.reason !== undefined ? { reason: options.reason } : {}),
      },
    ],
    statusCodes: codes,
    ...(options.destroyed ? { destroy: destroyElement(options.destroyed) } : {}),
  });
  const item = x.getChild("item");
  if (options.newNick !== undefined && item) item.attrs.nick = options.newNick;
  presence.cnode(x);
  presence.cnode(occupantIdCodec.encode({ id: p.occupantId }));
  const photo = p.advertisedAvatar;
  if (!gone && photo !== undefined) presence.cnode(vcardUpdate.encode({ photo }));
  if (!gone && p.hats.length > 0) presence.cnode(hatsCodec.encode({ hats: p.hats.map((h) => ({ uri: h.uri, title: h.title, ...(h.lang !== undefined ? { lang: h.lang } : {}), ...(h.hue !== undefined ? { hue: h.hue } : {}) })) }));
  return presence;
}

/** The `<destroy/>` of a destroyed room's presences: only what the owner gave (each part is optional in §10.9). */
function destroyElement(d: RoomDestruction): { jid?: JID; reason?: string; password?: string } {
  return {
    ...(d.alternateVenue !== undefined ? { jid: d.alternateVenue } : {}),
    ...(d.reason !== undefined ? { reason: d.reason } : {}),
    ...(d.password !== undefined ? { password: d.password } : {}),
  };
}

/**
 * A participant's vCard (XEP-0054), asked at its occupant JID: its nick and,
 * when it has one, its avatar (XEP-0153).
 *
 * @param p - the participant.
 */
export function participantVcard(p: LegacyParticipant): Element {
  const avatar = p.avatar;
  return vcardTemp.encode({
    fullName: p.nick,
    ...(avatar ? { photo: { type: avatar.type, binval: Buffer.from(avatar.data).toString("base64") } } : {}),
  });
}

/**
 * The room's subject message.
 *
 * @param roomJid - the room's bare JID.
 * @param to - the user's full JID.
 * @param text - the subject shown (`""`: an empty `<subject/>`, no subject).
 * @param setter - the nick of who set it; the room itself when none.
 * @param date - when it was set.
 */
export function subjectMessage(roomJid: JID, to: string, text: string, setter: string | undefined, date: Date | undefined): Element {
  const from = setter ? `${roomJid.toString()}/${setter}` : roomJid.toString();
  const m = xml("message", { from, to, type: "groupchat", id: randomUUID() });
  m.cnode(text === "" ? xml("subject") : xml("subject", {}, text));
  if (date) m.cnode(delayCodec.encode({ stamp: date, from: roomJid }));
  return m;
}

/**
 * An archived message, delivered again (history on join, catching up): with
 * `<delay>` when it has none.
 *
 * @param roomJid - the room's bare JID.
 * @param entry - the archived message.
 * @param to - the user's full JID.
 */
export function historyMessage(roomJid: JID, entry: ArchiveEntry, to: string): Element {
  const m = parseElement(entry.xml);
  m.attrs.to = to;
  if (!m.getChild("delay", NS_DELAY)) m.cnode(delayCodec.encode({ stamp: new Date(entry.when), from: roomJid }));
  return m;
}

/** The notice that the room's configuration changed (status 104, XEP-0045 §10.2.1), without `to`. */
export function configChangeNotice(roomJid: JID): Element {
  return xml("message", { from: roomJid.toString(), type: "groupchat", id: randomUUID() }, mucUserX.encode({ statusCodes: [StatusCode.CONFIG_CHANGED] }));
}

/**
 * A participant's groupchat message, without `to`: its payloads, the room's
 * stanza-id, the occupant-id, and `<delay>` when it is not recent.
 *
 * @param roomJid - the room's bare JID.
 * @param participant - the sender (the room itself for the system participant).
 * @param message - its id, body, payloads, stanza-id and legacy time.
 */
export function participantGroupchat(
  roomJid: JID,
  participant: LegacyParticipant,
  message: { readonly id: string; readonly body: string | undefined; readonly payloads: readonly Element[]; readonly stanzaId: string; readonly when: Date },
): Element {
  const from = participant.isSystem ? roomJid.toString() : `${roomJid.toString()}/${participant.nick}`;
  const template = xml("message", { from, type: "groupchat", id: message.id });
  if (message.body !== undefined) template.cnode(xml("body", {}, message.body));
  for (const p of message.payloads) template.cnode(p);
  template.cnode(stanzaIdCodec.encode({ id: message.stanzaId, by: roomJid }));
  if (!participant.isSystem) template.cnode(occupantIdCodec.encode({ id: participant.occupantId }));
  if (Date.now() - message.when.getTime() > DELAY_THRESHOLD_MS) template.cnode(delayCodec.encode({ stamp: message.when, from: roomJid }));
  return template;
}

/**
 * A private message from a participant (XEP-0045 §7.5), without `to`: type
 * `chat` from its occupant JID, with `<x xmlns='…muc#user'/>` so clients
 * know it comes through the room, its occupant-id, and `<delay>` for an old one.
 *
 * @param roomJid - the room's bare JID.
 * @param participant - who sends it.
 * @param message - its id, body and time.
 */
export function privateMessage(roomJid: JID, participant: LegacyParticipant, message: { readonly id: string; readonly body: string; readonly when: Date | undefined }): Element {
  const m = xml("message", { from: `${roomJid.toString()}/${participant.nick}`, type: "chat", id: message.id }, xml("body", {}, message.body), xml("x", { xmlns: NS_MUC_USER }));
  m.cnode(occupantIdCodec.encode({ id: participant.occupantId }));
  if (message.when !== undefined && Date.now() - message.when.getTime() > DELAY_THRESHOLD_MS) m.cnode(delayCodec.encode({ stamp: message.when, from: roomJid }));
  return m;
}

/**
 * The user's message as the room reflects it to their resources, without
 * `to`: from their occupant, with their origin-id and what it refers to (as
 * their client wrote it), the room's stanza-id and their occupant-id.
 *
 * @param roomJid - the room's bare JID.
 * @param stanza - the message the user sent.
 * @param me - the user's occupant.
 * @param message - its id, body and stanza-id.
 */
export function reflectedGroupchat(roomJid: JID, stanza: Element, me: LegacyParticipant, message: { readonly id: string; readonly body: string | undefined; readonly stanzaId: string }): Element {
  const template = xml("message", { from: `${roomJid.toString()}/${me.nick}`, type: "groupchat", id: message.id });
  if (message.body !== undefined) template.cnode(xml("body", {}, message.body));
  const origin = originIdCodec.tryFindIn(stanza, NS_COMPONENT);
  if (origin) template.cnode(originIdCodec.encode({ id: origin.id }));
  const thread = stanza.getChild("thread");
  if (thread) template.cnode(cloneElement(thread));
  // What the message refers to, as the user's client wrote it.
  for (const c of stanza.children) {
    if (typeof c !== "string" && REFLECTED_PAYLOADS.has(String(c.attrs.xmlns))) template.cnode(cloneElement(c));
  }
  template.cnode(stanzaIdCodec.encode({ id: message.stanzaId, by: roomJid }));
  template.cnode(occupantIdCodec.encode({ id: me.occupantId }));
  return template;
}

/**
 * A moderator's retraction of a message (XEP-0425 §4.1): the payloads of the
 * room's message, and what the tombstone records.
 *
 * @param roomJid - the room's bare JID.
 * @param moderator - who retracted it.
 * @param original - the message retracted.
 * @param reason - why, if said.
 */
export function moderatedRetraction(roomJid: JID, moderator: LegacyParticipant, original: ArchiveEntry, reason: string | undefined): { payloads: Element[]; moderation: ModerationInfo } {
  const by = tryParseJid(`${roomJid.toString()}/${moderator.nick}`);
  const moderation: ModerationInfo = { ...(by ? { by } : {}), occupantId: moderator.occupantId, ...(reason !== undefined ? { reason } : {}) };
  const retract = messageRetraction.encode({
    id: original.stanzaId,
    moderated: { ...(by ? { by } : {}), occupantId: { id: moderator.occupantId } },
    ...(reason !== undefined ? { reason } : {}),
  });
  return { payloads: [retract, xml("store", { xmlns: NS_HINTS })], moderation };
}

/**
 * The room's vCard: its name and, when it has one, its avatar (XEP-0486).
 *
 * @param name - the room's name.
 * @param avatar - its avatar.
 */
export function roomVcard(name: string | undefined, avatar: RoomAvatar | undefined): Element {
  return vcardTemp.encode({
    ...(name !== undefined ? { fullName: name } : {}),
    ...(avatar ? { photo: { type: avatar.type, binval: Buffer.from(avatar.data).toString("base64") } } : {}),
  });
}

/** What the room's disco#info tells. */
export interface RoomInfo {
  readonly type: MucType;
  readonly name: string | undefined;
  readonly description: string | undefined;
  readonly subject: string;
  readonly occupants: number;
  readonly avatar: RoomAvatar | undefined;
  /** Which of the user's message changes the legacy module takes. */
  readonly corrections: boolean;
  readonly retractions: boolean;
  readonly reactions: boolean;
  readonly moderation: boolean;
  /** Whether the legacy module takes the user's configuration or destruction requests (muc#owner). */
  readonly owner: boolean;
}

/**
 * The room's disco#info `<query/>`: identity, features, the room info form.
 *
 * @param room - what it tells.
 */
export function roomDiscoInfo(room: RoomInfo): Element {
  const features = [
    NS_MUC,
    ...mucTypeFeatures(room.type),
    "muc_persistent",
    "http://jabber.org/protocol/muc#stable_id",
    NS_OCCUPANT_ID,
    NS_SID,
    NS_MAM,
    MAM_EXTENDED_FEATURE,
    RETRACT_TOMBSTONE_FEATURE,
    NS_REPLY,
    ...(room.corrections ? [NS_CORRECT] : []),
    ...(room.retractions ? [NS_RETRACT] : []),
    ...(room.reactions ? [NS_REACTIONS] : []),
    ...(room.moderation ? [NS_MODERATE] : []),
    ...(room.owner ? [NS_MUC_OWNER] : []),
    NS_VCARD,
    NS_DISCO_INFO,
  ];
  const uniqueFeatures = [...new Set(features)];
  const info = roomInfoSchema.toResult({
    ...(room.description !== undefined ? { description: room.description } : {}),
    subject: room.subject,
    occupants: room.occupants,
    ...(room.avatar ? { avatarHashes: [createHash("sha1").update(room.avatar.data).digest("hex")] } : {}),
  });
  return discoInfoQuery.encode({
    identities: [{ category: "conference", type: "text", ...(room.name !== undefined ? { name: room.name } : {}) }],
    features: uniqueFeatures,
    forms: [info],
  });
}

/** A copy of `template` addressed to `to`. */
export function cloneWithTo(template: Element, to: string): Element {
  const m = xml(template.name, { ...template.attrs, to });
  for (const c of template.children) m.children.push(c);
  return m;
}
