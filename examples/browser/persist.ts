/// <reference lib="dom" />
/**
 * What survives a reload of the page: the login and the rooms we are in, in
 * `sessionStorage` (this tab only; gone when it closes, never shared with
 * other tabs). A reload logs in again with them and rejoins the rooms.
 *
 * The password is kept there too, so that a reload needs no typing: the
 * price of a demo client without a token-based login (XEP-0484 FAST, or a
 * SASL2 token). Logging out forgets it all.
 *
 * @module
 */

const LOGIN_KEY = "muc-demo:session";
const ROOMS_KEY = "muc-demo:rooms";
const PANE_KEY = "muc-demo:pane";

/** What logging in took. */
export interface SavedLogin {
  readonly service: string;
  readonly domain: string;
  readonly user: string;
  readonly password: string;
}

/** A room we are in: how to join it again. */
export interface SavedRoom {
  readonly jid: string;
  readonly nick: string;
  readonly password?: string;
}

function read<T>(key: string): T | undefined {
  try {
    const text = sessionStorage.getItem(key);
    return text === null ? undefined : (JSON.parse(text) as T);
  } catch {
    return undefined;
  }
}

function write(key: string, value: unknown): void {
  try {
    if (value === undefined) sessionStorage.removeItem(key);
    else sessionStorage.setItem(key, JSON.stringify(value));
  } catch (e) {
    // Storage full or disabled: the page still works, a reload just starts over.
    console.debug("sessionStorage", e);
  }
}

export function saveLogin(login: SavedLogin | undefined): void {
  write(LOGIN_KEY, login);
}

export function savedLogin(): SavedLogin | undefined {
  const login = read<Partial<SavedLogin>>(LOGIN_KEY);
  if (!login || typeof login.service !== "string" || typeof login.user !== "string" || typeof login.password !== "string") return undefined;
  return { service: login.service, domain: typeof login.domain === "string" ? login.domain : "", user: login.user, password: login.password };
}

export function saveRoomList(rooms: readonly SavedRoom[] | undefined): void {
  write(ROOMS_KEY, rooms);
}

export function savedRooms(): SavedRoom[] {
  const rooms = read<unknown>(ROOMS_KEY);
  if (!Array.isArray(rooms)) return [];
  return rooms.filter((r): r is SavedRoom => typeof r === "object" && r !== null && typeof (r as SavedRoom).jid === "string" && typeof (r as SavedRoom).nick === "string");
}

/** The room on screen (its JID), to come back to it. */
export function saveCurrentRoom(jid: string | undefined): void {
  write(PANE_KEY, jid);
}

export function savedCurrentRoom(): string | undefined {
  const jid = read<unknown>(PANE_KEY);
  return typeof jid === "string" ? jid : undefined;
}

/** Forget everything (logging out). */
export function forgetAll(): void {
  for (const key of [LOGIN_KEY, ROOMS_KEY, PANE_KEY]) write(key, undefined);
}
