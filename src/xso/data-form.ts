/**
 * XEP-0004 (Data Forms): `<x xmlns='jabber:x:data'>` — forms, submissions,
 * cancellations and results with their fields, options, `<reported/>` header
 * and `<item/>` rows (§3, schema in §10).
 *
 * The codecs keep every field value as a string, exactly as it is on the wire.
 * On top of them, {@link formSchema} declares a typed view of the fields of one
 * FORM_TYPE (XEP-0068): `schema.parse(form)` turns a decoded form into a typed
 * record, and `schema.toSubmit(record)` turns a record back into a form.
 *
 * @module
 */
import { attr, child, childText, childTexts, children, element, flag, mapped, type Infer, type Input } from "./codec.js";
import { DecodeError, ValueError } from "./errors.js";
import { NS_DATA_FORMS } from "./ns.js";
import { booleanValue, enumeration, integer, jidValue, openEnumeration, string, type ValueType } from "./values.js";

// ---------------------------------------------------------------------------
// Codecs
// ---------------------------------------------------------------------------

/**
 * The form types of XEP-0004 §3.1.
 *
 * @category Data forms
 */
export const DATA_FORM_TYPES = ["form", "submit", "cancel", "result"] as const;
/**
 * What a data form is for: a form to fill in, its submission, a cancellation, or a result.
 *
 * @category Data forms
 */
export type DataFormType = (typeof DATA_FORM_TYPES)[number];
/**
 * The form type value type (closed enumeration).
 *
 * @category Data forms
 */
export const dataFormTypeValue = enumeration(DATA_FORM_TYPES);

/**
 * The field types of XEP-0004 §3.3.
 *
 * @category Data forms
 */
export const FIELD_TYPES = [
  "boolean",
  "fixed",
  "hidden",
  "jid-multi",
  "jid-single",
  "list-multi",
  "list-single",
  "text-multi",
  "text-private",
  "text-single",
] as const;
/**
 * A field type defined by XEP-0004.
 *
 * @category Data forms
 */
export type FieldType = (typeof FIELD_TYPES)[number];
/**
 * The field type value type. Open: XEP-0004 says an unknown type is to be
 * treated as text-single, so it is kept rather than rejected.
 *
 * @category Data forms
 */
export const fieldTypeValue = openEnumeration(FIELD_TYPES);

/**
 * `<option label='…'><value>…</value></option>`: one choice of a list field.
 *
 * @category Data forms
 */
export const dataFormOption = element("option", NS_DATA_FORMS, {
  /** Human-readable name of the option (`label` attribute). */
  label: attr("label"),
  /** The option's value (`<value/>` child). */
  value: childText("value", string, { required: true }),
});
/**
 * Decoded `<option/>`.
 *
 * @category Data forms
 */
export type DataFormOption = Infer<typeof dataFormOption>;

/**
 * `<field var type label>`: one field with its description, required flag,
 * values and options. The `type` stays `undefined` when the attribute is absent
 * (XEP-0004 then means text-single; see {@link effectiveFieldType}).
 *
 * @category Data forms
 */
export const dataFormField = element("field", NS_DATA_FORMS, {
  /** The field's unique name within the form (`var` attribute). */
  var: attr("var"),
  /** The field type (`type` attribute); `undefined` when absent. */
  type: attr("type", fieldTypeValue),
  /** Human-readable name of the field (`label` attribute). */
  label: attr("label"),
  /** Natural-language description of the field (`<desc/>` child). */
  desc: childText("desc"),
  /** Whether the field must be filled in (`<required/>` child). */
  required: flag("required"),
  /** The field's values, as on the wire (`<value/>` children). */
  values: childTexts("value"),
  /** The choices of a list field (`<option/>` children). */
  options: children(dataFormOption),
});
/**
 * Decoded `<field/>`.
 *
 * @category Data forms
 */
export type DataFormField = Infer<typeof dataFormField>;
/**
 * `<field/>` as accepted by `dataFormField.encode`.
 *
 * @category Data forms
 */
export type DataFormFieldInput = Input<typeof dataFormField>;

/**
 * `<reported/>`: the column header of a multi-item result (XEP-0004 §3.4).
 *
 * @category Data forms
 */
export const dataFormReported = element("reported", NS_DATA_FORMS, {
  /** The column fields (`<field/>` children). */
  fields: children(dataFormField),
});

/**
 * `<item/>`: one row of a multi-item result (XEP-0004 §3.4).
 *
 * @category Data forms
 */
export const dataFormItem = element("item", NS_DATA_FORMS, {
  /** The row's field values (`<field/>` children). */
  fields: children(dataFormField),
});

/**
 * `<x xmlns='jabber:x:data' type='…'>`: a data form. `reported` holds the
 * fields of the `<reported/>` header and `items` the fields of each `<item/>`.
 *
 * @category Data forms
 */
export const dataForm = element("x", NS_DATA_FORMS, {
  /** What the form is for (`type` attribute). */
  type: attr("type", dataFormTypeValue, { required: true }),
  /** The form's title (`<title/>` child). */
  title: childText("title"),
  /** Natural-language instructions, one per `<instructions/>` child. */
  instructions: childTexts("instructions"),
  /** The top-level fields (`<field/>` children). */
  fields: children(dataFormField),
  /** The fields of the `<reported/>` header of a multi-item result. */
  reported: mapped(
    child(dataFormReported),
    (reported) => reported?.fields,
    (fields: DataFormFieldInput[] | undefined) => (fields === undefined ? undefined : { fields }),
  ),
  /** The fields of each `<item/>` row of a multi-item result. */
  items: mapped(
    children(dataFormItem),
    (items) => items.map((item) => item.fields),
    (rows: DataFormFieldInput[][] | undefined) => rows?.map((fields) => ({ fields })),
  ),
});
/**
 * Decoded data form.
 *
 * @category Data forms
 */
export type DataForm = Infer<typeof dataForm>;
/**
 * Data form as accepted by `dataForm.encode`.
 *
 * @category Data forms
 */
export type DataFormInput = Input<typeof dataForm>;

// ---------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------

/**
 * The name of the field that carries a form's FORM_TYPE (XEP-0068).
 *
 * @category Data forms
 */
export const FORM_TYPE = "FORM_TYPE";

/**
 * The type a field is to be treated as: its `type`, or `text-single` when absent (XEP-0004 §3.2).
 *
 * @category Data forms
 */
export function effectiveFieldType(field: Pick<DataFormField, "type">): string {
  return field.type ?? "text-single";
}

/**
 * The first top-level field of `form` whose `var` is `name`, or `undefined`.
 *
 * @category Data forms
 */
export function getField(form: Pick<DataForm, "fields">, name: string): DataFormField | undefined {
  return form.fields.find((f) => f.var === name);
}

/**
 * The values of the first top-level field named `name`, or `undefined` when the form has no such field.
 *
 * @category Data forms
 */
export function getFieldValues(form: Pick<DataForm, "fields">, name: string): string[] | undefined {
  return getField(form, name)?.values;
}

/**
 * The form's FORM_TYPE (XEP-0068): the first value of its `FORM_TYPE` field,
 * when that field is hidden or untyped (submissions often omit the type).
 *
 * @category Data forms
 */
export function formType(form: Pick<DataForm, "fields">): string | undefined {
  const field = form.fields.find((f) => f.var === FORM_TYPE && (f.type === undefined || f.type === "hidden"));
  return field?.values[0];
}

// ---------------------------------------------------------------------------
// Typed forms
// ---------------------------------------------------------------------------

/**
 * How one kind of field value is read from, and written to, the `<value/>`
 * texts of a field. Implement it to add a kind; the built-in kinds are in
 * {@link formFieldKinds}.
 *
 * @category Data forms
 */
export interface FormFieldKind<T> {
  /** The field type written in forms of type `form` and `result`. */
  readonly fieldType: FieldType;
  /** The accepted option values of a list kind limited to a set of values. */
  readonly values?: readonly string[];
  /**
   * Read the value from a field's `<value/>` texts.
   * @returns `undefined` when the field carries no value.
   * @throws {@link ValueError} when the texts are not a valid value.
   */
  parse(values: readonly string[]): T | undefined;
  /** Write a value as `<value/>` texts. */
  format(value: T): string[];
}

/**
 * A kind holding at most one value of `type`. No `<value/>` reads as
 * `undefined`; so does an empty one, unless the type is `string` (then it is
 * `""`) or the field is a boolean (then it is `false`: XEP-0004 §3.3 makes
 * false a boolean field's default). More than one `<value/>` is an error.
 *
 * @param fieldType - the field type written in forms.
 * @param type - how the single text parses and formats.
 *
 * @category Data forms
 */
export function singleValueKind<T>(fieldType: FieldType, type: ValueType<T>): FormFieldKind<T> {
  const emptyIsValue = type.kind === "string";
  const empty = fieldType === "boolean" && type.kind === "boolean" ? type.parse("false") : undefined;
  return {
    fieldType,
    ...(type.values === undefined ? {} : { values: type.values }),
    parse(values) {
      if (values.length === 0) return empty;
      if (values.length > 1) throw new ValueError(`expected one value, got ${values.length}`);
      const text = values[0] as string;
      if (!emptyIsValue && text.trim() === "") return empty;
      return type.parse(text);
    },
    format: (value) => [type.format(value)],
  };
}

/**
 * A kind holding a list of values of `type`, one per `<value/>`. A field with
 * no `<value/>` reads as `[]`. Empty values are skipped unless the type is
 * `string`. In a jid-multi field, duplicate JIDs are dropped (XEP-0004 §3.3).
 *
 * @param fieldType - the field type written in forms.
 * @param type - how each text parses and formats.
 *
 * @category Data forms
 */
export function multiValueKind<T>(fieldType: FieldType, type: ValueType<T>): FormFieldKind<T[]> {
  const emptyIsValue = type.kind === "string";
  const unique = fieldType === "jid-multi";
  return {
    fieldType,
    ...(type.values === undefined ? {} : { values: type.values }),
    parse(values) {
      const out: T[] = [];
      const seen = new Set<string>();
      for (const text of values) {
        if (!emptyIsValue && text.trim() === "") continue;
        const value = type.parse(text);
        if (unique) {
          const key = type.format(value);
          if (seen.has(key)) continue;
          seen.add(key);
        }
        out.push(value);
      }
      return out;
    },
    format: (list) => list.map((v) => type.format(v)),
  };
}

/**
 * A text-multi kind: the `<value/>` lines joined with `"\n"` into one string,
 * and split at line breaks (`\r\n`, `\r`, `\n`) into one `<value/>` per line
 * when written (XEP-0004 §3.3, text-multi).
 */
const textMultiKind: FormFieldKind<string> = {
  fieldType: "text-multi",
  parse: (values) => (values.length === 0 ? undefined : values.join("\n")),
  format: (text) => text.split(/\r\n|\r|\n/),
};

/**
 * A list-single kind accepting only `values` (anything else is invalid).
 *
 * @param values - the accepted option values.
 *
 * @category Data forms
 */
export function listSingleOf<const V extends string>(values: readonly V[]): FormFieldKind<V> {
  return singleValueKind("list-single", enumeration(values));
}

/**
 * A list-multi kind accepting only `values` (anything else is invalid).
 *
 * @param values - the accepted option values.
 *
 * @category Data forms
 */
export function listMultiOf<const V extends string>(values: readonly V[]): FormFieldKind<V[]> {
  return multiValueKind("list-multi", enumeration(values));
}

/**
 * An integer kind within `[min, max]`, written as a text-single field.
 *
 * @param min - smallest accepted value.
 * @param max - largest accepted value.
 *
 * @category Data forms
 */
export function integerKind(min?: number, max?: number): FormFieldKind<number> {
  return singleValueKind("text-single", integer(min, max));
}

/**
 * The built-in field kinds, by name, for {@link fieldSpec}:
 *
 * - `text`, `textPrivate`, `listSingle` — one string;
 * - `textMulti` — one string, lines joined with `"\n"`;
 * - `boolean` — reads `1`/`true`/`0`/`false`, writes `1`/`0`;
 * - `integer` — a (safe) integer in a text-single field;
 * - `jid` — one JID, validated with `parseJid`;
 * - `jidMulti` — JIDs;
 * - `listMulti` — strings.
 *
 * @category Data forms
 */
export const formFieldKinds = {
  /** One string, in a text-single field. */
  text: singleValueKind("text-single", string),
  /** One string, in a text-private field (a password). */
  textPrivate: singleValueKind("text-private", string),
  /** One string of lines joined with `"\n"`, in a text-multi field. */
  textMulti: textMultiKind,
  /** A boolean, read from `1`/`true`/`0`/`false` and written as `1`/`0`. */
  boolean: singleValueKind("boolean", booleanValue("digit")),
  /** A safe integer, in a text-single field. */
  integer: integerKind(),
  /** One JID, in a jid-single field. */
  jid: singleValueKind("jid-single", jidValue),
  /** A list of distinct JIDs, in a jid-multi field. */
  jidMulti: multiValueKind("jid-multi", jidValue),
  /** One option value, in a list-single field. */
  listSingle: singleValueKind("list-single", string),
  /** A list of option values, in a list-multi field. */
  listMulti: multiValueKind("list-multi", string),
} as const satisfies Record<string, FormFieldKind<unknown>>;

/**
 * The name of a built-in field kind.
 *
 * @category Data forms
 */
export type FormFieldKindName = keyof typeof formFieldKinds;
/**
 * The value type of the built-in kind `K` (`"jid"` → `JID`, `"listMulti"` → `string[]`).
 *
 * @category Data forms
 */
export type FormFieldKindValue<K extends FormFieldKindName> = (typeof formFieldKinds)[K] extends FormFieldKind<infer T> ? T : never;

/**
 * Presentation details of a field, written by `toForm` (and the label by `toResult`).
 *
 * @category Data forms
 */
export interface FormFieldSpecOptions {
  /** Human-readable name of the field. */
  readonly label?: string;
  /** Longer description of the field. */
  readonly desc?: string;
  /** Whether the form marks the field `<required/>`. */
  readonly required?: boolean;
  /** The options offered by a list field; by default the kind's values, unlabelled. */
  readonly options?: readonly {
    /** Human-readable name of the option (`label` attribute of `<option/>`). */
    readonly label?: string;
    /** The option's value (`<value/>` of `<option/>`). */
    readonly value: string;
  }[];
}

/**
 * One field of a typed form: its `var`, its kind and how it is presented.
 *
 * @category Data forms
 */
export interface FormFieldSpec<T> extends FormFieldSpecOptions {
  /** The field's `var` attribute. */
  readonly var: string;
  /** How its value is read and written. */
  readonly kind: FormFieldKind<T>;
}

/**
 * Property names of a typed form, mapped to their fields.
 *
 * @category Data forms
 */
export type FormFieldSpecMap = Record<string, FormFieldSpec<unknown>>;

/**
 * The typed record of a field map: every property optional, typed by its field's kind.
 *
 * @category Data forms
 */
export type FormRecord<S extends FormFieldSpecMap> = {
  [K in keyof S]?: S[K] extends FormFieldSpec<infer T> ? T : never;
};

/**
 * Declare one field of a typed form.
 *
 * @param name - the field's `var`.
 * @param kind - a built-in kind name (see {@link formFieldKinds}) or a {@link FormFieldKind}.
 * @param options - label, description, required flag and options for `toForm`.
 * @example
 * ```ts
 * const persistent = fieldSpec("muc#roomconfig_persistentroom", "boolean", { label: "Make Room Persistent?" });
 * ```
 *
 * @category Data forms
 */
export function fieldSpec<K extends FormFieldKindName>(name: string, kind: K, options?: FormFieldSpecOptions): FormFieldSpec<FormFieldKindValue<K>>;
export function fieldSpec<T>(name: string, kind: FormFieldKind<T>, options?: FormFieldSpecOptions): FormFieldSpec<T>;
export function fieldSpec(name: string, kind: FormFieldKindName | FormFieldKind<unknown>, options: FormFieldSpecOptions = {}): FormFieldSpec<unknown> {
  const resolved: FormFieldKind<unknown> = typeof kind === "string" ? formFieldKinds[kind] : kind;
  if (resolved === undefined) throw new TypeError(`unknown form field kind '${String(kind)}'`);
  return { ...options, var: name, kind: resolved };
}

/**
 * Options of {@link FormSchema.parse}.
 *
 * @category Data forms
 */
export interface FormParseOptions {
  /**
   * What to do with a field whose value is invalid: `"throw"` a
   * {@link DecodeError} (the default), or `"ignore"` the field and leave its
   * property unset.
   */
  readonly invalid?: "throw" | "ignore";
}

/**
 * Options of {@link FormSchema.toForm} and {@link FormSchema.toResult}.
 *
 * @category Data forms
 */
export interface FormWriteOptions<S extends FormFieldSpecMap> {
  /** The form's `<title/>`. */
  readonly title?: string;
  /** The form's `<instructions/>`, one element per entry. */
  readonly instructions?: readonly string[];
  /** The properties to write as fields, values or not; by default those with a value. */
  readonly keys?: readonly (keyof S & string)[];
}

/**
 * A typed view of the fields of one FORM_TYPE, made by {@link formSchema}.
 *
 * @category Data forms
 */
export interface FormSchema<S extends FormFieldSpecMap> {
  /** The FORM_TYPE (value of the hidden `FORM_TYPE` field). */
  readonly formType: string;
  /** The field declarations, by property name. */
  readonly fields: S;
  /**
   * Read the typed record from the top-level fields of `form`. Fields the
   * schema does not declare are ignored; a field that repeats is read once
   * (the first wins); fields without a value leave their property unset.
   *
   * @throws {@link DecodeError} naming the field `var` when a value is invalid,
   *   or when the form's FORM_TYPE is another one.
   */
  parse(form: Pick<DataForm, "fields">, options?: FormParseOptions): FormRecord<S>;
  /**
   * A form of type `submit`: the FORM_TYPE hidden field first, then one
   * untyped field for each property with a value, in declaration order.
   */
  toSubmit(record: FormRecord<S>): DataForm;
  /** A form of type `form`, with field types, labels, descriptions, required flags and options. */
  toForm(record: FormRecord<S>, options?: FormWriteOptions<S>): DataForm;
  /** A form of type `result` (e.g. XEP-0128 extended disco info), with field types and labels. */
  toResult(record: FormRecord<S>, options?: FormWriteOptions<S>): DataForm;
}

/**
 * The typed record of a {@link FormSchema}.
 *
 * @category Data forms
 */
export type InferFormRecord<F> = F extends FormSchema<infer S> ? FormRecord<S> : never;

function invalidField(name: string, detail: string, cause?: unknown): DecodeError {
  return new DecodeError(`<x xmlns='${NS_DATA_FORMS}'> field '${name}': ${detail}`, {
    element: "x",
    ns: NS_DATA_FORMS,
    field: name,
    cause,
  });
}

/**
 * Declare a typed form for one FORM_TYPE.
 *
 * @param type - the FORM_TYPE.
 * @param fields - property names mapped to {@link fieldSpec} declarations.
 * @example
 * ```ts
 * const voice = formSchema("http://jabber.org/protocol/muc#request", {
 *   role: fieldSpec("muc#role", listSingleOf(["participant"])),
 *   allow: fieldSpec("muc#request_allow", "boolean"),
 * });
 * voice.parse(dataForm.decode(el)); // → { role?: "participant", allow?: boolean }
 * dataForm.encode(voice.toSubmit({ role: "participant" }));
 * ```
 *
 * @category Data forms
 */
export function formSchema<S extends FormFieldSpecMap>(type: string, fields: S): FormSchema<S> {
  const keys = Object.keys(fields) as (keyof S & string)[];

  const formTypeField = (): DataFormField => ({
    var: FORM_TYPE,
    type: "hidden",
    required: false,
    values: [type],
    options: [],
  });

  const write = (formKind: "form" | "result", record: FormRecord<S>, options: FormWriteOptions<S> = {}): DataForm => {
    const wanted = new Set<string>(options.keys ?? keys.filter((k) => record[k] !== undefined));
    const out: DataFormField[] = [formTypeField()];
    for (const key of keys) {
      if (!wanted.has(key)) continue;
      const spec = fields[key] as FormFieldSpec<unknown>;
      const value = record[key];
      const field: DataFormField = {
        var: spec.var,
        type: spec.kind.fieldType,
        required: formKind === "form" && spec.required === true,
        values: value === undefined ? [] : spec.kind.format(value),
        options: [],
      };
      if (spec.label !== undefined) field.label = spec.label;
      if (formKind === "form") {
        if (spec.desc !== undefined) field.desc = spec.desc;
        const offered: FormFieldSpecOptions["options"] = spec.options ?? spec.kind.values?.map((v) => ({ value: v })) ?? [];
        field.options = offered.map((o) => (o.label === undefined ? { value: o.value } : { label: o.label, value: o.value }));
      }
      out.push(field);
    }
    const form: DataForm = { type: formKind, instructions: [...(options.instructions ?? [])], fields: out, items: [] };
    if (options.title !== undefined) form.title = options.title;
    return form;
  };

  return {
    formType: type,
    fields,
    parse(form, options = {}) {
      const lenient = options.invalid === "ignore";
      const actual = formType(form);
      if (actual !== undefined && actual !== type) {
        throw invalidField(FORM_TYPE, `expected FORM_TYPE '${type}', got '${actual}'`);
      }
      const byVar = new Map<string, DataFormField>();
      for (const f of form.fields) {
        if (f.var !== undefined && !byVar.has(f.var)) byVar.set(f.var, f);
      }
      const out: FormRecord<S> = {};
      for (const key of keys) {
        const spec = fields[key] as FormFieldSpec<unknown>;
        const field = byVar.get(spec.var);
        if (field === undefined) continue;
        let value: unknown;
        try {
          value = spec.kind.parse(field.values);
        } catch (e) {
          if (lenient) continue;
          throw invalidField(spec.var, e instanceof Error ? e.message : String(e), e);
        }
        if (value !== undefined) out[key] = value as FormRecord<S>[typeof key];
      }
      return out;
    },
    toSubmit(record) {
      const out: DataFormField[] = [formTypeField()];
      for (const key of keys) {
        const value = record[key];
        if (value === undefined) continue;
        const spec = fields[key] as FormFieldSpec<unknown>;
        out.push({ var: spec.var, required: false, values: spec.kind.format(value), options: [] });
      }
      return { type: "submit", instructions: [], fields: out, items: [] };
    },
    toForm: (record, options) => write("form", record, options),
    toResult: (record, options) => write("result", record, options),
  };
}
