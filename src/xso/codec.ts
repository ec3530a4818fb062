/**
 * A small declarative toolkit for XML stream objects (XSOs).
 *
 * One {@link element} definition describes an XML element once; the same
 * definition decodes an `Element` into a typed value and encodes a value back
 * into an `Element`, so the two directions cannot drift apart. The value's
 * TypeScript type is inferred from the definition ({@link Infer}, {@link Input}).
 *
 * Decoding ignores unknown attributes and children. A malformed required part
 * throws one {@link DecodeError} naming the element and the field.
 *
 * @module
 */
import { Element } from "@xmpp/xml";
import { DecodeError, ValueError } from "./errors.js";
import { string, type ValueType } from "./values.js";

/** @category Errors */
export { DecodeError, ValueError };

/** The `xml:lang` attribute name as it appears on an ltx element. */
const XML_LANG = "xml:lang";

/**
 * The namespace of `el`, given the namespace `inherited` from its parent.
 * Reads the element's own `xmlns` first; falls back to ltx's lookup for
 * prefixed names or when nothing is inherited.
 *
 * @category Codec machinery
 */
export function namespaceOf(el: Element, inherited?: string): string | undefined {
  const name = el.name;
  if (name.indexOf(":") !== -1) return (el.getNS() as string | undefined) ?? undefined;
  const own = el.attrs.xmlns;
  if (typeof own === "string") return own;
  if (inherited !== undefined) return inherited;
  return (el.getNS() as string | undefined) ?? undefined;
}

/**
 * The default namespace in scope for the unprefixed children of `el`:
 * its own namespace when `el` is unprefixed, else its `xmlns` declaration or
 * the default namespace it inherited.
 *
 * @category Codec machinery
 */
export function childScopeOf(el: Element, ownNs: string | undefined, inherited?: string): string | undefined {
  if (el.name.indexOf(":") === -1) return ownNs;
  const own = el.attrs.xmlns;
  if (typeof own === "string") return own;
  if (inherited !== undefined) return inherited;
  return (el.findNS() as string | undefined) ?? undefined;
}

/**
 * The local name of `el`, without a namespace prefix (`stream:error` → `error`).
 *
 * @param el - the element.
 * @returns its name after the colon, if any.
 *
 * @category Codec machinery
 */
export function localName(el: Element): string {
  const name = el.name;
  const colon = name.indexOf(":");
  return colon === -1 ? name : name.slice(colon + 1);
}

/** The element children of `el` whose name and namespace match, in order. */
function matchingChildren(el: Element, parentNs: string | undefined, name: string, ns: string): Element[] {
  const out: Element[] = [];
  const children = el.children;
  for (let i = 0; i < children.length; i++) {
    const c = children[i];
    if (typeof c === "string" || c === undefined) continue;
    if (c.name !== name && !prefixedAs(c.name, name)) continue;
    if (namespaceOf(c, parentNs) !== ns) continue;
    out.push(c);
  }
  return out;
}

/** The first element child of `el` with the given name and namespace. */
function firstChild(el: Element, parentNs: string | undefined, name: string, ns: string): Element | undefined {
  for (const c of el.children) {
    if (typeof c === "string") continue;
    if (c.name !== name && !prefixedAs(c.name, name)) continue;
    if (namespaceOf(c, parentNs) !== ns) continue;
    return c;
  }
  return undefined;
}

/** Whether `qname` is `prefix:local` (the slow path of a name match; most names have no prefix). */
function prefixedAs(qname: string, local: string): boolean {
  const n = qname.length - local.length - 1;
  return n > 0 && qname.charCodeAt(n) === 58 /* ":" */ && qname.endsWith(local);
}

/**
 * The text content of `el`: its text children joined (element children are skipped).
 *
 * @category Codec machinery
 */
export function textOf(el: Element): string {
  const children = el.children;
  if (children.length === 1 && typeof children[0] === "string") return children[0];
  let s = "";
  for (const c of children) if (typeof c === "string") s += c;
  return s;
}

/**
 * A new child element named `name` with the text `text` (none when empty),
 * declaring `childNs` when it differs from the parent's namespace `parentNs`.
 */
function newChild(name: string, childNs: string | undefined, parentNs: string, text = "", attrs: Record<string, string> = {}): Element {
  if (childNs !== undefined && childNs !== parentNs) attrs.xmlns = childNs;
  const c = new Element(name, attrs);
  if (text !== "") c.t(text);
  return c;
}

/**
 * @internal Whether `v` has the shape of an element: a string `name`, an
 * array of `children` and an `attrs` object (possibly `null`: callers that
 * read attributes check that too).
 */
export function isElement(v: unknown): v is Element {
  return typeof v === "object" && v !== null && typeof (v as Element).name === "string" && Array.isArray((v as Element).children) && typeof (v as Element).attrs === "object";
}

/**
 * A deep copy of `el`, detached from its parent.
 *
 * @category Codec machinery
 */
export function cloneElement(el: Element): Element {
  const copy = new Element(el.name, { ...el.attrs });
  for (const c of el.children) {
    if (typeof c === "string") copy.t(c);
    else copy.cnode(cloneElement(c));
  }
  return copy;
}

/**
 * `el` as if its own namespace were `ns`: `el` itself when it declares none
 * or `ns` already, else a shallow stand-in sharing its children. Lets the
 * client-namespace stanza codecs read component-stream (or server-stream)
 * stanzas.
 *
 * @category Codec machinery
 */
export function viewInNamespace(el: Element, ns: string): Element {
  const own = el.attrs.xmlns;
  if (typeof own !== "string" || own === ns) return el;
  const view = new Element(el.name, { ...el.attrs, xmlns: ns });
  view.children = el.children;
  return view;
}

/**
 * Context passed to fields while decoding one element.
 *
 * @category Codec machinery
 */
export interface DecodeContext {
  /** The element being decoded. */
  readonly el: Element;
  /** Its namespace, resolved. */
  readonly ns: string;
  /** The default namespace in scope for its unprefixed children. */
  readonly scope: string | undefined;
}

/**
 * Context passed to fields while encoding one element.
 *
 * @category Codec machinery
 */
export interface EncodeContext {
  /** The element being built. */
  readonly el: Element;
  /** Its namespace. */
  readonly ns: string;
}

/**
 * What a field reads and writes; used by tools that walk definitions.
 *
 * @category Codec machinery
 */
export type FieldKind =
  | "attr"
  | "text"
  | "childText"
  | "childTexts"
  | "langText"
  | "flag"
  | "child"
  | "children"
  | "choice"
  | "raw"
  | "rawList"
  | "mapped";

/**
 * One field of an element definition.
 *
 * @typeParam Out - the decoded value's type.
 * @typeParam In - the type accepted by encode (usually `Out`, sometimes looser).
 *
 * @category Codec machinery
 */
export interface Field<Out, In = Out> {
  /** What the field reads and writes. */
  readonly kind: FieldKind;
  /** Decode this field from the element in `ctx`; throws `ValueError`/`DecodeError` when malformed. */
  decode(ctx: DecodeContext): Out;
  /** Write `value` into the element in `ctx`. */
  encode(ctx: EncodeContext, value: In): void;
  /** Describes the field for generic tools (property tests, documentation). */
  readonly meta: FieldMeta;
}

/**
 * Introspection data of a field.
 *
 * @category Codec machinery
 */
export interface FieldMeta {
  /** Attribute or child element name, where there is one. */
  readonly name?: string;
  /** Child namespace, where it differs from the parent's. */
  readonly ns?: string;
  /** The value type of attribute and text fields. */
  readonly type?: ValueType<unknown>;
  /** The codec of child fields. */
  readonly codec?: ElementCodec<unknown, unknown>;
  /** Whether decode fails when the part is absent. */
  readonly required?: boolean;
  /** Whether the field has a default value (then it is never undefined when decoded). */
  readonly hasDefault?: boolean;
  /** The element names a `choice` field accepts. */
  readonly names?: readonly string[];
  /** The wrapped field of a `mapped` field. */
  readonly inner?: Field<unknown, unknown>;
  /** The decode conversion of a `mapped` field. */
  readonly map?: (value: unknown) => unknown;
}

/**
 * Any field.
 *
 * @category Codec machinery
 */
export type AnyField = Field<any, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/**
 * A map of property names to fields.
 *
 * @category Codec machinery
 */
export type FieldMap = Record<string, AnyField>;

/**
 * Flatten an intersection into one object type (for readable hovers).
 *
 * @category Codec machinery
 */
export type Simplify<T> = { [K in keyof T]: T[K] } & {};

/**
 * The decoded value type of a field.
 *
 * @category Codec machinery
 */
export type FieldOut<F> = F extends Field<infer O, any> ? O : never; // eslint-disable-line @typescript-eslint/no-explicit-any
/**
 * The encode input type of a field.
 *
 * @category Codec machinery
 */
export type FieldIn<F> = F extends Field<any, infer I> ? I : never; // eslint-disable-line @typescript-eslint/no-explicit-any

/**
 * The keys of `T` whose values may be `undefined`.
 *
 * @category Codec machinery
 */
export type OptionalKeys<T> = { [K in keyof T]-?: undefined extends T[K] ? K : never }[keyof T];
/**
 * `T` with the keys whose values may be `undefined` made optional. Built from
 * `Pick`/`Partial`, which keep each property's declaration, so TSDoc written
 * on a field of a definition shows on the inferred property.
 *
 * @category Codec machinery
 */
export type WithOptional<T> = Simplify<Pick<T, Exclude<keyof T, OptionalKeys<T>>> & Partial<Pick<T, OptionalKeys<T>>>>;

/**
 * The decoded value of a field map.
 *
 * @category Codec machinery
 */
export type OutputOf<F extends FieldMap> = WithOptional<{ [K in keyof F]: FieldOut<F[K]> }>;
/**
 * The value accepted by encode for a field map.
 *
 * @category Codec machinery
 */
export type InputOf<F extends FieldMap> = WithOptional<{ [K in keyof F]: FieldIn<F[K]> }>;

/**
 * A codec for one XML element: decode an `Element` into `T`, encode a `TIn`
 * into an `Element`.
 *
 * @category Codec machinery
 */
export interface ElementCodec<T, TIn = T> {
  /** Element local name. */
  readonly name: string;
  /** Element namespace. */
  readonly ns: string;
  /** The field definitions (for introspection). */
  readonly fields: FieldMap;
  /** Whether `el` has this codec's name and namespace. */
  matches(el: Element, inheritedNs?: string): boolean;
  /**
   * Decode `el`.
   * @param el - the element; its name and namespace must match.
   * @param inheritedNs - the namespace in scope from its parent, when known.
   * @throws {@link DecodeError} when the element or a required part is malformed.
   */
  decode(el: Element, inheritedNs?: string): T;
  /**
   * Decode `el` without throwing.
   * @returns `{ ok: true, value }` or `{ ok: false, error }`.
   */
  tryDecode(el: Element, inheritedNs?: string): DecodeResult<T>;
  /**
   * Encode `value` into a new element carrying its `xmlns`.
   * @param parentNs - omit `xmlns` when it equals this (the parent's) namespace.
   */
  encode(value: TIn, parentNs?: string): Element;
  /** Find the first child of `parent` this codec matches and decode it; `undefined` if none. */
  findIn(parent: Element, parentNs?: string): T | undefined;
  /** Decode every child of `parent` this codec matches. */
  findAllIn(parent: Element, parentNs?: string): T[];
  /**
   * Like {@link ElementCodec.findIn}, but a malformed child counts as absent:
   * for optional extensions that must never stop the handling of a stanza.
   */
  tryFindIn(parent: Element, parentNs?: string): T | undefined;
}

/**
 * The outcome of {@link ElementCodec.tryDecode}.
 *
 * @category Codec machinery
 */
export type DecodeResult<T> = DecodeSuccess<T> | DecodeFailure;

/**
 * A successful {@link ElementCodec.tryDecode}.
 *
 * @category Codec machinery
 */
export interface DecodeSuccess<T> {
  /** Always `true`. */
  readonly ok: true;
  /** The decoded value. */
  readonly value: T;
}

/**
 * A failed {@link ElementCodec.tryDecode}.
 *
 * @category Codec machinery
 */
export interface DecodeFailure {
  /** Always `false`. */
  readonly ok: false;
  /** What was malformed. */
  readonly error: DecodeError;
}

/**
 * The decoded type of a codec.
 *
 * @category Codec machinery
 */
export type Infer<C> = C extends ElementCodec<infer T, any> ? T : never; // eslint-disable-line @typescript-eslint/no-explicit-any
/**
 * The encode input type of a codec.
 *
 * @category Codec machinery
 */
export type Input<C> = C extends ElementCodec<any, infer I> ? I : never; // eslint-disable-line @typescript-eslint/no-explicit-any

/**
 * Define an element codec.
 *
 * @param name - the element's local name.
 * @param ns - the element's namespace.
 * @param fields - its attributes, text and children, in the order they are encoded.
 * @example
 * ```ts
 * const actor = element("actor", NS.MUC_USER, { jid: attr("jid", jidValue), nick: attr("nick") });
 * actor.decode(el); // → { jid?: JID, nick?: string }
 * ```
 *
 * @category Codec machinery
 */
export function element<F extends FieldMap>(name: string, ns: string, fields: F): ElementCodec<OutputOf<F>, InputOf<F>> {
  const keys = Object.keys(fields);
  const list = keys.map((k) => fields[k] as AnyField);
  const n = keys.length;
  /** The element as error messages show it. */
  const label = `<${name} xmlns='${ns}'>`;
  const fail = (field: string | undefined, message: string, cause?: unknown): never => {
    throw new DecodeError(message, { element: name, ns, field, cause });
  };

  const codec: ElementCodec<OutputOf<F>, InputOf<F>> = {
    name,
    ns,
    fields,
    matches(el, inheritedNs) {
      return localName(el) === name && namespaceOf(el, inheritedNs) === ns;
    },
    decode(el, inheritedNs) {
      if (!isElement(el) || el.attrs === null) {
        fail(undefined, `${label}: not an element`);
      }
      if (localName(el) !== name || namespaceOf(el, inheritedNs) !== ns) {
        fail(undefined, `expected ${label}, got <${el.name} xmlns='${String(namespaceOf(el, inheritedNs))}'>`);
      }
      const ctx: DecodeContext = { el, ns, scope: childScopeOf(el, ns, inheritedNs) };
      const out: Record<string, unknown> = {};
      let i = 0;
      try {
        for (; i < n; i++) out[keys[i] as string] = (list[i] as AnyField).decode(ctx);
      } catch (e) {
        const key = keys[i] as string;
        // A nested element failed: keep its detail, prefix the path.
        if (e instanceof DecodeError && e.field !== undefined) fail(`${key}.${e.field}`, `${label} ${key}: ${e.message}`, e);
        fail(key, `${label} field '${key}': ${e instanceof Error ? e.message : String(e)}`, e);
      }
      return out as OutputOf<F>;
    },
    tryDecode(el, inheritedNs) {
      try {
        return { ok: true, value: codec.decode(el, inheritedNs) };
      } catch (e) {
        if (e instanceof DecodeError) return { ok: false, error: e };
        throw e;
      }
    },
    encode(value, parentNs) {
      const el = new Element(name, parentNs === ns ? {} : { xmlns: ns });
      const ctx: EncodeContext = { el, ns };
      const v = value as Record<string, unknown>;
      for (let i = 0; i < n; i++) {
        (list[i] as AnyField).encode(ctx, v[keys[i] as string]);
      }
      return el;
    },
    findIn(parent, parentNs) {
      const pns = parentNs ?? childScopeOf(parent, namespaceOf(parent));
      const c = firstChild(parent, pns, name, ns);
      return c === undefined ? undefined : codec.decode(c, pns);
    },
    findAllIn(parent, parentNs) {
      const pns = parentNs ?? childScopeOf(parent, namespaceOf(parent));
      const out: OutputOf<F>[] = [];
      for (const c of matchingChildren(parent, pns, name, ns)) out.push(codec.decode(c, pns));
      return out;
    },
    tryFindIn(parent, parentNs) {
      try {
        return codec.findIn(parent, parentNs);
      } catch (e) {
        if (e instanceof DecodeError) return undefined;
        throw e;
      }
    },
  };
  return codec;
}

/**
 * A field holding at most one part (an attribute, a text, a child element):
 * the rules {@link attr}, {@link text}, {@link childText}, {@link child} and
 * {@link choice} share. `find` locates the part in the element being decoded
 * (`undefined`: absent) and `read` decodes it; `write` adds a value to the
 * element being encoded. When the part is absent on decode or the value is
 * `undefined`/`null` on encode, a required field (`meta.required`) fails
 * naming the part (`what`: "attribute 'jid'", "child <reason>"); an optional
 * one decodes as `absent` and writes nothing.
 */
function singleField<Part, Out, In = Out>(
  kind: FieldKind,
  meta: FieldMeta,
  what: string,
  find: (ctx: DecodeContext) => Part | undefined,
  read: (part: Part, ctx: DecodeContext) => Out,
  write: (ctx: EncodeContext, value: In) => void,
  absent?: Out,
): AnyField {
  const required = meta.required === true;
  return {
    kind,
    meta,
    decode(ctx) {
      const part = find(ctx);
      if (part !== undefined) return read(part, ctx);
      if (required) throw new ValueError(`missing ${what}`);
      return absent;
    },
    encode(ctx, value: In | undefined) {
      if (value !== undefined && value !== null) write(ctx, value);
      else if (required) throw new TypeError(`${what} is required`);
    },
  };
}

/**
 * Options shared by attribute and text fields.
 *
 * @category Codec machinery
 */
export interface ValueOptions<T> {
  /** Fail decoding when absent (and require it on encode). */
  readonly required?: boolean;
  /** Value decoded when absent; never written on encode when equal to it. */
  readonly default?: T;
}

/**
 * Options of child-text fields.
 *
 * @category Codec machinery
 */
export interface ChildTextOptions<T> extends ValueOptions<T> {
  /** Namespace of the child; defaults to the parent's. */
  readonly ns?: string;
}

// Overloads give the field its optionality in the type.
/**
 * An optional string attribute.
 *
 * @param name - attribute name (`xml:lang` allowed).
 * @example
 * ```ts
 * element("actor", NS.MUC_USER, { nick: attr("nick") }); // → { nick?: string }
 * ```
 *
 * @category Codec machinery
 */
export function attr(name: string): Field<string | undefined>;
/**
 * An optional attribute of a value type.
 *
 * @param name - attribute name.
 * @param type - how the value parses and formats.
 */
export function attr<T>(name: string, type: ValueType<T>): Field<T | undefined>;
/**
 * A required attribute: decoding fails without it.
 *
 * @param name - attribute name.
 * @param type - how the value parses and formats.
 * @param options - `{ required: true }`.
 */
export function attr<T>(name: string, type: ValueType<T>, options: { required: true }): Field<T>;
/**
 * An attribute with a default: decodes as the default when absent, and is
 * not written when equal to it.
 *
 * @param name - attribute name.
 * @param type - how the value parses and formats.
 * @param options - `{ default: value }`.
 */
export function attr<T>(name: string, type: ValueType<T>, options: { default: NoInfer<T> }): Field<T, T | undefined>;
export function attr<T>(name: string, type: ValueType<T> = string as unknown as ValueType<T>, options: ValueOptions<T> = {}): AnyField {
  const hasDefault = "default" in options;
  const dflt = options.default;
  return singleField(
    "attr",
    { name, type: type as ValueType<unknown>, required: options.required === true, hasDefault },
    `attribute '${name}'`,
    ({ el }) => {
      const raw: unknown = el.attrs[name];
      return typeof raw === "string" ? raw : undefined;
    },
    (raw) => type.parse(raw),
    ({ el }, value) => {
      if (!(hasDefault && type.equals(value, dflt as T))) el.attrs[name] = type.format(value);
    },
    dflt,
  );
}

/**
 * The element's own text content as a string (no text decodes as `""`).
 *
 * @category Codec machinery
 */
export function text(): Field<string, string | undefined>;
/**
 * The element's own text content as a value type (no text decodes as `undefined`).
 *
 * @param type - how the value parses and formats.
 */
export function text<T>(type: ValueType<T>): Field<T | undefined>;
/**
 * The element's own text content, required.
 *
 * @param type - how the value parses and formats.
 * @param options - `{ required: true }`.
 */
export function text<T>(type: ValueType<T>, options: { required: true }): Field<T>;
export function text<T>(type?: ValueType<T>, options: ValueOptions<T> = {}): AnyField {
  // Without a type, no text decodes as "" (never absent).
  const plain = type === undefined;
  const vt = (type ?? string) as ValueType<T>;
  return singleField(
    "text",
    { type: vt as ValueType<unknown>, required: options.required === true, hasDefault: plain },
    "text content",
    ({ el }) => {
      const s = textOf(el);
      return plain || s !== "" ? s : undefined;
    },
    (s) => vt.parse(s),
    ({ el }, value) => {
      const s = vt.format(value);
      if (s !== "") el.t(s);
    },
  );
}

/**
 * The text of a child element (`<reason>text</reason>`).
 *
 * An empty child decodes as `""` for string fields, so `<before/>` and no
 * `<before>` stay distinguishable.
 *
 * @category Codec machinery
 */
export function childText(name: string, options?: { ns?: string }): Field<string | undefined>;
/**
 * The text of an optional child element, as a value type.
 *
 * @param name - the child's local name.
 * @param type - how the text parses and formats.
 * @param options - `ns` when the child is in another namespace than its parent.
 */
export function childText<T>(name: string, type: ValueType<T>, options?: { ns?: string }): Field<T | undefined>;
/**
 * The text of a required child element.
 *
 * @param name - the child's local name.
 * @param type - how the text parses and formats.
 * @param options - `{ required: true }`, and `ns` when the child is in another namespace.
 */
export function childText<T>(name: string, type: ValueType<T>, options: { ns?: string; required: true }): Field<T>;
export function childText<T>(
  name: string,
  typeOrOptions?: ValueType<T> | { ns?: string },
  maybeOptions: ChildTextOptions<T> = {},
): AnyField {
  const isType = typeOrOptions !== undefined && "parse" in typeOrOptions;
  const type = (isType ? typeOrOptions : string) as ValueType<T>;
  const options = (isType ? maybeOptions : (typeOrOptions ?? {})) as ChildTextOptions<T>;
  const childNs = options.ns;
  return singleField(
    "childText",
    { name, ns: childNs, type: type as ValueType<unknown>, required: options.required === true },
    `child <${name}>`,
    ({ el, ns, scope }) => firstChild(el, scope, name, childNs ?? ns),
    (c) => type.parse(textOf(c)),
    ({ el, ns }, value) => el.cnode(newChild(name, childNs, ns, type.format(value))),
  );
}

/**
 * The texts of every child element with a name (`<value>a</value><value>b</value>`).
 *
 * @category Codec machinery
 */
export function childTexts(name: string, options?: { ns?: string }): Field<string[], string[] | undefined>;
/**
 * The texts of every child element with a name, each parsed as a value type.
 *
 * @param name - the children's local name.
 * @param type - how each text parses and formats.
 * @param options - `ns` when the children are in another namespace than their parent.
 */
export function childTexts<T>(name: string, type: ValueType<T>, options?: { ns?: string }): Field<T[], T[] | undefined>;
export function childTexts<T>(name: string, typeOrOptions?: ValueType<T> | { ns?: string }, maybeOptions: { ns?: string } = {}): AnyField {
  const isType = typeOrOptions !== undefined && "parse" in typeOrOptions;
  const type = (isType ? typeOrOptions : string) as ValueType<T>;
  const options = (isType ? maybeOptions : (typeOrOptions ?? {})) as { ns?: string };
  const childNs = options.ns;
  return {
    kind: "childTexts",
    meta: { name, ns: childNs, type: type as ValueType<unknown> },
    decode({ el, ns, scope }) {
      const out: T[] = [];
      for (const c of matchingChildren(el, scope, name, childNs ?? ns)) out.push(type.parse(textOf(c)));
      return out;
    },
    encode({ el, ns }, values: T[] | undefined) {
      if (!values) return;
      for (const v of values) {
        el.cnode(newChild(name, childNs, ns, type.format(v)));
      }
    },
  };
}

/**
 * Texts of repeated child elements keyed by `xml:lang` (`<body xml:lang='de'>`).
 * The key `""` holds the text without an `xml:lang`. When a language repeats,
 * the first text wins.
 *
 * @category Codec machinery
 */
export function langText(name: string, options: { ns?: string } = {}): Field<Record<string, string>, Record<string, string> | undefined> {
  const childNs = options.ns;
  return {
    kind: "langText",
    meta: { name, ns: childNs, type: string as ValueType<unknown> },
    decode({ el, ns, scope }) {
      const out: Record<string, string> = {};
      for (const c of matchingChildren(el, scope, name, childNs ?? ns)) {
        const lang = c.attrs[XML_LANG];
        const key = typeof lang === "string" ? lang : "";
        if (Object.hasOwn(out, key)) continue;
        if (key === "__proto__") {
          Object.defineProperty(out, key, { value: textOf(c), enumerable: true, writable: true, configurable: true });
        } else {
          out[key] = textOf(c);
        }
      }
      return out;
    },
    encode({ el, ns }, values: Record<string, string> | undefined) {
      if (!values) return;
      for (const lang of Object.keys(values)) {
        el.cnode(newChild(name, childNs, ns, values[lang], lang === "" ? {} : { [XML_LANG]: lang }));
      }
    },
  };
}

/**
 * Whether an (empty) child element is present (`<required/>`).
 *
 * @category Codec machinery
 */
export function flag(name: string, options: { ns?: string } = {}): Field<boolean, boolean | undefined> {
  const childNs = options.ns;
  return {
    kind: "flag",
    meta: { name, ns: childNs, hasDefault: true },
    decode({ el, ns, scope }) {
      return firstChild(el, scope, name, childNs ?? ns) !== undefined;
    },
    encode({ el, ns }, value: boolean | undefined) {
      if (value === true) el.cnode(newChild(name, childNs, ns));
    },
  };
}

/**
 * The first child matching `codec`, decoded; `undefined` when there is none.
 *
 * @category Codec machinery
 */
export function child<T, TIn>(codec: ElementCodec<T, TIn>): Field<T | undefined, TIn | undefined>;
/**
 * The first child matching `codec`, required.
 *
 * @param codec - the child's codec.
 * @param options - `{ required: true }`.
 */
export function child<T, TIn>(codec: ElementCodec<T, TIn>, options: { required: true }): Field<T, TIn>;
export function child<T, TIn>(codec: ElementCodec<T, TIn>, options: { required?: boolean } = {}): AnyField {
  return singleField(
    "child",
    { name: codec.name, ns: codec.ns, codec: codec as ElementCodec<unknown, unknown>, required: options.required === true },
    `child <${codec.name}>`,
    ({ el, scope }) => firstChild(el, scope, codec.name, codec.ns),
    (c, { scope }) => codec.decode(c, scope),
    ({ el, ns }, value: TIn) => el.cnode(codec.encode(value, ns)),
  );
}

/**
 * Every child matching `codec`, decoded, in document order.
 *
 * @category Codec machinery
 */
export function children<T, TIn>(codec: ElementCodec<T, TIn>): Field<T[], TIn[] | undefined> {
  return {
    kind: "children",
    meta: { name: codec.name, ns: codec.ns, codec: codec as ElementCodec<unknown, unknown> },
    decode({ el, scope }) {
      const out: T[] = [];
      for (const c of matchingChildren(el, scope, codec.name, codec.ns)) out.push(codec.decode(c, scope));
      return out;
    },
    encode({ el, ns }, values: TIn[] | undefined) {
      if (!values) return;
      for (const v of values) el.cnode(codec.encode(v, ns));
    },
  };
}

/**
 * The name of the first child element in `ns` whose name is one of `names`
 * (an error condition, a chat state). Unknown names are skipped.
 *
 * @category Codec machinery
 */
export function choice<N extends string>(ns: string, names: readonly N[]): Field<N | undefined>;
/**
 * The name of the first child element in `ns` whose name is one of `names`, required.
 *
 * @param ns - the children's namespace.
 * @param names - the accepted local names.
 * @param options - `{ required: true }`.
 */
export function choice<N extends string>(ns: string, names: readonly N[], options: { required: true }): Field<N>;
export function choice<N extends string>(ns: string, names: readonly N[], options: { required?: boolean } = {}): AnyField {
  const set = new Set<string>(names);
  return singleField(
    "choice",
    { ns, names, required: options.required === true },
    `one of <${names.join("|")}> in ${ns}`,
    ({ el, scope }) => {
      for (const c of el.children) {
        if (typeof c === "string") continue;
        const local = localName(c);
        if (set.has(local) && namespaceOf(c, scope) === ns) return local;
      }
      return undefined;
    },
    (local) => local,
    ({ el, ns: parentNs }, value: string) => el.cnode(new Element(value, ns === parentNs ? {} : { xmlns: ns })),
  );
}

/**
 * A raw child element, kept unparsed (a forwarded stanza, an application error).
 *
 * @category Codec machinery
 */
export function raw(filter: (child: Element, childNs: string | undefined) => boolean, meta: { name?: string; ns?: string } = {}): Field<Element | undefined> {
  return {
    kind: "raw",
    meta,
    decode({ el, scope }) {
      for (const c of el.children) {
        if (typeof c !== "string" && filter(c, namespaceOf(c, scope))) return c;
      }
      return undefined;
    },
    encode({ el }, value: Element | undefined) {
      if (value) el.cnode(cloneElement(value));
    },
  };
}

/**
 * Raw child elements matching `filter`, kept unparsed (form-field payloads, unknown payloads).
 *
 * @category Codec machinery
 */
export function rawList(filter: (child: Element, childNs: string | undefined) => boolean, meta: { name?: string; ns?: string } = {}): Field<Element[], Element[] | undefined> {
  return {
    kind: "rawList",
    meta,
    decode({ el, scope }) {
      const out: Element[] = [];
      for (const c of el.children) {
        if (typeof c !== "string" && filter(c, namespaceOf(c, scope))) out.push(c);
      }
      return out;
    },
    encode({ el }, values: Element[] | undefined) {
      if (values) for (const v of values) el.cnode(cloneElement(v));
    },
  };
}

/**
 * A field whose value is converted on the way in and out
 * (`<status code='110'/>` elements as a list of numbers).
 *
 * @param inner - the field as it sits in the XML.
 * @param to - decoded inner value → value.
 * @param from - value → inner encode input.
 *
 * @category Codec machinery
 */
export function mapped<A, AIn, B, BIn = B>(inner: Field<A, AIn>, to: (a: A) => B, from: (b: BIn) => AIn): Field<B, BIn> {
  return {
    kind: "mapped",
    meta: { ...inner.meta, inner: inner as Field<unknown, unknown>, map: to as (value: unknown) => unknown },
    decode(ctx) {
      return to(inner.decode(ctx));
    },
    encode(ctx, value: BIn) {
      inner.encode(ctx, from(value));
    },
  };
}
