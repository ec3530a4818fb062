/**
 * The events of a {@link Room}: one payload object per event, so fields can
 * be added without breaking handlers.
 *
 * Order: one presence may fire several events. For an occupant that is
 * present: `affiliationChange`, then `roleChange`, then `statusChange`. For an
 * occupant leaving: `affiliationChange` (a ban makes it `outcast`), then
 * `leave` (for us: `exit`). A nick change fires `nickChange` when the server
 * announces it (status 303); the presence under the new nick that follows
 * fires only what else changed.
 *
 * @module
 */
import type { Element } from "@xmpp/xml";
import type { JID } from "@xmpp/jid";
import type { Affiliation, MucActor, Role } from "../xso/muc-user.js";
import type { PresenceShow } from "../xso/presence.js";
import type { Hat } from "../xso/hats.js";
import type { ChatState } from "../xso/chat-states.js";
import type { Attachment } from "../xso/file-sharing.js";
import type { XMPPError } from "../xso/stanza-error.js";
import type { LeaveMode } from "./enums.js";
import type { Occupant } from "./occupant.js";
import type { Room } from "./room.js";
import type { MessageTracker } from "./tracker.js";

/**
 * Fields every room event payload has.
 *
 * @category Low level
 */
export interface RoomEventBase {
  /** The room. */
  readonly room: Room;
}

/**
 * Payload of `enter`: we are in the room (our self-presence arrived).
 *
 * @category Joining & presence
 */
export interface EnterEvent extends RoomEventBase {
  /** Us. */
  readonly occupant: Occupant;
  /** The status codes of our self-presence (110, 100, 201, 210, 170, …). */
  readonly statusCodes: readonly number[];
  /** Whether the room was just created by this join (status 201) and awaits configuration. */
  readonly created: boolean;
  /** Whether the service changed our nick (status 210). */
  readonly nickAssigned: boolean;
  /** The self-presence. */
  readonly stanza: Element;
}

/**
 * Payload of `exit`: we are no longer in the room.
 *
 * @category Joining & presence
 */
export interface ExitEvent extends RoomEventBase {
  /** Why. */
  readonly mode: LeaveMode;
  /** Who removed us, when someone did. */
  readonly actor: MucActor | undefined;
  /** The reason given. */
  readonly reason: string | undefined;
  /** For `DESTROYED`: where the discussion moved (alternate venue). */
  readonly alternateVenue: JID | undefined;
  /** For `ERROR` from an error presence: the error. */
  readonly error: XMPPError | undefined;
  /** The presence that told us, when one did. */
  readonly stanza: Element | undefined;
}

/**
 * Payload of `suspend`: our connection was replaced; the room will be rejoined.
 *
 * @category Joining & presence
 */
export type SuspendEvent = RoomEventBase;

/**
 * Payload of `resume`: the room was rejoined after a `suspend`.
 *
 * @category Joining & presence
 */
export interface ResumeEvent extends RoomEventBase {
  /**
   * Whether the rejoin created the room anew (status 201): the room had
   * ended meanwhile (a temporary room that emptied), its history is gone,
   * and, on a server that locks new rooms (XEP-0045 §10.1.2), nobody else
   * can enter until we configure it (`createInstantRoom` accepts the
   * defaults).
   */
  readonly created: boolean;
  /** The self-presence of the rejoin. */
  readonly stanza: Element;
}

/**
 * Payload of `join`: an occupant appeared.
 *
 * @category Occupants
 */
export interface JoinEvent extends RoomEventBase {
  /** The new occupant. */
  readonly occupant: Occupant;
  /** Whether it was in the room before us (part of the occupant list sent when we joined). */
  readonly initial: boolean;
  /** Its presence. */
  readonly stanza: Element;
}

/**
 * Payload of `leave`: an occupant left.
 *
 * @category Occupants
 */
export interface LeaveEvent extends RoomEventBase {
  /** The occupant (its state as it was, role `none`). */
  readonly occupant: Occupant;
  /** Why. */
  readonly mode: LeaveMode;
  /** Who removed it, when someone did. */
  readonly actor: MucActor | undefined;
  /** The reason given. */
  readonly reason: string | undefined;
  /** Its unavailable presence, when there was one. */
  readonly stanza: Element | undefined;
}

/**
 * Payload of `nickChange`.
 *
 * @category Occupants
 */
export interface NickChangeEvent extends RoomEventBase {
  /** The occupant, already renamed. */
  readonly occupant: Occupant;
  /** The old nick. */
  readonly oldNick: string;
  /** The new nick. */
  readonly newNick: string;
  /**
   * The unavailable presence with status 303; for our own nick changed
   * without one (a rejoin the service answered under another nick, status
   * 210), our self-presence under the new nick.
   */
  readonly stanza: Element;
}

/**
 * Payload of `roleChange`.
 *
 * @category Occupants
 */
export interface RoleChangeEvent extends RoomEventBase {
  /** The occupant, already updated. */
  readonly occupant: Occupant;
  /** Its previous role. */
  readonly oldRole: Role;
  /** Its new role. */
  readonly newRole: Role;
  /** Who changed it, when the room says. */
  readonly actor: MucActor | undefined;
  /** The reason given. */
  readonly reason: string | undefined;
  /** The presence. */
  readonly stanza: Element;
}

/**
 * Payload of `affiliationChange`.
 *
 * @category Occupants
 */
export interface AffiliationChangeEvent extends RoomEventBase {
  /** The occupant, already updated. */
  readonly occupant: Occupant;
  /** Its previous affiliation. */
  readonly oldAffiliation: Affiliation;
  /** Its new affiliation. */
  readonly newAffiliation: Affiliation;
  /** Who changed it, when the room says. */
  readonly actor: MucActor | undefined;
  /** The reason given. */
  readonly reason: string | undefined;
  /** The presence. */
  readonly stanza: Element;
}

/**
 * Payload of `statusChange`: an occupant's availability or status text changed.
 *
 * @category Occupants
 */
export interface StatusChangeEvent extends RoomEventBase {
  /** The occupant, already updated. */
  readonly occupant: Occupant;
  /** The new availability. */
  readonly show: PresenceShow | undefined;
  /** The new status texts by `xml:lang`. */
  readonly status: Readonly<Record<string, string>>;
  /** The presence. */
  readonly stanza: Element;
}

/**
 * Payload of `hatsChange`.
 *
 * @category Occupants
 */
export interface HatsChangeEvent extends RoomEventBase {
  /** The occupant, already updated. */
  readonly occupant: Occupant;
  /** The hats before. */
  readonly oldHats: readonly Hat[];
  /** The hats now (XEP-0317). */
  readonly newHats: readonly Hat[];
  /** The presence. */
  readonly stanza: Element;
}

/**
 * Payload of `avatarChange`.
 *
 * @category Occupants
 */
export interface AvatarChangeEvent extends RoomEventBase {
  /** The occupant, already updated. */
  readonly occupant: Occupant;
  /** The hash before (`undefined`: none advertised). */
  readonly oldHash: string | undefined;
  /** The hash now (`undefined`: none advertised). */
  readonly newHash: string | undefined;
  /** The presence. */
  readonly stanza: Element;
}

/**
 * Payload of `chatState`.
 *
 * @category Messages
 */
export interface ChatStateEvent extends RoomEventBase {
  /** Who: their nick. */
  readonly nick: string;
  /** Who, when still in the room. */
  readonly occupant: Occupant | undefined;
  /** Their XEP-0421 occupant id, when the room gives one. */
  readonly occupantId: string | undefined;
  /** What they are doing (XEP-0085). */
  readonly state: ChatState;
  /** Whether it is ours (the room reflects our own). */
  readonly own: boolean;
  /** The message. */
  readonly stanza: Element;
}

/**
 * Payload of `displayed`.
 *
 * @category Messages
 */
export interface DisplayedEvent extends RoomEventBase {
  /** Who: their nick. */
  readonly nick: string;
  /** Who, when still in the room. */
  readonly occupant: Occupant | undefined;
  /** Their XEP-0421 occupant id, when the room gives one. */
  readonly occupantId: string | undefined;
  /** The stanza-id of the message they have read, and those before it (XEP-0333). */
  readonly id: string;
  /** Whether it is ours (from another of our devices, or reflected): our nick or our occupant id. */
  readonly own: boolean;
  /** Whether it came with the join's history (an archived marker): where they had read up to. */
  readonly history: boolean;
  /** The message. */
  readonly stanza: Element;
}

/**
 * Payload of `subjectChange`.
 *
 * @category Messages
 */
export interface SubjectChangeEvent extends RoomEventBase {
  /** The subject in the default language (`""` when cleared). */
  readonly subject: string;
  /** The subject by `xml:lang`. */
  readonly subjects: Readonly<Record<string, string>>;
  /** Who set it: their nick, when the subject came from an occupant JID. */
  readonly setterNick: string | undefined;
  /** The setter, when still in the room. */
  readonly setter: Occupant | undefined;
  /** Whether this is the subject sent as the last step of joining. */
  readonly initial: boolean;
  /** When it was set, from `<delay>`, when the room says. */
  readonly delay: Date | undefined;
  /** The message. */
  readonly stanza: Element;
}

/**
 * Payload of `message` (groupchat) and `privateMessage`.
 *
 * @category Messages
 */
export interface MessageEvent extends RoomEventBase {
  /** The sender's nick; `undefined` for a message from the room itself. */
  readonly nick: string | undefined;
  /** The sender, when still in the room (history may come from people who left). */
  readonly occupant: Occupant | undefined;
  /** The body in the default language. */
  readonly body: string;
  /** Bodies by `xml:lang`. */
  readonly bodies: Readonly<Record<string, string>>;
  /** The message id (`id` attribute). */
  readonly id: string | undefined;
  /** The sender's XEP-0359 origin-id. */
  readonly originId: string | undefined;
  /** The room's XEP-0359 stanza-id (for MAM and de-duplication). */
  readonly stanzaId: string | undefined;
  /** The XEP-0421 occupant id of the sender. */
  readonly occupantId: string | undefined;
  /** When it was sent, from `<delay>` (history and resent messages). */
  readonly delay: Date | undefined;
  /** Whether it is discussion history of a (re)join: it came before the subject that ends the history (XEP-0045 §7.2.15). A message after the subject is live, delayed or not. Each message is delivered once, live or history. */
  readonly history: boolean;
  /** Whether we sent it (a reflection of our own message). */
  readonly own: boolean;
  /** For our own reflected message: its tracker, when it was tracked. */
  readonly tracker: MessageTracker | undefined;
  /** The files it shares (XEP-0447, XEP-0066), each with its URL; `[]` for none. */
  readonly attachments: readonly Attachment[];
  /** The message. */
  readonly stanza: Element;
}

/**
 * Payload of `configChange`: the room announced a configuration change (status codes 104, 170–174).
 *
 * @category Administration & configuration
 */
export interface ConfigChangeEvent extends RoomEventBase {
  /** The status codes. */
  readonly statusCodes: readonly number[];
  /** The message or presence. */
  readonly stanza: Element;
}

/**
 * Every event of a {@link Room}.
 *
 * @example
 * ```ts
 * room.on("message", ({ nick, body, history }) => console.log(history ? "(history)" : "", nick, body));
 * room.on("leave", ({ occupant, mode, reason }) => console.log(occupant.nick, "left:", mode, reason ?? ""));
 * ```
 *
 * @category Getting started
 */
export interface RoomEvents {
  /**
   * We entered the room (fires once per join, when the self-presence arrives).
   *
   * @example
   * ```ts
   * room.on("enter", ({ occupant, created }) => console.log("in as", occupant.nick, created ? "(new room)" : ""));
   * ```
   */
  enter: EnterEvent;
  /**
   * We left the room, for whatever reason; the room is then inactive for good.
   *
   * @example
   * ```ts
   * room.on("exit", ({ mode, reason, alternateVenue }) => console.log("left:", mode, reason ?? "", alternateVenue?.toString() ?? ""));
   * ```
   */
  exit: ExitEvent;
  /**
   * A new stream replaced ours; the room is being rejoined (autorejoin).
   *
   * @example
   * ```ts
   * room.on("suspend", () => showBanner("reconnecting…"));
   * ```
   */
  suspend: SuspendEvent;
  /**
   * The room was rejoined after `suspend`.
   *
   * @example
   * ```ts
   * room.on("resume", () => hideBanner());
   * ```
   */
  resume: ResumeEvent;
  /**
   * An occupant appeared (including the occupants listed when we joined, with `initial`).
   *
   * @example
   * ```ts
   * room.on("join", ({ occupant, initial }) => { if (!initial) console.log(occupant.nick, "joined"); });
   * ```
   */
  join: JoinEvent;
  /**
   * An occupant left.
   *
   * @example
   * ```ts
   * room.on("leave", ({ occupant, mode, actor }) => console.log(occupant.nick, "left", mode, actor?.nick ?? ""));
   * ```
   */
  leave: LeaveEvent;
  /**
   * An occupant (maybe us) changed nick.
   *
   * @example
   * ```ts
   * room.on("nickChange", ({ oldNick, newNick }) => console.log(oldNick, "is now", newNick));
   * ```
   */
  nickChange: NickChangeEvent;
  /**
   * An occupant's role changed.
   *
   * @example
   * ```ts
   * room.on("roleChange", ({ occupant, newRole }) => console.log(occupant.nick, "is now", newRole));
   * ```
   */
  roleChange: RoleChangeEvent;
  /**
   * An occupant's affiliation changed.
   *
   * @example
   * ```ts
   * room.on("affiliationChange", ({ occupant, newAffiliation }) => console.log(occupant.nick, "is now", newAffiliation));
   * ```
   */
  affiliationChange: AffiliationChangeEvent;
  /**
   * An occupant's availability or status text changed.
   *
   * @example
   * ```ts
   * room.on("statusChange", ({ occupant, show, status }) => console.log(occupant.nick, show ?? "available", status[""] ?? ""));
   * ```
   */
  statusChange: StatusChangeEvent;
  /**
   * An occupant's hats (XEP-0317) changed.
   *
   * @example
   * ```ts
   * room.on("hatsChange", ({ occupant, newHats }) => console.log(occupant.nick, "wears", newHats.map((h) => h.title).join(", ")));
   * ```
   */
  hatsChange: HatsChangeEvent;
  /**
   * An occupant's avatar (XEP-0153 hash in its presence) changed.
   *
   * @example
   * ```ts
   * room.on("avatarChange", ({ occupant, newHash }) => console.log(occupant.nick, newHash ? "has a new avatar" : "removed the avatar"));
   * ```
   */
  avatarChange: AvatarChangeEvent;
  /**
   * Someone's chat state (XEP-0085): typing, paused, active… Live messages
   * only; a message with a body may carry one too (usually `active`).
   *
   * @example
   * ```ts
   * room.on("chatState", ({ nick, state, own }) => { if (!own) showTyping(nick, state === "composing"); });
   * ```
   */
  chatState: ChatStateEvent;
  /**
   * Someone read up to a message (an XEP-0333 `displayed` marker), live or
   * from the join's history (`history`), once each.
   *
   * @example
   * ```ts
   * room.on("displayed", ({ nick, id }) => markReadUpTo(nick, id));
   * ```
   */
  displayed: DisplayedEvent;
  /**
   * The subject was sent on join, or changed.
   *
   * @example
   * ```ts
   * room.on("subjectChange", ({ subject, setterNick, initial }) => console.log(initial ? "subject:" : `${setterNick} set the subject:`, subject));
   * ```
   */
  subjectChange: SubjectChangeEvent;
  /**
   * A groupchat message (live or history, including reflections of ours).
   *
   * @example
   * ```ts
   * room.on("message", ({ nick, body, history, own }) => { if (!own) console.log(history ? "(earlier)" : "", nick, body); });
   * ```
   */
  message: MessageEvent;
  /**
   * A private message from an occupant.
   *
   * @example
   * ```ts
   * room.on("privateMessage", ({ nick, body }) => console.log("private from", nick, body));
   * ```
   */
  privateMessage: MessageEvent;
  /**
   * The room announced a configuration change.
   *
   * @example
   * ```ts
   * room.on("configChange", ({ statusCodes }) => { if (statusCodes.includes(172)) console.log("the room is now non-anonymous"); });
   * ```
   */
  configChange: ConfigChangeEvent;
}
