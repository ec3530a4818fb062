/// <reference lib="dom" />
/**
 * The modal dialog: asks for a confirmation, or for a text (a reason, an
 * address), and says next to it what was wrong with the last try.
 *
 * @module
 */
import { byId } from "./dom.js";

interface AskOptions {
  title: string;
  message?: string;
  /** The message says what was wrong with the last try (shown as an error, next to the field). */
  messageError?: boolean;
  confirm: string;
  danger?: boolean;
  /** Ask for a text (a reason, a subject); without, a plain confirmation. */
  input?: { label: string; value?: string; placeholder?: string };
}

/** Resolves with the text typed (`""` without an input) or `null` when cancelled. */
export function ask(options: AskOptions): Promise<string | null> {
  const dialog = byId("dialog");
  const form = byId<HTMLFormElement>("dialog-form");
  const input = byId<HTMLInputElement>("dialog-input");
  byId("dialog-title").textContent = options.title;
  byId("dialog-message").textContent = options.message ?? "";
  byId("dialog-message").hidden = !options.message;
  byId("dialog-message").classList.toggle("form-error", options.messageError === true);
  byId("dialog-message").dataset.error = String(options.messageError === true);
  byId("dialog-field").hidden = !options.input;
  byId("dialog-label").textContent = options.input?.label ?? "";
  input.value = options.input?.value ?? "";
  input.placeholder = options.input?.placeholder ?? "";
  const confirm = byId<HTMLButtonElement>("dialog-confirm");
  confirm.textContent = options.confirm;
  confirm.classList.toggle("btn--danger", options.danger === true);
  confirm.classList.toggle("btn--primary", options.danger !== true);
  dialog.hidden = false;
  (options.input ? input : confirm).focus();
  return new Promise((resolve) => {
    const done = (value: string | null): void => {
      dialog.hidden = true;
      form.removeEventListener("submit", onSubmit);
      byId("dialog-cancel").removeEventListener("click", onCancel);
      dialog.removeEventListener("keydown", onKey);
      dialog.removeEventListener("click", onBackdrop);
      resolve(value);
    };
    const onSubmit = (ev: Event): void => {
      ev.preventDefault();
      done(options.input ? input.value.trim() : "");
    };
    const onCancel = (): void => done(null);
    const onKey = (ev: KeyboardEvent): void => {
      if (ev.key === "Escape") done(null);
    };
    const onBackdrop = (ev: Event): void => {
      if (ev.target === dialog) done(null);
    };
    form.addEventListener("submit", onSubmit);
    byId("dialog-cancel").addEventListener("click", onCancel);
    dialog.addEventListener("keydown", onKey);
    dialog.addEventListener("click", onBackdrop);
  });
}
