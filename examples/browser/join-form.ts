/// <reference lib="dom" />
/**
 * Joining from the page: a room we are not in, previewed with its details
 * and the join form, and the form that joins a room by its address. Why
 * joining failed is said under the field it is about, with what was typed
 * kept.
 *
 * @module
 */
import { h } from "./dom.js";
import type { JoinFailure } from "./errors.js";
import { type RoomView, joinDraft, session } from "./state.js";
import { redraw } from "./redraw.js";
import { join } from "./room-events.js";
import { topBar } from "./pane-header.js";

export function previewPane(view: RoomView): HTMLElement {
  const info = view.info;
  const features: string[] = [];
  if (info) {
    if (info.passwordProtected) features.push("password");
    if (info.membersOnly) features.push("members only");
    if (info.moderated) features.push("moderated");
    if (info.nonAnonymous) features.push("addresses visible");
    if (info.persistent) features.push("persistent");
    if (info.public) features.push("public");
  }
  const count = info?.info.occupants;
  return h(
    "div",
    { class: "preview-wrap" },
    topBar(view.name ?? view.jid, view.jid),
    h(
      "div",
      { class: "pane-scroll" },
      h(
        "div",
        { class: "card preview", testid: "room-preview", "data-jid": view.jid },
        h("div", { class: "preview__art", "aria-hidden": "true" }, view.source === "gateway" ? "◆" : "#"),
        h("h2", {}, view.name ?? view.jid),
        h(
          "div",
          { class: "preview__info", testid: "room-info" },
          view.invite ? h("p", { class: "invite", testid: "room-invite" }, view.invite) : null,
          info?.info.description ? h("p", {}, info.info.description) : null,
          info?.info.subject ? h("p", { class: "preview__subject" }, `“${info.info.subject}”`) : null,
          h(
            "p",
            { class: "muted" },
            view.infoError ? `No details: ${view.infoError}` : !info ? "Loading details…" : count !== undefined ? `${count} ${count === 1 ? "person" : "people"} here` : view.source === "gateway" ? `A group on ${session.gateway?.name ?? "the gateway"}` : "",
          ),
          features.length ? h("div", { class: "chips" }, ...features.map((f) => h("span", { class: "chip chip--static" }, f))) : null,
        ),
        joinForm(view),
      ),
    ),
  );
}

export function joinForm(view: RoomView | undefined): HTMLFormElement {
  const error = view ? view.joinError : joinDraft.error;
  const needsPassword = view?.info?.passwordProtected === true || error?.field === "password";
  const nickValue = view ? (view.draftNick ?? view.room?.nick ?? session.username) : joinDraft.nick || session.username;
  /** The error line under a field, when the error is that field's. */
  const fieldError = (field: JoinFailure["field"]): HTMLElement | null =>
    error && error.field === field ? h("small", { class: "field-error", testid: `join-${field ?? "form"}-error`, role: "alert" }, error.text) : null;
  /** Typing again in the field the error was about: the error goes (what was typed stays). */
  const edited = (field: JoinFailure["field"], keep: (value: string) => void) => (ev: Event) => {
    const input = ev.currentTarget as HTMLInputElement;
    keep(input.value);
    if (error?.field !== field) return;
    if (view) view.joinError = undefined;
    else joinDraft.error = undefined;
    input.removeAttribute("aria-invalid");
    input.closest(".field")?.querySelector(".field-error")?.remove();
  };
  const form = h(
    "form",
    {
      class: "join-form",
      testid: "join-form",
      novalidate: true,
      onsubmit: (ev: Event) => {
        ev.preventDefault();
        const data = new FormData(ev.currentTarget as HTMLFormElement);
        const jid = String(data.get("room") ?? "").trim();
        const nick = String(data.get("nick") ?? "").trim();
        const password = String(data.get("password") ?? "");
        if (!jid || !nick) {
          const failure: JoinFailure = !jid ? { field: "room", text: "Enter the room's address (room@service)." } : { field: "nick", text: "Enter a nickname." };
          if (view) view.joinError = failure;
          else Object.assign(joinDraft, { jid, nick, error: failure });
          redraw.page();
          return;
        }
        if (view) view.draftNick = nick;
        else Object.assign(joinDraft, { jid, nick, error: undefined });
        const button = (ev.currentTarget as HTMLFormElement).querySelector<HTMLButtonElement>("[data-testid=join-submit]")!;
        button.disabled = true;
        button.textContent = "Joining…";
        void join(jid, nick, password || undefined).finally(() => {
          button.disabled = false;
          button.textContent = "Join room";
        });
      },
    },
    h(
      "label",
      { class: "field", hidden: view !== undefined },
      h("span", {}, "Room address"),
      h("input", {
        name: "room",
        testid: "join-room",
        value: view?.jid ?? joinDraft.jid,
        placeholder: `room@${session.config.mucDomain ?? "conference.example.org"}`,
        spellcheck: "false",
        required: true,
        "aria-invalid": error?.field === "room" ? "true" : undefined,
        oninput: edited("room", (v) => {
          if (!view) joinDraft.jid = v;
        }),
      }),
      fieldError("room"),
    ),
    h(
      "div",
      { class: "join-form__row" },
      h(
        "label",
        { class: "field" },
        h("span", {}, "Your nickname"),
        h("input", {
          name: "nick",
          testid: "join-nick",
          value: nickValue,
          required: true,
          autocomplete: "nickname",
          "aria-invalid": error?.field === "nick" ? "true" : undefined,
          oninput: edited("nick", (v) => {
            if (view) view.draftNick = v;
            else joinDraft.nick = v;
          }),
        }),
        fieldError("nick"),
      ),
      h(
        "label",
        { class: "field", hidden: !needsPassword && view !== undefined },
        h("span", {}, needsPassword ? "Room password" : "Password (if any)"),
        h("input", { name: "password", type: "password", testid: "join-password", autocomplete: "off", "aria-invalid": error?.field === "password" ? "true" : undefined, oninput: edited("password", () => {}) }),
        fieldError("password"),
      ),
    ),
    view?.source === "gateway" ? h("p", { class: "hint" }, "The gateway uses your nick from its network.") : null,
    error && (error.field === undefined || (view !== undefined && error.field === "room")) ? h("p", { class: "form-error", testid: "join-error", role: "alert" }, error.text) : null,
    h("button", { class: "btn btn--primary", type: "submit", testid: "join-submit" }, "Join room"),
  );
  return form;
}
