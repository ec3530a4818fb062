/**
 * Turning legacy names and ids into valid XMPP addresses: XEP-0106 escaping
 * of JID localparts, safe nicknames, stable occupant ids, and the nicks a
 * message mentions.
 *
 * @module
 */
import { createHash } from "node:crypto";

const ESCAPES: Record<string, string> = {
  " ": "\\20",
  '"': "\\22",
  "&": "\\26",
  "'": "\\27",
  "/": "\\2f",
  ":": "\\3a",
  "<": "\\3c",
  ">": "\\3e",
  "@": "\\40",
  "\\": "\\5c",
};
const ESCAPE_RE = /[ "&'/:<>@\\]/g;
const UNESCAPE_RE = /\\(20|22|26|27|2f|3a|3c|3e|40|5c)/gi;
const UNESCAPES: Record<string, string> = Object.fromEntries(Object.entries(ESCAPES).map(([c, e]) => [e.slice(1).toLowerCase(), c]));

/**
 * XEP-0106 escaping of a string for use as a JID localpart. Unlike
 * `@xmpp/jid`'s, it keeps leading and trailing spaces (escaped), so it is
 * reversible. Control characters, which no JID may hold, become `_`, and so
 * does an empty string.
 *
 * @param s - a legacy id or name.
 * @returns the escaped localpart.
 *
 * @category Names & helpers
 */
export function escapeLocalpart(s: string): string {
  // eslint-disable-next-line no-control-regex
  const cleaned = s.replace(/[\u0000-\u001f\u007f-\u009f\ufffe\uffff]/g, "_");
  if (cleaned === "") return "_";
  return cleaned.replace(ESCAPE_RE, (c) => ESCAPES[c] as string);
}

/**
 * Reverse {@link escapeLocalpart} (XEP-0106 unescaping).
 *
 * @param local - an escaped localpart.
 *
 * @category Names & helpers
 */
export function unescapeLocalpart(local: string): string {
  return local.replace(UNESCAPE_RE, (_m, hex: string) => UNESCAPES[hex.toLowerCase()] as string);
}

/** The most bytes a JID resourcepart (a nick) may have (RFC 7622). */
const MAX_NICK_BYTES = 1023;

/**
 * A nickname safe as a JID resourcepart and in XML: control characters and
 * non-characters removed, surrounding whitespace trimmed, at most 1023 UTF-8
 * bytes (cut on a character boundary); an empty result becomes `fallback`.
 *
 * @param name - a legacy display name.
 * @param fallback - used when nothing usable is left.
 *
 * @category Names & helpers
 */
export function safeNick(name: string, fallback = "unknown"): string {
  // eslint-disable-next-line no-control-regex
  let nick = name.replace(/[\u0000-\u001f\u007f-\u009f\ufffe\uffff\u2028\u2029]/g, "").replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, "").trim();
  if (nick === "") nick = fallback;
  if (Buffer.byteLength(nick, "utf8") > MAX_NICK_BYTES) nick = `${cutToBytes(nick, MAX_NICK_BYTES - 8).trimEnd()}…`;
  return nick;
}

/**
 * `nick` with `suffix` appended (a clash suffix such as `" (2)"`), `nick`
 * being shortened (on a character boundary, marked with `…`) when the result
 * would exceed the 1023 UTF-8 bytes of a JID resourcepart.
 *
 * @internal
 * @param nick - a nick from {@link safeNick}.
 * @param suffix - what to append.
 */
export function nickWithSuffix(nick: string, suffix: string): string {
  const room = MAX_NICK_BYTES - Buffer.byteLength(suffix, "utf8");
  if (Buffer.byteLength(nick, "utf8") <= room) return nick + suffix;
  return `${cutToBytes(nick, room - Buffer.byteLength("…", "utf8")).trimEnd()}…${suffix}`;
}

/** The longest prefix of `s` (whole characters) of at most `max` UTF-8 bytes. */
function cutToBytes(s: string, max: number): string {
  let bytes = 0;
  let end = 0;
  for (const c of s) {
    const cp = c.codePointAt(0) as number;
    const b = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
    if (bytes + b > max) break;
    bytes += b;
    end += c.length;
  }
  return s.slice(0, end);
}

/**
 * A stable XEP-0421 occupant id for a participant: a hash of the room and the
 * participant's legacy id (or nick), so it survives restarts and nick changes.
 *
 * @param roomJid - the room's bare JID.
 * @param key - the participant's legacy id, or its nick when it has none.
 *
 * @category Names & helpers
 */
export function occupantIdFor(roomJid: string, key: string): string {
  return createHash("sha256").update(roomJid).update("\u0000").update(key).digest("base64url").slice(0, 22);
}

/** A letter, digit or underscore: what a mention may not touch on either side. */
const WORD_CHAR = /[\p{L}\p{N}_]/u;

/**
 * The nicks `text` mentions: those it contains as a whole word (not inside a
 * longer word), each once, in the order of `nicks`.
 *
 * @param text - a message body.
 * @param nicks - the room's nicks.
 * @returns the nicks mentioned.
 * @example
 * ```ts
 * mentionedNicks("thanks Bob, and Bobby too", ["Bob", "Bobby", "Carol"]); // ["Bob", "Bobby"]
 * ```
 */
export function mentionedNicks(text: string, nicks: Iterable<string>): string[] {
  const found: string[] = [];
  for (const nick of nicks) {
    if (nick === "") continue;
    for (let at = text.indexOf(nick); at !== -1; at = text.indexOf(nick, at + 1)) {
      const before = at === 0 ? "" : String.fromCodePoint(text.codePointAt(at - 1) ?? 0);
      const after = text.slice(at + nick.length, at + nick.length + 2);
      if (!WORD_CHAR.test(before) && !(after !== "" && WORD_CHAR.test(String.fromCodePoint(after.codePointAt(0) ?? 0)))) {
        found.push(nick);
        break;
      }
    }
  }
  return found;
}
