/**
 * What a message of the user carries, handed to the session's hook: a
 * sticker to `onSticker` (with its image, when the module takes stickers),
 * a shared file to `onFile`, else its text to `onText`. Shared by rooms and
 * direct chats.
 *
 * @module
 */
import type { Element } from "@xmpp/xml";
import type { JID } from "@xmpp/jid";
import { attachmentsOf } from "../../xso/file-sharing.js";
import { XMPPError } from "../../xso/stanza-error.js";
import type { StickerReference } from "../../xso/stickers.js";
import { sharedFile } from "./message-refs.js";
import type { BaseSession, Chat, TextOptions } from "../session.js";
import { resolveSticker } from "./stickers.js";

/**
 * Hand the user's message to the hook its content calls for.
 *
 * @param text - the body as the hooks get it (a reply's quote cut).
 * @param reference - the sticker the message carries (`stickerOf`), if any.
 * @param from - the user's full JID (a sticker's image may be asked of it).
 * @returns the legacy id the hook gave.
 */
export async function sendUserContent(
  session: BaseSession,
  chat: Chat,
  stanza: Element,
  text: string,
  reference: StickerReference | undefined,
  options: TextOptions,
  from: JID,
): Promise<string | void> {
  if (reference) {
    if (session.supportsStickers) return session.onSticker(chat, await resolveSticker(session.gateway, stanza, reference, from), options);
    // A network without stickers: an XEP-0449 sticker is a file like any; an image named by cid goes as its text, if any.
    const file = reference.kind === "pack" ? attachmentsOf(stanza)[0] : undefined;
    if (file) return session.onFile(chat, file, options);
    if (text.trim() === "") throw new XMPPError("feature-not-implemented", { text: "This network takes no stickers" });
    return session.onText(chat, text, options);
  }
  const file = sharedFile(stanza, text);
  return file ? session.onFile(chat, file, options) : session.onText(chat, text, options);
}

