/**
 * Derive fast-check arbitraries from codec definitions, so every codec gets a
 * round-trip property test without a hand-written generator.
 */
import fc from "fast-check";
import { Element } from "@xmpp/xml";
import { JID } from "@xmpp/jid";
import type { AnyField, ElementCodec } from "../../src/xso/codec.js";
import type { ValueType } from "../../src/xso/values.js";

/** Characters worth testing in text: XML specials, quotes, non-ASCII, astral. */
const SPECIAL = ["<", ">", "&", '"', "'", " ", "\t", "\n", "é", "ß", "中", "😀", "\u200b", "]]>", "a", "Z", "0", "-"];

/** Strings that survive XML serialisation (no control characters, no CR). */
export const xmlString = (maxLength = 12): fc.Arbitrary<string> =>
  fc.oneof(fc.string({ maxLength }), fc.string({ unit: fc.constantFrom(...SPECIAL), maxLength }));

const token = fc.stringMatching(/^[a-z][a-z0-9-]{0,8}$/);

/** Lower-case JIDs (the JID type lower-cases local and domain parts). */
export const jidArb: fc.Arbitrary<JID> = fc
  .record({
    local: fc.option(fc.stringMatching(/^[a-z0-9._-]{1,10}$/), { nil: undefined }),
    domain: fc.stringMatching(/^[a-z0-9]([a-z0-9-]{0,8}[a-z0-9])?(\.[a-z]{2,5}){0,2}$/),
    resource: fc.option(
      fc.string({ unit: fc.constantFrom("a", "B", " ", "/", "@", "é", "😀", "'", "&", "1"), minLength: 1, maxLength: 10 }),
      { nil: undefined },
    ),
  })
  .map(({ local, domain, resource }) => new JID(local ?? null, domain, resource ?? null));

/** An arbitrary value of a value type. */
export function valueArb(type: ValueType<unknown>): fc.Arbitrary<unknown> {
  switch (type.kind) {
    case "string":
      return xmlString();
    case "integer":
      return fc.integer({ min: Math.max(type.min ?? -(2 ** 31), -(2 ** 31)), max: Math.min(type.max ?? 2 ** 31, 2 ** 31) });
    case "boolean":
      return fc.boolean();
    case "enum":
      return fc.constantFrom(...(type.values ?? []));
    case "openEnum":
      return fc.oneof(fc.constantFrom(...(type.values ?? [])), token);
    case "jid":
      return jidArb;
    case "dateTime":
      return fc.date({ min: new Date("1970-01-01T00:00:00Z"), max: new Date("9999-12-31T23:59:59Z"), noInvalidDate: true });
  }
}

/** A small arbitrary element in namespace `ns` (for raw fields). */
export function elementArb(name = "payload", ns = "urn:example:payload"): fc.Arbitrary<Element> {
  return fc.record({ a: fc.option(token, { nil: undefined }), t: xmlString(6) }).map(({ a, t }) => {
    const el = new Element(name, { xmlns: ns });
    if (a !== undefined) el.attrs.a = a;
    if (t !== "") el.t(t);
    return el;
  });
}

/** Overrides for fields the generic derivation cannot know, by field key. */
export type Overrides = Record<string, fc.Arbitrary<unknown>>;

/** Derive the arbitrary of one field. */
export function fieldArb(field: AnyField, overrides: Overrides = {}, depth = 0): fc.Arbitrary<unknown> {
  const m = field.meta;
  const opt = (a: fc.Arbitrary<unknown>) => (m.required ? a : fc.option(a, { nil: undefined }));
  switch (field.kind) {
    case "attr":
      return m.hasDefault ? valueArb(m.type!) : opt(valueArb(m.type!));
    case "text":
      return m.hasDefault ? xmlString() : opt(valueArb(m.type!));
    case "childText":
      return opt(valueArb(m.type!));
    case "childTexts":
      return fc.array(valueArb(m.type!), { maxLength: 3 });
    case "langText":
      return fc.dictionary(fc.constantFrom("", "en", "de", "fr-CA"), xmlString(), { maxKeys: 3 });
    case "flag":
      return fc.boolean();
    case "child":
      return depth > 3 ? fc.constant(undefined) : opt(arbitraryFor(m.codec!, overrides, depth + 1));
    case "children":
      return depth > 3 ? fc.constant([]) : fc.array(arbitraryFor(m.codec!, overrides, depth + 1), { maxLength: 3 });
    case "choice":
      return opt(fc.constantFrom(...(m.names ?? [])));
    case "raw":
      return fc.option(elementArb(m.name, m.ns), { nil: undefined });
    case "rawList":
      return fc.array(elementArb(m.name, m.ns), { maxLength: 2 });
    case "mapped":
      return fieldArb(m.inner as AnyField, overrides, depth).map((v) => m.map!(v));
  }
}

/**
 * The arbitrary of a codec's decoded values.
 *
 * @param overrides - arbitraries for fields by key, where the field's values
 *   are constrained beyond what its definition says.
 */
export function arbitraryFor<T>(codec: ElementCodec<T, unknown>, overrides: Overrides = {}, depth = 0): fc.Arbitrary<T> {
  const rec: Record<string, fc.Arbitrary<unknown>> = {};
  for (const [key, field] of Object.entries(codec.fields)) {
    rec[key] = overrides[`${codec.name}.${key}`] ?? fieldArb(field, overrides, depth);
  }
  return fc.record(rec) as unknown as fc.Arbitrary<T>;
}
