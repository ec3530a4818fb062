/**
 * Value types: how attribute and text values parse and format.
 *
 * Every value type promises `parse(format(v))` equals `v`.
 *
 * @module
 */
import { JID } from "@xmpp/jid";
import { ValueError } from "./errors.js";

/** How one kind of value is read from and written to XML text. */
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

/** Any string, kept as it is. */
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
 */
export function integer(min = Number.MIN_SAFE_INTEGER, max = Number.MAX_SAFE_INTEGER): ValueType<number> {
  return {
    kind: "integer",
    min,
    max,
    parse(s) {
      const t = s.trim();
      if (!/^[+-]?\d{1,16}$/.test(t)) throw new ValueError(`not an integer: '${clip(s)}'`);
      const n = Number(t);
      if (n < min || n > max) throw new ValueError(`integer out of range [${min}, ${max}]: ${t}`);
      return n === 0 ? 0 : n;
    },
    format: (n) => String(n),
    equals: same,
  };
}

/** A non-negative integer (`xs:nonNegativeInteger` within safe range). */
export const nonNegativeInteger: ValueType<number> = integer(0);

/**
 * An xs:boolean (`true`/`1`, `false`/`0`).
 *
 * @param style - how `true` is written: `"word"` (`true`/`false`, the default) or `"digit"` (`1`/`0`).
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
          throw new ValueError(`not a boolean: '${clip(s)}'`);
      }
    },
    format: (b) => (style === "word" ? (b ? "true" : "false") : b ? "1" : "0"),
    equals: same,
  };
}

/** An xs:boolean written as `true`/`false`. */
export const boolean: ValueType<boolean> = booleanValue("word");

/**
 * A closed enumeration: anything outside `values` is a decode error.
 *
 * @param values - the accepted strings.
 */
export function enumeration<const V extends string>(values: readonly V[]): ValueType<V> {
  const set = new Set<string>(values);
  return {
    kind: "enum",
    values,
    parse(s) {
      if (!set.has(s)) throw new ValueError(`'${clip(s)}' is not one of ${values.join(", ")}`);
      return s as V;
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
 */
export function openEnumeration<const V extends string>(values: readonly V[]): ValueType<V | (string & {})> {
  return {
    kind: "openEnum",
    values,
    parse: (s) => s,
    format: (v) => v,
    equals: same,
  };
}

const MAX_PART = 1023;

/** Whether `code` is a control character, or a non-character XML forbids. */
function isControl(code: number): boolean {
  return code < 0x20 || (code >= 0x7f && code <= 0x9f) || code === 0xfffe || code === 0xffff;
}

/** Whether `code` is whitespace or a control (excluded from local and domain parts). */
function isSpaceOrControl(code: number): boolean {
  return code <= 0x20 || isControl(code) || code === 0x2028 || code === 0x2029 || code === 0xa0 || code === 0x3000;
}

/** Result of scanning a part: invalid, valid as it is, or valid once lower-cased. */
const enum Scan {
  INVALID,
  LOWER,
  MIXED,
}

/**
 * Scan a localpart (RFC 7622 §3.3.1: not `"&'/:<>@`, no space or control)
 * or, with `domain`, a domainpart (`:` allowed for IPv6 literals).
 */
function scanPart(s: string, domain: boolean): Scan {
  let result = Scan.LOWER;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x61 && c <= 0x7a) continue; // a-z: the common case
    // " & ' / : < > @
    if (c === 0x22 || c === 0x26 || c === 0x27 || c === 0x2f || c === 0x3c || c === 0x3e || c === 0x40) return Scan.INVALID;
    if (c === 0x3a && !domain) return Scan.INVALID;
    if (isSpaceOrControl(c)) return Scan.INVALID;
    if ((c >= 0x41 && c <= 0x5a) || c > 0x7f) result = Scan.MIXED;
  }
  return result;
}

/** Whether a resourcepart holds no control characters. */
function validResource(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (isControl(s.charCodeAt(i))) return false;
  return true;
}

/**
 * Parse and validate a JID (RFC 7622 syntax: part lengths, excluded
 * characters, no empty parts). Normalisation beyond lower-casing the domain
 * and localpart is left to the server.
 *
 * @param s - the JID text.
 * @returns an `@xmpp/jid` JID.
 * @throws {@link ValueError} when the text is not a valid JID.
 */
export function parseJid(s: string): JID {
  if (typeof s !== "string") throw new ValueError("a JID must be a string");
  let rest = s;
  let resource: string | undefined;
  const slash = rest.indexOf("/");
  if (slash !== -1) {
    resource = rest.slice(slash + 1);
    rest = rest.slice(0, slash);
    if (resource === "") throw new ValueError(`invalid JID '${clip(s)}': empty resourcepart`);
    if (resource.length > MAX_PART) throw new ValueError(`invalid JID '${clip(s)}': resourcepart too long`);
    if (!validResource(resource)) throw new ValueError(`invalid JID '${clip(s)}': control character in resourcepart`);
  }
  let local: string | undefined;
  const at = rest.indexOf("@");
  if (at !== -1) {
    local = rest.slice(0, at);
    rest = rest.slice(at + 1);
    if (local === "") throw new ValueError(`invalid JID '${clip(s)}': empty localpart`);
    if (local.length > MAX_PART) throw new ValueError(`invalid JID '${clip(s)}': localpart too long`);
    const scan = scanPart(local, false);
    if (scan === Scan.INVALID) throw new ValueError(`invalid JID '${clip(s)}': excluded character in localpart`);
    if (scan === Scan.MIXED) local = local.toLowerCase();
  }
  let domain = rest.endsWith(".") ? rest.slice(0, -1) : rest;
  if (domain === "") throw new ValueError(`invalid JID '${clip(s)}': empty domainpart`);
  if (domain.length > MAX_PART) throw new ValueError(`invalid JID '${clip(s)}': domainpart too long`);
  const scan = scanPart(domain, true);
  if (scan === Scan.INVALID) throw new ValueError(`invalid JID '${clip(s)}': invalid domainpart`);
  if (scan === Scan.MIXED) domain = domain.toLowerCase();
  return makeJid(local ?? "", domain, resource ?? "");
}

/**
 * {@link parseJid} that answers `undefined` instead of throwing.
 *
 * @param s - the JID text.
 */
export function tryParseJid(s: string): JID | undefined {
  try {
    return parseJid(s);
  } catch {
    return undefined;
  }
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
 * would name another address. So the instance is made from the prototype and
 * its parts set as the constructor would set them.
 */
function makeJid(local: string, domain: string, resource: string): JID {
  const jid = Object.create(JID.prototype) as JID & JidParts;
  jid._local = local;
  jid._domain = domain;
  jid._resource = resource;
  return jid;
}

/** A JID, validated on parse (see {@link parseJid}). */
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
 */
export const dateTime: ValueType<Date> = {
  kind: "dateTime",
  parse(s) {
    const t = s.trim();
    const m = DATE_TIME.exec(t);
    if (!m) throw new ValueError(`not an XEP-0082 DateTime: '${clip(s)}'`);
    const year = Number(m[1]);
    const mo = Number(m[2]);
    const d = Number(m[3]);
    const h = Number(m[4]);
    const mi = Number(m[5]);
    const sec = Number(m[6]);
    if (mo < 1 || mo > 12 || d < 1 || d > daysInMonth(year, mo) || h > 23 || mi > 59 || sec > 60) {
      throw new ValueError(`DateTime out of range: '${clip(s)}'`);
    }
    const fraction = m[7];
    const ms = fraction === undefined ? 0 : Math.floor(Number(`0${fraction}`) * 1000 + 1e-6);
    const zone = m[8] as string;
    const offsetMinutes = zone === "Z" ? 0 : (zone[0] === "-" ? -1 : 1) * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(4, 6)));
    const date = new Date(Date.UTC(year, mo - 1, d, h, mi, sec, ms));
    // Date.UTC maps years 0–99 to 1900–1999; put them back.
    if (year < 100) date.setUTCFullYear(year, mo - 1, d);
    if (offsetMinutes !== 0) date.setTime(date.getTime() - offsetMinutes * 60_000);
    if (Number.isNaN(date.getTime())) throw new ValueError(`invalid DateTime: '${clip(s)}'`);
    return date;
  },
  format(d) {
    const iso = d.toISOString();
    return iso.endsWith(".000Z") ? `${iso.slice(0, -5)}Z` : iso;
  },
  equals: (a, b) => a.getTime() === b.getTime(),
};

/** Days in a month of the proleptic Gregorian calendar. */
function daysInMonth(year: number, month: number): number {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/** Shorten a value for an error message (a hostile value may be megabytes long). */
function clip(s: string): string {
  return s.length > 64 ? `${s.slice(0, 61)}...` : s;
}
