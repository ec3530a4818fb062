/// <reference lib="dom" />
/**
 * The occupants pane: who is in the room by role, with their affiliation,
 * avatar, hats and status, and, in an occupant's details, the moderation
 * actions our role and affiliation allow.
 *
 * @module
 */
import type { Affiliation, Occupant, Role } from "../../src/index.js";
import { type Child, byId, h, replaceChildren } from "./dom.js";
import { type RoomView, session } from "./state.js";
import { redraw } from "./redraw.js";
import { avatar } from "./avatars.js";
import { isLive, isSuspended } from "./connection-view.js";
import { type Permissions, permissions } from "./permissions.js";
import { moderate } from "./room-actions.js";

/** Affiliations by rank, to sort the occupant list. */
const AFFILIATION_RANK: Record<Affiliation, number> = { outcast: -1, none: 0, member: 1, admin: 2, owner: 3 };

const ROLE_GROUPS: { role: Role; title: string }[] = [
  { role: "moderator", title: "Moderators" },
  { role: "participant", title: "Participants" },
  { role: "visitor", title: "Visitors" },
];

export function renderPeople(): void {
  const pane = byId("people");
  const view = session.pane.kind === "room" ? session.rooms.get(session.pane.jid) : undefined;
  const room = view?.room;
  if (!view || !room || view.state !== "joined") {
    pane.hidden = true;
    pane.replaceChildren();
    return;
  }
  pane.hidden = false;
  const perms = permissions(view);
  const occupants = room.occupants;
  // Out of sync with the room (connection down, or rejoining): who is there may have changed.
  const suspended = isSuspended(view);
  pane.dataset.suspended = String(suspended);
  pane.classList.toggle("people--stale", suspended);
  replaceChildren(
    pane,
    h(
      "header",
      { class: "people__head" },
      h("h2", {}, "People ", h("span", { class: "pill pill--muted" }, occupants.length)),
      h(
        "button",
        {
          class: "icon-btn people-close",
          type: "button",
          "aria-label": "Close",
          onclick: () => {
            session.showPeople = false;
            redraw.page();
          },
        },
        "×",
      ),
    ),
    suspended
      ? h(
          "p",
          { class: "people__stale", testid: "occupants-stale", role: "status" },
          h("span", { class: "spinner spinner--small", "aria-hidden": "true" }),
          isLive() ? "Rejoining — this list may be out of date" : "Reconnecting — this list may be out of date",
        )
      : null,
    h(
      "div",
      { class: "people__body", "aria-disabled": suspended ? "true" : undefined },
      ...ROLE_GROUPS.map(({ role, title }) => {
        const members = occupants.filter((o) => o.role === role).sort((a, b) => Number(b.isSelf) - Number(a.isSelf) || AFFILIATION_RANK[b.affiliation] - AFFILIATION_RANK[a.affiliation] || a.nick.localeCompare(b.nick));
        if (members.length === 0) return null;
        return h(
          "section",
          { class: "people__group", testid: "occupant-group", "data-role": role },
          h("h3", {}, title, h("span", { class: "muted" }, ` · ${members.length}`)),
          h("ul", {}, ...members.map((o) => occupantItem(view, o, perms))),
        );
      }),
    ),
  );
}

function occupantItem(view: RoomView, o: Occupant, perms: Permissions): HTMLElement {
  const selected = view.selectedNick === o.nick;
  const actions: Child[] = [];
  if (perms.voice(o)) {
    actions.push(
      o.role === "visitor"
        ? h("button", { class: "act", type: "button", testid: "action-grant-voice", title: `Give ${o.nick} voice`, onclick: () => void moderate(view, "grant-voice", o) }, "Give voice")
        : h("button", { class: "act", type: "button", testid: "action-revoke-voice", title: `Revoke ${o.nick}'s voice`, onclick: () => void moderate(view, "revoke-voice", o) }, "Mute"),
    );
  }
  if (perms.kick(o)) actions.push(h("button", { class: "act", type: "button", testid: "action-kick", title: `Kick ${o.nick}`, onclick: () => void moderate(view, "kick", o) }, "Kick"));
  if (perms.ban(o)) actions.push(h("button", { class: "act act--danger", type: "button", testid: "action-ban", title: o.jid ? `Ban ${o.jid.bare().toString()}` : `Ban ${o.nick}`, onclick: () => void moderate(view, "ban", o) }, "Ban"));
  const promote: Record<Affiliation, string> = { owner: "Make owner", admin: "Make admin", member: "Make member", none: "Remove membership", outcast: "" };
  for (const affiliation of perms.affiliations(o)) {
    actions.push(
      h(
        "button",
        { class: "act", type: "button", testid: "action-set-affiliation", "data-affiliation": affiliation, title: `${promote[affiliation]}: ${o.jid?.bare().toString() ?? o.nick}`, onclick: () => void moderate(view, { affiliation }, o) },
        promote[affiliation],
      ),
    );
  }
  const error = view.occupantError?.nick === o.nick ? view.occupantError.text : undefined;
  const status = o.status[""] ?? Object.values(o.status)[0];
  return h(
    "li",
    { class: `occupant${o.isSelf ? " occupant--self" : ""}${selected ? " is-selected" : ""}`, testid: "occupant", "data-nick": o.nick, "data-role": o.role, "data-affiliation": o.affiliation, "data-self": String(o.isSelf) },
    h(
      "button",
      {
        class: "occupant__row",
        type: "button",
        "aria-expanded": String(selected),
        title: actions.length ? "Show details and actions" : "Show details",
        onclick: () => {
          view.selectedNick = selected ? undefined : o.nick;
          renderPeople();
        },
      },
      h("span", { class: "occupant__avatar" }, avatar(o.nick, "sm", o), h("span", { class: `presence presence--${o.show ?? "available"}`, title: isSuspended(view) ? "unknown while reconnecting" : (o.show ?? "available") })),
      h(
        "span",
        { class: "occupant__main" },
        h("span", { class: "occupant__nick" }, o.nick, o.isSelf ? h("span", { class: "muted" }, " (you)") : null),
        o.hats.length
          ? h("span", { class: "occupant__hats" }, ...o.hats.map((hat) => h("span", { class: "hat", testid: "occupant-hat", title: hat.uri, style: hat.hue === undefined ? undefined : `--hue: ${hat.hue}` }, hat.title)))
          : null,
        status ? h("span", { class: "occupant__status" }, status) : null,
      ),
      o.affiliation !== "none" ? h("span", { class: `badge badge--${o.affiliation}`, testid: "occupant-affiliation" }, o.affiliation) : null,
    ),
    selected
      ? h(
          "div",
          { class: "occupant__details", testid: "occupant-details" },
          h("span", { class: "occupant__jid" }, o.jid ? o.jid.toString() : "address hidden by the room"),
          h("span", { class: "muted" }, `${o.role}${o.affiliation !== "none" ? ` · ${o.affiliation}` : ""}${o.show ? ` · ${o.show}` : ""}`),
          actions.length ? h("span", { class: "occupant__actions", testid: "occupant-actions" }, ...actions) : null,
          error ? h("span", { class: "form-error", testid: "occupant-error", role: "alert" }, error) : null,
        )
      : null,
  );
}
