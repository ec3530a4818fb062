/**
 * The kinds of legacy group a gateway room can stand for.
 *
 * @module
 */

/**
 * The kind of legacy group a room represents; it decides the room's
 * XEP-0045 features (disco#info) and whether occupants see real JIDs.
 *
 * - `GROUP`: a small private group whose members know each other —
 *   members-only, non-anonymous, hidden, persistent.
 * - `CHANNEL`: a public channel anyone may enter — open, semi-anonymous, public.
 * - `CHANNEL_NON_ANONYMOUS`: a public channel where identities are visible —
 *   open, non-anonymous, public.
 *
 * @category Rooms
 */
export const MucType = {
  /** A private group: members-only, non-anonymous, hidden, persistent. */
  GROUP: "group",
  /** A public channel: open, semi-anonymous, public. */
  CHANNEL: "channel",
  /** A public channel with visible identities: open, non-anonymous, public. */
  CHANNEL_NON_ANONYMOUS: "channel-non-anonymous",
} as const;

/**
 * One of the {@link MucType} values.
 *
 * @category Rooms
 */
export type MucType = (typeof MucType)[keyof typeof MucType];

const FEATURES: Record<MucType, readonly string[]> = {
  [MucType.GROUP]: ["muc_membersonly", "muc_nonanonymous", "muc_hidden", "muc_persistent"],
  [MucType.CHANNEL]: ["muc_open", "muc_semianonymous", "muc_public"],
  [MucType.CHANNEL_NON_ANONYMOUS]: ["muc_open", "muc_nonanonymous", "muc_public"],
};

/**
 * The XEP-0045 disco#info features (§15.2 registry names) a room of this type announces.
 *
 * @param type - the room's type.
 * @returns the feature vars, e.g. `["muc_open", "muc_semianonymous", "muc_public"]`.
 * @example
 * ```ts
 * mucTypeFeatures(MucType.GROUP); // ["muc_membersonly", "muc_nonanonymous", "muc_hidden", "muc_persistent"]
 * ```
 *
 * @category Rooms
 */
export function mucTypeFeatures(type: MucType): readonly string[] {
  return FEATURES[type];
}

/**
 * Whether occupants of a room of this type see each other's real JIDs.
 *
 * @param type - the room's type.
 *
 * @category Rooms
 */
export function isNonAnonymous(type: MucType): boolean {
  return type !== MucType.CHANNEL;
}
