/// <reference lib="dom" />
/**
 * A joined (or joining, or left) room on the main pane: its header (name,
 * our role, the subject and its editing, the room's actions) and its
 * footer (the composer, or why there is none: joining, left, a visitor
 * without voice).
 *
 * @module
 */
import { requestVoice } from "../../src/index.js";
import { byId, h, replaceChildren } from "./dom.js";
import { showError } from "./errors.js";
import { type RoomView, session } from "./state.js";
import { redraw } from "./redraw.js";
import { isSuspended } from "./connection-view.js";
import { join } from "./room-events.js";
import { addNotice } from "./message-log.js";
import { canModerateMessages } from "./message-changes.js";
import { renderComposerOffline, showComposer } from "./composer.js";
import { renderTyping } from "./reading.js";
import { permissions } from "./permissions.js";
import { destroy, editSubject, invite, leave, manage } from "./room-actions.js";
import { menuButton } from "./pane-header.js";
import { renderPeople } from "./occupants.js";

export function renderRoomParts(view: RoomView): void {
  const section = byId("main").querySelector<HTMLElement>("[data-testid=room-view]");
  if (!section || section.dataset.jid !== view.jid) return;
  section.dataset.state = view.state;
  section.dataset.suspended = String(isSuspended(view));
  view.log.dataset.canModerate = String(canModerateMessages(view));
  const head = section.querySelector(".room__head")!;
  const foot = section.querySelector(".room__foot")!;
  const room = view.room;
  const perms = permissions(view);
  const me = room?.joined ? room.me : undefined;
  const subject = room?.subject ?? view.info?.info.subject ?? "";

  const subjectLine = view.editingSubject
    ? h(
        "form",
        {
          class: "subject-edit",
          onsubmit: (ev: Event) => {
            ev.preventDefault();
            const form = ev.currentTarget as HTMLFormElement;
            void editSubject(view, form.querySelector("input")!.value.trim(), form.querySelector<HTMLButtonElement>("[data-testid=subject-save]"));
          },
        },
        h("input", { value: subject, testid: "subject-input", "aria-label": "Subject", placeholder: "What is this room about?" }),
        h("button", { class: "btn btn--primary btn--small", type: "submit", testid: "subject-save" }, "Save"),
        h(
          "button",
          {
            class: "btn btn--ghost btn--small",
            type: "button",
            testid: "subject-cancel",
            onclick: () => {
              view.editingSubject = false;
              renderRoomParts(view);
            },
          },
          "Cancel",
        ),
      )
    : h(
        "div",
        { class: "subject" },
        h("span", { class: `subject__text${subject ? "" : " muted"}`, testid: "room-subject", title: room?.subjectSetter ? `set by ${room.subjectSetter}` : "" }, subject || "No subject"),
        perms.subject && view.state === "joined"
          ? h(
              "button",
              {
                class: "link-btn",
                type: "button",
                testid: "action-subject",
                onclick: () => {
                  view.editingSubject = true;
                  renderRoomParts(view);
                  section.querySelector<HTMLInputElement>("[data-testid=subject-input]")?.focus();
                },
              },
              "Edit",
            )
          : null,
      );

  replaceChildren(
    head,
    menuButton(),
    h(
      "div",
      { class: "room__title" },
      h("h1", { testid: "room-name" }, view.name ?? view.jid.split("@")[0] ?? view.jid),
      h("span", { class: "room__jid", testid: "room-jid" }, view.jid),
      me ? h("span", { class: `role-chip role-chip--${me.role}`, testid: "my-role", "data-role": me.role, "data-affiliation": me.affiliation }, `${me.nick} · ${me.affiliation !== "none" ? `${me.affiliation}, ` : ""}${me.role}`) : null,
      subjectLine,
    ),
    h(
      "div",
      { class: "room__actions" },
      view.state === "joined"
        ? h(
            "button",
            {
              class: "btn btn--ghost btn--small people-toggle",
              type: "button",
              testid: "toggle-occupants",
              onclick: () => {
                session.showPeople = !session.showPeople;
                redraw.page();
              },
            },
            `People ${room?.occupantCount ?? ""}`,
          )
        : null,
      view.state === "joined" ? h("button", { class: "btn btn--ghost btn--small", type: "button", testid: "action-invite", onclick: () => void invite(view) }, "Invite") : null,
      perms.manage && view.state === "joined" ? h("button", { class: "btn btn--ghost btn--small", type: "button", testid: "action-manage", onclick: () => manage(view) }, "Manage") : null,
      perms.destroy && view.state === "joined" ? h("button", { class: "btn btn--danger-ghost btn--small", type: "button", testid: "action-destroy", onclick: () => void destroy(view) }, "Destroy") : null,
      view.state === "joined" ? h("button", { class: "btn btn--ghost btn--small", type: "button", testid: "leave-button", onclick: () => void leave(view) }, "Leave") : null,
    ),
  );

  if (view.state === "joining") {
    replaceChildren(foot, h("div", { class: "composer composer--disabled" }, h("span", { class: "spinner" }), "Joining…"));
  } else if (view.state === "left") {
    replaceChildren(
      foot,
      h(
        "div",
        { class: "composer composer--disabled" },
        h("span", {}, view.exitText ?? "You are not in this room."),
        view.destroyed || view.banned ? null : h("button", { class: "btn btn--primary btn--small", type: "button", testid: "rejoin-button", onclick: () => void join(view.jid, room?.nick ?? session.username, room?.password) }, "Rejoin"),
      ),
    );
  } else if (!perms.speak) {
    replaceChildren(
      foot,
      h(
        "div",
        { class: "composer composer--disabled" },
        h("span", { testid: "visitor-note" }, view.voiceRequested ? "You asked the moderators for voice; you can speak once one of them gives it." : "You are a visitor here: only people with voice can speak."),
        h(
          "button",
          {
            class: "btn btn--ghost btn--small",
            type: "button",
            testid: "action-request-voice",
            disabled: view.voiceRequested,
            onclick: (ev: Event) => {
              const muc = session.muc;
              if (!room || !muc || view.voiceRequested) return;
              const button = ev.currentTarget as HTMLButtonElement;
              button.disabled = true;
              view.voiceRequested = true;
              void requestVoice(muc, room.jid)
                .then(() => {
                  addNotice(view, "role", "Voice requested from the moderators");
                  renderRoomParts(view);
                })
                .catch((e: unknown) => {
                  view.voiceRequested = false;
                  renderRoomParts(view);
                  showError("Could not request voice", e);
                });
            },
          },
          view.voiceRequested ? "Voice requested" : "Request voice",
        ),
      ),
    );
  } else if (!foot.querySelector("[data-testid=composer]")) {
    showComposer(view, foot);
  }
  renderComposerOffline(view, foot);
  renderTyping(view);
  renderPeople();
}
