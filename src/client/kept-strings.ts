/**
 * The strings a room keeps for as long as an occupant stays — nicks, real
 * JIDs, occupant ids — made so that they cost as little memory as they can:
 * copies that keep no network read alive, and one string for a domain that
 * many occupants share. Not part of the package's API.
 *
 * @module
 */

/**
 * Engines keep a substring of 13 characters or more as a slice of its parent
 * string (V8's threshold; shorter ones are copied), so a nick or an occupant
 * id read off a stanza would keep the whole network read it came in alive.
 */
const SLICED_FROM = 13;

/**
 * A copy of `s` that shares no memory with the text it was cut from, as one
 * string. Joining two parts builds a new flat string; slicing a copy (the
 * usual idiom, `(" " + s).slice(1)`) would keep a slice and its parent, two
 * objects.
 */
export function detach(s: string): string {
  return s.length < SLICED_FROM ? s : [s.charAt(0), s.slice(1)].join("");
}

/** How many domains {@link keptDomain} shares before it starts again. */
const DOMAINS_SHARED = 256;
const domains = new Map<string, string>();

/**
 * `domain` as one string shared by every caller that keeps the same domain
 * (a room of thousands has occupants from a few servers). The table is
 * emptied when it reaches {@link DOMAINS_SHARED} domains, so it stays small
 * whatever the rooms hold; strings never change, so sharing one is safe.
 */
export function keptDomain(domain: string): string {
  let kept = domains.get(domain);
  if (kept === undefined) {
    if (domains.size >= DOMAINS_SHARED) domains.clear();
    kept = detach(domain);
    domains.set(kept, kept);
  }
  return kept;
}
