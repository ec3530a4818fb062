/// <reference lib="dom" />
/**
 * What a room and a direct chat (contacts.ts) draw alike: a message in the
 * log, and the composer's form.
 *
 * A message: its avatar, the name and time above it, the message it
 * replies to, its files (XEP-0447, XEP-0066; http(s) only: images inline, a
 * thumbnail linking to the full image, anything else a card with the name,
 * size and a download link, files.ts), its text styled (styling.ts) with
 * our delivery mark, then the places its reactions, a note and its readers
 * fill in later. A body that is only the files' URLs is hidden.
 *
 * The composer: a text area (Enter sends, Shift+Enter a new line, it grows
 * with its text up to a point) above the line of what it is doing besides
 * writing (replying, editing).
 *
 * @module
 */
import type { Attachment } from "../../src/index.js";
import { h, type Attrs, type Child } from "./dom.js";
import { styledText } from "./styling.js";
import { attachmentView, onlyUrlsOf } from "./files.js";

/** What a message shows, besides its avatar. */
export interface MessageParts {
  /** Who wrote it and when, above the text (`undefined`: a message following one of theirs shows none). */
  readonly meta: { readonly nick: string; readonly color?: string; readonly at: Date; readonly time: string } | undefined;
  /** The message it replies to: its author, its text, and the id it is referred to by. */
  readonly quote?: { readonly nick: string; readonly color?: string; readonly text: string; readonly target: string } | undefined;
  readonly body: string;
  readonly attachments?: readonly Attachment[] | undefined;
  /** The delivery mark of one of ours: its state, icon and what it means. */
  readonly mark?: { readonly state: string; readonly icon: string; readonly label: string } | undefined;
}

/** A message's list item: `attrs` are the item's own (its class, `data-testid` and data), `avatar` what comes before its content. */
export function messageElement(attrs: Attrs, avatar: HTMLElement, parts: MessageParts): HTMLLIElement {
  const attachments = parts.attachments ?? [];
  const files = attachments.length > 0 ? h("div", { class: "msg__files", testid: "message-attachments" }, ...attachments.map(attachmentView)) : null;
  const urlsOnly = onlyUrlsOf(parts.body, attachments);
  const { meta, quote, mark } = parts;
  return h(
    "li",
    attrs,
    avatar,
    h(
      "div",
      { class: "msg__content" },
      meta ? h("div", { class: "msg__meta" }, h("span", { class: "msg__nick", style: meta.color ? `color: ${meta.color}` : undefined }, meta.nick), h("time", { datetime: meta.at.toISOString() }, meta.time)) : null,
      quote
        ? h(
            "div",
            { class: "msg__quote", testid: "message-quote", "data-reply-to": quote.target },
            h("span", { class: "msg__quote-nick", style: quote.color ? `color: ${quote.color}` : undefined }, quote.nick),
            " ",
            h("span", { class: "msg__quote-text", testid: "message-quote-text" }, quote.text),
          )
        : null,
      // A body that is just the files' URLs is not shown: the files come first, our delivery state under them.
      urlsOnly ? files : null,
      h(
        "div",
        { class: "msg__line" },
        h("span", { class: "msg__body", testid: "message-body", hidden: urlsOnly }, styledText(parts.body)),
        mark ? h("span", { class: "msg__state", testid: "message-state", "data-state": mark.state, title: mark.label }, mark.icon) : null,
      ),
      urlsOnly ? null : files,
      h("div", { class: "msg__reactions", testid: "message-reactions" }),
      h("div", { class: "msg__error", testid: "message-note" }),
      h("div", { class: "msg__seen", testid: "message-seen" }),
    ),
  );
}

/** What the composer does with what is typed. */
export interface ComposerOptions {
  readonly placeholder: string;
  /** Between the context line and the text area (a room's uploads and attach button). */
  readonly extras?: readonly Child[];
  /** Listen to the text area before the composer does (the mentions' popup takes Enter first). */
  readonly listen?: (input: HTMLTextAreaElement) => void;
  /** Send this text (typed, trimmed, not empty); the text area is emptied. */
  readonly send: (text: string) => void;
  /** Escape was pressed in the text area. */
  readonly escape: (input: HTMLTextAreaElement) => void;
  /** The text changed. */
  readonly typed: (text: string) => void;
}

/** The composer's form and its text area. */
export function composerForm(options: ComposerOptions): { form: HTMLFormElement; input: HTMLTextAreaElement } {
  const input = h("textarea", { class: "composer__input", testid: "composer-input", rows: 1, placeholder: options.placeholder, "aria-label": "Message" });
  const form = h(
    "form",
    {
      class: "composer",
      testid: "composer",
      onsubmit: (ev: Event) => {
        ev.preventDefault();
        const text = input.value.trim();
        if (!text) return;
        input.value = "";
        input.style.height = "";
        options.send(text);
      },
    },
    h("div", { class: "composer__context", testid: "composer-context", hidden: true }),
    ...(options.extras ?? []),
    input,
    h("button", { class: "btn btn--primary composer__send", type: "submit", testid: "composer-send", "aria-label": "Send" }, "Send"),
  );
  options.listen?.(input);
  input.addEventListener("keydown", (ev) => {
    if (ev.key === "Escape") options.escape(input);
    if (ev.key === "Enter" && !ev.shiftKey && !ev.isComposing) {
      ev.preventDefault();
      form.requestSubmit();
    }
  });
  input.addEventListener("input", () => {
    input.style.height = "";
    input.style.height = `${Math.min(input.scrollHeight, 160)}px`;
    options.typed(input.value);
  });
  return { form, input };
}
