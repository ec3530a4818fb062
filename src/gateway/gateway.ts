/**
 * The gateway: its public face (slidge's `BaseGateway`), registration, and
 * what it sends itself (privileged IQs, carbons, uploads, its own chat). The
 * users' sessions live in `user-sessions.ts` (made, logged in and out,
 * logged in again, replaced); stanzas find their handler in
 * `stanza-router.ts`.
 *
 * @module
 */
import { randomUUID } from "node:crypto";
import xml, { type Element } from "@xmpp/xml";
import type { JID } from "@xmpp/jid";
import { parseJid, tryParseJid } from "../xso/values.js";
import { XMPPError } from "../xso/stanza-error.js";
import { silentLogger, type Logger } from "../common/logger.js";
import type { ComponentLike } from "./component-connection.js";
import { LegacyBookmarks } from "./bookmarks.js";
import { LegacyMUC, type MucInit } from "./muc.js";
import { LegacyParticipant, type ParticipantInit } from "./participant.js";
import { BaseSession, type SessionInit } from "./session.js";
import type { GatewayStore, JsonValue, UserRecord } from "./store/store.js";
import { invitation, type InviteOptions } from "./invitations.js";
import { IqRequests } from "./iq-requests.js";
import { uploadWith, type UploadFile } from "../common/http-upload.js";
import type { Attachment } from "../xso/file-sharing.js";
import { Privileges, unwrapPrivilegedResult, wrapPrivilegedIq, wrapPrivilegedMessage, type GrantedPrivileges } from "./privilege.js";
import { DEFAULT_COMMANDS, type CommandClass } from "./commands/commands.js";
import { CommandRunner } from "./commands/command-runner.js";
import { checkRequired } from "./commands/forms.js";
import { QrConfirmations, qrImage, type PendingRegistration, type RegistrationType } from "./registration.js";
import { PendingInputs } from "./user-input.js";
import { LegacyContact, type ContactMessageOptions } from "./contacts/contact.js";
import { LegacyRoster, type ContactClass } from "./contacts/roster.js";
import type { GatewayJidContext } from "./gateway-jid.js";
import { StanzaRouter } from "./stanza-router.js";
import { unloadedRoomRemovals } from "./muc/user-presence.js";
import { UserSessions } from "./user-sessions.js";
import { checkTimeout } from "../common/timers.js";

/** The legacy id under which the chat with the gateway itself keeps its message ids. */
const GATEWAY_CHAT = "\u0000gateway";


/**
 * One field of the registration form (XEP-0077 with XEP-0004).
 *
 * @category Gateway & sessions
 */
export interface RegistrationField {
  /** The field var, and the key of the value given to `validate`. */
  readonly var: string;
  /** Its label. */
  readonly label?: string;
  /** `text-single` (default), `text-private` (passwords), `boolean`, `list-single`… */
  readonly type?: "text-single" | "text-private" | "text-multi" | "boolean" | "list-single" | "list-multi" | "jid-single" | "jid-multi" | "fixed" | "hidden";
  /** Whether it must be filled. */
  readonly required?: boolean;
  /** Options of a list field. */
  readonly options?: readonly RegistrationOption[];
  /** A description. */
  readonly desc?: string;
  /** The value the form shows first (never for `text-private`). */
  readonly value?: string;
  /**
   * Check the value the user gave (filled in, or empty when not required):
   * return what is wrong with it, in words for the user, or nothing. The
   * form is refused with `not-acceptable` naming the field.
   */
  readonly check?: (value: string) => string | undefined | void;
}

/**
 * An avatar image.
 *
 * @category Gateway & sessions
 */
export interface ComponentAvatar {
  /** Its MIME type, e.g. `image/png`. */
  readonly type: string;
  /** The image bytes. */
  readonly data: Uint8Array;
}

/**
 * One choice of a list field of the registration form.
 *
 * @category Gateway & sessions
 */
export interface RegistrationOption {
  /** What the user sees. */
  readonly label?: string;
  /** The value submitted. */
  readonly value: string;
}

/**
 * A gateway class (a subclass of {@link BaseGateway}).
 *
 * @category Gateway & sessions
 */
export interface GatewayClass {
  /** Made by `runGateway` with the component, store and module. */
  new (init: GatewayInit): BaseGateway;
}

/**
 * A session class (a subclass of {@link BaseSession}).
 *
 * @category Gateway & sessions
 */
export interface SessionClass {
  /** Made by the gateway for each registered user. */
  new (init: SessionInit): BaseSession;
}

/**
 * A bookmarks class (a subclass of {@link LegacyBookmarks}).
 *
 * @category Gateway & sessions
 */
export interface BookmarksClass {
  /** Made by the gateway for each session. */
  new (session: BaseSession): LegacyBookmarks;
}

/**
 * A room class (a subclass of {@link LegacyMUC}).
 *
 * @category Gateway & sessions
 */
export interface MucClass {
  /** Made by the bookmarks for each group. */
  new (init: MucInit): LegacyMUC;
}

/**
 * A participant class (a subclass of {@link LegacyParticipant}).
 *
 * @category Gateway & sessions
 */
export interface ParticipantClass {
  /** Made by the room for each member. */
  new (init: ParticipantInit): LegacyParticipant;
}

/**
 * The classes of a legacy module, given to `runGateway`.
 *
 * @category Gateway & sessions
 */
export interface LegacyModule {
  /** The gateway (component) class. */
  readonly Gateway: GatewayClass;
  /** The session class. */
  readonly Session: SessionClass;
  /** The bookmarks class. @default LegacyBookmarks */
  readonly Bookmarks?: BookmarksClass;
  /** The room class. @default LegacyMUC */
  readonly MUC?: MucClass;
  /** The participant class. @default LegacyParticipant */
  readonly Participant?: ParticipantClass;
  /** The roster class. @default LegacyRoster */
  readonly Roster?: RosterClass;
  /** The contact class. @default LegacyContact */
  readonly Contact?: ContactClass;
}

/**
 * A roster class, as a module gives it.
 *
 * @category Contacts
 */
export interface RosterClass {
  /** Made by the gateway for each session. */
  new (session: BaseSession): LegacyRoster;
}

/**
 * What a gateway is made from.
 *
 * @category Gateway & sessions
 */
export interface GatewayInit {
  /** The component connection. */
  readonly component: ComponentLike;
  /** The store. */
  readonly store: GatewayStore;
  /** The module's classes. */
  readonly module: LegacyModule;
  /** Diagnostics. @default silent */
  readonly logger?: Logger;
}

/**
 * The gateway: an XMPP component presenting a legacy network's groups as MUC
 * rooms. Subclass it (the module's `Gateway`) to describe the network and to
 * check registrations in {@link BaseGateway.validate}.
 *
 * Only registered users whose session is logged in reach a session; anyone
 * else addressing a room gets `registration-required`.
 *
 * @example
 * ```ts
 * class Gateway extends BaseGateway {
 *   override componentName = "Demo network";
 *   override async validate(jid: JID, form: Record<string, string>) {
 *     await api.checkLogin(form.username, form.password); // throw to refuse
 *     return { username: form.username, password: form.password };
 *   }
 * }
 * ```
 *
 * @category Gateway & sessions
 */
export class BaseGateway {
  /** The name shown in service discovery. */
  componentName = "Legacy network gateway";
  /** The disco identity type (category `gateway`), e.g. `"irc"`, `"telegram"`. */
  componentType = "legacy";
  /**
   * The gateway's avatar, published in its vCard (XEP-0054, as XEP-0153
   * clients read it): image bytes with their MIME type, or an `https:` URL.
   */
  componentAvatar: ComponentAvatar | string | undefined = undefined;
  /** The registration form's fields. */
  registrationFields: readonly RegistrationField[] = [
    { var: "username", label: "User name", required: true },
    { var: "password", label: "Password", type: "text-private", required: true },
  ];
  /** The registration form's instructions. */
  registrationInstructions = "Enter the credentials of your account on the legacy network.";
  /**
   * How users register (slidge's `REGISTRATION_TYPE`): one form
   * (`single-step-form`, over XEP-0077 or the register command), or the form
   * then a code (`two-factor-code`: {@link BaseGateway.validateTwoFactorCode})
   * or a QR code to scan (`qr-code`: {@link BaseGateway.getQrText},
   * {@link BaseGateway.confirmQr}), over the register command (XEP-0050).
   */
  registrationType: RegistrationType = "single-step-form";
  /**
   * The registration type for one user once their form is validated: by
   * default {@link BaseGateway.registrationType}. Override it when the network
   * asks some accounts for more (a code for accounts with two-factor
   * authentication on, say). A user whose type is not `single-step-form`
   * registers through the register command.
   *
   * @param user - the registration under way.
   */
  registrationTypeFor(user: PendingRegistration): RegistrationType {
    void user;
    return this.registrationType;
  }

  /**
   * The waits before each attempt to log a session in again after its
   * legacy connection dropped (`session.connectionLost`), ms; the last
   * repeats. @default [1000, 5000, 15000, 60000, 300000]
   */
  reloginDelaysMs: readonly number[] = [1_000, 5_000, 15_000, 60_000, 300_000];
  /**
   * The user preferences the module declares (slidge's preferences): typed
   * fields, as in the registration form, that each user sets with the
   * preferences command; kept per user (`session.preferences`), and
   * `session.onPreferences(previous, next)` hears the changes.
   */
  preferences: readonly RegistrationField[] = [];
  /** How long a QR registration waits for the network to confirm the scan, ms. @default 300000 */
  qrTimeoutMs = 300_000;
  /**
   * The commands offered to users: as XEP-0050 ad-hoc commands on the
   * gateway's JID, and as chat commands (a message to the gateway JID; `help`
   * lists them). Add a module's own to {@link BaseGateway.defaultCommands}.
   */
  commands: readonly CommandClass[] = DEFAULT_COMMANDS;
  /** The built-in commands: register, list my groups, leave a group, create a group, search, preferences (when the module supports them), re-login, unregister. */
  static readonly defaultCommands: readonly CommandClass[] = DEFAULT_COMMANDS;
  /** The search form's fields (XEP-0055; with one field, XEP-0100 lookups too), when the session implements `onSearch`. */
  searchFields: readonly RegistrationField[] = [{ var: "query", label: "Name or address", required: true }];
  /** The search form's title. */
  searchTitle = "Search for legacy contacts";
  /** The search form's instructions. */
  searchInstructions = "";
  /** Sent to a user after a successful registration. */
  welcomeMessage = "Thank you for registering. Your groups will show up as rooms of this service.";

  /** The component's JID. */
  readonly jid: JID;
  /** The store. */
  readonly store: GatewayStore;
  /** Diagnostics. */
  readonly log: Logger;
  /** @internal The room class. */
  readonly mucClass: MucClass;
  /** @internal The participant class. */
  readonly participantClass: ParticipantClass;
  /** @internal The contact class. */
  readonly contactClass: ContactClass;
  readonly #component: ComponentLike;
  readonly #module: LegacyModule;
  /** The users' sessions and their lives. */
  readonly #sessions: UserSessions;
  readonly #iqs = new IqRequests();
  readonly #commands = new CommandRunner(this);
  /** What the stanzas to the gateway's own JID need of it. */
  readonly #ownStanzas: GatewayJidContext = {
    gateway: this,
    commands: this.#commands,
    sessionOf: (from) => this.#sessions.get(`${from.local}@${from.domain}`),
    searches: () => this.#module.Session.prototype.onSearch !== BaseSession.prototype.onSearch,
  };
  readonly #qr = new QrConfirmations();
  readonly #inputs = new PendingInputs();
  readonly #asGateway = new WeakMap<BaseSession, LegacyContact>();
  readonly #privileges: Privileges;
  readonly #router: StanzaRouter;

  /** @param init - component, store, module, logger (see `runGateway`). */
  constructor(init: GatewayInit) {
    this.#component = init.component;
    this.#module = init.module;
    this.jid = init.component.jid;
    this.#router = new StanzaRouter({ ownStanzas: this.#ownStanzas, iqs: this.#iqs, inputs: this.#inputs, jidText: this.jid.toString() });
    this.store = init.store;
    this.log = init.logger ?? silentLogger;
    this.#sessions = new UserSessions(this, init.module, this.log);
    this.#privileges = new Privileges(this.log);
    this.mucClass = init.module.MUC ?? LegacyMUC;
    this.participantClass = init.module.Participant ?? LegacyParticipant;
    this.contactClass = init.module.Contact ?? LegacyContact;
    // Servers announce privileges (XEP-0356) right after the handshake, before
    // start(): heard from construction on, so make the gateway before
    // starting its component.
    this.#component.on("stanza", this.#onAnnouncement);
  }

  /** A server's message to the gateway itself: its XEP-0356 privileges. */
  readonly #onAnnouncement = (el: Element): void => {
    if (el.name !== "message" || el.attrs.type === "error") return;
    const from = typeof el.attrs.from === "string" ? tryParseJid(el.attrs.from) : undefined;
    const to = typeof el.attrs.to === "string" ? tryParseJid(el.attrs.to) : undefined;
    if (from === undefined || to === undefined || to.local) return;
    this.#privileges.record(el, from);
  };

  /**
   * Check a registration and turn the form into the legacy data kept for
   * the user. Throw an `XMPPError` (e.g. `not-authorized`) to refuse.
   *
   * @param userJid - the registering user's bare JID.
   * @param form - the submitted values by field var.
   * @returns the legacy data to persist (default: the form's values).
   */
  async validate(userJid: JID, form: Readonly<Record<string, string>>): Promise<{ [key: string]: JsonValue } | void> {
    void userJid;
    return { ...form };
  }

  /**
   * A user unregistered (after their session logged out).
   *
   * @param session - their session.
   */
  async unregister(session: BaseSession): Promise<void> {
    void session;
  }

  /**
   * Unregister a user, as an XEP-0077 `<remove/>` to the gateway does: log
   * their session out, forget them (store included), tell their resources
   * joined to rooms that they are out of them (an unavailable self-presence,
   * 110 and 321, from each room — the rooms loaded, and those the store lists
   * as joined that `fill()` has not loaded since a restart, told from their
   * records without the module), then call {@link BaseGateway.unregister}.
   * A `logout()` that fails is logged, as is a presence that cannot be sent:
   * the user is unregistered all the same.
   *
   * @param session - their session.
   */
  async unregisterUser(session: BaseSession): Promise<void> {
    const bare = session.userJid.toString();
    await this.#sessions.forget(session);
    // With no pause since the session went: a join under way finds it gone at
    // its next check, and the rooms find each resource joined or still joining.
    const loaded = session.bookmarks.rooms;
    const leaving = loaded.map((muc) => muc.userUnregistered().catch((e: unknown) => this.log.warn(`room ${muc.jid.toString()}: telling ${bare}'s resources they left failed`, e)));
    // Rooms not loaded since a restart have resources joined too: read them before the records go.
    const unloaded = unloadedRoomRemovals(this.store, this.jid, bare, new Set(loaded.map((muc) => muc.legacyId)));
    this.store.users.delete(bare);
    await Promise.all([...leaving, ...unloaded.map((presence) => this.send(presence).catch((e: unknown) => this.log.warn(`room ${String(presence.attrs.from)}: telling ${bare}'s resources they left failed`, e)))]);
    await this.unregister(session);
  }

  /** The sessions of registered users. */
  get sessions(): BaseSession[] {
    return this.#sessions.list();
  }

  /** The session of a user, by bare JID. */
  getSession(jid: JID | string): BaseSession | undefined {
    const bare = typeof jid === "string" ? parseJid(jid) : jid;
    return this.#sessions.get(`${bare.local}@${bare.domain}`);
  }

  /**
   * Send a stanza through the component (queued while it is offline).
   * Characters XML 1.0 forbids (control characters, lone surrogates, U+FFFE,
   * U+FFFF), which legacy text may hold and which would make the server
   * close the component's stream, are removed from its text and attributes.
   */
  async send(stanza: Element): Promise<void> {
    await this.#component.send(stripInvalidXmlChars(stanza));
  }

  /**
   * Invite someone into one of the gateway's rooms (slidge's `invite_to`):
   * a direct invitation (XEP-0249) from the gateway, or a mediated one from
   * the room (`mode: "mediated"`).
   *
   * @param muc - the room.
   * @param jid - who is invited (usually the room's user; see {@link BaseSession.sendGatewayInvite}).
   * @param options - `reason`, `password`, `mode`.
   * @example
   * ```ts
   * await gateway.inviteTo(muc, muc.session.userJid, { reason: "You were added to this group" });
   * ```
   */
  async inviteTo(muc: LegacyMUC, jid: JID | string, options: InviteOptions = {}): Promise<void> {
    const invitee = typeof jid === "string" ? parseJid(jid) : jid;
    await this.send(invitation(this.jid, muc.jid, invitee, options));
  }

  /**
   * The permissions a server granted the gateway for its users (XEP-0356
   * privileged entity), as the server advertised them in a
   * `<message><privilege xmlns='urn:xmpp:privilege:2'/></message>` when the
   * component connected; `undefined` when that server advertised nothing
   * (or the advertisement was not seen).
   *
   * @param server - the users' domain, e.g. `localhost` for `juliet@localhost`.
   */
  grantedPrivileges(server: string): GrantedPrivileges | undefined {
    return this.#privileges.of(server);
  }

  /**
   * Send an IQ on behalf of a user of a server that made the gateway a
   * privileged entity (XEP-0356 §7): the user's server sends `payload` as if
   * the user's own client had sent it to their account (their PEP service,
   * for instance), and forwards the answer.
   *
   * When the server advertised its permissions and they do not include IQs
   * of this type in the payload's namespace, nothing is sent. When it
   * advertised none (or the advertisement was missed), the IQ is sent
   * anyway: the server enforces what it grants.
   *
   * @param user - the user (their bare JID is used).
   * @param type - `get` or `set`.
   * @param payload - the IQ's child, e.g. a `<pubsub/>` query.
   * @param options - `timeoutMs`: how long to wait for the answer (default 10 000).
   * @returns the forwarded `<iq type='result'>` (in `jabber:client`).
   * @throws {@link PrivilegeError} `not-granted` (nothing sent) or `malformed-answer`;
   *   `XMPPError` when the server refuses (`forbidden`, or `service-unavailable`
   *   without privileged entities) or the IQ fails (`item-not-found`…);
   *   `TimeoutError`; `AbortError` when the gateway stops meanwhile.
   * @example
   * ```ts
   * const result = await gateway.sendPrivilegedIq(session.userJid, "get",
   *   xml("pubsub", { xmlns: NS_PUBSUB }, xml("items", { node: NS_BOOKMARKS })));
   * ```
   */
  async sendPrivilegedIq(user: JID | string, type: "get" | "set", payload: Element, options: { readonly timeoutMs?: number } = {}): Promise<Element> {
    const jid = (typeof user === "string" ? parseJid(user) : user).bare();
    this.#privileges.checkIq(jid.domain, typeof payload.attrs.xmlns === "string" ? payload.attrs.xmlns : undefined, type);
    const iq = wrapPrivilegedIq(this.jid, jid, type, payload, IqRequests.newId());
    const result = await this.#iqs.request(iq, (el) => this.send(el), options.timeoutMs ?? 10_000);
    return unwrapPrivilegedResult(result, jid.domain);
  }

  /**
   * Whether the network wants a read mark for every message, not only the
   * last one read (slidge's `MARK_ALL_MESSAGES`): a displayed marker (XEP-0333,
   * naming the last message the user read) then calls `onDisplayed` for
   * each unread message of others up to it, oldest first.
   */
  markAllMessages = false;

  /**
   * Whether the network tells when a contact's device got a message
   * (slidge's `PROPER_RECEIPTS`): then the module sends the XEP-0184
   * receipts (`contact.received(legacyMsgId)`), and the gateway does not
   * answer a receipt request itself once the network took the message.
   */
  properReceipts = false;

  /**
   * The roster group the user's contacts go in (slidge's `ROSTER_GROUP`),
   * when the gateway writes the user's roster itself (XEP-0356 roster
   * privilege); `undefined`: none.
   */
  rosterGroup: string | undefined = undefined;

  /**
   * @internal Put a contact in a user's roster directly, with a
   * subscription both ways, through the XEP-0356 roster privilege.
   *
   * @returns false when the user's server grants no roster write.
   */
  async pushRosterItem(user: JID, item: { readonly jid: JID; readonly name: string | undefined }): Promise<boolean> {
    if (!this.#privileges.writesRoster(user.domain)) return false;
    const query = xml(
      "query",
      { xmlns: "jabber:iq:roster" },
      xml("item", { jid: item.jid.toString(), subscription: "both", ...(item.name ? { name: item.name } : {}) }, ...(this.rosterGroup ? [xml("group", {}, this.rosterGroup)] : [])),
    );
    await this.requestIq(user.bare(), "set", query);
    return true;
  }

  /**
   * The JID of the XEP-0363 upload service the gateway shares legacy files
   * through; `undefined` (the default): found by service discovery on the
   * gateway's server (its JID without the first label, `gateway.example.org`
   * → `example.org`). The service must let the gateway upload (Prosody's
   * mod_http_file_share lets the server's components upload by default; an
   * `http_file_share_access` list must name the gateway's JID).
   */
  uploadService: string | undefined;

  /**
   * Upload a file through the server's XEP-0363 service, as the gateway, and
   * get its URL (`participant.sendFile` with bytes uses it).
   *
   * @param file - the bytes, name and media type.
   * @param options - `timeoutMs` for each XMPP answer (default 10 s).
   * @returns the shared file: its GET URL, name, type and size.
   * @throws `MucStateError` when no upload service is found, `XMPPError` when it refuses the slot, `DecodeError` for a malformed slot or one whose PUT or GET URL is not an absolute http(s) URL (nothing is PUT), `UploadError` when the PUT fails, `TimeoutError`.
   */
  async uploadFile(file: UploadFile, options: { readonly timeoutMs?: number } = {}): Promise<Attachment> {
    const timeoutMs = options.timeoutMs ?? 10_000;
    const iq = {
      request: (type: "get" | "set", to: JID, payload: Element): Promise<Element> => this.requestIq(to, type, payload, timeoutMs),
    };
    const server = this.jid.domain.includes(".") ? this.jid.domain.slice(this.jid.domain.indexOf(".") + 1) : this.jid.domain;
    const serverJid = parseJid(server);
    return uploadWith({ iq, ownJid: () => serverJid }, file, this.uploadService === undefined ? {} : { service: this.uploadService });
  }

  /** Start: listen to the component, and log every registered user in. */
  async start(): Promise<void> {
    this.#component.on("stanza", this.#router.onStanza);
    // Every registered user has a session at once, logged in one after the other.
    await this.#sessions.loginAll(this.store.users.list());
  }

  /** @internal The login at start of `session` when it is still to come or under way (its stanzas wait for it). */
  loginOf(session: BaseSession): Promise<boolean> | undefined {
    return this.#sessions.loginOf(session);
  }

  /** Stop: log every session out and stop listening. */
  async stop(): Promise<void> {
    this.#component.removeListener("stanza", this.#router.onStanza);
    this.#component.removeListener("stanza", this.#onAnnouncement);
    this.#iqs.cancelAll("the gateway stopped");
    this.#commands.close();
    this.#inputs.cancelAll("the gateway stopped");
    this.#sessions.cancelRelogins();
    this.#qr.cancelAll(new XMPPError("service-unavailable", { text: "The gateway is stopping" }));
    await this.#router.idle();
    await this.#sessions.logoutAll();
  }

  /**
   * Log a session in again now (the re-login command, or a module that
   * knows its connection is back): `logout()` first when logged in, then
   * `login()`, the status said in the gateway's presence.
   *
   * @param session - the user's session.
   * @returns whether the login succeeded.
   */
  async relogin(session: BaseSession): Promise<boolean> {
    return this.#sessions.relogin(session);
  }

  /**
   * @internal The legacy connection of `session` dropped: say so in the
   * gateway's presence and log in again after `reloginDelaysMs`.
   */
  async connectionLost(session: BaseSession, reason: string | undefined): Promise<void> {
    await this.#sessions.connectionLost(session, reason);
  }

  /**
   * @internal Save new preferences of a user, after `onPreferences` accepted them.
   */
  savePreferences(session: BaseSession, preferences: { readonly [key: string]: JsonValue }): void {
    const user = this.store.users.get(session.userJid.toString());
    if (user) this.store.users.save({ ...user, preferences });
  }

  /**
   * Register a user in one step with the values of the registration form
   * (XEP-0077, or the register command of a `single-step-form` gateway):
   * {@link BaseGateway.beginRegistration}, then
   * {@link BaseGateway.finishRegistration}.
   *
   * @param jid - the user's JID.
   * @param values - the form's values by field var.
   * @returns a function starting the new session (call it once the user has the answer).
   * @throws XMPPError `not-acceptable` for a missing field; whatever `validate` throws.
   */
  async registerUser(jid: JID, values: Readonly<Record<string, string>>): Promise<() => Promise<void>> {
    return this.finishRegistration(await this.beginRegistration(jid, values));
  }

  /**
   * The first step of every registration: check the required fields and ask
   * {@link BaseGateway.validate}. Nothing is saved yet.
   *
   * @param jid - the user's JID.
   * @param values - the form's values by field var.
   * @returns the registration under way.
   */
  async beginRegistration(jid: JID, values: Readonly<Record<string, string>>): Promise<PendingRegistration> {
    checkRequired(this.registrationFields, values);
    const form = { ...values };
    const legacyData = (await this.validate(jid.bare(), { ...values })) ?? form;
    return { jid: jid.bare(), registrationForm: form, legacyData };
  }

  /**
   * The last step: log out a previous session of the user's, save them (the
   * pending legacy data, with `moreData` over it). At most one session of a
   * user is logged in: making the new one logs out any session of theirs
   * logged in meanwhile, and a session replaced while it logged in is logged
   * out again (a failing `logout()` is logged).
   *
   * @param pending - the registration under way.
   * @param moreData - what a later step added (a two-factor check, a QR scan).
   * @returns a function that makes their session, logs it in and sends the welcome message.
   */
  async finishRegistration(pending: PendingRegistration, moreData?: { readonly [key: string]: JsonValue } | void): Promise<() => Promise<void>> {
    const bare = pending.jid.toString();
    await this.#sessions.logout(this.#sessions.get(bare));
    // Registering again keeps the user's preferences.
    const preferences = this.store.users.get(bare)?.preferences;
    const user: UserRecord = { jid: bare, legacyData: { ...pending.legacyData, ...(moreData ?? {}) }, registeredAt: Date.now(), ...(preferences ? { preferences } : {}) };
    this.store.users.save(user);
    return async () => {
      // Another registration of the user's may have finished since (two register commands at once): one session at a time is logged in.
      const session = await this.#sessions.replace(user);
      if (session.loggedIn) await session.sendGatewayMessage(this.welcomeMessage);
    };
  }

  /**
   * Check the code the user entered (slidge's `validate_two_factor_code`),
   * for a `two-factor-code` gateway: throw an `XMPPError` to refuse it.
   *
   * @param user - the registration under way (its JID, form and legacy data).
   * @param code - what the user entered.
   * @returns legacy data to add to what is saved.
   */
  async validateTwoFactorCode(user: PendingRegistration, code: string): Promise<{ [key: string]: JsonValue } | void> {
    void user;
    void code;
    throw new XMPPError("feature-not-implemented", { text: "This gateway does not check two-factor codes" });
  }

  /**
   * The text of the QR code the user scans with the network's app (slidge's
   * `get_qr_text`), for a `qr-code` gateway. The gateway sends it to the user
   * as an image and as text, then waits for {@link BaseGateway.confirmQr}.
   *
   * @param user - the registration under way.
   */
  async getQrText(user: PendingRegistration): Promise<string> {
    void user;
    throw new XMPPError("feature-not-implemented", { text: "This gateway has no QR registration" });
  }

  /**
   * The network confirmed (or, with `error`, refused) the scan of the QR code
   * shown to a user (slidge's `confirm_qr`): their registration finishes (or
   * fails with `error`). It may come before or after the user says they
   * scanned.
   *
   * @param userBareJid - the user.
   * @param error - why the scan is refused.
   * @param legacyData - legacy data to add to what is saved.
   */
  async confirmQr(userBareJid: JID | string, error?: XMPPError, legacyData?: { readonly [key: string]: JsonValue }): Promise<void> {
    const jid = typeof userBareJid === "string" ? parseJid(userBareJid).bare().toString() : userBareJid.bare().toString();
    this.#qr.settle(jid, error ? { ok: false, error } : { ok: true, legacyData });
  }

  /** @internal A QR code is about to be shown for `pending`: an earlier word on a scan no longer counts. */
  expectQrScan(pending: PendingRegistration): void {
    this.#qr.reset(pending.jid.toString());
  }

  /**
   * @internal Wait for the network's word on the QR scan of `pending`.
   */
  awaitQrConfirmation(pending: PendingRegistration): Promise<{ readonly [key: string]: JsonValue } | undefined> {
    return this.#qr.wait(pending.jid.toString(), checkTimeout("qrTimeoutMs", this.qrTimeoutMs));
  }

  /**
   * The gateway itself as a messaging entity towards one user (slidge's
   * messaging mixin on `BaseGateway`, with `mto`): what it writes, edits,
   * deletes, reacts, types and reads in the chat with the gateway's JID.
   * The same methods as a contact's (`sendText`, `sendFile`, `correct`,
   * `retract`, `react`, `composing`…, `displayed`, `received`).
   *
   * @param mto - the user (their JID).
   * @example
   * ```ts
   * await gateway.as(userJid).sendText("Your session expired; send 'relogin' to log in again");
   * ```
   */
  as(mto: JID | string): LegacyContact {
    const bare = (typeof mto === "string" ? parseJid(mto) : mto).bare().toString();
    const session = this.#sessions.get(bare);
    if (!session) throw new XMPPError("item-not-found", { text: `${bare} is not registered with this gateway` });
    let me = this.#asGateway.get(session);
    if (!me) {
      me = new LegacyContact({ session, legacyId: GATEWAY_CHAT, jid: this.jid });
      me.name = this.componentName;
      this.#asGateway.set(session, me);
    }
    return me;
  }

  /**
   * @internal Send an IQ from the gateway and wait for its answer (the
   * `<iq type='result'>`); rejects with the `XMPPError` of an error answer.
   */
  requestIq(to: JID | string, type: "get" | "set", payload: Element, timeoutMs = 10_000): Promise<Element> {
    const iq = xml("iq", { type, from: this.jid.toString(), to: to.toString(), id: IqRequests.newId() }, payload);
    return this.#iqs.request(iq, (el) => this.send(el), timeoutMs);
  }

  /**
   * The gateway writes to a user (slidge's `send_text(…, mto=)`).
   *
   * @param body - the text.
   * @param legacyMsgId - its legacy id, for later corrections and markers.
   * @param options - `mto` (the user), `when`, `replyTo`, `hints`, `linkPreviews`.
   * @returns the XMPP id.
   */
  sendText(body: string, legacyMsgId: string | undefined, options: ContactMessageOptions & { readonly mto: JID | string }): Promise<string> {
    return this.as(options.mto).sendText(body, legacyMsgId, options);
  }

  /**
   * The gateway sends a user a file (slidge's `send_file(…, mto=)`).
   *
   * @param file - `{ data, name, type }` or `{ url, name?, type?, size? }`.
   * @param legacyMsgId - its legacy id.
   * @param options - `mto` and as for `sendText`.
   * @returns the XMPP id.
   * @throws as `gateway.uploadFile` when the upload fails (nothing is sent).
   * @throws TypeError when `url` is not an absolute http(s) URL (nothing is sent, no id is mapped).
   */
  sendFile(file: Attachment | UploadFile, legacyMsgId: string | undefined, options: ContactMessageOptions & { readonly mto: JID | string }): Promise<string> {
    return this.as(options.mto).sendFile(file, legacyMsgId, options);
  }

  /**
   * The gateway corrects one of its messages to a user (slidge's `correct(…, mto=)`).
   *
   * @param legacyMsgId - the message's legacy id.
   * @param text - its new text.
   * @param options - `mto`, `correctionEventId`, `hints`, `linkPreviews`.
   */
  correct(legacyMsgId: string, text: string, options: { readonly mto: JID | string; readonly correctionEventId?: string }): Promise<void> {
    return this.as(options.mto).correct(legacyMsgId, text, options);
  }

  /**
   * The gateway retracts one of its messages to a user (slidge's `retract(…, mto=)`).
   *
   * @param legacyMsgId - the message's legacy id.
   * @param options - `mto`.
   */
  retract(legacyMsgId: string, options: { readonly mto: JID | string }): Promise<void> {
    return this.as(options.mto).retract(legacyMsgId);
  }

  /**
   * The gateway reacts to a message of its chat with a user (slidge's `react(…, mto=)`).
   *
   * @param legacyMsgId - the message's legacy id.
   * @param emojis - all of the gateway's reactions to it.
   * @param options - `mto`.
   */
  react(legacyMsgId: string, emojis: readonly string[], options: { readonly mto: JID | string }): Promise<void> {
    return this.as(options.mto).react(legacyMsgId, emojis);
  }

  /** The gateway is typing to a user (slidge's `composing(mto=)`). @param options - `mto`. */
  composing(options: { readonly mto: JID | string }): Promise<void> {
    return this.as(options.mto).composing();
  }

  /** The gateway stopped typing (slidge's `paused(mto=)`). @param options - `mto`. */
  paused(options: { readonly mto: JID | string }): Promise<void> {
    return this.as(options.mto).paused();
  }

  /** The gateway is active in its chat with a user (slidge's `active(mto=)`). @param options - `mto`. */
  active(options: { readonly mto: JID | string }): Promise<void> {
    return this.as(options.mto).active();
  }

  /** The gateway is inactive in its chat with a user (slidge's `inactive(mto=)`). @param options - `mto`. */
  inactive(options: { readonly mto: JID | string }): Promise<void> {
    return this.as(options.mto).inactive();
  }

  /** The gateway left its chat with a user (slidge's `gone(mto=)`). @param options - `mto`. */
  gone(options: { readonly mto: JID | string }): Promise<void> {
    return this.as(options.mto).gone();
  }

  /**
   * The gateway read a user's messages up to this one (slidge's `displayed(…, mto=)`).
   *
   * @param legacyMsgId - the message's legacy id.
   * @param options - `mto`.
   */
  displayed(legacyMsgId: string, options: { readonly mto: JID | string }): Promise<void> {
    return this.as(options.mto).displayed(legacyMsgId);
  }

  /**
   * The gateway got a user's message (slidge's `received(…, mto=)`, `ack`).
   *
   * @param legacyMsgId - the message's legacy id.
   * @param options - `mto`.
   */
  received(legacyMsgId: string, options: { readonly mto: JID | string }): Promise<void> {
    return this.as(options.mto).received(legacyMsgId);
  }

  /**
   * The gateway acknowledges a user's message (slidge's `ack(…, mto=)`): as `received`.
   *
   * @param legacyMsgId - the message's legacy id.
   * @param options - `mto`.
   */
  ack(legacyMsgId: string, options: { readonly mto: JID | string }): Promise<void> {
    return this.received(legacyMsgId, options);
  }

  /**
   * Deliver a message as if the user had sent it from their own account (a
   * carbon of what they wrote from the legacy network's own client), through
   * the XEP-0356 `outgoing` message permission of their server.
   *
   * @param user - the user.
   * @param message - the message, from the user's bare JID.
   * @returns whether it went out; without the permission it is dropped (debug log).
   */
  async sendCarbon(user: JID, message: Element): Promise<boolean> {
    // The server routes it from the user to the contact, that is, back to the gateway: its id is remembered, so as not to take it for the user's own.
    if (!this.#privileges.sendsCarbon(user.domain, typeof message.attrs.id === "string" ? message.attrs.id : undefined)) {
      this.log.debug(`gateway: ${user.domain} grants no message privilege; the user's own message to ${String(message.attrs.to)} is not shown`);
      return false;
    }
    await this.send(wrapPrivilegedMessage(this.jid, user.domain, message));
    return true;
  }

  /** @internal Whether `id` is the id of a carbon this gateway sent (it comes back from the user's server). */
  isOwnCarbon(id: string | undefined): boolean {
    return this.#privileges.isOwnCarbon(id);
  }

  /**
   * Ask someone a question by chat message and wait for their answer
   * (slidge's `input`): the next chat message they send to the gateway's
   * JID, which is then not taken as a chat command. One question per user at
   * a time: a new one gives up the previous.
   *
   * @param jid - who is asked (their bare JID is what answers).
   * @param text - the question.
   * @param options - `timeoutMs` (default 5 minutes).
   * @returns the answer's text.
   * @throws `TimeoutError` when no answer comes in time; `AbortError` when another question replaces it or the gateway stops.
   */
  async input(jid: JID | string, text: string, options: { readonly timeoutMs?: number } = {}): Promise<string> {
    const to = typeof jid === "string" ? parseJid(jid) : jid;
    const answer = this.#inputs.wait(to.bare().toString(), options.timeoutMs ?? 300_000);
    try {
      await this.send(xml("message", { from: this.jid.toString(), to: to.toString(), type: "chat", id: randomUUID() }, xml("body", {}, text)));
    } catch (e) {
      this.#inputs.cancel(to.bare().toString(), "the question could not be sent");
      void answer.catch(() => undefined);
      throw e;
    }
    return answer;
  }

  /**
   * Send a QR code to someone (slidge's `send_qr`): a message with its text,
   * and the image — uploaded through the server's XEP-0363 service when there
   * is one, else as a `data:` URL (XEP-0066).
   *
   * @param text - what the code says.
   * @param to - the recipient.
   */
  async sendQr(text: string, to: JID | string): Promise<void> {
    const { bytes, dataUrl } = qrImage(text);
    let url = dataUrl;
    try {
      url = (await this.uploadFile({ data: bytes, name: "qr-code.gif", type: "image/gif" }, { timeoutMs: 5_000 })).url;
    } catch (e) {
      this.log.debug("sendQr: no upload, sending the image as a data: URL", e);
    }
    await this.send(
      xml(
        "message",
        { from: this.jid.toString(), to: to.toString(), type: "chat", id: randomUUID() },
        xml("body", {}, text),
        xml("x", { xmlns: "jabber:x:oob" }, xml("url", {}, url), xml("desc", {}, "QR code")),
      ),
    );
  }




}

// eslint-disable-next-line no-control-regex
const INVALID_XML_CHARS = /[^\u0009\u000a\u000d\u0020-\ud7ff\ue000-\ufffd\u{10000}-\u{10ffff}]/gu;

/** `el` (changed in place) without the characters XML 1.0 forbids in its text and attribute values. */
function stripInvalidXmlChars(el: Element): Element {
  for (const [k, v] of Object.entries(el.attrs)) {
    if (typeof v === "string" && hasInvalidXmlChars(v)) el.attrs[k] = v.replace(INVALID_XML_CHARS, "");
  }
  const children = el.children;
  for (let i = 0; i < children.length; i++) {
    const c = children[i] as Element | string;
    if (typeof c === "string") {
      if (hasInvalidXmlChars(c)) children[i] = c.replace(INVALID_XML_CHARS, "");
    } else {
      stripInvalidXmlChars(c);
    }
  }
  return el;
}

function hasInvalidXmlChars(s: string): boolean {
  INVALID_XML_CHARS.lastIndex = 0;
  return INVALID_XML_CHARS.test(s);
}
