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

/** Characters RFC 7622 excludes from a localpart (besides whitespace and controls). */
const LOCAL_EXCLUDED = /["&'/:<>@]/;
// eslint-disable-next-line no-control-regex
const CONTROL_OR_SPACE = /[\u0000-\u0020\u007f-\u009f\u2028\u2029\ufffe\uffff]/;
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f\ufffe\uffff]/;
const MAX_PART = 1023;

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
    if (CONTROL.test(resource)) throw new ValueError(`invalid JID '${clip(s)}': control character in resourcepart`);
  }
  let local: string | undefined;
  const at = rest.indexOf("@");
  if (at !== -1) {
    local = rest.slice(0, at);
    rest = rest.slice(at + 1);
    if (local === "") throw new ValueError(`invalid JID '${clip(s)}': empty localpart`);
    if (local.length > MAX_PART) throw new ValueError(`invalid JID '${clip(s)}': localpart too long`);
    if (LOCAL_EXCLUDED.test(local) || CONTROL_OR_SPACE.test(local)) {
      throw new ValueError(`invalid JID '${clip(s)}': excluded character in localpart`);
    }
  }
  const domain = rest.endsWith(".") ? rest.slice(0, -1) : rest;
  if (domain === "") throw new ValueError(`invalid JID '${clip(s)}': empty domainpart`);
  if (domain.length > MAX_PART) throw new ValueError(`invalid JID '${clip(s)}': domainpart too long`);
  if (domain.includes("@") || CONTROL_OR_SPACE.test(domain) || /[/<>"'&]/.test(domain)) {
    throw new ValueError(`invalid JID '${clip(s)}': invalid domainpart`);
  }
  const jid = new JID(null, domain, resource ?? null);
  if (local !== undefined) {
    if (local.includes("\\")) {
      // @xmpp/jid would XEP-0106-escape a plain backslash into "\\5c", which
      // names another address; RFC 7622 allows it, so keep it as it is.
      (jid as unknown as { _local: string })._local = local.toLowerCase();
    } else {
      jid.setLocal(local);
    }
  }
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
    const [, mo, d, h, mi, sec] = [m[1], Number(m[2]), Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6])];
    if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60) {
      throw new ValueError(`DateTime out of range: '${clip(s)}'`);
    }
    const date = new Date(t);
    if (Number.isNaN(date.getTime())) throw new ValueError(`invalid DateTime: '${clip(s)}'`);
    return date;
  },
  format(d) {
    const iso = d.toISOString();
    return iso.endsWith(".000Z") ? `${iso.slice(0, -5)}Z` : iso;
  },
  equals: (a, b) => a.getTime() === b.getTime(),
};

/** Shorten a value for an error message (a hostile value may be megabytes long). */
function clip(s: string): string {
  return s.length > 64 ? `${s.slice(0, 61)}...` : s;
}
