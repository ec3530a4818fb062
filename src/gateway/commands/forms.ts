/**
 * The gateway's data forms (XEP-0004) from the fields a module declares —
 * the registration form and the forms of commands — and the values a user
 * submits in them.
 *
 * @module
 */
import { dataForm, type DataForm, type DataFormFieldInput } from "../../xso/data-form.js";
import { XMPPError } from "../../xso/stanza-error.js";
import type { RegistrationField } from "../gateway.js";

/**
 * The data form fields of `fields`, each with its value from `prefill` (or
 * the field's own `value`); private fields never carry a value.
 */
export function formFields(fields: readonly RegistrationField[], prefill: Readonly<Record<string, unknown>> = {}): DataFormFieldInput[] {
  return fields.map((f) => {
    const given = prefill[f.var];
    const value = f.type === "text-private" ? undefined : typeof given === "string" ? given : f.value;
    return {
      var: f.var,
      type: f.type ?? "text-single",
      ...(f.label !== undefined ? { label: f.label } : {}),
      ...(f.desc !== undefined ? { desc: f.desc } : {}),
      required: f.required === true,
      ...(f.options ? { options: f.options.map((o) => ({ value: o.value, ...(o.label !== undefined ? { label: o.label } : {}) })) } : {}),
      ...(value !== undefined ? { values: [value] } : {}),
    };
  });
}

/** The values of a submitted form, by field var (several values joined by newlines), without FORM_TYPE. */
export function submittedValues(form: Pick<DataForm, "fields">): Record<string, string> {
  const values: Record<string, string> = {};
  for (const f of form.fields) if (f.var && f.var !== "FORM_TYPE") values[f.var] = f.values.join("\n");
  return values;
}

/**
 * The values of `fields` alone, by var: what a hook documented to get a
 * form's fields gets, whatever else a client submitted (a hand-written
 * XEP-0055 query may hold any element).
 */
export function declaredValues(fields: readonly RegistrationField[], values: Readonly<Record<string, string>>): Record<string, string> {
  const declared: Record<string, string> = {};
  for (const f of fields) if (Object.hasOwn(values, f.var)) declared[f.var] = values[f.var] ?? "";
  return declared;
}

/** Decode a submitted `<x xmlns='jabber:x:data'>`, refusing a malformed one with `bad-request`. */
export function decodeSubmission(el: Parameters<typeof dataForm.decode>[0], ns?: string): DataForm {
  try {
    return dataForm.decode(el, ns);
  } catch (e) {
    throw new XMPPError("bad-request", { text: `malformed form: ${e instanceof Error ? e.message : String(e)}` });
  }
}

/**
 * Refuse (`not-acceptable`) values that leave a required field empty, or
 * that a field's `check` finds wrong, naming the field.
 */
export function checkRequired(fields: readonly RegistrationField[], values: Readonly<Record<string, string>>): void {
  for (const f of fields) {
    const value = values[f.var] ?? "";
    if (f.required && !value) throw new XMPPError("not-acceptable", { text: `Missing field: ${f.label ?? f.var}` });
    const problem = f.check?.(value);
    if (typeof problem === "string" && problem) throw new XMPPError("not-acceptable", { text: `${f.label ?? f.var}: ${problem}` });
  }
}
