/**
 * What the demo's bot answers to a room message, if anything: it reads the
 * message as a client should — its text without the fallback a reply
 * quotes (XEP-0461), corrections and retractions left alone (they change an
 * earlier message; they are not new ones) — and answers mentions of itself.
 *
 * @module
 */
import { messageRefs, type MessageEvent } from "../src/index.js";

/** The part of a room's `message` event the bot reads. */
export type BotInput = Pick<MessageEvent, "nick" | "body" | "own" | "history" | "stanza">;

/** The bot's answer to `message`, or `undefined` when it has nothing to say. */
export function botAnswer(message: BotInput): string | undefined {
  const { nick, own, history } = message;
  if (own || history || !nick) return undefined;
  const refs = messageRefs(message.stanza);
  if (refs.corrects !== undefined || refs.retraction) return undefined;
  const text = (refs.text ?? message.body).trim();
  if (!/\bbot\b|demobot/i.test(text)) return undefined;
  const quoted = text.length > 80 ? `${text.slice(0, 77)}…` : text;
  return `Hi ${nick}! You said “${quoted}”. I'm a bot; try kicking me if you're a moderator.`;
}
