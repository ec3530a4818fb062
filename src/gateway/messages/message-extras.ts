/**
 * Extras of the messages legacy entities send (slidge's `send_text`
 * keywords): XEP-0334 processing hints, and XEP-0511 link previews (Open
 * Graph metadata in RDF) of the URLs a message links to.
 *
 * @module
 */
import xml, { type Element } from "@xmpp/xml";

const NS_HINTS = "urn:xmpp:hints";
const NS_RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#";
const NS_OGP = "https://ogp.me/ns#";

/**
 * An XEP-0334 processing hint.
 *
 * @category Rooms
 */
export type MessageHint = "store" | "no-store" | "no-copy" | "no-permanent-store";

/**
 * A preview of a URL a message links to (XEP-0511, Open Graph properties).
 *
 * @category Rooms
 */
export interface LinkPreview {
  /** The URL previewed (`rdf:about`). */
  readonly about: string;
  /** `og:title`. */
  readonly title?: string;
  /** `og:description`. */
  readonly description?: string;
  /** `og:url`, the canonical URL. */
  readonly url?: string;
  /** `og:image`, an image's URL. */
  readonly image?: string;
  /** `og:type`. */
  readonly type?: string;
  /** `og:site_name`. */
  readonly siteName?: string;
}

/** The `<hint xmlns='urn:xmpp:hints'/>` elements of `hints` (each once). */
export function hintPayloads(hints: readonly MessageHint[] | undefined): Element[] {
  return [...new Set(hints ?? [])].map((h) => xml(h, { xmlns: NS_HINTS }));
}

/** The `<rdf:Description/>` of each preview (XEP-0511 §3). */
export function linkPreviewPayloads(previews: readonly LinkPreview[] | undefined): Element[] {
  return (previews ?? []).map((p) => {
    const og = (name: string, value: string | undefined): Element[] => (value === undefined || value === "" ? [] : [xml(`og:${name}`, {}, value)]);
    return xml(
      "rdf:Description",
      { "xmlns:rdf": NS_RDF, "xmlns:og": NS_OGP, "rdf:about": p.about },
      ...og("title", p.title),
      ...og("description", p.description),
      ...og("url", p.url),
      ...og("image", p.image),
      ...og("type", p.type),
      ...og("site_name", p.siteName),
    );
  });
}

/** The link previews (XEP-0511) of a message: its `<rdf:Description/>` children, read without regard to prefixes. */
export function readLinkPreviews(message: Element): LinkPreview[] {
  const previews: LinkPreview[] = [];
  for (const child of message.children) {
    if (typeof child === "string" || child.getName() !== "Description" || child.getNS() !== NS_RDF) continue;
    const about = child.attrs["rdf:about"] ?? child.attrs.about;
    if (typeof about !== "string" || about === "") continue;
    const og = (name: string): string | undefined => {
      const el = child.children.find((c): c is Element => typeof c !== "string" && c.getName() === name && c.getNS() === NS_OGP);
      const text = el?.getText();
      return text ? text : undefined;
    };
    const preview: { -readonly [K in keyof LinkPreview]: LinkPreview[K] } = { about };
    for (const [key, name] of [["title", "title"], ["description", "description"], ["url", "url"], ["image", "image"], ["type", "type"], ["siteName", "site_name"]] as const) {
      const value = og(name);
      if (value !== undefined) preview[key] = value;
    }
    previews.push(preview);
  }
  return previews;
}
