/**
 * The registered users' sessions of a gateway, and their lives: made at
 * start (logged in one after the other) or at registration, logged in and
 * out, logged in again after the legacy connection dropped, replaced by a
 * newer registration, forgotten at unregistration. At most one session of a
 * user exists, and only the current one stays logged in. `BaseGateway`
 * keeps the public members and delegates here.
 *
 * @module
 */
import type { Logger } from "../common/logger.js";
import { LegacyBookmarks } from "./bookmarks.js";
import { LegacyRoster } from "./contacts/roster.js";
import type { BaseGateway, LegacyModule } from "./gateway.js";
import { ReloginScheduler, describe as describeWait } from "./relogin.js";
import type { BaseSession } from "./session.js";
import type { UserRecord } from "./store/store.js";

/** The sessions of a gateway's users, by bare JID. */
export class UserSessions {
  readonly #gateway: BaseGateway;
  readonly #module: LegacyModule;
  readonly #log: Logger;
  readonly #sessions = new Map<string, BaseSession>();
  /** The logins at start still to come or under way. */
  readonly #logins = new Map<BaseSession, Promise<boolean>>();
  readonly #relogins: ReloginScheduler;

  /**
   * @param gateway - the gateway the sessions belong to.
   * @param module - the legacy module: its Session, Bookmarks and Roster classes.
   * @param log - where failed logins and logouts are noted.
   */
  constructor(gateway: BaseGateway, module: LegacyModule, log: Logger) {
    this.#gateway = gateway;
    this.#module = module;
    this.#log = log;
    this.#relogins = new ReloginScheduler((session) => this.#login(session), () => gateway.reloginDelaysMs, log);
  }

  /** The session of a user by bare JID (`local@domain`). */
  get(bare: string): BaseSession | undefined {
    return this.#sessions.get(bare);
  }

  /** Every session. */
  list(): BaseSession[] {
    return [...this.#sessions.values()];
  }

  /** Make a session for every registered user and log them in one after the other; resolves when the last login is over. */
  async loginAll(users: readonly UserRecord[]): Promise<void> {
    // A user's stanzas wait for their login (see `loginOf`), rather than meet `registration-required`.
    const sessions = users.map((user) => this.#make(user));
    let previous: Promise<boolean> = Promise.resolve(true);
    for (const session of sessions) {
      // A session replaced meanwhile (the user registered again) is not logged in.
      const login = previous.then(() => (this.#isCurrent(session) ? this.#login(session) : false));
      this.#logins.set(session, login);
      void login.then(() => {
        if (this.#logins.get(session) === login) this.#logins.delete(session);
      });
      previous = login;
    }
    await previous;
  }

  /** The login at start of `session` when it is still to come or under way. */
  loginOf(session: BaseSession): Promise<boolean> | undefined {
    return this.#logins.get(session);
  }

  /** Stop: no re-login is left waiting. */
  cancelRelogins(): void {
    this.#relogins.cancelAll();
  }

  /** Log out every session logged in (a failing `logout()` is logged). */
  async logoutAll(): Promise<void> {
    for (const session of this.#sessions.values()) await this.logout(session);
  }

  /**
   * A user registered (again): log out the session of theirs logged in
   * meanwhile, make the new one and log it in.
   *
   * @returns the new session.
   */
  async replace(user: UserRecord): Promise<BaseSession> {
    await this.logout(this.#sessions.get(user.jid));
    const session = this.#make(user);
    await this.#login(session);
    return session;
  }

  /** A user unregistered: log their session out and forget it. */
  async forget(session: BaseSession): Promise<void> {
    await this.logout(session);
    this.#sessions.delete(session.userJid.toString());
  }

  /** Log `session` out when it is logged in; a `logout()` that fails is logged (the session counts as logged out all the same). */
  async logout(session: BaseSession | undefined): Promise<void> {
    if (!session?.loggedIn) return;
    try {
      await session.logout();
    } catch (e) {
      this.#log.warn(`logout of ${session.userJid.toString()} failed`, e);
    } finally {
      session.loggedIn = false;
    }
  }

  /** Log `session` in again now: out first when logged in, then in. */
  async relogin(session: BaseSession): Promise<boolean> {
    this.#relogins.cancel(session);
    if (session.loggedIn) {
      session.loggedIn = false;
      await session.logout().catch((e: unknown) => this.#log.warn(`logout of ${session.userJid.toString()} failed`, e));
    }
    return this.#login(session);
  }

  /** The legacy connection of `session` dropped: say so in the gateway's presence and log in again later. */
  async connectionLost(session: BaseSession, reason: string | undefined): Promise<void> {
    session.loggedIn = false;
    const wait = this.#relogins.schedule(session);
    await session.sendGatewayStatus(`Disconnected${reason ? `: ${reason}` : ""}; trying again in ${describeWait(wait)}`, "dnd").catch(() => undefined);
  }

  #make(user: UserRecord): BaseSession {
    const session = new this.#module.Session({ gateway: this.#gateway, user });
    const Bookmarks = this.#module.Bookmarks ?? LegacyBookmarks;
    session.bookmarks = new Bookmarks(session);
    const Roster = this.#module.Roster ?? LegacyRoster;
    session.contacts = new Roster(session);
    this.#sessions.set(user.jid, session);
    return session;
  }

  async #login(session: BaseSession): Promise<boolean> {
    try {
      const status = await session.login();
      if (!this.#isCurrent(session)) {
        // Replaced (a newer registration) or unregistered while it logged in: it must not stay logged in beside the user's session.
        await session.logout().catch((e: unknown) => this.#log.warn(`logout of ${session.userJid.toString()}'s replaced session failed`, e));
        return false;
      }
      session.loggedIn = true;
      await session.sendGatewayStatus(status || "Logged in");
      await session.bookmarks.fillAtLogin();
      await session.contacts.fillAndAdd();
      return true;
    } catch (e) {
      session.loggedIn = false;
      this.#log.warn(`login of ${session.userJid.toString()} failed`, e);
      await session.sendGatewayStatus(`Login failed: ${e instanceof Error ? e.message : String(e)}`, "dnd").catch(() => {});
      return false;
    }
  }

  /** Whether `session` is its user's session (not replaced by a newer registration, nor unregistered). */
  #isCurrent(session: BaseSession): boolean {
    return this.#sessions.get(session.userJid.toString()) === session;
  }
}
