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

/** A message to the bare room that is no groupchat message: a mediated invitation, or something the room ignores. */
export async function onUserInvitation(core: MucCore, stanza: Element): Promise<void> {
  const x = stanza.getChild("x", NS_MUC_USER);
  if (!x || !x.getChild("invite")) return; // declines, voice requests: not taken
  try {
    let invites;
    try {
      invites = mucUserX.findIn(viewInNamespace(stanza, NS_CLIENT), NS_CLIENT)?.invites ?? [];
    } catch (e) {
      throw new XMPPError("bad-request", { text: isDecodeError(e) ? e.message : "malformed invitation" });
    }
    for (const invite of invites) {
      const jid = invite.to;
      if (!jid) throw new XMPPError("bad-request", { text: "An invitation needs a to" });
      const ofGateway = jid.domain === core.session.gateway.jid.toString() && jid.local !== "" && !jid.resource;
      const legacyId = ofGateway ? unescapeLocalpart(jid.local) : undefined;
      await core.session.onInvitation({ jid: jid.bare(), legacyId }, core.room, invite.reason);
    }
  } catch (e) {
    await core.send(errorFor(stanza, asXmppError(e)));
  }
}
