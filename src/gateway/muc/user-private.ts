/**
 * What the user sends a room besides groupchat messages: private messages
 * to an occupant (XEP-0045 §7.5), handed to `session.onPrivateText`, and
 * mediated invitations (§7.8.2), handed to `session.onInvitation`. Functions
 * over the room's state ({@link MucCore}); not part of the package's API.
 *
 * @module
 */
import type { Element } from "@xmpp/xml";
import type { JID } from "@xmpp/jid";
import { NS_CLIENT, NS_MUC_USER } from "../../xso/ns.js";
import { mucUserX } from "../../xso/muc-user.js";
import { viewInNamespace } from "../../xso/codec.js";
import { XMPPError } from "../../xso/stanza-error.js";
import { isDecodeError } from "../../xso/errors.js";
import { unescapeLocalpart } from "../names.js";
import { asXmppError, errorFor } from "../replies.js";
import type { MucCore } from "./core.js";
import { mapMessageIds } from "./store.js";
import type { InvitedContact } from "../session.js";

/** A private message from one of the user's resources to an occupant (`to` has the nick). */
export async function onUserPrivateMessage(core: MucCore, stanza: Element, from: JID, to: JID): Promise<void> {
  const type = stanza.attrs.type;
  if (type === "groupchat") {
    // XEP-0045 §7.5: the occupant's client would take it for a message to the whole room.
    await core.send(errorFor(stanza, new XMPPError("bad-request", { text: "A private message cannot be of type groupchat" })));
    return;
  }
  if (type !== undefined && type !== "chat" && type !== "normal") return;
  const body = stanza.getChildText("body");
  // Chat states and markers alone: nothing to send.
  if (body === null || body === "") return;
  try {
    if (core.joined.get(from.resource ?? "") !== true) throw new XMPPError("not-acceptable", { text: "Join the room before sending private messages" });
    const participant = core.participants.get(to.resource ?? "");
    if (!participant || participant.isSystem) throw new XMPPError("item-not-found", { text: "No such occupant" });
    if (participant.isUser) throw new XMPPError("not-acceptable", { text: "That is you" });
    const xmppId = typeof stanza.attrs.id === "string" ? stanza.attrs.id : undefined;
    const legacyId = await core.session.onPrivateText(participant, body, { xmppId: xmppId ?? "" });
    if (typeof legacyId === "string" && xmppId !== undefined) mapMessageIds(core, legacyId, xmppId);
  } catch (e) {
    await core.send(errorFor(stanza, asXmppError(e)));
  }
}

/**
 * A message to the bare room that is no groupchat message: a mediated
 * invitation, or something the room ignores. Every `<invite/>` is checked
 * before `onInvitation` runs, so that a malformed one refuses the whole
 * message rather than leave the invitations before it made; an invitee
 * named twice is invited once.
 */
export async function onUserInvitation(core: MucCore, stanza: Element): Promise<void> {
  const x = stanza.getChild("x", NS_MUC_USER);
  if (!x || !x.getChild("invite")) return; // declines, voice requests: not taken
  try {
    const invitees = await invitedContacts(core, stanza);
    for (const { contact, reason } of invitees) await core.session.onInvitation(contact, core.room, reason);
  } catch (e) {
    await core.send(errorFor(stanza, asXmppError(e)));
  }
}

/**
 * The contacts a mediated invitation names, each once (by bare JID), with
 * its reason: a bare JID of the gateway stands for the legacy contact of
 * its localpart.
 *
 * @throws {@link XMPPError} `bad-request` for a malformed invitation or an
 *   `<invite/>` without a `to`; `not-acceptable` for an invitee that is one
 *   of the gateway's rooms (see {@link refuseGroupInvitee}).
 */
async function invitedContacts(core: MucCore, stanza: Element): Promise<{ readonly contact: InvitedContact; readonly reason: string | undefined }[]> {
  let invites;
  try {
    invites = mucUserX.findIn(viewInNamespace(stanza, NS_CLIENT), NS_CLIENT)?.invites ?? [];
  } catch (e) {
    throw new XMPPError("bad-request", { text: isDecodeError(e) ? e.message : "malformed invitation" });
  }
  const byJid = new Map<string, { readonly contact: InvitedContact; readonly reason: string | undefined }>();
  for (const invite of invites) {
    const to = invite.to;
    if (!to) throw new XMPPError("bad-request", { text: "An invitation needs a to" });
    const jid = to.bare();
    if (byJid.has(jid.toString())) continue;
    // A full JID of the gateway is an occupant of one of its rooms, not a contact.
    const ofGateway = jid.domain === core.session.gateway.jid.toString() && jid.local !== "" && !to.resource;
    if (ofGateway) await refuseGroupInvitee(core, jid);
    byJid.set(jid.toString(), { contact: { jid, legacyId: ofGateway ? unescapeLocalpart(jid.local) : undefined }, reason: invite.reason });
  }
  return [...byJid.values()];
}

/**
 * A bare JID of the gateway that names one of the user's groups (this room
 * included) is a room, not a contact: `onInvitation` would take the group's
 * id for a contact's. Refused with `not-acceptable` — the invitation is well
 * formed (so not `bad-request`), but a room cannot be invited into a room.
 */
async function refuseGroupInvitee(core: MucCore, jid: JID): Promise<void> {
  if (await core.session.bookmarks.isGroupLocal(jid.local)) {
    throw new XMPPError("not-acceptable", { text: `${jid.toString()} is a group, not a contact: only people can be invited` });
  }
}
