/**
 * RFC 6120 §8.3: stanza errors — the `<error type by>` child of a message,
 * presence or IQ of type "error", carrying one defined condition of §8.3.3 in
 * `urn:ietf:params:xml:ns:xmpp-stanzas`, optional `<text xml:lang>`
 * descriptions and an optional application-specific condition element.
 *
 * Also {@link XMPPError}, the `Error` subclass the SDK throws and rejects with
 * when a peer answers with a stanza error.
 *
 * **Unknown or missing conditions.** RFC 6120 §8.3.2 has a recipient treat a
 * condition it does not understand as `<undefined-condition/>`. The
 * {@link stanzaError} codec itself does this: its `condition` decodes as
 * `"undefined-condition"` when the `<error/>` holds no condition it knows
 * (none at all, or one from a newer or older specification). Every user of
 * the codec thus gets the RFC's reading and a `condition` that is never
 * undefined, and encoding always writes a condition element, as the RFC
 * requires. Values still round-trip (`decode(encode(v))` equals `v`); only an
 * `<error/>` that lacked a known condition comes back out with an explicit
 * `<undefined-condition/>`. {@link XMPPError.fromStanza} adds the remaining
 * leniency: a missing `<error/>` child or one that does not decode at all
 * (no or unknown `type`, malformed `by`) also yields `undefined-condition`.
 *
 * @module
 */
import type { Element } from "@xmpp/xml";
import type { JID } from "@xmpp/jid";
import { attr, choice, element, isElement, langText, localName, mapped, namespaceOf, raw, textOf, viewInNamespace, type Field, type Infer, type Input } from "./codec.js";
import { causeOption, hasErrorName } from "./errors.js";
import { NS_CLIENT, NS_COMPONENT, NS_STANZAS } from "./ns.js";
import { enumeration, jidValue, parseJid, string } from "./values.js";

/**
 * The error types of RFC 6120 §8.3.2.
 *
 * @category Core stanzas
 */
export const STANZA_ERROR_TYPES = ["auth", "cancel", "continue", "modify", "wait"] as const;
/**
 * What the sender can do about a stanza error: retry after providing credentials, give up, proceed, change the data, or wait.
 *
 * @category Core stanzas
 */
export type StanzaErrorType = (typeof STANZA_ERROR_TYPES)[number];

/**
 * The error type RFC 6120 §8.3.3 recommends for each condition (the first
 * one where it names two); `undefined-condition` may take any type and
 * defaults to `cancel`.
 *
 * Its keys are the defined conditions, in RFC 6120 order.
 *
 * @category Core stanzas
 */
export const DEFAULT_ERROR_TYPES: Readonly<Record<StanzaErrorCondition, StanzaErrorType>> = {
  "bad-request": "modify",
  conflict: "cancel",
  "feature-not-implemented": "cancel",
  forbidden: "auth",
  gone: "cancel",
  "internal-server-error": "cancel",
  "item-not-found": "cancel",
  "jid-malformed": "modify",
  "not-acceptable": "modify",
  "not-allowed": "cancel",
  "not-authorized": "auth",
  "policy-violation": "modify",
  "recipient-unavailable": "wait",
  redirect: "modify",
  "registration-required": "auth",
  "remote-server-not-found": "cancel",
  "remote-server-timeout": "wait",
  "resource-constraint": "wait",
  "service-unavailable": "cancel",
  "subscription-required": "auth",
  "undefined-condition": "cancel",
  "unexpected-request": "wait",
};

/**
 * A defined stanza error condition (RFC 6120 §8.3.3).
 *
 * @category Core stanzas
 */
export type StanzaErrorCondition =
  | "bad-request"
  | "conflict"
  | "feature-not-implemented"
  | "forbidden"
  | "gone"
  | "internal-server-error"
  | "item-not-found"
  | "jid-malformed"
  | "not-acceptable"
  | "not-allowed"
  | "not-authorized"
  | "policy-violation"
  | "recipient-unavailable"
  | "redirect"
  | "registration-required"
  | "remote-server-not-found"
  | "remote-server-timeout"
  | "resource-constraint"
  | "service-unavailable"
  | "subscription-required"
  | "undefined-condition"
  | "unexpected-request";


/**
 * The defined conditions of RFC 6120 §8.3.3, in the order of that section.
 *
 * @category Core stanzas
 */
export const STANZA_ERROR_CONDITIONS = Object.keys(DEFAULT_ERROR_TYPES) as readonly StanzaErrorCondition[];

const CONDITION_SET: ReadonlySet<string> = new Set<string>(STANZA_ERROR_CONDITIONS);
/** Namespaces of the three stanza-carrying stream kinds (client, server, component). */
const STANZA_NAMESPACES: ReadonlySet<string> = new Set<string>([NS_CLIENT, "jabber:server", NS_COMPONENT]);

/** The first defined-condition child of an `<error/>` (the one `choice` reports). */
function conditionElement(el: Element, ns: string): Element | undefined {
  for (const c of el.children) {
    if (typeof c === "string") continue;
    if (CONDITION_SET.has(localName(c)) && namespaceOf(c, ns) === NS_STANZAS) return c;
  }
  return undefined;
}

/**
 * The character data of the defined-condition element, trimmed; `undefined`
 * when empty. RFC 6120 gives it meaning only for `<gone/>` (a new address)
 * and `<redirect/>` (an alternate address), both URIs, so surrounding
 * whitespace is insignificant. Encoding writes it into the condition element
 * that the preceding `condition` field wrote.
 *
 * The toolkit has no field for "the text of the element a `choice` picked",
 * so this one is local; it reports itself as a string `childText` so that
 * generic tools treat it as an optional string.
 */
function conditionText(): Field<string | undefined> {
  return {
    kind: "childText",
    meta: { ns: NS_STANZAS, type: string },
    decode({ el, ns, scope }) {
      const c = conditionElement(el, scope ?? ns);
      const s = c === undefined ? "" : textOf(c).trim();
      return s === "" ? undefined : s;
    },
    encode({ el, ns }, value: string | undefined) {
      if (value === undefined || value === null || value === "") return;
      const c = conditionElement(el, ns);
      if (c === undefined) throw new TypeError("an alternate address needs a condition element to carry it");
      c.t(value);
    },
  };
}

/**
 * `<error/>` of a stanza in `jabber:client` (RFC 6120 §8.3.2).
 *
 * An `<error/>` inside a server or component stanza has that stream's
 * namespace; decode it with `NS_CLIENT` as the inherited namespace, or use
 * {@link XMPPError.fromStanza}, which does so.
 *
 * @category Core stanzas
 */
export const stanzaError = element("error", NS_CLIENT, {
  /** What the sender can do about the error (`type` attribute). */
  type: attr("type", enumeration(STANZA_ERROR_TYPES), { required: true }),
  /** The entity that generated the error (`by` attribute). */
  by: attr("by", jidValue),
  /** The defined condition (a child in `urn:ietf:params:xml:ns:xmpp-stanzas`); `"undefined-condition"` when none is known. */
  condition: mapped(
    choice(NS_STANZAS, STANZA_ERROR_CONDITIONS),
    (c): StanzaErrorCondition => c ?? "undefined-condition",
    (c: StanzaErrorCondition) => c ?? "undefined-condition",
  ),
  /** The new or alternate address of a `gone` or `redirect` error (the condition element's text). */
  alternateAddress: conditionText(),
  /** Human-readable descriptions by `xml:lang` (`<text/>` children). */
  texts: langText("text", { ns: NS_STANZAS }),
  /** The application-specific condition element, kept unparsed. */
  application: raw((_c, ns) => ns !== undefined && ns !== NS_STANZAS && !STANZA_NAMESPACES.has(ns)),
});
/**
 * Decoded stanza `<error/>`.
 *
 * @category Core stanzas
 */
export type StanzaError = Infer<typeof stanzaError>;
/**
 * Stanza `<error/>` as accepted by `stanzaError.encode`.
 *
 * @category Core stanzas
 */
export type StanzaErrorInput = Input<typeof stanzaError>;

/**
 * The text in the preferred language: an exact `lang` match, else one with
 * the same primary language subtag, else the first text.
 */
function pickText(texts: Readonly<Record<string, string>>, lang: string | undefined): string | undefined {
  const keys = Object.keys(texts);
  if (keys.length === 0) return undefined;
  if (lang !== undefined) {
    if (Object.hasOwn(texts, lang)) return texts[lang];
    const primary = lang.split("-")[0]!.toLowerCase();
    for (const k of keys) if (k.split("-")[0]!.toLowerCase() === primary) return texts[k];
  }
  return texts[keys[0]!];
}

/**
 * Options of the {@link XMPPError} constructor.
 *
 * @category Errors
 */
export interface XMPPErrorOptions {
  /** The error type; by default the one RFC 6120 recommends for the condition ({@link DEFAULT_ERROR_TYPES}). */
  readonly type?: StanzaErrorType;
  /** A human-readable description, in the language `lang`. */
  readonly text?: string;
  /** The language of `text`, and the preferred language when picking {@link XMPPError.text} out of `texts`. */
  readonly lang?: string;
  /** Descriptions by `xml:lang` (`""` for none); `text` is added to them. */
  readonly texts?: Readonly<Record<string, string>>;
  /** The entity that generated the error. */
  readonly by?: JID | string;
  /** The new or alternate address (a URI) of a `gone` or `redirect` error. */
  readonly alternateAddress?: string;
  /** An application-specific condition element (not in the stanzas namespace). */
  readonly application?: Element;
  /** The error stanza this error was read from. */
  readonly stanza?: Element;
  /** The underlying cause. */
  readonly cause?: unknown;
}

/**
 * A stanza error (RFC 6120 §8.3) as a JavaScript `Error`: thrown or rejected
 * with when a peer answers with a stanza of type "error", and turned back
 * into an `<error/>` element with {@link XMPPError.toElement} when replying.
 *
 * @example
 * ```ts
 * const err = XMPPError.fromStanza(presence);
 * if (err.condition === "conflict") askForAnotherNick();
 * throw new XMPPError("not-allowed", { text: "Rooms are read-only" });
 * ```
 *
 * @category Errors
 */
export class XMPPError extends Error {
  /** Always `"XMPPError"`; with `condition`, what {@link isXMPPError} checks across realms. */
  override readonly name = "XMPPError" as const;
  // The fields below are set by the constructor: `declare` spares class
  // fields that would define them as undefined first.
  /** The defined condition. */
  declare readonly condition: StanzaErrorCondition;
  /** The error type. */
  declare readonly type: StanzaErrorType;
  /** The description in the preferred language, or the first one; `undefined` when there is none. */
  declare readonly text: string | undefined;
  /** Every description by `xml:lang` (`""` for one without). */
  declare readonly texts: Readonly<Record<string, string>>;
  /** The entity that generated the error. */
  declare readonly by: JID | undefined;
  /** The new address (`gone`) or alternate address (`redirect`), as a URI. */
  declare readonly alternateAddress: string | undefined;
  /** The application-specific condition element. */
  declare readonly application: Element | undefined;
  /** The error stanza this error was read from. */
  declare readonly stanza: Element | undefined;

  /**
   * @param condition - the defined condition.
   * @param options - type, descriptions, originator, application condition, source stanza, cause.
   * @throws `ValueError` when `options.by` is a string that is not a valid JID.
   */
  constructor(condition: StanzaErrorCondition, options: XMPPErrorOptions = {}) {
    const texts: Record<string, string> = { ...options.texts };
    if (options.text !== undefined) texts[options.lang ?? ""] = options.text;
    const text = pickText(texts, options.lang);
    super(text ? `${condition}: ${text}` : condition, causeOption(options.cause));
    this.condition = condition;
    this.type = options.type ?? DEFAULT_ERROR_TYPES[condition] ?? "cancel";
    this.text = text;
    this.texts = texts;
    this.by = typeof options.by === "string" ? parseJid(options.by) : options.by;
    this.alternateAddress = options.alternateAddress;
    this.application = options.application;
    this.stanza = options.stanza;
  }

  /**
   * Read the error of a message, presence or IQ of type "error". Never
   * throws: when the `<error/>` child is missing or malformed, the result
   * has condition `undefined-condition` (with the decode failure as `cause`).
   *
   * @param stanza - the error stanza (in `jabber:client`, `jabber:server` or `jabber:component:accept`).
   * @param lang - the preferred language of {@link XMPPError.text}.
   */
  static fromStanza(stanza: Element, lang?: string): XMPPError {
    let source: Element | undefined;
    let errorEl: Element | undefined;
    try {
      source = isElement(stanza) ? stanza : undefined;
      errorEl = source === undefined ? undefined : findErrorChild(source);
      if (errorEl === undefined) return new XMPPError("undefined-condition", { stanza: source, lang });
      const value = stanzaError.decode(viewInNamespace(errorEl, NS_CLIENT), NS_CLIENT);
      // The decoded fields (type, by, texts, alternateAddress, application) are options of the same name.
      return new XMPPError(value.condition, { ...value, lang, stanza: source });
    } catch (e) {
      // A malformed <error/> (say, without its required type) may still name
      // a defined condition; keep it rather than lose what the peer said.
      let condition: StanzaErrorCondition = "undefined-condition";
      try {
        const c = errorEl === undefined ? undefined : conditionElement(errorEl, NS_CLIENT);
        if (c !== undefined) condition = localName(c) as StanzaErrorCondition;
      } catch {
        // keep undefined-condition
      }
      return new XMPPError(condition, { stanza: source, cause: e });
    }
  }

  /**
   * This error as an `<error/>` element to append to an error reply. It has
   * no `xmlns`, so it takes the namespace of the stanza it is appended to
   * (client or component stream alike).
   */
  toElement(): Element {
    // The codec reads its fields (type, by, condition, alternateAddress, texts, application) off this error.
    return stanzaError.encode(this, NS_CLIENT);
  }
}

/**
 * Whether `e` is an {@link XMPPError}, also across realms (iframes, workers,
 * duplicated package copies) where `instanceof` fails.
 *
 * @category Errors
 */
export function isXMPPError(e: unknown): e is XMPPError {
  return e instanceof XMPPError || (hasErrorName(e, "XMPPError") && typeof (e as { condition?: unknown }).condition === "string");
}

/** The `<error/>` child of a stanza, in the stanza's own (stream) namespace. */
function findErrorChild(stanza: Element): Element | undefined {
  const stanzaNs = namespaceOf(stanza) ?? NS_CLIENT;
  for (const c of stanza.children) {
    if (typeof c === "string" || localName(c) !== "error") continue;
    const ns = namespaceOf(c, stanzaNs);
    if (ns === undefined || STANZA_NAMESPACES.has(ns)) return c;
  }
  return undefined;
}

