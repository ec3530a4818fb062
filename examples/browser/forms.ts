/// <reference lib="dom" />
/**
 * Data forms (XEP-0004) on the page, whatever asks for them — a gateway's
 * commands (XEP-0050) and its registration steps: the fields of a form to
 * fill in, each by its type (text-single, text-private, text-multi, boolean,
 * list-single, list-multi, jid-single, jid-multi, fixed; hidden fields are
 * not shown and go back as they came), read back as the values to submit;
 * a result form as a table (`reported` columns, one row per item); a
 * command's notes; and the images a gateway sends (a QR code), only from a
 * `data:` image or an `https:` URL.
 *
 * Everything is built with DOM nodes: what a peer sends is text, never HTML.
 *
 * @module
 */
import type { CommandNote, CommandValues } from "../../src/index.js";
import type { DataForm, DataFormField } from "../../src/xso/index.js";
import { h, type Child } from "./dom.js";

/** A form's fields on the page, and the values typed into them. */
export interface FormFieldsView {
  /** The fields, one labelled control each. */
  readonly el: HTMLElement;
  /** The values to submit, by field var (fixed and hidden fields left out: the SDK sends those back). */
  values(): CommandValues;
  /** The same as strings (several values joined by newlines), to keep what was typed. */
  typed(): Record<string, string>;
  /** The fields the user fills in (not fixed or hidden). */
  readonly inputs: number;
}

/**
 * The fields of `form`, each as a control for its type. `testPrefix` names
 * them: `<prefix>-field-<var>`; `prefill` gives values typed before (by var).
 */
export function formFieldsView(form: DataForm, testPrefix: string, prefill: Readonly<Record<string, string>> = {}): FormFieldsView {
  const readers: { var: string; read: () => string | readonly string[] | boolean }[] = [];
  const rows: Child[] = [];
  for (const field of form.fields) {
    const type = field.type ?? "text-single";
    if (type === "hidden" || field.var === "FORM_TYPE") continue;
    if (type === "fixed") {
      rows.push(h("p", { class: "form-fixed", testid: `${testPrefix}-fixed`, "data-var": field.var ?? "" }, field.label ? h("strong", {}, `${field.label}: `) : null, field.values.join("\n")));
      continue;
    }
    if (field.var === undefined) continue;
    const name = field.var;
    const testid = `${testPrefix}-field-${name}`;
    const given = prefill[name];
    const initial = given !== undefined ? given.split("\n") : field.values;
    const label = h("span", {}, field.label ?? name, field.required ? h("span", { class: "req", "aria-hidden": "true" }, " *") : null);
    const desc = field.desc ? h("small", { class: "muted" }, field.desc) : null;
    switch (type) {
      case "boolean": {
        const input = h("input", { name, type: "checkbox", testid, checked: initial[0] === "1" || initial[0] === "true" });
        readers.push({ var: name, read: () => input.checked });
        rows.push(h("label", { class: "field field--check" }, input, label, desc));
        break;
      }
      case "list-single": {
        const select = h(
          "select",
          { name, testid, required: field.required },
          initial.length === 0 || !field.required ? h("option", { value: "" }, "—") : null,
          ...field.options.map((o) => h("option", { value: o.value, selected: initial.includes(o.value) }, o.label ?? o.value)),
        );
        readers.push({ var: name, read: () => select.value });
        rows.push(h("label", { class: "field" }, label, select, desc));
        break;
      }
      case "list-multi": {
        const boxes = field.options.map((o) => ({ value: o.value, input: h("input", { type: "checkbox", name, value: o.value, testid: `${testid}-${o.value}`, checked: initial.includes(o.value) }) }));
        readers.push({ var: name, read: () => boxes.filter((b) => b.input.checked).map((b) => b.value) });
        rows.push(
          h(
            "fieldset",
            { class: "field field--multi", testid },
            h("legend", {}, label),
            ...boxes.map((b, i) => h("label", { class: "field--check" }, b.input, field.options[i]?.label ?? b.value)),
            desc,
          ),
        );
        break;
      }
      case "text-multi":
      case "jid-multi": {
        const area = h("textarea", { name, testid, rows: 4, required: field.required });
        area.value = initial.join("\n");
        readers.push({ var: name, read: () => area.value.split("\n").filter((line, i, all) => line !== "" || i < all.length - 1) });
        rows.push(h("label", { class: "field" }, label, area, desc));
        break;
      }
      default: {
        // text-single, text-private, jid-single, and any type this page does not know: a line of text.
        const input = h("input", {
          name,
          testid,
          type: type === "text-private" ? "password" : type === "jid-single" ? "email" : "text",
          required: field.required,
          autocomplete: "off",
          spellcheck: type === "jid-single" ? "false" : undefined,
        });
        input.value = type === "text-private" && given === undefined ? "" : (initial[0] ?? "");
        readers.push({ var: name, read: () => input.value });
        rows.push(h("label", { class: "field" }, label, input, desc));
      }
    }
  }
  const read = (): Record<string, string | readonly string[] | boolean> => Object.fromEntries(readers.map((r) => [r.var, r.read()]));
  return {
    el: h("div", { class: "form-fields" }, ...rows),
    values: () => read(),
    typed: () => Object.fromEntries(Object.entries(read()).map(([k, v]) => [k, typeof v === "boolean" ? (v ? "1" : "0") : typeof v === "string" ? v : v.join("\n")])),
    inputs: readers.length,
  };
}

/** A result form: its fields as "label: value" lines, and its items as a table under the `reported` columns. */
export function resultView(form: DataForm, testPrefix: string): HTMLElement {
  const fields = form.fields.filter((f) => f.var !== "FORM_TYPE" && f.type !== "hidden");
  const columns = form.reported ?? [];
  const cell = (row: readonly DataFormField[], column: DataFormField): string => row.find((f) => f.var === column.var)?.values.join("\n") ?? "";
  return h(
    "div",
    { class: "form-result", testid: `${testPrefix}-result` },
    fields.length
      ? h(
          "dl",
          { class: "form-result__fields" },
          ...fields.flatMap((f) => [h("dt", {}, f.label ?? f.var ?? ""), h("dd", { testid: `${testPrefix}-result-field`, "data-var": f.var ?? "" }, f.values.join("\n"))]),
        )
      : null,
    columns.length
      ? h(
          "table",
          { class: "form-table", testid: `${testPrefix}-table` },
          h("thead", {}, h("tr", {}, ...columns.map((c) => h("th", { scope: "col" }, c.label ?? c.var ?? "")))),
          h(
            "tbody",
            {},
            ...form.items.map((row) => h("tr", { testid: `${testPrefix}-row` }, ...columns.map((c) => h("td", { "data-var": c.var ?? "" }, cell(row, c))))),
          ),
        )
      : null,
    columns.length && form.items.length === 0 ? h("p", { class: "muted" }, "Nothing to show.") : null,
  );
}

/** A command's notes (info, warn, error), one line each. */
export function notesView(notes: readonly CommandNote[], testPrefix: string): HTMLElement | null {
  if (notes.length === 0) return null;
  return h(
    "ul",
    { class: "form-notes" },
    ...notes.map((n) => h("li", { class: `form-note form-note--${n.type}`, testid: `${testPrefix}-note`, "data-type": n.type, role: n.type === "error" ? "alert" : undefined }, n.text)),
  );
}

/**
 * An image address this page shows: a `data:` URL of an image (the bytes
 * are in it), an `https:` URL, or an `http:` one when the page itself is
 * served over `http:` (as the demo is, with Prosody's file share on
 * loopback: the same rule as for the files people send); anything else
 * (`javascript:`, a `data:` URL of HTML…) is not.
 *
 * @param url - the address.
 * @param pageProtocol - the page's own protocol (default: this page's).
 */
export function safeImageUrl(url: string | undefined, pageProtocol: string | undefined = globalThis.location?.protocol): string | undefined {
  if (!url) return undefined;
  const trimmed = url.trim();
  if (/^data:image\/(?:png|gif|jpeg|webp);base64,[A-Za-z0-9+/=\s]+$/i.test(trimmed)) return trimmed;
  try {
    const protocol = new URL(trimmed).protocol;
    return protocol === "https:" || (protocol === "http:" && pageProtocol === "http:") ? trimmed : undefined;
  } catch {
    return undefined;
  }
}
