/// <reference lib="dom" />
/**
 * How a person looks in the lists and the log: a stable color per nick, and
 * an avatar (their XEP-0153 image where the room advertises one, fetched
 * once per hash; their initial on that color meanwhile and otherwise).
 *
 * @module
 */
import { type Occupant, getAvatar } from "../../src/index.js";
import { h } from "./dom.js";
import { session } from "./state.js";
import { redraw } from "./redraw.js";

/** A stable color per nick (FNV-1a of the lowercased nick into a palette of distinct hues). */
const NICK_COLORS = ["#e67700", "#0c8599", "#1971c2", "#5c940d", "#2b8a3e", "#c2255c", "#364fc7", "#ae3ec9", "#5f3dc4", "#d9480f"];
export function nickColor(nick: string): string {
  let hash = 0x811c9dc5;
  for (const ch of nick.toLowerCase()) hash = Math.imul(hash ^ (ch.codePointAt(0) ?? 0), 0x01000193) >>> 0;
  return NICK_COLORS[hash % NICK_COLORS.length] as string;
}

export function avatar(nick: string, size: "sm" | "md" = "md", occupant?: Occupant): HTMLElement {
  const image = occupant?.avatarHash ? avatarImage(occupant) : undefined;
  if (image) return h("img", { class: `avatar avatar--${size} avatar--image`, src: image, alt: "", testid: "avatar-image" });
  const initial = [...nick.trim()][0]?.toUpperCase() ?? "?";
  return h("span", { class: `avatar avatar--${size}`, style: `--avatar: ${nickColor(nick)}`, "aria-hidden": "true" }, initial);
}

/** Avatar images by XEP-0153 hash: an object URL, or null while fetching or when there is none to show. */
const avatarImages = new Map<string, string | null>();

/** The image of an occupant's advertised avatar, fetched once per hash (the initial is shown meanwhile). */
function avatarImage(occupant: Occupant): string | undefined {
  const hash = occupant.avatarHash as string;
  const known = avatarImages.get(hash);
  if (known !== undefined) return known ?? undefined;
  const muc = session.muc;
  if (!muc) return undefined;
  avatarImages.set(hash, null);
  getAvatar(muc, occupant)
    .then((found) => {
      if (found?.kind === "inline" && found.type?.startsWith("image/")) {
        avatarImages.set(hash, URL.createObjectURL(new Blob([found.data as BlobPart], { type: found.type })));
        redraw.people();
      }
    })
    .catch((e: unknown) => console.debug("no avatar for", occupant.nick, e));
  return undefined;
}
