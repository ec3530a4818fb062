/**
 * An occupant of a room.
 *
 * @module
 */
import type { JID } from "@xmpp/jid";
import type { Affiliation, Role } from "../xso/muc-user.js";
import type { PresenceShow } from "../xso/presence.js";
import type { Hat } from "../xso/hats.js";

/**
 * One occupant of a room, as the room's presences describe it. The room
 * updates the object in place, so it keeps its identity across nick, role,
 * affiliation and status changes: an `Occupant` held by your code stays
 * current until the occupant leaves.
 *
 * @example
 * ```ts
 * room.on("join", ({ occupant }) => console.log(occupant.nick, occupant.role, occupant.jid?.toString()));
 * ```
 *
 * @category Occupants
 */
export class Occupant {
  /** The room's JID (bare). */
  readonly roomJid: JID;
  /** Whether this is us. */
  readonly isSelf: boolean;
  /** The room nickname. */
  readonly nick: string;
  /** The real JID, when the room discloses it (non-anonymous rooms, or to moderators). */
  readonly jid: JID | undefined;
  /** The occupant's role. */
  readonly role: Role;
  /** The occupant's affiliation. */
  readonly affiliation: Affiliation;
  /** The XEP-0421 occupant id, stable across nick changes and reconnects, when the room provides it. */
  readonly occupantId: string | undefined;
  /** Availability (`away`, `chat`, `dnd`, `xa`); `undefined` means plainly available. */
  readonly show: PresenceShow | undefined;
  /** Status texts by `xml:lang` (`""` for the one without). */
  readonly status: Readonly<Record<string, string>>;
  /** XEP-0317 hats the room assigned. */
  readonly hats: readonly Hat[];
  /**
   * The SHA-1 hash (hex) of the occupant's avatar, as its presence
   * advertises it (XEP-0153); `undefined` when it advertises none. Fetch the
   * image from the occupant's vCard (`vcard-temp`, at its occupant JID).
   */
  readonly avatarHash: string | undefined;

  /** @internal */
  constructor(init: {
    roomJid: JID;
    isSelf: boolean;
    nick: string;
    jid: JID | undefined;
    role: Role;
    affiliation: Affiliation;
    occupantId: string | undefined;
    show: PresenceShow | undefined;
    status: Record<string, string>;
    hats: readonly Hat[];
    avatarHash: string | undefined;
  }) {
    this.roomJid = init.roomJid;
    this.isSelf = init.isSelf;
    this.nick = init.nick;
    this.jid = init.jid;
    this.role = init.role;
    this.affiliation = init.affiliation;
    this.occupantId = init.occupantId;
    this.show = init.show;
    this.status = init.status;
    this.hats = init.hats;
    this.avatarHash = init.avatarHash;
  }

  /** The occupant's JID in the room: `room@service/nick`. */
  get occupantJid(): string {
    return `${this.roomJid.toString()}/${this.nick}`;
  }

  /** Whether the occupant may speak in a moderated room (role participant or moderator). */
  get hasVoice(): boolean {
    return this.role === "participant" || this.role === "moderator";
  }

  /** Whether the occupant is a moderator. */
  get isModerator(): boolean {
    return this.role === "moderator";
  }
}

/** @internal What the room changes of an occupant as presences come in. */
export type OccupantUpdate = Partial<Pick<Occupant, "nick" | "jid" | "role" | "affiliation" | "occupantId" | "show" | "status" | "hats" | "avatarHash">>;

/**
 * Update an occupant in place (it keeps its identity). The room's alone:
 * to the app an `Occupant` is read-only. Not part of the package's API.
 *
 * @internal
 */
export function updateOccupant(occupant: Occupant, update: OccupantUpdate): void {
  Object.assign(occupant, update);
}
