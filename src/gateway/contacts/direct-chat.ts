/**
 * What the user sends to a contact's JID: direct messages (text, replies,
 * corrections, retractions, reactions, files, chat states, displayed
 * markers, receipt requests) handed to the session's hooks with the contact
 * as the chat; invitations into one of the user's groups (XEP-0249), handed
 * to `onInvitation`; subscription requests (the user adds the contact to their
 * roster); and the contact's vCard, disco#info and pings.
 *
 * @module
 */
import { randomUUID } from "node:crypto";
import xml, { type Element } from "@xmpp/xml";
import type { JID } from "@xmpp/jid";
import { chatMarkerOf, chatStateOf } from "../../xso/chat-states.js";
import { directInvite } from "../../xso/direct-invite.js";
import { viewInNamespace } from "../../xso/codec.js";
import { discoInfoQuery } from "../../xso/disco.js";
import { isDecodeError } from "../../xso/errors.js";
import { messageContent } from "../../xso/message.js";
import { NS_CHAT_MARKERS, NS_CHAT_STATES, NS_CLIENT, NS_CONFERENCE, NS_CORRECT, NS_DISCO_INFO, NS_MUC_SELF_PING, NS_PUBSUB, NS_REACTIONS, NS_REPLY, NS_RETRACT, NS_VCARD } from "../../xso/ns.js";
import { XMPPError } from "../../xso/stanza-error.js";
import type { LegacyContact } from "./contact.js";
import { readUserRefs, replyFallbackText } from "../messages/message-refs.js";
import { sendUserContent } from "../messages/user-content.js";
import { onUserChatState } from "../messages/chat-state-hooks.js";
import { stickerOf } from "../../xso/stickers.js";
import { readLinkPreviews } from "../messages/message-extras.js";
import { isSpecialMsgId, legacyThreadOf, rememberThread } from "../messages/threads.js";
import { asXmppError, errorFor, resultFor } from "../replies.js";
import type { TextOptions } from "../session.js";

const NS_RECEIPTS = "urn:xmpp:receipts";

/** A stanza from the user to a contact's bare JID. */
export async function handleContactStanza(contact: LegacyContact, el: Element, from: JID): Promise<void> {
  const gateway = contact.session.gateway;
  try {
    if (el.name === "message") await onMessage(contact, el, from);
    else if (el.name === "presence") await onPresence(contact, el, from);
    else if (el.name === "iq") await gateway.send(resultFor(el, await onIq(contact, el)));
  } catch (e) {
    if (el.attrs.type === "error" || (el.name === "presence" && el.attrs.type !== undefined && el.attrs.type !== "subscribe")) return;
    await gateway.send(errorFor(el, asXmppError(e)));
  }
}

async function onMessage(contact: LegacyContact, stanza: Element, from: JID): Promise<void> {
  const type = stanza.attrs.type ?? "normal";
  if (type === "error") return;
  // A carbon the gateway sent through the message privilege, routed back to the contact by the user's server.
  if (contact.session.gateway.isOwnCarbon(typeof stanza.attrs.id === "string" ? stanza.attrs.id : undefined)) return;
  if (type === "groupchat") throw new XMPPError("not-acceptable", { text: "This address is a contact, not a group" });
  if (stanza.getChild("x", NS_CONFERENCE) !== undefined) {
    // Its body, if any, is the invitation's fallback text: not a message of its own.
    await onDirectInvitation(contact, stanza);
    return;
  }
  const session = contact.session;
  let msg;
  try {
    msg = messageContent.decode(viewInNamespace(stanza, NS_CLIENT));
  } catch (e) {
    throw new XMPPError("bad-request", { text: isDecodeError(e) ? e.message : "malformed message" });
  }
  const body = msg.body[""] ?? Object.values(msg.body)[0];
  const xmppId = typeof stanza.attrs.id === "string" ? stanza.attrs.id : randomUUID();
  const xmppThread = msg.thread?.id || undefined;
  const thread = legacyThreadOf(session, xmppThread, contact);
  const refs = readUserRefs(stanza, body);
  const known = (id: string): string => {
    const legacyId = contact.legacyIdOf(id);
    if (legacyId === undefined) throw new XMPPError("item-not-found", { text: "This message is unknown to the legacy network" });
    return legacyId;
  };
  if (refs.retraction !== undefined) {
    await session.onRetract(contact, known(refs.retraction.id), { xmppId, ...(thread ? { thread } : {}) });
    return;
  }
  if (refs.reactions !== undefined) {
    const target = isSpecialMsgId(session, refs.reactions.id) ? refs.reactions.id : known(refs.reactions.id);
    await session.onReact(contact, target, refs.reactions.reactions, { xmppId, ...(thread ? { thread } : {}) });
    return;
  }
  const sticker = stickerOf(stanza);
  if (body === undefined && sticker === undefined) {
    const options = thread ? { thread } : {};
    await onUserChatState(session, contact, chatStateOf(stanza), options);
    const marker = chatMarkerOf(stanza);
    if (marker?.marker === "displayed") {
      const legacyId = contact.legacyIdOf(marker.id);
      if (legacyId !== undefined) for (const id of contact.readUpTo(legacyId)) await session.onDisplayed(contact, id, options);
    }
    return;
  }
  const replied = refs.reply === undefined ? undefined : contact.legacyIdOf(refs.reply.id);
  // The quote a client adds for clients without replies goes only when the legacy side gets the reference instead (XEP-0461 §3.1).
  const text = replied !== undefined ? (refs.text ?? body ?? "") : (body ?? "");
  const fallback = body === undefined ? undefined : replyFallbackText(body, refs, replied);
  const previews = readLinkPreviews(stanza);
  const options: TextOptions = {
    xmppId,
    mentions: [],
    ...(replied !== undefined ? { replyTo: replied } : {}),
    ...(fallback !== undefined ? { replyToFallbackText: fallback } : {}),
    ...(previews.length ? { linkPreviews: previews } : {}),
    ...(thread !== undefined ? { thread } : {}),
  };
  if (refs.corrects !== undefined) {
    await session.onCorrect(contact, text, known(refs.corrects), options);
  } else {
    const legacyId = await sendUserContent(session, contact, stanza, text, sticker, options, from);
    if (legacyId) contact.mapIds(legacyId, xmppId);
    rememberThread(session, xmppThread, thread, legacyId);
  }
  // XEP-0184: the network took it; the contact's own delivery, when the network tells, is `contact.received()`.
  if (!session.gateway.properReceipts && stanza.getChild("request", NS_RECEIPTS) && typeof stanza.attrs.id === "string") {
    await session.gateway.send(xml("message", { from: contact.jid.toString(), to: String(stanza.attrs.from), type: "chat", id: randomUUID() }, xml("received", { xmlns: NS_RECEIPTS, id: stanza.attrs.id })));
  }
}

/**
 * The user invites the contact into a group (XEP-0249 direct invitation,
 * sent to the contact): `session.onInvitation(contact, muc, reason)`, as a
 * mediated invitation sent to the room is (slidge's `on_invitation`).
 *
 * @throws {@link XMPPError} `bad-request` for a malformed invitation;
 *   `not-acceptable` for a room that is not one of the gateway's (the
 *   legacy network knows only its own groups); `item-not-found` for a room
 *   of the gateway that is not one of the user's groups.
 */
async function onDirectInvitation(contact: LegacyContact, stanza: Element): Promise<void> {
  let invite;
  try {
    invite = directInvite.findIn(viewInNamespace(stanza, NS_CLIENT), NS_CLIENT);
  } catch (e) {
    throw new XMPPError("bad-request", { text: isDecodeError(e) ? e.message : "malformed invitation" });
  }
  if (invite === undefined) return;
  const session = contact.session;
  const room = invite.jid;
  if (room.resource || !room.local || room.domain.toLowerCase() !== session.gateway.jid.domain.toLowerCase()) {
    throw new XMPPError("not-acceptable", { text: "Only a group of this gateway can be joined by a legacy contact" });
  }
  const muc = await session.bookmarks.byJid(room);
  if (muc === undefined) throw new XMPPError("item-not-found", { text: `${room.toString()} is not one of your groups` });
  await session.onInvitation({ jid: contact.jid, legacyId: contact.legacyId }, muc, invite.reason);
}

/** The user's subscriptions to the contact (adding it to their roster) and probes. */
async function onPresence(contact: LegacyContact, el: Element, from: JID): Promise<void> {
  const gateway = contact.session.gateway;
  const type = el.attrs.type;
  const user = from.bare().toString();
  const reply = (t: string): Promise<void> => gateway.send(xml("presence", { from: contact.jid.toString(), to: user, type: t, id: randomUUID() }));
  if (type === "subscribe") {
    if (!contact.isFriend) {
      try {
        await contact.onFriendRequest();
      } catch (e) {
        gateway.log.debug(`the friend request to ${contact.jid.toString()} was refused`, e);
        await reply("unsubscribed");
        return;
      }
    }
    contact.isFriend = true;
    await reply("subscribed");
    await gateway.send(contact.presenceTo(user));
  } else if (type === "subscribed") {
    // The user accepted the contact's subscription request: its presence follows.
    if (!contact.isFriend) await friendHook(contact, "onFriendAccept", () => contact.onFriendAccept());
    contact.isFriend = true;
    await gateway.send(contact.presenceTo(user));
  } else if (type === "unsubscribe" || type === "unsubscribed") {
    if (contact.isFriend) await friendHook(contact, "onFriendDelete", () => contact.onFriendDelete());
    contact.isFriend = false;
    if (type === "unsubscribe") await reply("unsubscribed");
  } else if (type === "probe") {
    if (contact.isFriend) await gateway.send(contact.presenceTo(from.toString()));
    else await reply("unsubscribed");
  }
}

/**
 * A contact hook of a subscription the user answered or withdrew: what it
 * throws is logged — a presence of these types gets no error back (see
 * `handleContactStanza`), so the log is the only trace of the failure.
 */
async function friendHook(contact: LegacyContact, name: string, hook: () => Promise<void>): Promise<void> {
  try {
    await hook();
  } catch (e) {
    contact.session.gateway.log.warn(`${name} of ${contact.jid.toString()} failed`, e);
    throw e;
  }
}

/** The contact's vCard, disco#info (a client of the network, with the features the module supports) and pings. */
async function onIq(contact: LegacyContact, el: Element): Promise<Element | undefined> {
  const payload = el.children.find((c): c is Element => typeof c !== "string");
  const ns = payload?.attrs.xmlns;
  const type = el.attrs.type;
  if (type === "get" && payload?.name === "vCard" && ns === NS_VCARD) return contact.vcard();
  if (type === "get" && payload?.name === "ping" && ns === NS_MUC_SELF_PING) return undefined;
  if (type === "get" && payload?.name === "pubsub" && ns === NS_PUBSUB) {
    // XEP-0084: the contact's avatar nodes, as its PEP service would serve them.
    const items = payload.getChild("items");
    const node = typeof items?.attrs.node === "string" ? items.attrs.node : "";
    const wanted = items?.getChild("item")?.attrs.id;
    const answer = contact.avatarItems(node, typeof wanted === "string" ? wanted : undefined);
    if (!answer) throw new XMPPError("item-not-found", { text: `No node ${node}` });
    return xml("pubsub", { xmlns: NS_PUBSUB }, answer);
  }
  if (type === "get" && payload?.name === "query" && ns === NS_DISCO_INFO) {
    const session = contact.session;
    return discoInfoQuery.encode({
      identities: [{ category: "client", type: contact.clientType, ...(contact.name ? { name: contact.name } : {}) }, { category: "pubsub", type: "pep" }],
      features: [
        NS_DISCO_INFO,
        NS_CHAT_STATES,
        NS_CHAT_MARKERS,
        NS_RECEIPTS,
        NS_REPLY,
        NS_VCARD,
        ...(session.supportsCorrections ? [NS_CORRECT] : []),
        ...(session.supportsRetractions ? [NS_RETRACT] : []),
        ...(session.supportsReactions ? [NS_REACTIONS] : []),
      ],
    });
  }
  throw new XMPPError("service-unavailable");
}
