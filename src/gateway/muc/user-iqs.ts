/**
 * The user's IQs to the room, as a route table: the IQ's type, its payload's
 * namespace and name, and whether it is addressed to the room or to an
 * occupant, name one handler (disco, MAM, the room's vCard and avatar,
 * moderation, muc#admin and muc#owner — in `user-admin.ts` —, self-ping); an IQ no route takes is
 * `feature-not-implemented`, and what a handler throws is the error answer.
 * Functions over the room's state ({@link MucCore}); not part of the
 * package's API.
 *
 * @module
 */
import xml, { type Element } from "@xmpp/xml";
import type { JID } from "@xmpp/jid";
import { NS_DISCO_INFO, NS_DISCO_ITEMS, NS_MAM, NS_MODERATE, NS_MUC_ADMIN, NS_MUC_OWNER, NS_MUC_SELF_PING, NS_REGISTER, NS_VCARD } from "../../xso/ns.js";
import { viewInNamespace } from "../../xso/codec.js";
import { vcardTemp } from "../../xso/vcard.js";
import { messageModerate } from "../../xso/message-refs.js";
import { XMPPError } from "../../xso/stanza-error.js";
import { answerMamQuery, mamFormQuery, mamMetadataOf } from "../room-archive.js";
import { asXmppError, errorFor, resultFor } from "../replies.js";
import { safeNick } from "../names.js";
import type { RoomAvatar } from "../store/store.js";
import type { MucCore } from "./core.js";
import { broadcastModeration } from "./participant-events.js";
import { participantVcard, roomVcard } from "./stanzas.js";
import { archivedByStanzaId, roomArchive } from "./store.js";
import { adminGet, adminSet, decodeRequest, ownerGet, ownerSet } from "./user-admin.js";

/** An IQ a route takes: its payload, its sender and its addressee. */
interface IqRequest {
  readonly payload: Element;
  readonly from: JID;
  readonly to: JID;
}

/** One route: what it takes, and its handler, which returns the result's payload (if any) or throws. */
interface IqRoute {
  /** `room`: the bare room JID; `occupant`: an occupant's JID. */
  readonly target: "room" | "occupant";
  readonly type: "get" | "set";
  readonly ns: string;
  readonly name: string;
  readonly handle: (core: MucCore, iq: IqRequest) => Promise<Element | undefined>;
}

/** The disco node by which a user finds the nick the room reserves for them (XEP-0045 §7.12). */
const RESERVED_NICK_NODE = "x-roomuser-item";

const ROUTES: readonly IqRoute[] = [
  { target: "room", type: "get", ns: NS_DISCO_INFO, name: "query", handle: async (core, iq) => (iq.payload.attrs.node === RESERVED_NICK_NODE ? reservedNick(core) : withoutNode(iq.payload, () => core.room.discoInfo())) },
  { target: "room", type: "get", ns: NS_DISCO_ITEMS, name: "query", handle: async (_core, iq) => withoutNode(iq.payload, () => xml("query", { xmlns: NS_DISCO_ITEMS })) },
  { target: "room", type: "set", ns: NS_MAM, name: "query", handle: (core, iq) => answerMamQuery(roomArchive(core), iq.payload, iq.from, (m) => core.send(m)) },
  { target: "room", type: "get", ns: NS_MAM, name: "query", handle: async () => mamFormQuery() },
  { target: "room", type: "get", ns: NS_MAM, name: "metadata", handle: async (core) => mamMetadataOf(roomArchive(core)) },
  { target: "room", type: "get", ns: NS_VCARD, name: "vCard", handle: async (core) => roomVcard(core.room.name, core.avatar) },
  { target: "room", type: "set", ns: NS_VCARD, name: "vCard", handle: (core, iq) => none(userAvatar(core, iq.payload)) },
  { target: "room", type: "set", ns: NS_MODERATE, name: "moderate", handle: (core, iq) => none(userModeration(core, iq.payload)) },
  { target: "room", type: "set", ns: NS_MUC_ADMIN, name: "query", handle: (core, iq) => none(adminSet(core, iq.payload)) },
  { target: "room", type: "get", ns: NS_MUC_ADMIN, name: "query", handle: async (core, iq) => adminGet(core, iq.payload) },
  { target: "room", type: "get", ns: NS_MUC_OWNER, name: "query", handle: async (core) => ownerGet(core) },
  { target: "room", type: "set", ns: NS_MUC_OWNER, name: "query", handle: (core, iq) => none(ownerSet(core, iq.payload)) },
  { target: "room", type: "set", ns: NS_REGISTER, name: "query", handle: (core, iq) => none(leaveGroup(core, iq.payload)) },
  { target: "occupant", type: "get", ns: NS_MUC_SELF_PING, name: "ping", handle: (core, iq) => none(selfPing(core, iq)) },
  { target: "occupant", type: "get", ns: NS_VCARD, name: "vCard", handle: async (core, iq) => occupantVcard(core, iq) },
];

/** The routes by target, type, namespace and name. */
const ROUTE_TABLE: ReadonlyMap<string, IqRoute> = new Map(ROUTES.map((r) => [routeKey(r.target, r.type, r.ns, r.name), r]));

function routeKey(target: IqRoute["target"], type: string, ns: string, name: string): string {
  return `${target} ${type} ${ns} ${name}`;
}

/**
 * The nick the room has for the user (XEP-0045 §7.12): the one they are in
 * it under, else the network's name for them (`userNick`); an empty answer
 * when neither is known yet.
 */
function reservedNick(core: MucCore): Element {
  const userNick = core.room.userNick;
  const nick = core.user?.nick ?? (userNick === undefined ? undefined : safeNick(userNick));
  return xml("query", { xmlns: NS_DISCO_INFO, node: RESERVED_NICK_NODE }, ...(nick === undefined ? [] : [xml("identity", { category: "conference", type: "text", name: nick })]));
}

/**
 * The room serves no other disco node (no caps node), so a query of one is
 * `item-not-found` (XEP-0030 §3.1), not the room's own answer.
 */
function withoutNode(query: Element, answer: () => Element): Element {
  const node = query.attrs.node;
  if (node !== undefined) throw new XMPPError("item-not-found", { text: `No node ${String(node)}` });
  return answer();
}

/** An empty result, once `work` is done. */
async function none(work: Promise<void>): Promise<undefined> {
  await work;
  return undefined;
}

/** An IQ from one of the user's resources to the room or to an occupant of it: routed, and answered. */
export async function onUserIq(core: MucCore, stanza: Element, from: JID, to: JID): Promise<void> {
  const type = stanza.attrs.type;
  // The gateway answered any other type already (see `BaseGateway#handle`).
  if (type !== "get" && type !== "set") return;
  const payload = stanza.children.find((c): c is Element => typeof c !== "string");
  try {
    const route = payload === undefined ? undefined : ROUTE_TABLE.get(routeKey(to.resource ? "occupant" : "room", type, String(payload.attrs.xmlns), payload.name));
    if (route === undefined || payload === undefined) throw new XMPPError("feature-not-implemented");
    await core.send(resultFor(stanza, await route.handle(core, { payload, from, to })));
  } catch (e) {
    await core.send(errorFor(stanza, asXmppError(e)));
  }
}

/**
 * XEP-0077 `<remove/>` sent to the room: the user leaves the group for good
 * (slidge's `on_leave_group`), then the room is removed; its joined
 * resources get a normal exit. Registering with the room (XEP-0045 §7.10)
 * is not offered.
 */
async function leaveGroup(core: MucCore, payload: Element): Promise<void> {
  if (!payload.getChild("remove")) throw new XMPPError("feature-not-implemented", { text: "Registering with a group is not supported; send <remove/> to leave it" });
  await core.session.onLeaveGroup(core.room.legacyId);
  await core.session.bookmarks.remove(core.room, { kick: false, reason: "You left this group" });
}

/** XEP-0410: a joined resource pinging itself is answered; anyone else is not-acceptable. */
async function selfPing(core: MucCore, iq: IqRequest): Promise<void> {
  const me = await core.room.getUserParticipant();
  if (iq.to.resource === me.nick && core.joined.get(iq.from.resource ?? "") === true) return;
  throw new XMPPError("not-acceptable", { text: "Not in the room" });
}

/** XEP-0153 §3.3: an occupant's vCard (its nick and avatar), asked at its occupant JID. */
function occupantVcard(core: MucCore, iq: IqRequest): Element {
  const p = core.participants.get(iq.to.resource ?? "");
  if (!p || p.isSystem) throw new XMPPError("item-not-found", { text: "No such occupant" });
  return participantVcard(p);
}

/** The user publishes a vCard to the room: its photo becomes the room's avatar, or none (XEP-0486). */
async function userAvatar(core: MucCore, payload: Element): Promise<void> {
  const vcard = decodeRequest(() => vcardTemp.decode(viewInNamespace(payload, NS_VCARD)), "vCard");
  const photo = vcard.photo;
  let avatar: RoomAvatar | undefined;
  if (photo?.binval !== undefined) {
    const data = Buffer.from(photo.binval.replace(/\s+/g, ""), "base64");
    if (data.length === 0) throw new XMPPError("bad-request", { text: "The photo has no image data" });
    avatar = { data: new Uint8Array(data), type: photo.type ?? "image/png" };
  } else if (photo?.extval !== undefined) {
    throw new XMPPError("not-acceptable", { text: "Only inline photos (BINVAL) are supported" });
  }
  const legacyId = await core.room.onAvatar(avatar);
  // slidge's on_avatar: an id means done (shown now); nothing means the module calls setAvatar when the network confirms.
  if (legacyId !== undefined || avatar === undefined) await core.room.setAvatar(avatar);
}

/** The user, a moderator, retracts someone's message (XEP-0425). */
async function userModeration(core: MucCore, payload: Element): Promise<void> {
  const request = decodeRequest(() => messageModerate.decode(viewInNamespace(payload, NS_MODERATE)), "moderation request");
  if (!request.retract) throw new XMPPError("feature-not-implemented", { text: "Only retractions are supported" });
  const me = await core.room.getUserParticipant();
  if (me.role !== "moderator") throw new XMPPError("forbidden", { text: "Only moderators may moderate messages" });
  const original = archivedByStanzaId(core, request.id);
  if (original?.legacyId === undefined) throw new XMPPError("item-not-found", { text: `No message with stanza-id ${request.id} known to the legacy network` });
  await core.session.onModerate(core.room, original.legacyId, request.reason, {});
  await broadcastModeration(core, me, original, request.reason);
}
