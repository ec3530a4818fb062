/// <reference lib="dom" />
/**
 * The rooms the sidebar lists: those of the MUC service and of the gateway
 * (disco#items), whether we are registered with the gateway (XEP-0077), a
 * room's details (disco#info), and putting a room on screen.
 *
 * @module
 */
import { xml } from "@xmpp/client";
import type { Element as XmlElement } from "@xmpp/xml";
import { getRoomInfo, listRooms } from "../../src/index.js";
import { dataForm } from "../../src/xso/index.js";
import { clearError, describeError, showError } from "./errors.js";
import { type RoomView, type Source, session, viewFor } from "./state.js";
import { redraw } from "./redraw.js";
import { scheduleMarkRead } from "./reading.js";

const NS_REGISTER = "jabber:iq:register";
const NS_DISCO_INFO = "http://jabber.org/protocol/disco#info";

export async function listInto(source: Source, service: string): Promise<void> {
  const muc = session.muc;
  if (!muc) return;
  session.loadingRooms.add(source);
  redraw.nav();
  try {
    const items = await listRooms(muc, service, { timeout: 10_000 });
    for (const v of session.rooms.values()) if (v.source === source) v.listed = false;
    for (const item of items) viewFor(item.jid.toString(), item.name).listed = true;
  } catch (e) {
    showError(`Could not list the rooms of ${service}`, e);
  } finally {
    session.loadingRooms.delete(source);
    redraw.page();
  }
}

export async function refreshMucRooms(): Promise<void> {
  if (session.config.mucDomain) await listInto("muc", session.config.mucDomain);
}

/** Ask the gateway whether we are registered (XEP-0077), then list its rooms. */
export async function refreshGateway(): Promise<void> {
  const gw = session.config.gatewayDomain;
  const xmpp = session.xmpp;
  if (!gw || !xmpp) return;
  session.gateway = { state: "checking", name: session.gateway?.name, instructions: undefined, fields: [], error: undefined };
  redraw.nav();
  try {
    const info = await xmpp.iqCaller.get(xml("query", { xmlns: NS_DISCO_INFO }), gw, 10_000).catch(() => undefined);
    const identity = info?.getChildren("identity").find((i: XmlElement) => i.attrs.category === "gateway") ?? info?.getChild("identity");
    session.gateway.name = typeof identity?.attrs.name === "string" ? identity.attrs.name : undefined;
    const query = await xmpp.iqCaller.get(xml("query", { xmlns: NS_REGISTER }), gw, 10_000);
    const registered = query?.getChild("registered") !== undefined;
    const formEl = query?.getChild("x", "jabber:x:data");
    const form = formEl ? dataForm.decode(formEl, "jabber:client") : undefined;
    session.gateway.instructions = form?.instructions[0] ?? query?.getChildText("instructions") ?? undefined;
    session.gateway.fields = (form?.fields ?? []).filter((f) => f.var && f.var !== "FORM_TYPE" && f.type !== "hidden" && f.type !== "fixed");
    session.gateway.state = registered ? "registered" : "unregistered";
  } catch (e) {
    session.gateway.state = "unavailable";
    session.gateway.error = describeError(e);
  }
  redraw.page();
  if (session.gateway.state === "registered") await listInto("gateway", gw);
}

export async function loadInfo(view: RoomView): Promise<void> {
  const muc = session.muc;
  if (!muc) return;
  try {
    view.info = await getRoomInfo(muc, view.jid, { timeout: 10_000 });
    view.infoError = undefined;
    // The room's own name (it may have been renamed since the list was read).
    if (view.info.name) view.name = view.info.name;
  } catch (e) {
    view.infoError = describeError(e);
  }
  redraw.page();
}

/** Put a room on screen (from the room list, or a notification). */
export function select(view: RoomView): void {
  session.pane = { kind: "room", jid: view.jid };
  session.showNav = false;
  view.unread = 0;
  clearError();
  if (view.state === "idle" && !view.info) void loadInfo(view);
  redraw.page();
  const scroller = view.log.parentElement;
  if (scroller) scroller.scrollTop = scroller.scrollHeight;
  document.querySelector<HTMLElement>("[data-testid=composer-input], [data-testid=join-nick]")?.focus();
  scheduleMarkRead(view);
}
