/// <reference lib="dom" />
/**
 * Permissions (XEP-0045 §5): what our role and affiliation let us do in a
 * room, and what the room takes at all (a gateway's rooms take no voice or
 * affiliation changes; an answer of feature-not-implemented hides a control
 * from then on).
 *
 * @module
 */
import { type Affiliation, type Occupant, type Role, canConfigureRoom, canSendToAll, canSetAffiliation, canSetRole, canSetSubject } from "../../src/index.js";
import { conditionOf } from "./errors.js";
import { type AdminAction, type RoomView, isCurrent } from "./state.js";
import { redraw } from "./redraw.js";

const NS_MUC_OWNER = "http://jabber.org/protocol/muc#owner";

export interface Permissions {
  kick(target: Occupant): boolean;
  voice(target: Occupant): boolean;
  ban(target: Occupant): boolean;
  /** The affiliations we may give `target` (not the one they have). */
  affiliations(target: Occupant): Affiliation[];
  subject: boolean;
  destroy: boolean;
  configure: boolean;
  /** See and change the affiliation lists (admins and owners). */
  manage: boolean;
  speak: boolean;
}

/**
 * Whether the room can do an administration request at all, whoever asks.
 * A gateway's rooms take kicks, the subject and (when they announce
 * muc#owner) their configuration, but not voice or affiliation changes: the
 * gateway framework answers those feature-not-implemented unless its module
 * implements them, and announces nothing either way; an answer of
 * feature-not-implemented from any room hides the control from then on.
 */
export function supports(view: RoomView, action: AdminAction): boolean {
  if (view.unsupported.has(action)) return false;
  const gateway = view.source === "gateway";
  switch (action) {
    case "voice":
    case "affiliation":
      return !gateway;
    case "config":
    case "destroy":
      return !gateway || view.info?.features.has(NS_MUC_OWNER) === true;
    default:
      return true;
  }
}

/** The room answered feature-not-implemented: that control goes. */
export function learnUnsupported(view: RoomView, action: AdminAction, e: unknown): boolean {
  if (conditionOf(e) !== "feature-not-implemented") return false;
  view.unsupported.add(action);
  if (isCurrent(view)) redraw.room(view);
  return true;
}

export function permissions(view: RoomView): Permissions {
  const me = view.room?.joined ? view.room.me : undefined;
  const standing = { role: me?.role ?? ("none" as Role), affiliation: me?.affiliation ?? ("none" as Affiliation) };
  const info = view.info?.info;
  const occupantsMayChangeSubject = info?.changeSubject === true || info?.subjectMod === true;
  return {
    kick: (t) => !t.isSelf && supports(view, "kick") && canSetRole(standing, t, "none"),
    voice: (t) => !t.isSelf && supports(view, "voice") && t.role !== "moderator" && canSetRole(standing, t, t.role === "visitor" ? "participant" : "visitor"),
    ban: (t) => !t.isSelf && supports(view, "affiliation") && canSetAffiliation(standing, t, "outcast"),
    affiliations: (t) =>
      t.isSelf || !t.jid || !supports(view, "affiliation") ? [] : (["owner", "admin", "member", "none"] as const).filter((a) => a !== t.affiliation && canSetAffiliation(standing, t, a)),
    subject: supports(view, "subject") && canSetSubject(standing, { occupantsMayChangeSubject }),
    destroy: supports(view, "destroy") && canConfigureRoom(standing),
    configure: supports(view, "config") && canConfigureRoom(standing),
    manage: standing.affiliation === "owner" || standing.affiliation === "admin",
    speak: canSendToAll(standing),
  };
}
