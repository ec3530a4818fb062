/**
 * TypeDoc plugin (typedoc.json `plugin`): keep inline code in the text of
 * Markdown headings.
 *
 * TypeDoc 0.28 takes a heading's anchor and its entry in the page's "On This
 * Page" list from the heading's `text` tokens only (`getTokenTextContent` in
 * its MarkedPlugin), so the `` `xmpp-muc-sdk` `` of the README's
 * "## The client (`xmpp-muc-sdk`)" was dropped from both: the list read
 * "The client ()" and the anchor was `#the-client-`, where GitHub has
 * `#the-client-xmpp-muc-sdk`.
 *
 * This plugin turns the `code_inline` tokens of headings into `text` tokens
 * marked `headingCode`, which the `text` renderer still writes as `<code>`:
 * the heading looks the same, and TypeDoc now sees its whole text. It goes
 * in through TypeDoc's `markdownItLoader` option (a function, which a JSON
 * configuration cannot hold), set by an option reader that runs after the
 * configuration files and keeps any loader they set.
 */

/** @typedef {import("markdown-it").default} MarkdownIt (the parser TypeDoc uses) */

/**
 * Make `md` keep inline code in headings' text tokens.
 *
 * @param {MarkdownIt} md
 */
export function keepHeadingCode(md) {
  // After every core rule (text_join included), so nothing merges the tokens again.
  md.core.ruler.push("heading_code_text", (state) => {
    const tokens = state.tokens;
    for (let i = 1; i < tokens.length; i++) {
      const inline = tokens[i];
      if (inline?.type !== "inline" || tokens[i - 1]?.type !== "heading_open") continue;
      for (const child of inline.children ?? []) {
        if (child.type !== "code_inline") continue;
        child.type = "text";
        child.meta = { ...(child.meta ?? {}), headingCode: true };
      }
    }
  });
  const renderText = md.renderer.rules.text;
  md.renderer.rules.text = (tokens, idx, options, env, self) => {
    const token = tokens[idx];
    if (token?.meta?.headingCode) return `<code>${md.utils.escapeHtml(token.content)}</code>`;
    return renderText ? renderText(tokens, idx, options, env, self) : md.utils.escapeHtml(token?.content ?? "");
  };
}

/**
 * The plugin's entry point.
 *
 * @param {import("typedoc").Application} app
 */
export function load(app) {
  app.options.addReader({
    name: "xmpp-muc-sdk-heading-code",
    // After the configuration files (100, 200) and the command line (300).
    order: 1000,
    supportsPackages: false,
    read(options) {
      const previous = /** @type {(md: MarkdownIt) => void} */ (options.getValue("markdownItLoader"));
      options.setValue("markdownItLoader", (/** @type {MarkdownIt} */ md) => {
        previous(md);
        keepHeadingCode(md);
      });
    },
  });
}
