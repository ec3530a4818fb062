/**
 * Shared scaffolding of the gateway transcript tests: a scriptable legacy
 * module (a tiny in-test "network" whose hooks record their calls), a
 * gateway on MockComponent, and small readers of the stanzas it sends.
 *
 * Every wait goes through `MockComponent.nextSent`, which is bounded.
 */
import type { Element } from "@xmpp/xml";
import type { JID } from "@xmpp/jid";
import {
  BaseGateway,
  BaseSession,
  LegacyBookmarks,
  LegacyContact,
  LegacyMUC,
  LegacyParticipant,
  LegacyRoster,
  MucType,
  openSqliteStore,
  type ArchiveEntry,
  type ContactClass,
  type GatewayStore,
  type InvitedContact,
  type JsonValue,
  type LegacyModule,
  type MessageActionOptions,
  type RoomAvatar,
  type RosterClass,
  type SessionClass,
  type TextOptions,
} from "../../../src/gateway/index.js";
import type { Affiliation, Role } from "../../../src/xso/muc-user.js";
import { MockComponent } from "../../../src/testing/index.js";
import type { Logger } from "../../../src/index.js";
import { canonical, parseXml } from "../../helpers/xml.js";

export const GW = "gateway.localhost";
export const USER = "romeo@montague.lit";
export const RES = "orchard";
export const NS_MUC = "http://jabber.org/protocol/muc";
export const NS_MUC_USER = "http://jabber.org/protocol/muc#user";
export const NS_STANZAS = "urn:ietf:params:xml:ns:xmpp-stanzas";
export const NS_SID = "urn:xmpp:sid:0";
export const NS_OCCUPANT_ID = "urn:xmpp:occupant-id:0";
export const NS_DELAY = "urn:xmpp:delay";
export const NS_MAM = "urn:xmpp:mam:2";
export const NS_RSM = "http://jabber.org/protocol/rsm";
export const NS_FORWARD = "urn:xmpp:forward:0";
export const NS_DISCO_INFO = "http://jabber.org/protocol/disco#info";
export const NS_DISCO_ITEMS = "http://jabber.org/protocol/disco#items";
export const NS_REGISTER = "jabber:iq:register";
export const NS_DATA = "jabber:x:data";

/** One member of a scripted legacy group. */
export interface MemberSpec {
  readonly name: string;
  readonly legacyId?: string;
  readonly affiliation?: Affiliation;
  readonly role?: Role;
  readonly realJid?: string;
}

/** One scripted legacy group. */
export interface GroupSpec {
  readonly type: MucType;
  readonly name?: string;
  readonly description?: string;
  /** Members yielded by `fillParticipants`, or a generator of them (for large groups). */
  readonly members?: readonly MemberSpec[] | (() => Iterable<MemberSpec>);
  /** The room's `hasSubject` / `hasDescription` flags (default true). */
  readonly hasSubject?: boolean;
  readonly hasDescription?: boolean;
}

/**
 * A scripted legacy network: what the legacy module's hooks do, and what
 * they were called with. Tests change the script before acting.
 */
export class TestNetwork {
  /** The groups every user has, by legacy id. */
  groups: Record<string, GroupSpec> = {
    coffee: {
      type: MucType.GROUP,
      name: "Coffee",
      description: "A test room",
      members: [
        { name: "Bob", legacyId: "u-bob", affiliation: "owner", role: "moderator", realJid: "bob@legacy.example" },
        { name: "Carol", legacyId: "u-carol", realJid: "carol@legacy.example" },
      ],
    },
    news: { type: MucType.CHANNEL, name: "News", description: "Public news", members: [{ name: "Dave", legacyId: "u-dave", realJid: "dave@legacy.example" }] },
    forum: { type: MucType.CHANNEL_NON_ANONYMOUS, name: "Forum", members: [{ name: "Erin", legacyId: "u-erin", realJid: "erin@legacy.example" }] },
  };
  /** The legacy ids of the groups of some users (the others have every group). */
  userGroups: Record<string, readonly string[]> = {};
  /** What `login()` throws, if anything. */
  loginError: Error | undefined;
  /** What `login()` waits for before it connects (a slow legacy network), if anything. */
  loginGate: Promise<void> | undefined;
  /** What `validate()` throws, if anything. */
  validateError: Error | undefined;
  /** What `onKick()` throws, if anything. */
  kickError: Error | undefined;
  /** What `onSetAffiliation()` throws, if anything. */
  affiliationError: Error | undefined;
  /**
   * Each group's history on the legacy network, oldest first, for
   * `backfill()`: it archives the messages strictly between its `after` and
   * `before` by time (or, with `backfillEverything`, all of them).
   */
  history: Record<string, { id: string; from: string; fromLegacyId: string; text: string; at: Date }[]> = {};
  /** Let `backfill()` ignore its bounds and archive the whole history. */
  backfillEverything = false;
  /** Whether the module handles corrections, retractions and reactions (`onCorrect`, `onRetract`, `onReact`). */
  edits = true;
  /** What `onCorrect()`, `onRetract()` and `onReact()` throw, if anything. */
  editError: Error | undefined;
  /** Whether rooms take avatars from the user (`onAvatar`). */
  avatars = true;
  /** Whether the user may create groups (`onCreateGroup`) and leave them (`onLeaveGroup`) from XMPP. */
  groupLifecycle = true;
  /** Whether the network searches its contacts (`onSearch`, matching `contacts` by name). */
  search = false;
  /** The network's contacts, for `onSearch`. */
  contacts: { readonly id: string; readonly name: string }[] = [
    { id: "bob", name: "Bob Builder" },
    { id: "bobby", name: "Bobby Tables" },
    { id: "carol", name: "Carol Singer" },
  ];
  /** Whether the network has private messages in groups (`onPrivateText`). */
  privateMessages = true;
  /** Whether rooms take the user's configuration and destruction requests (`onSetConfig`, `onDestroyRequest`). */
  owner = true;
  /** What `onSetConfig()` and `onDestroyRequest()` throw, if anything. */
  ownerError: Error | undefined;
  /** Whether `onAvatar()` returns a legacy id (done: shown at once) or nothing (the network confirms later). */
  avatarIdOnSet = true;
  /** What `onAvatar()` throws, if anything. */
  avatarError: Error | undefined;
  /** What `backfill()` throws, if anything. */
  backfillError: Error | undefined;
  /** What `backfill()` waits for before archiving anything (a slow legacy network), if anything. */
  backfillGate: Promise<void> | undefined;
  /** How long `onText` waits before answering, by body. */
  textDelayMs: (text: string) => number = () => 0;

  readonly calls = {
    login: [] as string[],
    logout: [] as string[],
    validate: [] as { jid: string; form: Record<string, string> }[],
    onSearch: [] as Record<string, string>[],
    unregister: [] as string[],
    fill: {} as Record<string, number>,
    onText: [] as { room: string; text: string; xmppId: string; replyTo?: string; thread?: string; mentions: readonly string[] }[],
    onCorrect: [] as { room: string; legacyId: string; text: string; xmppId: string; mentions: readonly string[] }[],
    onRetract: [] as { room: string; legacyId: string; xmppId: string; thread?: string }[],
    onReact: [] as { room: string; legacyId: string; emojis: readonly string[]; xmppId: string }[],
    onModerate: [] as { room: string; legacyId: string; reason: string | undefined }[],
    onAvatar: [] as { room: string; avatar: RoomAvatar | undefined }[],
    onKick: [] as { room: string; nick: string; reason: string | undefined }[],
    onCreateGroup: [] as { name: string; contacts: readonly string[] }[],
    onLeaveGroup: [] as string[],
    onPrivateText: [] as { room: string; nick: string; text: string; xmppId: string }[],
    onInvitation: [] as { room: string; jid: string; legacyId: string | undefined; reason: string | undefined }[],
    onSetConfig: [] as { room: string; name: string | undefined; description: string | undefined }[],
    onDestroyRequest: [] as { room: string; reason: string | undefined }[],
    onSetAffiliation: [] as { room: string; nick: string | undefined; jid: string; affiliation: Affiliation; reason: string | undefined }[],
    onTextDone: [] as string[],
    /** The whole options of each `onText`. */
    textOptions: [] as TextOptions[],
    /** `backfill(after, before)` calls: the bodies of the bounds. */
    backfill: [] as { room: string; after: string | undefined; before: string | undefined }[],
  };

  /** The legacy module's classes, bound to this script. */
  module(): LegacyModule {
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    const net = this;
    let legacyCounter = 0;
    class Gateway extends BaseGateway {
      override componentName = "Test network";
      override componentType = "test";
      override async validate(jid: JID, form: Readonly<Record<string, string>>): Promise<{ [key: string]: JsonValue }> {
        net.calls.validate.push({ jid: jid.toString(), form: { ...form } });
        if (net.validateError) throw net.validateError;
        return { username: form.username ?? "" };
      }
      override async unregister(session: BaseSession): Promise<void> {
        net.calls.unregister.push(session.userJid.toString());
      }
    }
    class Session extends BaseSession {
      override async login() {
        net.calls.login.push(this.userJid.toString());
        await net.loginGate;
        if (net.loginError) throw net.loginError;
        return "Connected to the test network";
      }
      override async logout() {
        net.calls.logout.push(this.userJid.toString());
      }
      override async onText(chat: LegacyMUC, text: string, options: TextOptions) {
        net.calls.onText.push({
          room: chat.legacyId,
          text,
          xmppId: options.xmppId,
          mentions: options.mentions,
          ...(options.replyTo !== undefined ? { replyTo: options.replyTo } : {}),
          ...(options.thread !== undefined ? { thread: options.thread } : {}),
        });
        net.calls.textOptions.push(options);
        const ms = net.textDelayMs(text);
        if (ms > 0) await new Promise((r) => setTimeout(r, ms));
        net.calls.onTextDone.push(text);
        if (text === "boom") throw new Error("the legacy network is down");
        return `legacy-${++legacyCounter}`;
      }
    }
    class EditingSession extends Session {
      override async onCorrect(chat: LegacyMUC, text: string, legacyId: string, options: TextOptions) {
        net.calls.onCorrect.push({ room: chat.legacyId, legacyId, text, xmppId: options.xmppId, mentions: options.mentions });
        if (net.editError) throw net.editError;
      }
      override async onReact(chat: LegacyMUC, legacyId: string, emojis: readonly string[], options: MessageActionOptions) {
        net.calls.onReact.push({ room: chat.legacyId, legacyId, emojis: [...emojis], xmppId: options.xmppId });
        if (net.editError) throw net.editError;
      }
      override async onModerate(chat: LegacyMUC, legacyId: string, reason: string | undefined) {
        net.calls.onModerate.push({ room: chat.legacyId, legacyId, reason });
        if (net.editError) throw net.editError;
      }
      override async onRetract(chat: LegacyMUC, legacyId: string, options: MessageActionOptions) {
        net.calls.onRetract.push({ room: chat.legacyId, legacyId, xmppId: options.xmppId, ...(options.thread !== undefined ? { thread: options.thread } : {}) });
        if (net.editError) throw net.editError;
      }
    }
    class Bookmarks extends LegacyBookmarks {
      override async fill() {
        const mine = net.userGroups[this.session.userJid.toString()] ?? Object.keys(net.groups);
        for (const id of mine) await this.byLegacyId(id);
      }
    }
    class Room extends LegacyMUC {
      override async updateInfo() {
        const g = net.groups[this.legacyId];
        if (!g) return;
        this.type = g.type;
        this.name = g.name;
        this.description = g.description;
        if (g.hasSubject !== undefined) this.hasSubject = g.hasSubject;
        if (g.hasDescription !== undefined) this.hasDescription = g.hasDescription;
      }
      override async *fillParticipants(): AsyncIterable<LegacyParticipant> {
        net.calls.fill[this.legacyId] = (net.calls.fill[this.legacyId] ?? 0) + 1;
        const g = net.groups[this.legacyId];
        const members = typeof g?.members === "function" ? g.members() : (g?.members ?? []);
        for (const m of members) {
          yield await this.getParticipant(m.name, {
            ...(m.legacyId !== undefined ? { legacyId: m.legacyId } : {}),
            ...(m.affiliation !== undefined ? { affiliation: m.affiliation } : {}),
            ...(m.role !== undefined ? { role: m.role } : {}),
            ...(m.realJid !== undefined ? { realJid: m.realJid } : {}),
          });
        }
      }
      override async backfill(after?: ArchiveEntry, before?: ArchiveEntry) {
        net.calls.backfill.push({ room: this.legacyId, after: after?.body, before: before?.body });
        if (net.backfillError) throw net.backfillError;
        await net.backfillGate;
        for (const m of net.history[this.legacyId] ?? []) {
          const t = m.at.getTime();
          if (!net.backfillEverything && ((after && t <= after.when) || (before && t >= before.when))) continue;
          const sender = await this.getParticipant(m.from, { legacyId: m.fromLegacyId });
          await sender.sendText(m.text, m.id, { when: m.at, archiveOnly: true });
        }
      }
      override async onKick(participant: LegacyParticipant, reason: string | undefined) {
        net.calls.onKick.push({ room: this.legacyId, nick: participant.nick, reason });
        if (net.kickError) throw net.kickError;
      }
      override async onSetAffiliation(participant: LegacyParticipant | undefined, jid: string, affiliation: Affiliation, reason: string | undefined) {
        net.calls.onSetAffiliation.push({ room: this.legacyId, nick: participant?.nick, jid, affiliation, reason });
        if (net.affiliationError) throw net.affiliationError;
      }
    }
    class AvatarRoom extends Room {
      override async onAvatar(avatar: RoomAvatar | undefined) {
        net.calls.onAvatar.push({ room: this.legacyId, avatar });
        if (net.avatarError) throw net.avatarError;
        return net.avatarIdOnSet ? `avatar-${net.calls.onAvatar.length}` : undefined;
      }
    }
    const Base = this.avatars ? AvatarRoom : Room;
    class OwnerRoom extends Base {
      override async onSetConfig(name: string | undefined, description: string | undefined) {
        net.calls.onSetConfig.push({ room: this.legacyId, name, description });
        if (net.ownerError) throw net.ownerError;
        await this.setInfo({ ...(name !== undefined ? { name } : {}), ...(description !== undefined ? { description } : {}) });
      }
      override async onDestroyRequest(reason: string | undefined) {
        net.calls.onDestroyRequest.push({ room: this.legacyId, reason });
        if (net.ownerError) throw net.ownerError;
      }
    }
    const BaseSessionClass = this.edits ? EditingSession : Session;
    class PrivateSession extends BaseSessionClass {
      override async onPrivateText(participant: LegacyParticipant, text: string, options: MessageActionOptions) {
        net.calls.onPrivateText.push({ room: participant.muc.legacyId, nick: participant.nick, text, xmppId: options.xmppId });
        return `pm-${net.calls.onPrivateText.length}`;
      }
    }
    class InvitingSession extends (this.privateMessages ? PrivateSession : BaseSessionClass) {
      override async onInvitation(contact: InvitedContact, muc: LegacyMUC, reason: string | undefined) {
        net.calls.onInvitation.push({ room: muc.legacyId, jid: contact.jid.toString(), legacyId: contact.legacyId, reason });
        await super.onInvitation(contact, muc, reason);
      }
    }
    class LifecycleSession extends InvitingSession {
      override async onCreateGroup(name: string, contacts: readonly InvitedContact[]) {
        net.calls.onCreateGroup.push({ name, contacts: contacts.map((c) => c.jid.toString()) });
        const id = `g-${net.calls.onCreateGroup.length}`;
        net.groups[id] = { type: MucType.GROUP, name, members: [] };
        return id;
      }
      override async onLeaveGroup(mucLegacyId: string) {
        net.calls.onLeaveGroup.push(mucLegacyId);
      }
    }
    const Chosen = this.groupLifecycle ? LifecycleSession : InvitingSession;
    class SearchingSession extends Chosen {
      override async onSearch(values: Readonly<Record<string, string>>) {
        net.calls.onSearch.push({ ...values });
        const q = (values.query ?? "").toLowerCase();
        return {
          fields: [
            { var: "jid", label: "Address" },
            { var: "name", label: "Name" },
          ],
          items: net.contacts.filter((c) => c.name.toLowerCase().includes(q)).map((c) => ({ jid: `${c.id}@${GW}`, name: c.name })),
        };
      }
    }
    return { Gateway, Session: this.search ? SearchingSession : Chosen, Bookmarks, MUC: this.owner ? OwnerRoom : Base };
  }
}

/** A running gateway on a mock component. */
export interface Harness {
  readonly net: TestNetwork;
  readonly component: MockComponent;
  readonly gateway: BaseGateway;
  readonly store: GatewayStore;
}

const opened: GatewayStore[] = [];

/**
 * Start a gateway on a mock component and an in-memory store (or `store`),
 * with `users` registered beforehand (default: {@link USER}). The gateway
 * status presences of the start are taken.
 */
export async function startGateway(options: { net?: TestNetwork; store?: GatewayStore; users?: readonly string[]; logger?: Logger } = {}): Promise<Harness> {
  const net = options.net ?? new TestNetwork();
  const store = options.store ?? openSqliteStore(":memory:");
  if (!options.store) opened.push(store);
  for (const jid of options.users ?? [USER]) {
    if (!store.users.get(jid)) store.users.save({ jid, legacyData: { username: jid.split("@")[0] ?? "" }, registeredAt: Date.now() });
  }
  const component = new MockComponent({ jid: GW });
  const module = net.module();
  const gateway = new module.Gateway({ component, store, module, ...(options.logger ? { logger: options.logger } : {}) });
  await gateway.start();
  component.takeSent();
  return { net, component, gateway, store };
}

/** A gateway for direct chats on a mock component, as {@link startDirectChats} starts it. */
export interface DirectChatHarness {
  readonly component: MockComponent;
  readonly gateway: BaseGateway;
  readonly store: GatewayStore;
  /** The session of {@link USER}. */
  readonly session: BaseSession;
}

/** The roster {@link startDirectChats} uses by default: `bob` is the only contact. */
class BobRoster extends LegacyRoster {
  override async isContact(legacyId: string) {
    return legacyId === "bob";
  }
}

/**
 * Start a plain `BaseGateway` whose module is `Session` with a roster and
 * contacts (by default a roster in which `bob` alone is a contact, and
 * `LegacyContact`), for direct chats, on a mock component and an in-memory
 * store (or `store`), with {@link USER} registered beforehand. Unlike
 * {@link startGateway}, the stanzas sent during the start stay unread.
 */
export async function startDirectChats(options: {
  Session: SessionClass;
  Roster?: RosterClass;
  Contact?: ContactClass;
  store?: GatewayStore | undefined;
  logger?: Logger;
}): Promise<DirectChatHarness> {
  const store = options.store ?? openSqliteStore(":memory:");
  if (!options.store) opened.push(store);
  if (!store.users.get(USER)) store.users.save({ jid: USER, legacyData: {}, registeredAt: Date.now() });
  const component = new MockComponent({ jid: GW });
  const module = { Gateway: BaseGateway, Session: options.Session, Bookmarks: LegacyBookmarks, Roster: options.Roster ?? BobRoster, Contact: options.Contact ?? LegacyContact };
  const gateway = new BaseGateway({ component, store, module, ...(options.logger ? { logger: options.logger } : {}) });
  await gateway.start();
  const session = gateway.getSession(USER);
  if (!session) throw new Error(`no session for ${USER}`);
  return { component, gateway, store, session };
}

/** One line a {@link recordingLogger} heard. */
export interface LogLine {
  readonly level: "debug" | "warn";
  readonly message: string;
  readonly details: readonly unknown[];
}

/** A logger that keeps every line, for tests of what the gateway logs (and what it does not). */
export function recordingLogger(): { readonly logger: Logger; readonly lines: LogLine[] } {
  const lines: LogLine[] = [];
  return {
    lines,
    logger: {
      debug: (message, ...details) => void lines.push({ level: "debug", message, details }),
      warn: (message, ...details) => void lines.push({ level: "warn", message, details }),
    },
  };
}

/** The lines the router logs when a stanza's handling fails (what a hook's failure must never reach). */
export function handlingFailures(lines: readonly LogLine[]): LogLine[] {
  return lines.filter((l) => l.level === "warn" && l.message.startsWith("gateway: failed to handle"));
}

/** Close the in-memory stores {@link startGateway} and {@link startDirectChats} opened (call in `afterEach`). */
export function closeStores(): void {
  for (const s of opened.splice(0)) s.close();
}

/** The room of the test user with this legacy id. */
export async function room(h: Harness, legacyId: string, user = USER): Promise<LegacyMUC> {
  const session = h.gateway.getSession(user);
  if (!session) throw new Error(`no session for ${user}`);
  return session.bookmarks.byLegacyId(legacyId);
}

/**
 * Join `legacyId@GW/nick` from `user/resource` and return everything sent
 * for the join, up to and including the subject.
 */
export async function join(
  h: Harness,
  legacyId: string,
  options: { resource?: string; nick?: string; user?: string; history?: string; id?: string; timeoutMs?: number } = {},
): Promise<Element[]> {
  const resource = options.resource ?? RES;
  const user = options.user ?? USER;
  const full = `${user}/${resource}`;
  const start = h.component.sent.length;
  const id = options.id !== undefined ? ` id='${options.id}'` : "";
  h.component.receive(
    `<presence from='${full}' to='${legacyId}@${GW}/${options.nick ?? "romeo"}'${id}><x xmlns='${NS_MUC}'>${options.history ?? ""}</x></presence>`,
  );
  const subject = await h.component.nextSent((s) => s.is("message") && s.attrs.to === full && s.getChild("subject") !== undefined, options.timeoutMs);
  return h.component.sent.slice(start, h.component.sent.indexOf(subject) + 1);
}

/** Push a stanza in and wait for the stanza sent in reply (same id, to the sender). */
export async function request(h: Harness, text: string, timeoutMs?: number): Promise<Element> {
  const el = h.component.receive(text);
  const id = el.attrs.id;
  const from = el.attrs.from;
  return h.component.nextSent((s) => s.attrs.id === id && s.attrs.to === from && s.name === el.name, timeoutMs);
}

/** Wait until the handling of everything received so far is over: a disco#info round trip to the gateway from the same user. */
export async function settle(h: Harness, from = `${USER}/${RES}`): Promise<void> {
  await request(h, `<iq type='get' id='settle-${Math.random().toString(36).slice(2)}' from='${from}' to='${GW}'><query xmlns='${NS_DISCO_INFO}'/></iq>`);
}

/** The stanza error condition of an error stanza, or `undefined`. */
export function errorCondition(el: Element): string | undefined {
  if (el.attrs.type !== "error") return undefined;
  const error = el.getChild("error");
  const cond = error?.children.find((c): c is Element => typeof c !== "string" && c.attrs.xmlns === NS_STANZAS && c.name !== "text");
  return cond?.name;
}

/** The MUC status codes of a presence or message. */
export function statusCodes(el: Element): number[] {
  return (el.getChild("x", NS_MUC_USER)?.getChildren("status") ?? []).map((s) => Number(s.attrs.code));
}

/** The muc#user `<item/>` of a presence. */
export function mucItem(el: Element): Element | undefined {
  return el.getChild("x", NS_MUC_USER)?.getChild("item");
}

/** Canonical XML with the generated values (ids, stanza-ids, occupant-ids, stamps) blanked out. */
export function golden(el: Element): string {
  const copy = parseXml(el.toString());
  const walk = (e: Element): void => {
    if (e.name === "message" && e.attrs.id !== undefined) e.attrs.id = "*";
    if (e.name === "stanza-id" || e.name === "occupant-id") e.attrs.id = "*";
    if (e.name === "delay") e.attrs.stamp = "*";
    for (const c of e.children) if (typeof c !== "string") walk(c);
  };
  walk(copy);
  return canonical(copy);
}

/** Whether a string holds only characters XML 1.0 allows (the Char production). */
export function isXmlText(s: string): boolean {
  // eslint-disable-next-line no-control-regex
  return !/[^\u0009\u000a\u000d\u0020-\ud7ff\ue000-\ufffd\u{10000}-\u{10ffff}]/u.test(s);
}
