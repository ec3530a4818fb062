/**
 * What a room's status codes say about its features (XEP-0045 §15.6):
 * remembered from self-presences and from the room's messages. Functions
 * over the room's set of known codes; not part of the package's API.
 *
 * @module
 */

/**
 * Add `codes` to the `known` features; a code clears its opposite: 173/174
 * clear 100/172 and back, 171 clears 170 and back.
 */
export function recordStatusCodes(known: Set<number>, codes: readonly number[]): void {
  if (codes.includes(100) || codes.includes(172)) {
    known.delete(173);
    known.delete(174);
  }
  if (codes.includes(173) || codes.includes(174)) {
    known.delete(100);
    known.delete(172);
  }
  if (codes.includes(170)) known.delete(171);
  if (codes.includes(171)) known.delete(170);
  for (const c of codes) known.add(c);
}

/** Whether the codes announce a configuration change (104, 170–174). */
export function announcesConfigChange(codes: readonly number[]): boolean {
  return codes.some((c) => c === 104 || (c >= 170 && c <= 174));
}
