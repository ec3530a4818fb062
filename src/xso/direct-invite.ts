/**
 * XEP-0249 (Direct MUC Invitations) §2: `<x xmlns='jabber:x:conference' jid
 * password reason continue thread/>` in a message sent straight to the invitee.
 *
 * @module
 */
import { attr, element, type Infer, type Input } from "./codec.js";
import { NS_CONFERENCE } from "./ns.js";
import { boolean, jidValue } from "./values.js";

/**
 * `<x xmlns='jabber:x:conference'/>`: an invitation to the room `jid`,
 * optionally continuing the one-to-one chat `thread`.
 *
 * @category Multi-User Chat
 */
export const directInvite = element("x", NS_CONFERENCE, {
  /** The room's bare JID (`jid` attribute). */
  jid: attr("jid", jidValue, { required: true }),
  /** The room password (`password` attribute). */
  password: attr("password"),
  /** The inviter's message to the invitee (`reason` attribute). */
  reason: attr("reason"),
  /** Whether the invitation continues a one-to-one chat (`continue` attribute). */
  continue: attr("continue", boolean),
  /** The thread ID of the one-to-one chat being continued (`thread` attribute). */
  thread: attr("thread"),
});
/**
 * Decoded direct invitation.
 *
 * @category Multi-User Chat
 */
export type DirectInvite = Infer<typeof directInvite>;
/**
 * Direct invitation as accepted by `directInvite.encode`.
 *
 * @category Multi-User Chat
 */
export type DirectInviteInput = Input<typeof directInvite>;
