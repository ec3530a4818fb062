/**
 * The user's chat state (XEP-0085) handed to the session hook it names,
 * in rooms and direct chats alike.
 *
 * @module
 */
import type { ChatState } from "../../xso/chat-states.js";
import type { AttentionOptions, BaseSession, Chat } from "../session.js";

/** Call the hook of `state` (`onComposing`, `onPaused`, `onActive`, `onInactive`, `onGone`); nothing for no state. */
export async function onUserChatState(session: BaseSession, chat: Chat, state: ChatState | undefined, options: AttentionOptions): Promise<void> {
  if (state === "composing") await session.onComposing(chat, options);
  else if (state === "paused") await session.onPaused(chat, options);
  else if (state === "active") await session.onActive(chat, options);
  else if (state === "inactive") await session.onInactive(chat, options);
  else if (state === "gone") await session.onGone(chat, options);
}
