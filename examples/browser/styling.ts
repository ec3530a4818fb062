/// <reference lib="dom" />
/**
 * Message text as DOM nodes: XEP-0393 message styling (`*strong*`,
 * `_emphasis_`, `~strike~`, `` `code` ``, ```` ``` ```` preformatted blocks
 * and `>` quotes) and clickable http(s) links. Built with text nodes and
 * elements only: nothing of the text is ever parsed as HTML.
 *
 * The styling directives stay in the text (XEP-0393 §5: they are part of
 * the message), dimmed (`.sd`), outside the styled element, so that the
 * element's text is what was styled.
 *
 * @module
 */

/** Where a URL starts: http:// or https:// at the start of a word. */
const URL_START = /https?:\/\/[^\s<>"]+/y;
/** What ends a URL's text but is rarely part of it. */
const TRAILING = /[.,;:!?'")\]}>]$/;

/** The styled nodes of a message body. */
export function styledText(text: string): DocumentFragment {
  const out = document.createDocumentFragment();
  blocks(text.split("\n"), out);
  return out;
}

/** Lines into blocks: preformatted (```), quotes (>), and plain lines (joined by newlines; the body keeps white-space: pre-wrap). */
function blocks(lines: readonly string[], parent: Node): void {
  let first = true;
  const newline = (): void => {
    if (!first) parent.appendChild(document.createTextNode("\n"));
    first = false;
  };
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    if (line.startsWith("```")) {
      // Up to a line that is only ``` (or the end of the message).
      const body: string[] = [];
      let j = i + 1;
      while (j < lines.length && (lines[j] as string).trimEnd() !== "```") body.push(lines[j++] as string);
      const pre = document.createElement("pre");
      pre.className = "msg__pre";
      pre.dataset.testid = "styled-pre";
      pre.textContent = body.join("\n");
      parent.appendChild(pre);
      first = true;
      i = j;
      continue;
    }
    if (line.startsWith(">")) {
      const quoted: string[] = [];
      let j = i;
      while (j < lines.length && (lines[j] as string).startsWith(">")) quoted.push((lines[j++] as string).replace(/^> ?/, ""));
      const quote = document.createElement("blockquote");
      quote.className = "msg__blockquote";
      quote.dataset.testid = "styled-quote";
      blocks(quoted, quote);
      parent.appendChild(quote);
      first = true;
      i = j - 1;
      continue;
    }
    newline();
    inline(line, parent);
  }
}

const SPANS: Record<string, { tag: string; testid: string }> = {
  "*": { tag: "strong", testid: "styled-strong" },
  _: { tag: "em", testid: "styled-em" },
  "~": { tag: "s", testid: "styled-strike" },
  "`": { tag: "code", testid: "styled-code" },
};

/** One line's spans (XEP-0393 §6.2) and links. */
function inline(text: string, parent: Node): void {
  let plain = "";
  const flush = (): void => {
    if (plain) parent.appendChild(document.createTextNode(plain));
    plain = "";
  };
  let i = 0;
  while (i < text.length) {
    const ch = text[i] as string;
    const before = i === 0 ? " " : (text[i - 1] as string);
    const atWordStart = /\s/.test(before) || before in SPANS;
    if ((atWordStart || /[([{<"']/.test(before)) && (ch === "h" || ch === "H")) {
      URL_START.lastIndex = i;
      const m = URL_START.exec(text);
      const url = m ? trimUrl(m[0]) : undefined;
      if (url && safeUrl(url)) {
        flush();
        parent.appendChild(link(url));
        i += url.length;
        continue;
      }
    }
    const span = SPANS[ch];
    if (span && atWordStart && i + 1 < text.length && !/\s/.test(text[i + 1] as string)) {
      // The closing directive: the same character, not after whitespace, with something between.
      let close = -1;
      for (let j = i + 2; j < text.length; j++) {
        if (text[j] === ch && !/\s/.test(text[j - 1] as string)) {
          close = j;
          break;
        }
      }
      if (close > i + 1) {
        flush();
        parent.appendChild(directive(ch));
        const el = document.createElement(span.tag);
        el.dataset.testid = span.testid;
        // Nothing is styled inside code.
        if (ch === "`") el.textContent = text.slice(i + 1, close);
        else inline(text.slice(i + 1, close), el);
        parent.appendChild(el);
        parent.appendChild(directive(ch));
        i = close + 1;
        continue;
      }
    }
    plain += ch;
    i++;
  }
  flush();
}

function directive(ch: string): HTMLElement {
  const span = document.createElement("span");
  span.className = "sd";
  span.textContent = ch;
  return span;
}

/** A URL's text without the punctuation that ends the sentence around it (a closing parenthesis only when unbalanced). */
function trimUrl(url: string): string {
  let out = url;
  while (out.length > 0 && TRAILING.test(out.slice(-1))) {
    const rest = out.slice(0, -1);
    // "(see https://en.wikipedia.org/wiki/Foo_(bar))": the first ")" belongs to the URL.
    if (out.endsWith(")") && count(rest, "(") > count(rest, ")")) break;
    out = rest;
  }
  return out;
}

function count(text: string, ch: string): number {
  return text.split(ch).length - 1;
}

/** Whether a URL may be a link: http or https, and it parses. */
function safeUrl(url: string): boolean {
  try {
    const parsed = new URL(url);
    return parsed.protocol === "http:" || parsed.protocol === "https:";
  } catch {
    return false;
  }
}

function link(url: string): HTMLAnchorElement {
  const a = document.createElement("a");
  a.href = url;
  a.textContent = url;
  a.target = "_blank";
  a.rel = "noopener noreferrer nofollow";
  a.referrerPolicy = "no-referrer";
  a.className = "msg__link";
  a.dataset.testid = "message-link";
  return a;
}
