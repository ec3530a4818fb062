/**
 * The checks on the addresses a caller passes in: room, service, user and
 * occupant JIDs, and nicknames. Each returns the parsed value or throws a
 * {@link MucStateError}, so that a bad argument fails before anything is sent.
 *
 * @module
 */
import type { JID } from "@xmpp/jid";
import { clipForError, parseJid, tryParseJid } from "../xso/values.js";
import { MucStateError } from "../common/errors.js";

/**
 * `value` as a JID: a JID as it is, a string parsed.
 *
 * @param value - what the caller passed.
 * @param what - what it is, for the error message (`"room"`, `"invitee"`).
 * @throws {@link MucStateError} for an invalid string or anything else.
 */
export function asJid(value: unknown, what: string): JID {
  if (typeof value === "string") {
    try {
      return parseJid(value);
    } catch (e) {
      throw new MucStateError(`${what}: '${clipForError(value)}' is not a valid JID`, { cause: e });
    }
  }
  if (typeof value !== "object" || value === null || typeof (value as JID).domain !== "string" || (value as JID).domain === "") {
    throw new MucStateError(`${what}: not a JID`);
  }
  return value as JID;
}

/**
 * A room JID: bare, with a localpart.
 *
 * @throws {@link MucStateError} otherwise.
 */
export function roomJid(value: unknown): JID {
  const jid = asJid(value, "room");
  if (jid.resource) throw new MucStateError(`a room JID must be bare, got '${jid.toString()}'`);
  if (!jid.local) throw new MucStateError(`'${jid.toString()}' is not a room JID (it has no localpart)`);
  return jid;
}

/**
 * A service JID: without a resource.
 *
 * @throws {@link MucStateError} otherwise.
 */
export function serviceJid(value: unknown): JID {
  const jid = asJid(value, "service");
  if (jid.resource) throw new MucStateError(`a service JID must be bare, got '${jid.toString()}'`);
  return jid;
}

/** The bare JID of `jid`, built without `@xmpp/jid`'s escape detection (see `parseJid`). */
export function bareOf(jid: JID): JID {
  if (!jid.resource) return jid;
  return parseJid(jid.local ? `${jid.local}@${jid.domain}` : jid.domain);
}

/**
 * Throw unless `nick` is a non-blank string (XEP-0045 §17.1: not empty, not only spaces).
 *
 * @throws {@link MucStateError} otherwise.
 */
export function checkNick(nick: unknown, what = "nick"): asserts nick is string {
  if (typeof nick !== "string" || nick.trim() === "") throw new MucStateError(`${what} must be a non-empty string`);
}

/** Whether `nick` makes a valid occupant JID in `room`. */
export function isValidNick(room: JID, nick: string): boolean {
  return nick !== "" && tryParseJid(`${room.toString()}/${nick}`) !== undefined;
}

/**
 * `room@service/nick`, validated.
 *
 * @throws {@link MucStateError} for an empty or invalid nick.
 */
export function occupantJid(room: JID, nick: string): string {
  if (typeof nick !== "string" || nick === "") throw new MucStateError("a nick must be a non-empty string");
  try {
    return parseJid(`${room.toString()}/${nick}`).toString();
  } catch (e) {
    throw new MucStateError(`invalid nick '${clipForError(nick)}'`, { cause: e });
  }
}
