/// <reference lib="dom" />
/**
 * Sending files to a room: the attach button, a file dropped on the room or
 * an image pasted into the composer hands the file to `room.sendFile`, which
 * uploads it through our server's XEP-0363 service and shares it in a
 * message. Until then it is listed above the composer with its progress; if
 * it fails, the reason in plain words, with Retry and Dismiss (never the
 * error banner). How a message's attachments are shown is files.ts's.
 *
 * @module
 */
import { h, replaceChildren } from "./dom.js";
import { UserError } from "./errors.js";
import { UPLOAD_FAILED, fileIcon, formatSize, putWithProgress, uploadErrorText } from "./files.js";
import { type PendingUpload, type RoomView, isCurrent } from "./state.js";
import { permissions } from "./permissions.js";

/** Send files to the room, each listed above the composer until it is shared. */
export function sendFiles(view: RoomView, files: Iterable<File>): void {
  for (const file of files) {
    const upload: PendingUpload = { file, el: h("li", { class: "upload", testid: "upload", "data-name": file.name }), state: "uploading", controller: undefined };
    view.uploads.push(upload);
    void runUpload(view, upload);
  }
}

/** Upload one file and share it (again, for a retry). */
async function runUpload(view: RoomView, upload: PendingUpload): Promise<void> {
  const controller = new AbortController();
  upload.controller = controller;
  upload.state = "uploading";
  paintUpload(view, upload, undefined);
  renderUploads(view);
  const { file } = upload;
  try {
    const room = view.room;
    if (!room) throw new UserError("You are not in the room any more");
    await room.sendFile({ data: file, name: file.name || "file", ...(file.type ? { type: file.type } : {}) }, { signal: controller.signal, fetch: putWithProgress((done) => showProgress(upload, done)) });
    // The room's reflection of the message shows the file in the log.
    removeUpload(view, upload);
  } catch (e) {
    if (controller.signal.aborted) {
      removeUpload(view, upload);
      return;
    }
    console.warn(`could not send the file ${file.name}`, e);
    upload.state = "failed";
    upload.controller = undefined;
    paintUpload(view, upload, e instanceof UserError ? e.message : uploadErrorText(e));
  }
}

function removeUpload(view: RoomView, upload: PendingUpload): void {
  const i = view.uploads.indexOf(upload);
  if (i >= 0) view.uploads.splice(i, 1);
  upload.el.remove();
  renderUploads(view);
}

/** Draw an upload's item: its name and progress, or why it failed with Retry and Dismiss. */
function paintUpload(view: RoomView, upload: PendingUpload, error: string | undefined): void {
  const { el, file } = upload;
  el.dataset.state = upload.state;
  el.className = `upload upload--${upload.state}`;
  const name = h("span", { class: "upload__name", testid: "upload-name", title: file.name }, file.name || "file");
  const button = (testid: string, label: string, onclick: () => void, primary = false): HTMLButtonElement =>
    h("button", { class: `btn btn--small ${primary ? "btn--primary" : "btn--ghost"}`, type: "button", testid, onclick }, label);
  if (upload.state === "uploading") {
    replaceChildren(
      el,
      h("span", { class: "upload__icon", "aria-hidden": "true" }, fileIcon()),
      name,
      h("progress", { class: "upload__progress", testid: "upload-progress", max: 1, "aria-label": `Uploading ${file.name}` }),
      h("span", { class: "upload__status", testid: "upload-status", role: "status" }, `Uploading… ${formatSize(file.size)}`),
      button("upload-cancel", "Cancel", () => upload.controller?.abort()),
    );
  } else {
    replaceChildren(
      el,
      h("span", { class: "upload__icon upload__icon--failed", "aria-hidden": "true" }, "!"),
      name,
      h("span", { class: "upload__error", testid: "upload-error", role: "alert" }, error ?? UPLOAD_FAILED),
      button("upload-retry", "Retry", () => void runUpload(view, upload), true),
      button("upload-dismiss", "Dismiss", () => removeUpload(view, upload)),
    );
  }
}

/** The share of an upload's bytes sent so far, on its item. */
function showProgress(upload: PendingUpload, done: number): void {
  const bar = upload.el.querySelector<HTMLProgressElement>("[data-testid=upload-progress]");
  const status = upload.el.querySelector<HTMLElement>("[data-testid=upload-status]");
  if (!bar || !status) return;
  bar.value = done;
  status.textContent = done >= 1 ? "Sharing…" : `Uploading… ${Math.floor(done * 100)}%`;
}

/** The uploads above the composer, when `view` is the room on screen. */
export function renderUploads(view: RoomView): void {
  if (!isCurrent(view)) return;
  const list = document.querySelector<HTMLElement>("[data-testid=uploads]");
  if (!list) return;
  list.hidden = view.uploads.length === 0;
  list.replaceChildren(...view.uploads.map((u) => u.el));
}

/** Take files dragged onto a room's view (the message list and the composer). */
export function acceptDrops(view: RoomView, target: HTMLElement): void {
  const hasFiles = (ev: DragEvent): boolean => ev.dataTransfer?.types.includes("Files") === true;
  const canSend = (): boolean => view.state === "joined" && view.room?.joined === true && permissions(view).speak;
  const done = (): void => {
    delete target.dataset.drop;
  };
  target.addEventListener("dragover", (ev) => {
    if (!hasFiles(ev)) return;
    // Handled here (see the page's own handler in app.ts's boot): the browser must not open the file.
    ev.preventDefault();
    const ok = canSend();
    if (ev.dataTransfer) ev.dataTransfer.dropEffect = ok ? "copy" : "none";
    if (ok) target.dataset.drop = "true";
  });
  target.addEventListener("dragleave", (ev) => {
    if (!(ev.relatedTarget instanceof Node && target.contains(ev.relatedTarget))) done();
  });
  target.addEventListener("drop", (ev) => {
    if (!hasFiles(ev)) return;
    ev.preventDefault();
    done();
    const files = Array.from(ev.dataTransfer?.files ?? []);
    if (files.length > 0 && canSend()) sendFiles(view, files);
  });
}
