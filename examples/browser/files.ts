/// <reference lib="dom" />
/**
 * Files in the web client: what a failed upload says (in plain words), the
 * upload's PUT with progress, pasted images, and how a message's
 * attachments (XEP-0447, XEP-0066; http(s) only) are shown: images inline
 * (a thumbnail linking to the full image), anything else as a card with the
 * name, size and a download link.
 *
 * @module
 */
import { UploadError, isMucStateError, isNotConnectedError, isTimeoutError, isXMPPError, type Attachment } from "../../src/index.js";
import { h } from "./dom.js";

export const UPLOAD_TOO_LARGE = "The file is too large for the server";
export const UPLOAD_NOT_OFFERED = "The server does not accept files";
export const UPLOAD_FAILED = "The upload failed; try again";

/** What a failed upload says, in plain words (never the error's own text). */
export function uploadErrorText(e: unknown): string {
  if (e instanceof UploadError) return e.status === 413 ? UPLOAD_TOO_LARGE : UPLOAD_FAILED;
  if (isXMPPError(e)) {
    switch (e.condition) {
      case "not-acceptable":
        // XEP-0363 §5: a file too large is refused with <file-too-large/>; Prosody refuses a media type it does not allow the same way, without it.
        return e.application?.name === "file-too-large" || !/\btype\b/i.test(e.text ?? "") ? UPLOAD_TOO_LARGE : "The server does not accept this type of file";
      case "forbidden":
      case "not-allowed":
      case "not-authorized":
        return "The server does not let you send files";
      case "resource-constraint":
        return "The server cannot take more files from you right now; try again later";
      case "service-unavailable":
      case "feature-not-implemented":
      case "item-not-found":
        return UPLOAD_NOT_OFFERED;
      default:
        return UPLOAD_FAILED;
    }
  }
  if (isMucStateError(e)) {
    if (/upload service/i.test(e.message)) return UPLOAD_NOT_OFFERED;
    if (/not joined|not in room|left room|left the room/i.test(e.message)) return "You are not in the room any more";
    return UPLOAD_FAILED;
  }
  if (isTimeoutError(e)) return "The server did not answer in time; try again";
  if (isNotConnectedError(e)) return "You are offline; try again once the connection is back";
  return UPLOAD_FAILED;
}

/**
 * A `fetch` for the upload's PUT that reports progress: XMLHttpRequest, whose
 * `upload.onprogress` fetch does not have. Only what the SDK's PUT uses:
 * method, headers, body, signal; the answer's status.
 */
export function putWithProgress(onProgress: (done: number) => void): typeof fetch {
  const put = (input: RequestInfo | URL, init: RequestInit = {}): Promise<Response> =>
    new Promise<Response>((resolve, reject) => {
      const xhr = new XMLHttpRequest();
      xhr.open(init.method ?? "GET", input instanceof Request ? input.url : String(input));
      new Headers(init.headers).forEach((value, name) => xhr.setRequestHeader(name, value));
      xhr.upload.onprogress = (ev) => {
        if (ev.lengthComputable && ev.total > 0) onProgress(ev.loaded / ev.total);
      };
      xhr.onload = () => {
        if (xhr.status < 200 || xhr.status > 599) reject(new TypeError(`unexpected HTTP status ${xhr.status}`));
        else resolve(new Response(null, { status: xhr.status }));
      };
      xhr.onerror = () => reject(new TypeError("the upload could not be made"));
      xhr.ontimeout = xhr.onerror;
      xhr.onabort = () => reject(new DOMException("the upload was cancelled", "AbortError"));
      const signal = init.signal;
      if (signal?.aborted) {
        reject(new DOMException("the upload was cancelled", "AbortError"));
        return;
      }
      signal?.addEventListener("abort", () => xhr.abort(), { once: true });
      xhr.send((init.body ?? null) as XMLHttpRequestBodyInit | null);
    });
  return put as typeof fetch;
}

/** Images pasted into the composer (a screenshot, say) are sent as files; text pastes as usual. */
export function pastedImages(ev: ClipboardEvent): File[] {
  const images = Array.from(ev.clipboardData?.files ?? []).filter((f) => f.type.startsWith("image/"));
  return images.map((f) => {
    // A pasted screenshot is "image.png" in most browsers: give it a name that says when.
    if (f.name && f.name !== "image.png") return f;
    const stamp = new Date().toISOString().slice(0, 19).replace(/[-:]/g, "").replace("T", "-");
    return new File([f], `pasted-${stamp}.${f.type.slice("image/".length).replace(/\W.*$/, "") || "png"}`, { type: f.type });
  });
}

export const IMAGE_EXTENSIONS = /\.(?:png|jpe?g|gif|webp|avif|bmp|svg)$/i;

/** Whether to show an attachment as an image: its media type says so, or, without one, its URL's extension. */
export function isImage(a: Attachment): boolean {
  if (a.type) return a.type.toLowerCase().startsWith("image/");
  try {
    return IMAGE_EXTENSIONS.test(new URL(a.url).pathname);
  } catch {
    return false;
  }
}

/** The name to show for an attachment: its own, else the last part of its URL. */
export function attachmentName(a: Attachment): string {
  if (a.name) return a.name;
  try {
    const last = new URL(a.url).pathname.split("/").filter(Boolean).pop();
    if (last) return decodeURIComponent(last);
  } catch {
    // A malformed escape: the raw URL's end will do.
  }
  return a.url.split("/").pop() || "file";
}

/** Whether a body is nothing but the attachments' URLs (what a client without XEP-0066/0447 shows). */
export function onlyUrlsOf(body: string, attachments: readonly Pick<Attachment, "url">[]): boolean {
  if (attachments.length === 0) return false;
  const words = body.trim().split(/\s+/);
  return words[0] !== "" && words.every((w) => attachments.some((a) => a.url === w));
}

/** 1234567 → "1.2 MB". */
export function formatSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} ${bytes === 1 ? "byte" : "bytes"}`;
  const units = ["KB", "MB", "GB", "TB"];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value < 10 ? value.toFixed(1) : Math.round(value)} ${units[unit]}`;
}

/** An attachment in a message: an image inline, anything else (or an image that does not load) as a card. */
export function attachmentView(a: Attachment): HTMLElement {
  const name = attachmentName(a);
  const caption = a.description ? h("span", { class: "file__description", testid: "attachment-description" }, a.description) : null;
  if (!isImage(a)) return fileCard(a, name, caption);
  // loading and referrerpolicy before src, so that they apply to the first request.
  const img = h("img", { class: "file-image__img", testid: "attachment-image", loading: "lazy", referrerpolicy: "no-referrer", decoding: "async", alt: name, src: a.url });
  const link = h("a", { class: "file-image", testid: "attachment", "data-kind": "image", "data-url": a.url, href: a.url, target: "_blank", rel: "noopener noreferrer", referrerpolicy: "no-referrer", title: name }, img, caption);
  img.addEventListener("load", () => {
    // The log was at its end before the image took its place: keep it there.
    const scroller = link.closest<HTMLElement>(".log-scroll");
    if (scroller && scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight - img.offsetHeight < 80) scroller.scrollTop = scroller.scrollHeight;
  });
  img.addEventListener("error", () => link.replaceWith(fileCard(a, name, caption)), { once: true });
  return link;
}

export function fileCard(a: Attachment, name: string, caption: HTMLElement | null): HTMLElement {
  const details = [a.size !== undefined ? formatSize(a.size) : undefined, a.type].filter(Boolean).join(" · ");
  return h(
    "div",
    { class: "file-card", testid: "attachment", "data-kind": "file", "data-url": a.url },
    h("span", { class: "file-card__icon", "aria-hidden": "true" }, fileIcon()),
    h(
      "span",
      { class: "file-card__info" },
      h("span", { class: "file-card__name", testid: "attachment-name", title: name }, name),
      h("span", { class: "file-card__size", testid: "attachment-size" }, details),
      caption,
    ),
    h("a", { class: "btn btn--small btn--ghost file-card__download", testid: "attachment-download", href: a.url, download: name, target: "_blank", rel: "noopener noreferrer", referrerpolicy: "no-referrer" }, "Download"),
  );
}

/** A sheet of paper with a folded corner. */
export function fileIcon(): SVGElement {
  return svgIcon("M14 3H7a2 2 0 0 0-2 2v14a2 2 0 0 0 2 2h10a2 2 0 0 0 2-2V8z M14 3v5h5");
}

/** A paper clip: "attach a file". */
export function paperclipIcon(): SVGElement {
  return svgIcon("M21 11.5l-8.6 8.6a5.5 5.5 0 0 1-7.8-7.8l8.6-8.6a3.7 3.7 0 0 1 5.2 5.2l-8.6 8.6a1.8 1.8 0 0 1-2.6-2.6l7.9-7.9");
}

export function svgIcon(d: string): SVGElement {
  const ns = "http://www.w3.org/2000/svg";
  const svg = document.createElementNS(ns, "svg");
  for (const [k, v] of Object.entries({ width: "18", height: "18", viewBox: "0 0 24 24", fill: "none", stroke: "currentColor", "stroke-width": "2", "stroke-linecap": "round", "stroke-linejoin": "round", "aria-hidden": "true" })) svg.setAttribute(k, v);
  const path = document.createElementNS(ns, "path");
  path.setAttribute("d", d);
  svg.append(path);
  return svg;
}

