/// <reference lib="dom" />
/**
 * The room's administration, for its admins and owners (XEP-0045 §9, §10):
 *
 * - **People**: the owner, admin and member lists, each entry with its
 *   affiliation to change (promote, demote, remove), and a form to add
 *   someone by address;
 * - **Banned**: the outcast list, each with Unban;
 * - **Settings** (owners, where the room takes its configuration): the
 *   room's `muc#owner` form, rendered field by field whatever the server
 *   sends (text, boolean, lists, …), and submitted as it is.
 *
 * Only what our affiliation allows is offered ({@link canSetAffiliation});
 * what the room cannot do is not shown at all (the caller tells). What a
 * request could not do is said in plain words in the panel, next to it.
 *
 * ## `data-testid`s
 *
 * `manage-dialog` (the panel), `manage-close`, `manage-tab` (`data-tab`: people, banned, settings),
 * `affiliation-list` (`data-affiliation`), `affiliation-entry` (`data-jid`, `data-affiliation`) with
 * `affiliation-select` (its affiliation, to change) or `action-unban`; `affiliation-add-jid`,
 * `affiliation-add-select`, `affiliation-add-submit`; `config-form`, `config-field-<var>`,
 * `config-submit`, `config-status`; `manage-error` (what failed, in words).
 *
 * @module
 */
import { canSetAffiliation, getAffiliations, getRoomConfig, setAffiliation, setRoomConfig, type Affiliation, type AffiliationEntry, type MucService } from "../../src/index.js";
import type { DataFormField } from "../../src/xso/index.js";
import { h, replaceChildren, type Child } from "./dom.js";
import { adminErrorText, conditionOf } from "./errors.js";

/** What the panel needs from the page. */
export interface AdminContext {
  readonly muc: MucService;
  readonly roomJid: string;
  readonly roomName: string;
  /** Our affiliation in the room now. */
  readonly affiliation: Affiliation;
  /** Whether the room takes affiliation changes (not a gateway's that answers feature-not-implemented). */
  readonly affiliations: boolean;
  /** Whether the room takes its configuration from us. */
  readonly configure: boolean;
  /** The room answered feature-not-implemented to one kind of request: hide it from now on. */
  onUnsupported(what: "affiliation" | "config"): void;
  /** Ask before something destructive; resolves `false` when cancelled. */
  confirm(title: string, message: string, action: string): Promise<boolean>;
}

type Tab = "people" | "banned" | "settings";

const LABELS: Record<Affiliation, string> = { owner: "Owner", admin: "Admin", member: "Member", none: "No affiliation", outcast: "Banned" };
const LISTS: readonly ("owner" | "admin" | "member")[] = ["owner", "admin", "member"];

/** Open the panel over the page; resolves when it is closed. */
export function openAdminPanel(ctx: AdminContext, tab: Tab = "people"): Promise<void> {
  document.querySelector("[data-testid=manage-dialog]")?.remove();
  return new Promise((resolve) => {
    const body = h("div", { class: "manage__body" });
    const error = h("p", { class: "form-error", testid: "manage-error", role: "alert", hidden: true });
    const tabs = h("nav", { class: "manage__tabs", role: "tablist" });
    let current: Tab = tab;
    const close = (): void => {
      overlay.remove();
      document.removeEventListener("keydown", onKey);
      resolve();
    };
    const onKey = (ev: KeyboardEvent): void => {
      if (ev.key === "Escape") close();
    };
    const fail = (e: unknown, what?: "affiliation" | "config"): void => {
      console.warn(`room administration of ${ctx.roomJid}`, e);
      if (what && conditionOf(e) === "feature-not-implemented") ctx.onUnsupported(what);
      error.hidden = false;
      error.textContent = adminErrorText(e);
    };
    const show = (next: Tab): void => {
      current = next;
      error.hidden = true;
      const available: [Tab, string][] = [["people", "People"], ["banned", "Banned"]];
      if (ctx.configure) available.push(["settings", "Settings"]);
      replaceChildren(
        tabs,
        ...available.map(([id, label]) =>
          h("button", { class: `manage__tab${id === current ? " is-active" : ""}`, type: "button", role: "tab", "aria-selected": String(id === current), testid: "manage-tab", "data-tab": id, onclick: () => show(id) }, label),
        ),
      );
      if (next === "settings") void settings(ctx, body, fail, close);
      else void lists(ctx, body, next, fail, () => show(current));
    };
    const overlay = h(
      "div",
      { class: "modal manage", testid: "manage-dialog", onclick: (ev: Event) => ev.target === overlay && close() },
      h(
        "div",
        { class: "card modal__card manage__card", role: "dialog", "aria-label": `Manage ${ctx.roomName}` },
        h(
          "header",
          { class: "manage__head" },
          h("h3", {}, `Manage ${ctx.roomName}`),
          h("button", { class: "icon-btn", type: "button", testid: "manage-close", "aria-label": "Close", onclick: close }, "×"),
        ),
        tabs,
        error,
        body,
      ),
    );
    document.addEventListener("keydown", onKey);
    document.body.append(overlay);
    show(tab);
  });
}

/** The affiliation lists (people: owners, admins, members; banned: outcasts), each entry with what we may change of it. */
async function lists(ctx: AdminContext, body: HTMLElement, tab: "people" | "banned", fail: (e: unknown, what?: "affiliation") => void, refresh: () => void): Promise<void> {
  replaceChildren(body, h("p", { class: "muted" }, "Loading…"));
  const which: readonly Exclude<Affiliation, "none">[] = tab === "banned" ? ["outcast"] : LISTS;
  let results: AffiliationEntry[][];
  try {
    results = await Promise.all(which.map((a) => getAffiliations(ctx.muc, ctx.roomJid, a, { timeout: 10_000 })));
  } catch (e) {
    replaceChildren(body);
    fail(e);
    return;
  }
  const change = async (jid: string, affiliation: Affiliation, from: Affiliation): Promise<void> => {
    if (affiliation === "outcast" || (from === "owner" && affiliation !== "owner")) {
      const ok = await ctx.confirm(
        affiliation === "outcast" ? `Ban ${jid}?` : `Remove ${jid} as owner?`,
        affiliation === "outcast" ? "They are removed from the room and cannot come back." : "They lose control of the room's settings.",
        affiliation === "outcast" ? "Ban" : "Change",
      );
      if (!ok) return refresh();
    }
    try {
      await setAffiliation(ctx.muc, ctx.roomJid, jid, affiliation, { timeout: 10_000 });
      refresh();
    } catch (e) {
      fail(e, "affiliation");
    }
  };
  const sections: Child[] = which.map((affiliation, i) => {
    const entries = results[i] ?? [];
    return h(
      "section",
      { class: "manage__list", testid: "affiliation-list", "data-affiliation": affiliation },
      h("h4", {}, tab === "banned" ? "Banned" : `${LABELS[affiliation]}s`, h("span", { class: "muted" }, ` · ${entries.length}`)),
      entries.length === 0
        ? h("p", { class: "muted" }, tab === "banned" ? "Nobody is banned." : "Nobody.")
        : h(
            "ul",
            {},
            ...entries.map((entry) => {
              const jid = entry.jid.toString();
              const choices = (["owner", "admin", "member", "none"] as const).filter((a) => a === affiliation || canSetAffiliation({ affiliation: ctx.affiliation }, { affiliation }, a));
              const control =
                !ctx.affiliations
                  ? null
                  : affiliation === "outcast"
                    ? canSetAffiliation({ affiliation: ctx.affiliation }, { affiliation }, "none")
                      ? h("button", { class: "btn btn--small", type: "button", testid: "action-unban", onclick: () => void change(jid, "none", affiliation) }, "Unban")
                      : null
                    : choices.length > 1
                      ? h(
                          "select",
                          {
                            class: "manage__select",
                            testid: "affiliation-select",
                            "aria-label": `Affiliation of ${jid}`,
                            onchange: (ev: Event) => void change(jid, (ev.currentTarget as HTMLSelectElement).value as Affiliation, affiliation),
                          },
                          ...choices.map((a) => h("option", { value: a, selected: a === affiliation }, a === "none" ? "Remove" : LABELS[a])),
                        )
                      : null;
              return h(
                "li",
                { class: "manage__entry", testid: "affiliation-entry", "data-jid": jid, "data-affiliation": affiliation },
                h("span", { class: "manage__who" }, h("span", { class: "manage__jid" }, jid), entry.nick ? h("span", { class: "muted" }, ` (${entry.nick})`) : null, entry.reason ? h("span", { class: "manage__reason muted" }, `: ${entry.reason}`) : null),
                control,
              );
            }),
          ),
    );
  });
  const addable = (["member", "admin", "owner", "outcast"] as const).filter((a) => (tab === "banned") === (a === "outcast") && canSetAffiliation({ affiliation: ctx.affiliation }, { affiliation: "none" }, a));
  const add =
    ctx.affiliations && addable.length > 0
      ? h(
          "form",
          {
            class: "manage__add",
            onsubmit: (ev: Event) => {
              ev.preventDefault();
              const form = ev.currentTarget as HTMLFormElement;
              const jid = (form.elements.namedItem("jid") as HTMLInputElement).value.trim();
              const affiliation = (form.elements.namedItem("affiliation") as HTMLSelectElement).value as Affiliation;
              if (!/^[^@\s/]+@[^@\s/]+$|^[^@\s/]+\.[^@\s/]+$/.test(jid)) {
                fail(new AddressError());
                return;
              }
              void change(jid, affiliation, "none");
            },
          },
          h("input", { name: "jid", testid: "affiliation-add-jid", placeholder: "name@server", "aria-label": "Address", spellcheck: "false", autocomplete: "off" }),
          h("select", { name: "affiliation", testid: "affiliation-add-select", "aria-label": "As" }, ...addable.map((a) => h("option", { value: a }, a === "outcast" ? "Ban" : LABELS[a]))),
          h("button", { class: "btn btn--primary btn--small", type: "submit", testid: "affiliation-add-submit" }, tab === "banned" ? "Ban" : "Add"),
        )
      : null;
  replaceChildren(body, ...sections, add, ctx.affiliations ? null : h("p", { class: "muted", testid: "affiliations-readonly" }, "This room does not let you change who is a member, admin or owner from here."));
}

/** An address typed into the add form that is not one. */
class AddressError extends Error {
  readonly condition = "jid-malformed";
}

/** The room's configuration form, field by field, and its submission. */
async function settings(ctx: AdminContext, body: HTMLElement, fail: (e: unknown, what?: "config") => void, close: () => void): Promise<void> {
  replaceChildren(body, h("p", { class: "muted" }, "Loading…"));
  let fields: DataFormField[];
  let instructions: readonly string[];
  try {
    const { form } = await getRoomConfig(ctx.muc, ctx.roomJid, { timeout: 10_000 });
    fields = form.fields;
    instructions = form.instructions;
  } catch (e) {
    replaceChildren(body);
    fail(e, "config");
    return;
  }
  const status = h("span", { class: "manage__status muted", testid: "config-status", role: "status" });
  const inputs = new Map<DataFormField, () => string[]>();
  const rows: Child[] = [];
  for (const field of fields) {
    const name = field.var;
    const type = field.type ?? "text-single";
    if (type === "hidden" || !name) {
      if (name) inputs.set(field, () => field.values);
      continue;
    }
    if (type === "fixed") {
      rows.push(h("p", { class: "muted" }, field.values.join(" ")));
      continue;
    }
    const label = field.label ?? name;
    const testid = `config-field-${name}`;
    let control: HTMLElement;
    if (type === "boolean") {
      const box = h("input", { type: "checkbox", testid, checked: field.values[0] === "1" || field.values[0] === "true" });
      inputs.set(field, () => [box.checked ? "1" : "0"]);
      rows.push(h("label", { class: "field field--check" }, box, h("span", {}, label), field.desc ? h("small", { class: "muted" }, field.desc) : null));
      continue;
    } else if (type === "list-single" || type === "list-multi") {
      const select = h(
        "select",
        { testid, multiple: type === "list-multi" },
        ...field.options.map((o) => h("option", { value: o.value, selected: field.values.includes(o.value) }, o.label ?? o.value)),
      );
      inputs.set(field, () => Array.from(select.selectedOptions, (o) => o.value));
      control = select;
    } else if (type === "text-multi" || type === "jid-multi") {
      const area = h("textarea", { testid, rows: 3 });
      area.value = field.values.join("\n");
      inputs.set(field, () => area.value.split("\n").map((v) => v.trim()).filter((v) => v !== ""));
      control = area;
    } else {
      const input = h("input", { testid, type: type === "text-private" ? "password" : "text", value: field.values[0] ?? "", autocomplete: "off" });
      inputs.set(field, () => (input.value === "" ? [] : [input.value]));
      control = input;
    }
    rows.push(h("label", { class: "field" }, h("span", {}, label, field.required ? h("span", { class: "req", "aria-hidden": "true" }, " *") : null), control, field.desc ? h("small", { class: "muted" }, field.desc) : null));
  }
  const form = h(
    "form",
    {
      class: "manage__config",
      testid: "config-form",
      onsubmit: (ev: Event) => {
        ev.preventDefault();
        const button = form.querySelector<HTMLButtonElement>("[data-testid=config-submit]")!;
        button.disabled = true;
        status.textContent = "Saving…";
        const submission = { type: "submit" as const, instructions: [], items: [], fields: [...inputs].map(([f, read]) => ({ var: f.var, ...(f.type ? { type: f.type } : {}), required: false, values: read(), options: [] })) };
        setRoomConfig(ctx.muc, ctx.roomJid, submission, { timeout: 10_000 })
          .then(() => {
            status.textContent = "Saved.";
            setTimeout(close, 600);
          })
          .catch((e: unknown) => {
            status.textContent = "";
            fail(e, "config");
          })
          .finally(() => {
            button.disabled = false;
          });
      },
    },
    ...instructions.map((t) => h("p", { class: "muted" }, t)),
    ...rows,
    h("div", { class: "modal__actions" }, status, h("button", { class: "btn btn--primary", type: "submit", testid: "config-submit" }, "Save settings")),
  );
  replaceChildren(body, form);
}
