/**
 * Invitations the gateway sends: XEP-0249 direct invitations (from the
 * gateway's JID, straight to the invitee) and XEP-0045 §7.8.2 mediated ones
 * (from the room). Pure stanza builders.
 *
 * @module
 */
import { randomUUID } from "node:crypto";
import xml, { type Element } from "@xmpp/xml";
import type { JID } from "@xmpp/jid";
import { directInvite } from "../xso/direct-invite.js";
import { mucUserX } from "../xso/muc-user.js";

/**
 * Options of an invitation.
 *
 * @category Gateway & sessions
 */
export interface InviteOptions {
  /** Why the invitee should join. */
  readonly reason?: string;
  /** The room's password, if it has one. */
  readonly password?: string;
  /**
   * `direct` (XEP-0249, from the gateway; the default: every modern client
   * takes it) or `mediated` (XEP-0045 §7.8.2, from the room itself).
   */
  readonly mode?: "direct" | "mediated";
}

/**
 * An invitation into `room` for `invitee`.
 *
 * @param gateway - the gateway's JID (the sender of a direct invitation, the inviter of a mediated one).
 * @param room - the room's JID.
 * @param invitee - who is invited.
 * @param options - reason, password, mode.
 */
export function invitation(gateway: JID, room: JID, invitee: JID, options: InviteOptions = {}): Element {
  const reason = options.reason === undefined ? {} : { reason: options.reason };
  const password = options.password === undefined ? {} : { password: options.password };
  if (options.mode === "mediated") {
    return xml(
      "message",
      { from: room.toString(), to: invitee.toString(), id: randomUUID() },
      mucUserX.encode({ invites: [{ from: gateway, ...reason }], ...password }),
    );
  }
  return xml("message", { from: gateway.toString(), to: invitee.toString(), id: randomUUID() }, directInvite.encode({ jid: room, ...reason, ...password }));
}
