/**
 * Message and thread ids the gateway does not map the usual way, shared by
 * rooms and direct chats: threads (XEP-0201 `<thread/>`), unchanged by
 * default or, for sessions whose message ids are thread ids
 * (`BaseSession.messageIdsAreThreadIds`), named by the id of their first
 * message on each side; and the message ids of the module's own making
 * (`BaseSession.specialMsgIdPrefix`).
 *
 * @module
 */
import type { BaseSession } from "../session.js";

/** How one chat (a room, a direct chat) maps its messages' ids. */
export interface ChatMessageIds {
  /** The legacy id of one of the chat's messages, by an XMPP id of it. */
  legacyIdOf(xmppId: string): string | undefined;
  /** The XMPP id by which the user's clients name one of the chat's messages. */
  xmppIdOf(legacyMsgId: string): string | undefined;
}

/**
 * The network's thread of the user's `<thread/>`: the same text, or (when
 * message ids are thread ids) the thread it was mapped to, else the legacy
 * id of the message whose XMPP id it is; `undefined` for a thread the
 * network does not know yet (one the user starts: see {@link rememberThread}).
 */
export function legacyThreadOf(session: BaseSession, xmppThread: string | undefined, ids: ChatMessageIds): string | undefined {
  if (xmppThread === undefined || xmppThread === "") return undefined;
  if (!session.messageIdsAreThreadIds) return xmppThread;
  return session.gateway.store.threads.toLegacy(session.userJid.toString(), xmppThread) ?? ids.legacyIdOf(xmppThread);
}

/**
 * After the network took the user's message: when message ids are thread
 * ids and the message started a thread the network did not know, that
 * thread is from now on the thread of the message's legacy id.
 */
export function rememberThread(session: BaseSession, xmppThread: string | undefined, legacyThread: string | undefined, legacyMsgId: string | void): void {
  if (!session.messageIdsAreThreadIds || !xmppThread || legacyThread !== undefined || !legacyMsgId) return;
  session.gateway.store.threads.map(session.userJid.toString(), xmppThread, legacyMsgId);
}

/**
 * The `<thread/>` text of one of the network's threads: the same text, or
 * (when message ids are thread ids) the XMPP thread the user started it
 * as, else the XMPP id of its first message, else the legacy id itself.
 */
export function xmppThreadOf(session: BaseSession, legacyThread: string | undefined, ids: ChatMessageIds): string | undefined {
  if (legacyThread === undefined || legacyThread === "") return undefined;
  if (!session.messageIdsAreThreadIds) return legacyThread;
  return session.gateway.store.threads.toXmpp(session.userJid.toString(), legacyThread) ?? ids.xmppIdOf(legacyThread) ?? legacyThread;
}

/** Whether an XMPP message id is one the session passes to its hooks as it is (`BaseSession.specialMsgIdPrefix`). */
export function isSpecialMsgId(session: BaseSession, xmppId: string): boolean {
  const prefix = session.specialMsgIdPrefix;
  return prefix !== undefined && prefix !== "" && xmppId.startsWith(prefix);
}
