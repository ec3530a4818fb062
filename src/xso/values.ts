/**
 * Value types: how attribute and text values parse and format.
 *
 * Every value type promises `parse(format(v))` equals `v`.
 *
 * @module
 */
import { JID } from "@xmpp/jid";
import { ValueError } from "./errors.js";

/**
 * How one kind of value is read from and written to XML text.
 *
 * @category Codec machinery
 */
export interface ValueType<T> {
  /** Name of the kind, for tools that walk codec definitions. */
  readonly kind: "string" | "integer" | "boolean" | "enum" | "openEnum" | "jid" | "dateTime";
  /**
   * Parse XML text.
   * @throws {@link ValueError} when the text is not a valid value.
   */
  parse(text: string): T;
  /** Format a value as XML text. */
  format(value: T): string;
  /** Whether two values are the same. */
  equals(a: T, b: T): boolean;
  /** Accepted values of an enumeration. */
  readonly values?: readonly string[];
  /** Bounds of an integer. */
  readonly min?: number;
  /** Bounds of an integer. */
  readonly max?: number;
}

const same = <T>(a: T, b: T): boolean => a === b;

/**
 * Any string, kept as it is.
 *
 * @category Codec machinery
 */
export const string: ValueType<string> = {
  kind: "string",
  parse: (s) => s,
  format: (s) => s,
  equals: same,
};

/**
 * An integer within `[min, max]` (xs:integer syntax, surrounding whitespace allowed).
 *
 * @param min - smallest accepted value.
 * @param max - largest accepted value.
 *
 * @category Codec machinery
 */
export function integer(min = Number.MIN_SAFE_INTEGER, max = Number.MAX_SAFE_INTEGER): ValueType<number> {
  return {
    kind: "integer",
    min,
    max,
    parse(s) {
      const t = s.trim();
      if (!/^[+-]?\d{1,16}$/.test(t)) throw new ValueError(`not an integer: '${clipForError(s)}'`);
      const n = Number(t);
      if (n < min || n > max) throw new ValueError(`integer out of range [${min}, ${max}]: ${t}`);
      return n === 0 ? 0 : n;
    },
    format: (n) => String(n),
    equals: same,
  };
}

/**
 * A non-negative integer (`xs:nonNegativeInteger` within safe range).
 *
 * @category Codec machinery
 */
export const nonNegativeInteger: ValueType<number> = integer(0);

/**
 * An xs:boolean (`true`/`1`, `false`/`0`).
 *
 * @param style - how `true` is written: `"word"` (`true`/`false`, the default) or `"digit"` (`1`/`0`).
 *
 * @category Codec machinery
 */
export function booleanValue(style: "word" | "digit" = "word"): ValueType<boolean> {
  return {
    kind: "boolean",
    parse(s) {
      switch (s.trim()) {
        case "true":
        case "1":
          return true;
        case "false":
        case "0":
          return false;
        default:
          throw new ValueError(`not a boolean: '${clipForError(s)}'`);
      }
    },
    format: (b) => (style === "word" ? (b ? "true" : "false") : b ? "1" : "0"),
    equals: same,
  };
}

/**
 * An xs:boolean written as `true`/`false`.
 *
 * @category Codec machinery
 */
export const boolean: ValueType<boolean> = booleanValue("word");

/**
 * A lookup from text to the one value of `values` it equals, or
 * `undefined`: the value kept is the program's own constant, not the text
 * read off the network, so that what many objects keep (a role, an
 * affiliation) is one string, not one per object.
 *
 * @param values - the known strings.
 *
 * @category Codec machinery
 */
export function canonicalValues<const V extends string>(values: readonly V[]): (s: string) => V | undefined {
  const byText = new Map<string, V>(values.map((v) => [v, v]));
  return (s) => byText.get(s);
}

/**
 * A closed enumeration: anything outside `values` is a decode error.
 *
 * @param values - the accepted strings.
 *
 * @category Codec machinery
 */
export function enumeration<const V extends string>(values: readonly V[]): ValueType<V> {
  const canonical = canonicalValues(values);
  return {
    kind: "enum",
    values,
    parse(s) {
      const v = canonical(s);
      if (v === undefined) throw new ValueError(`'${clipForError(s)}' is not one of ${values.join(", ")}`);
      return v;
    },
    format: (v) => v,
    equals: same,
  };
}

/**
 * An open enumeration: known `values` are typed, unknown ones are kept as
 * strings rather than dropped, so they survive a round trip.
 *
 * @param values - the known strings.
 *
 * @category Codec machinery
 */
export function openEnumeration<const V extends string>(values: readonly V[]): ValueType<V | (string & {})> {
  const canonical = canonicalValues(values);
  return {
    kind: "openEnum",
    values,
    parse: (s) => canonical(s) ?? s,
    format: (v) => v,
    equals: same,
  };
}

const MAX_PART = 1023;

/**
 * Characters a localpart may not hold: those RFC 7622 §3.3.1 excludes
 * (`" & ' / : < > @`), spaces (U+0020, U+00A0, U+2028, U+2029, U+3000) and
 * control characters (C0, DEL and C1, U+FFFE, U+FFFF).
 */
const LOCAL_EXCLUDED = /[\0-\x20"&'/:<>@\x7f-\xa0\u2028\u2029\u3000\ufffe\uffff]/;
/** The same for a domainpart, which may hold `:` (IPv6 literals). */
const DOMAIN_EXCLUDED = /[\0-\x20"&'/<>@\x7f-\xa0\u2028\u2029\u3000\ufffe\uffff]/;
/** Control characters, which no resourcepart may hold. */
const RESOURCE_EXCLUDED = /[\0-\x1f\x7f-\x9f\ufffe\uffff]/;
/** A character that lowercasing may change: anything but ASCII lowercase is checked by `toLowerCase`. */
const MAY_HAVE_CASE = /[A-Z\x80-\uffff]/;

/** `part` lowercased (when it may have case), or `undefined` when it holds an excluded character. */
function checkedPart(part: string, excluded: RegExp): string | undefined {
  if (excluded.test(part)) return undefined;
  return MAY_HAVE_CASE.test(part) ? part.toLowerCase() : part;
}

/**
 * Parse and validate a JID (RFC 7622 syntax: part lengths, excluded
 * characters, no empty parts). Normalisation beyond lower-casing the domain
 * and localpart is left to the server.
 *
 * @param s - the JID text.
 * @returns an `@xmpp/jid` JID.
 * @throws {@link ValueError} when the text is not a valid JID.
 *
 * @category Codec machinery
 */
export function parseJid(s: string): JID {
  if (typeof s !== "string") throw new ValueError("a JID must be a string");
  let rest = s;
  let resource: string | undefined;
  const slash = rest.indexOf("/");
  if (slash !== -1) {
    resource = rest.slice(slash + 1);
    rest = rest.slice(0, slash);
    if (!isValidResourcepart(resource)) invalidJid(s, resource === "" ? "empty resourcepart" : resource.length > MAX_PART ? "resourcepart too long" : "control character in resourcepart");
  }
  let local: string | undefined;
  const at = rest.indexOf("@");
  if (at !== -1) {
    local = rest.slice(0, at);
    rest = rest.slice(at + 1);
    if (local === "") invalidJid(s, "empty localpart");
    if (local.length > MAX_PART) invalidJid(s, "localpart too long");
    local = checkedPart(local, LOCAL_EXCLUDED) ?? invalidJid(s, "excluded character in localpart");
  }
  let domain = rest.endsWith(".") ? rest.slice(0, -1) : rest;
  if (domain === "") invalidJid(s, "empty domainpart");
  if (domain.length > MAX_PART) invalidJid(s, "domainpart too long");
  domain = checkedPart(domain, DOMAIN_EXCLUDED) ?? invalidJid(s, "invalid domainpart");
  return makeJid(local ?? "", domain, resource ?? "");
}

/**
 * {@link parseJid} that answers `undefined` instead of throwing.
 *
 * @param s - the JID text.
 *
 * @category Codec machinery
 */
export function tryParseJid(s: string): JID | undefined {
  try {
    return parseJid(s);
  } catch {
    return undefined;
  }
}

/**
 * Whether `resource` is a valid resourcepart (RFC 7622: not empty, at most
 * 1023 characters, no control character), as {@link parseJid} checks it.
 *
 * @param resource - the text after the first `/` of a JID.
 *
 * @category Codec machinery
 */
export function isValidResourcepart(resource: string): boolean {
  return resource !== "" && resource.length <= MAX_PART && !RESOURCE_EXCLUDED.test(resource);
}

/**
 * A JID with each part passed through `map` (say, copied so that it keeps no
 * larger string alive), without parsing it again.
 *
 * @param jid - a JID made by {@link parseJid} (its parts validated).
 * @param map - what to do with each part.
 * @param mapDomain - what to do with the domainpart instead (say, share it
 *   with other JIDs of the same domain); `map` by default.
 *
 * @category Codec machinery
 */
export function mapJidParts(jid: JID, map: (part: string) => string, mapDomain: (part: string) => string = map): JID {
  const parts = jid as unknown as JidParts;
  return makeJid(map(parts._local), mapDomain(parts._domain), map(parts._resource));
}

/** The fields an `@xmpp/jid` JID keeps its parts in. */
interface JidParts {
  _local: string;
  _domain: string;
  _resource: string;
}

/**
 * Build a JID from parts already validated and lower-cased.
 *
 * `new JID()` runs XEP-0106 escape detection on every localpart (ten string
 * scans), which dominates decoding in busy rooms; a validated localpart has
 * nothing to escape, and escaping a plain backslash (which RFC 7622 allows)
 * would name another address. So the instance is made by a constructor of
 * our own that shares `JID.prototype` (an `instanceof JID`, with every
 * method) and sets the parts as `JID`'s constructor would. A constructor,
 * rather than `Object.create`, lets the engine fit each instance to its
 * three fields: rooms keep one per occupant.
 */
const ValidatedJid = function (this: JidParts, local: string, domain: string, resource: string) {
  this._local = local;
  this._domain = domain;
  this._resource = resource;
} as unknown as new (local: string, domain: string, resource: string) => JID;
ValidatedJid.prototype = JID.prototype;

function makeJid(local: string, domain: string, resource: string): JID {
  return new ValidatedJid(local, domain, resource);
}

/**
 * A JID, validated on parse (see {@link parseJid}).
 *
 * @category Codec machinery
 */
export const jidValue: ValueType<JID> = {
  kind: "jid",
  parse: parseJid,
  format: (j) => j.toString(),
  equals: (a, b) => a.equals(b),
};

const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

/**
 * An XEP-0082 DateTime (`2002-09-10T23:41:07Z`, optional fraction and offset)
 * as a `Date`. Formatted in UTC, with milliseconds only when not zero.
 *
 * @category Codec machinery
 */
export const dateTime: ValueType<Date> = {
  kind: "dateTime",
  parse(s) {
    const t = s.trim();
    const m = DATE_TIME.exec(t);
    if (!m) throw new ValueError(`not an XEP-0082 DateTime: '${clipForError(s)}'`);
    const year = Number(m[1]);
    const mo = Number(m[2]);
    const d = Number(m[3]);
    const h = Number(m[4]);
    const mi = Number(m[5]);
    const sec = Number(m[6]);
    // The day exists when Date.UTC does not roll it over into the next month
    // (400 years on keeps the leap years, and keeps clear of 0–99 → 1900–1999).
    if (mo < 1 || mo > 12 || d < 1 || new Date(Date.UTC(year + 400, mo - 1, d)).getUTCDate() !== d || h > 23 || mi > 59 || sec > 60) {
      throw new ValueError(`DateTime out of range: '${clipForError(s)}'`);
    }
    const fraction = m[7];
    const ms = fraction === undefined ? 0 : Math.floor(Number(`0${fraction}`) * 1000 + 1e-6);
    const zone = m[8] as string;
    const offsetMinutes = zone === "Z" ? 0 : (zone[0] === "-" ? -1 : 1) * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(4, 6)));
    const date = new Date(Date.UTC(year, mo - 1, d, h, mi, sec, ms));
    // Date.UTC maps years 0–99 to 1900–1999; put them back.
    if (year < 100) date.setUTCFullYear(year, mo - 1, d);
    // Every field is in range, so the date is valid (years 0000–9999).
    if (offsetMinutes !== 0) date.setTime(date.getTime() - offsetMinutes * 60_000);
    return date;
  },
  format(d) {
    const iso = d.toISOString();
    return iso.endsWith(".000Z") ? `${iso.slice(0, -5)}Z` : iso;
  },
  equals: (a, b) => a.getTime() === b.getTime(),
};

/** Throw the {@link ValueError} of an invalid JID. */
function invalidJid(s: string, why: string): never {
  throw new ValueError(`invalid JID '${clipForError(s)}': ${why}`);
}

/**
 * A value shortened to at most 64 characters, to quote in an error message
 * (a hostile value may be megabytes long).
 *
 * @param s - the value.
 * @returns `s`, or its first 61 characters and `...`.
 *
 * @category Codec machinery
 */
export function clipForError(s: string): string {
  return s.length > 64 ? `${s.slice(0, 61)}...` : s;
}
