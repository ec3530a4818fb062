/// <reference lib="dom" />
/**
 * Drawing the page from the state: the sidebar (the room sections, the
 * gateway's status, People), the main pane for what is on screen (a room, a
 * preview, a direct chat, the people search, the registration, the
 * gateway's commands, the join form), and the occupants. The modules under
 * it ask for a redraw through redraw.ts.
 *
 * @module
 */
import { type Child, byId, h, replaceChildren } from "./dom.js";
import { clearError } from "./errors.js";
import { saveCurrentRoom } from "./persist.js";
import { commandsPane } from "./commands.js";
import { chatPane, contactsSection, searchPane } from "./contacts.js";
import { type Pane, type RoomView, type Source, isCurrent, session } from "./state.js";
import { isSuspended } from "./connection-view.js";
import { listInto, refreshGateway, refreshMucRooms, select } from "./room-list.js";
import { registerPane, registering, startRegistration } from "./registration.js";
import { atBottom } from "./message-log.js";
import { updateTitle } from "./notifications.js";
import { acceptDrops } from "./uploads.js";
import { topBar } from "./pane-header.js";
import { renderPeople } from "./occupants.js";
import { renderRoomParts } from "./room-view.js";
import { joinForm, previewPane } from "./join-form.js";

/** The room last kept as the one on screen (for a reload). */
let savedPane: string | undefined;

export function render(): void {
  if (!session.muc) return;
  renderNav();
  renderMain();
  renderPeople();
  const current = session.pane.kind === "room" ? session.pane.jid : undefined;
  if (current !== savedPane && !session.stopping) {
    savedPane = current;
    saveCurrentRoom(current);
  }
  // Nothing open: on a phone, the room list is the screen (see style.css).
  byId("shell").classList.toggle("shell--home", session.pane.kind === "empty");
  byId("shell").classList.toggle("shell--nav-open", session.showNav);
  byId("shell").classList.toggle("shell--people-open", session.showPeople);
  byId("scrim").hidden = !(session.showNav || session.showPeople);
}

export function renderNav(): void {
  const nav = byId("room-nav");
  const sections: Child[] = [];
  const { mucDomain, gatewayDomain } = session.config;
  if (mucDomain) {
    sections.push(navSection("muc", "Rooms", mucDomain, roomsOf("muc"), session.rooms.size === 0 && session.loadingRooms.has("muc") ? "Loading…" : "No public rooms yet", () => void refreshMucRooms()));
  }
  if (gatewayDomain) {
    const gw = session.gateway;
    const status = h(
      "div",
      { class: "gw-status", testid: "gateway-status", "data-state": gw?.state ?? "checking" },
      gw?.state === "registered"
        ? h("span", { class: "dot dot--ok" }, "registered")
        : gw?.state === "unregistered"
          ? h("span", { class: "dot dot--warn" }, "not registered")
          : gw?.state === "unavailable"
            ? h("span", { class: "dot dot--off", title: gw.error ?? "" }, "unavailable")
            : h("span", { class: "dot" }, "checking…"),
    );
    const register =
      gw?.state === "unregistered"
        ? h(
            "div",
            { class: "gw-register" },
            h("p", {}, `Register with ${gw.name ?? gatewayDomain} to see your groups there as rooms.`),
            h(
              "button",
              {
                class: "btn btn--primary btn--small",
                type: "button",
                testid: "gateway-register",
                onclick: () => {
                  session.pane = { kind: "register" };
                  session.showNav = false;
                  if (!registering()) startRegistration();
                  render();
                },
              },
              "Register",
            ),
          )
        : null;
    const commandsButton =
      gw?.state === "registered" || gw?.state === "unregistered"
        ? h(
            "button",
            {
              class: `btn btn--ghost btn--small gw-commands${session.pane.kind === "commands" ? " is-active" : ""}`,
              type: "button",
              testid: "gateway-commands",
              title: `What ${gw.name ?? gatewayDomain} lets you do (its commands)`,
              onclick: () => {
                session.pane = { kind: "commands" };
                session.showNav = false;
                render();
              },
            },
            "Commands",
          )
        : null;
    sections.push(
      navSection(
        "gateway",
        gw?.name ?? "Gateway",
        gatewayDomain,
        gw?.state === "registered" ? roomsOf("gateway") : [],
        gw?.state === "registered" ? (session.loadingRooms.has("gateway") ? "Loading…" : "No groups") : "",
        () => void refreshGateway(),
        status,
        register,
        commandsButton,
      ),
    );
  }
  const people = contactsSection();
  if (people) sections.push(people);
  const others = roomsOf("other");
  if (others.length > 0) sections.push(navSection("other", "Other rooms", "", others, "", undefined));
  replaceChildren(nav, ...sections);
  updateTitle();
}

function roomsOf(source: Source): RoomView[] {
  return [...session.rooms.values()]
    .filter((v) => v.source === source && (v.listed || v.state !== "idle" || isCurrent(v)))
    .sort((a, b) => (a.name ?? a.jid).localeCompare(b.name ?? b.jid));
}

function navSection(source: Source, title: string, subtitle: string, views: RoomView[], empty: string, onRefresh: (() => void) | undefined, ...extra: Child[]): HTMLElement {
  return h(
    "section",
    { class: "nav-section", testid: `room-list-${source}` },
    h(
      "header",
      { class: "nav-section__head" },
      h("div", {}, h("h2", {}, title), subtitle ? h("span", { class: "nav-section__sub" }, subtitle) : null),
      onRefresh
        ? h("button", { class: `icon-btn icon-btn--small${session.loadingRooms.has(source) ? " is-spinning" : ""}`, type: "button", testid: "refresh-rooms", "data-source": source, title: "Refresh", "aria-label": `Refresh ${title}`, onclick: onRefresh }, "↻")
        : null,
    ),
    ...extra,
    views.length > 0
      ? h(
          "ul",
          { class: "room-list" },
          ...views.map((v) =>
            h(
              "li",
              {},
              h(
                "button",
                {
                  type: "button",
                  class: `room-item${isCurrent(v) ? " is-active" : ""}${v.state === "joined" ? " is-joined" : ""}${isSuspended(v) ? " is-suspended" : ""}`,
                  testid: "room-item",
                  "data-jid": v.jid,
                  "data-source": v.source,
                  "data-joined": String(v.state === "joined"),
                  "data-active": String(isCurrent(v)),
                  "data-suspended": String(isSuspended(v)),
                  title: isSuspended(v) ? `${v.jid} — reconnecting` : v.jid,
                  onclick: () => select(v),
                },
                h("span", { class: "room-item__icon", "aria-hidden": "true" }, v.source === "gateway" ? "◆" : "#"),
                h("span", { class: "room-item__name" }, v.name ?? v.jid.split("@")[0] ?? v.jid),
                isSuspended(v)
                  ? h("span", { class: "room-item__sync", testid: "room-suspended", title: "Reconnecting — not in sync with the room", "aria-label": "reconnecting" }, "↻")
                  : null,
                v.unread > 0 ? h("span", { class: "pill", testid: "room-unread" }, v.unread > 99 ? "99+" : v.unread) : v.state === "joined" && !isSuspended(v) ? h("span", { class: "room-item__dot", title: "joined" }) : null,
              ),
            ),
          ),
        )
      : empty
        ? h("p", { class: "nav-section__empty" }, empty)
        : null,
  );
}

/** Put a pane that is not a room on screen (a direct chat, the people search). */
export function openPane(pane: Pane): void {
  session.pane = pane;
  session.showNav = false;
  clearError();
  render();
}

export function renderMain(): void {
  const main = byId("main");
  const pane = session.pane;
  if (pane.kind === "chat") {
    chatPane(main, pane.jid);
    return;
  }
  if (pane.kind === "people") {
    // Kept across renders (what is typed in the search box stays, with the focus).
    const el = searchPane();
    if (el.parentElement !== main || main.childElementCount !== 1) replaceChildren(main, el);
    return;
  }
  if (pane.kind === "register") {
    replaceChildren(main, registerPane());
    return;
  }
  if (pane.kind === "commands") {
    const gateway = session.config.gatewayDomain ?? "";
    const pane = commandsPane({
      muc: session.muc,
      gateway,
      rerender: () => {
        if (session.pane.kind === "commands") renderMain();
      },
      onCompleted: (node) => {
        // What the command changed: the registration, or the groups.
        if (node === "unregister" || node === "register") void refreshGateway();
        else if (node === "create-group" || node === "leave-group") void listInto("gateway", gateway);
      },
    });
    replaceChildren(main, h("div", { class: "preview-wrap" }, topBar(`${session.gateway?.name ?? "Gateway"} commands`, gateway), h("div", { class: "pane-scroll" }, pane)));
    return;
  }
  if (pane.kind === "join") {
    replaceChildren(main, topBar("Join a room", ""), h("div", { class: "pane-scroll" }, h("div", { class: "card join-card" }, h("h2", {}, "Join a room by its address"), joinForm(undefined))));
    return;
  }
  const view = pane.kind === "room" ? session.rooms.get(pane.jid) : undefined;
  if (!view) {
    replaceChildren(
      main,
      topBar("", ""),
      h(
        "div",
        { class: "empty", testid: "empty-state" },
        h("div", { class: "empty__art", "aria-hidden": "true" }, "#"),
        h("h2", {}, "Pick a room"),
        h("p", { class: "muted" }, "Choose a room on the left to see who is there and join the conversation."),
      ),
    );
    return;
  }
  if (view.state === "idle") {
    replaceChildren(main, previewPane(view));
    return;
  }
  // A joined (or joining, or left) room: keep the message list element and its scroll position.
  const existing = main.querySelector<HTMLElement>("[data-testid=room-view]");
  if (existing?.dataset.jid === view.jid) {
    renderRoomParts(view);
    return;
  }
  const scroller = h("div", { class: "log-scroll" }, view.log);
  // At the end of the log, it stays at the end as the log grows (a reaction or "Seen by" on the last
  // message) or the scroller shrinks (the composer grows): nothing hides under the composer.
  scroller.addEventListener("scroll", () => {
    view.stick = atBottom(view.log);
  });
  const follow = new ResizeObserver(() => {
    if (view.stick && scroller.isConnected) scroller.scrollTop = scroller.scrollHeight;
    else if (!scroller.isConnected) follow.disconnect();
  });
  follow.observe(scroller);
  follow.observe(view.log);
  // Who is typing: one line always there (empty when nobody is), so the log does not jump.
  const typing = h("div", { class: "typing", testid: "typing-indicator", role: "status", "aria-live": "polite", "data-count": 0 });
  const section = h("section", { class: "room", testid: "room-view", "data-jid": view.jid }, h("header", { class: "room__head" }), scroller, typing, h("footer", { class: "room__foot" }));
  acceptDrops(view, section);
  replaceChildren(main, section);
  renderRoomParts(view);
  scroller.scrollTop = scroller.scrollHeight;
}
