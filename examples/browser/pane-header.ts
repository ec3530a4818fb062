/// <reference lib="dom" />
/**
 * The header of a pane: its title, and the button that opens the room list
 * on a phone.
 *
 * @module
 */
import { type Child, h } from "./dom.js";
import { session } from "./state.js";
import { redraw } from "./redraw.js";

/** The header with the mobile menu button. */
export function topBar(title: string, sub: string, ...actions: Child[]): HTMLElement {
  return h(
    "header",
    { class: "room__head" },
    menuButton(),
    h("div", { class: "room__title" }, title ? h("h1", {}, title) : null, sub ? h("span", { class: "room__jid" }, sub) : null),
    h("div", { class: "room__actions" }, ...actions),
  );
}

export function menuButton(): HTMLElement {
  return h(
    "button",
    {
      class: "icon-btn menu-btn",
      type: "button",
      "aria-label": "Rooms",
      onclick: () => {
        session.showNav = !session.showNav;
        redraw.page();
      },
    },
    "☰",
  );
}
