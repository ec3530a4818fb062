/// <reference lib="dom" />
/**
 * @-mentions: completing a nick in the composer (Tab, or the popup that
 * opens on `@`), and telling whether a message mentions us.
 *
 * ## `data-testid`s
 *
 * `mention-popup` (over the composer while an `@word` is typed), with a
 * `mention-option` per matching occupant (`data-nick`, `aria-selected` on the
 * one Tab or Enter picks).
 *
 * @module
 */
import { h, replaceChildren } from "./dom.js";

/** The word being typed before the caret (`@al` or `al`), and where it starts. */
function wordAtCaret(input: HTMLTextAreaElement): { start: number; word: string } {
  const end = input.selectionStart ?? input.value.length;
  const before = input.value.slice(0, end);
  const m = /(?:^|\s)(@?[^\s@]*)$/.exec(before);
  const word = m?.[1] ?? "";
  return { start: end - word.length, word };
}

/**
 * Complete nicks in `input`: Tab completes the word before the caret (again
 * to cycle through the matches); typing `@` opens a list of the occupants
 * that match what follows (click, Tab or Enter picks, Escape closes).
 *
 * Attach it before the composer's own keydown handler: a key it takes does
 * not reach that one.
 *
 * @param nicks - the occupants' nicks now (ours left out).
 */
export function attachMentions(input: HTMLTextAreaElement, nicks: () => readonly string[]): void {
  const popup = h("ul", { class: "mention-popup", testid: "mention-popup", role: "listbox", "aria-label": "People", hidden: true });
  input.insertAdjacentElement("beforebegin", popup);
  let matches: string[] = [];
  let chosen = 0;
  /** The Tab cycle: the prefix typed, and the matches it had. */
  let cycle: { prefix: string; start: number; matches: string[]; index: number } | undefined;

  const matching = (prefix: string): string[] => {
    const p = prefix.replace(/^@/, "").toLowerCase();
    return [...nicks()].filter((n) => n.toLowerCase().startsWith(p)).sort((a, b) => a.localeCompare(b));
  };
  const insert = (start: number, nick: string): void => {
    const end = input.selectionStart ?? input.value.length;
    const atStart = input.value.slice(0, start).trim() === "";
    const text = `${nick}${atStart ? ": " : " "}`;
    input.setRangeText(text, start, end, "end");
    input.dispatchEvent(new Event("input", { bubbles: true }));
  };
  const close = (): void => {
    popup.hidden = true;
    matches = [];
  };
  const paint = (): void => {
    replaceChildren(
      popup,
      ...matches.map((nick, i) =>
        h(
          "li",
          {
            class: `mention-popup__option${i === chosen ? " is-chosen" : ""}`,
            role: "option",
            testid: "mention-option",
            "data-nick": nick,
            "aria-selected": String(i === chosen),
            // mousedown, not click: the input keeps the focus.
            onmousedown: (ev: Event) => {
              ev.preventDefault();
              pick(i);
            },
          },
          nick,
        ),
      ),
    );
  };
  const pick = (i: number): void => {
    const nick = matches[i];
    if (nick === undefined) return;
    const { start } = wordAtCaret(input);
    close();
    insert(start, nick);
  };
  const update = (): void => {
    const { word } = wordAtCaret(input);
    if (!word.startsWith("@")) return close();
    matches = matching(word).slice(0, 8);
    chosen = 0;
    popup.hidden = matches.length === 0;
    paint();
  };

  input.addEventListener("input", () => {
    cycle = undefined;
    update();
  });
  input.addEventListener("blur", () => setTimeout(close, 100));
  input.addEventListener("keydown", (ev) => {
    if (!popup.hidden && matches.length > 0) {
      if (ev.key === "ArrowDown" || ev.key === "ArrowUp") {
        chosen = (chosen + (ev.key === "ArrowDown" ? 1 : matches.length - 1)) % matches.length;
        paint();
      } else if (ev.key === "Tab" || ev.key === "Enter") {
        pick(chosen);
      } else if (ev.key === "Escape") {
        close();
      } else return;
      ev.preventDefault();
      ev.stopImmediatePropagation();
      return;
    }
    if (ev.key !== "Tab" || ev.shiftKey) return;
    // Tab without the popup: complete the word before the caret, and again to cycle.
    if (cycle && input.selectionStart === input.selectionEnd) {
      const next = cycle.matches[(cycle.index + 1) % cycle.matches.length] as string;
      cycle.index = (cycle.index + 1) % cycle.matches.length;
      input.setRangeText("", cycle.start, input.selectionStart ?? input.value.length, "end");
      const saved = cycle;
      insert(cycle.start, next);
      cycle = saved;
      ev.preventDefault();
      return;
    }
    const { start, word } = wordAtCaret(input);
    if (word.replace(/^@/, "") === "") return;
    const found = matching(word);
    if (found.length === 0) return;
    ev.preventDefault();
    insert(start, found[0] as string);
    cycle = { prefix: word, start, matches: found, index: 0 };
  });
}

/** Whether `text` mentions `nick` (as a word, any case). */
export function mentions(text: string, nick: string): boolean {
  if (!nick) return false;
  const escaped = nick.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  return new RegExp(`(?:^|[^\\p{L}\\p{N}_])@?${escaped}(?![\\p{L}\\p{N}_])`, "iu").test(text);
}
