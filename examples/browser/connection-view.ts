/// <reference lib="dom" />
/**
 * The connection, as the page shows it.
 *
 * One state, read from the real connection: the @xmpp/client entity's events
 * (status, online, offline, disconnect, error; stream management's resumed)
 * and `muc.connected` (stanzas are written now), plus whether every room we
 * are in is in sync (between a room's `suspend` and `resume` it is not).
 * The status line, the connection banner, the rooms' "suspended" marks and
 * the pending marks of our messages all follow it.
 *
 * @module
 */
import { type Client, xml } from "@xmpp/client";
import { byId } from "./dom.js";
import { CONDITION_TEXTS, LOGIN_REFUSED, describeError } from "./errors.js";
import { type RoomView, session } from "./state.js";
import { redraw } from "./redraw.js";

type LinkState = "connecting" | "online" | "rejoining" | "reconnecting" | "error" | "offline";

export const link: {
  /** What was last shown (state, text, suspended rooms), to render only on a change. */
  key: string;
  /** Why the server refuses us for good (a login refused on reconnect), in plain words; cleared when back online. */
  hardError: string | undefined;
  /** A new session came up: send our initial presence again once stanzas may go out. */
  presenceDue: boolean;
  /** Whether stanzas went out at least once since the login (before that, we are connecting, not reconnecting). */
  everLive: boolean;
} = { key: "", hardError: undefined, presenceDue: false, everLive: false };

/** Refreshers of our messages still on their way (their pending mark follows the connection). */
export const openSends = new Set<() => void>();

/** SASL and stream conditions after which retrying cannot help. */
const HARD_CONDITIONS = new Set(["not-authorized", "account-disabled", "credentials-expired", "invalid-authzid", "invalid-mechanism", "mechanism-too-weak", "encryption-required", "host-unknown", "policy-violation", "conflict"]);

export function watchConnection(xmpp: Client): void {
  const mine = (): boolean => session.xmpp === xmpp && !session.stopping;
  xmpp.on("error", (e: unknown) => {
    // The details are for the console; the page says it in words (the banner).
    console.warn("XMPP connection:", e);
    if (!mine()) return;
    const condition = (e as { condition?: unknown } | null)?.condition;
    const name = (e as { name?: unknown } | null)?.name;
    if (typeof condition === "string" && (name === "SASLError" || name === "StreamError") && HARD_CONDITIONS.has(condition)) {
      link.hardError =
        name === "SASLError"
          ? `${LOGIN_REFUSED.has(condition) ? "The server no longer accepts your password." : (CONDITION_TEXTS[condition] ?? "The server refused the login.")} Log in again.`
          : condition === "conflict"
            ? "This account was connected from somewhere else with the same device name. Log in again."
            : `The server closed the connection. ${describeError(e)}`;
    }
    refreshConnection();
  });
  xmpp.on("status", () => {
    if (mine()) refreshConnection();
  });
  xmpp.on("online", () => {
    if (!mine()) return; // the first one is the login's
    // A new session (not a resumed one): the server forgot our presence.
    link.hardError = undefined;
    link.presenceDue = true;
    refreshConnection();
  });
  for (const event of ["offline", "disconnect"] as const) {
    xmpp.on(event, () => {
      if (mine()) refreshConnection();
    });
  }
  // A resumed stream (XEP-0198) emits no `online`; the service writes again just after.
  (xmpp.streamManagement as unknown as { on?(event: "resumed", fn: () => void): void }).on?.("resumed", () => {
    if (!mine()) return;
    link.hardError = undefined;
    setTimeout(refreshConnection, 0);
  });
}

/** Whether what we send is written now (else it waits for the connection). */
export function isLive(): boolean {
  return session.muc?.connected === true;
}

/**
 * Whether a room we are in is out of sync: the connection is down, or the
 * room was suspended (a new stream replaced ours) and is not resumed yet.
 * Its occupant list may be out of date meanwhile.
 */
export function isSuspended(view: RoomView): boolean {
  return view.state === "joined" && view.room !== undefined && (!isLive() || !view.room.active);
}

function connectionState(): { state: LinkState; text: string } {
  const xmpp = session.xmpp;
  if (!xmpp || !session.muc) return { state: "connecting", text: "" };
  if (xmpp.status === "offline") return { state: "offline", text: "Disconnected from the server. Log in again to continue." };
  if (isLive()) {
    link.everLive = true;
    const rejoining = [...session.rooms.values()].some(isSuspended);
    return rejoining ? { state: "rejoining", text: "Back online — rejoining your rooms…" } : { state: "online", text: "" };
  }
  if (link.hardError) return { state: "error", text: link.hardError };
  if (!link.everLive) return { state: "connecting", text: "" };
  return { state: "reconnecting", text: "Connection lost — reconnecting… Messages you send now go out when it is back." };
}

const STATUS_LABELS: Record<LinkState, string> = {
  connecting: "connecting…",
  online: "online",
  rejoining: "rejoining rooms…",
  reconnecting: "reconnecting…",
  error: "not connected",
  offline: "offline",
};

/** Bring the status line, the banner, the rooms and the pending messages in line with the connection. */
export function refreshConnection(): void {
  const { xmpp, muc } = session;
  if (!xmpp || !muc || session.stopping) return;
  if (link.presenceDue && isLive()) {
    link.presenceDue = false;
    // Available again, so that invitations (addressed to our bare JID) reach this client.
    xmpp.send(xml("presence")).catch((e: unknown) => console.warn("initial presence", e));
  }
  const { state, text } = connectionState();
  const suspended = [...session.rooms.values()].filter(isSuspended).map((v) => v.jid);
  const key = `${state}\u0000${text}\u0000${suspended.join(" ")}`;
  if (key === link.key) return;
  link.key = key;

  const status = byId("connection-status");
  status.textContent = STATUS_LABELS[state];
  status.dataset.state = state;
  const banner = byId("connection-banner");
  banner.hidden = state === "online" || state === "connecting";
  banner.dataset.state = state;
  byId("connection-text").textContent = text;
  byId("connection-action").hidden = state !== "error" && state !== "offline";
  for (const refresh of openSends) refresh();
  redraw.page();
}

export function hideConnection(): void {
  link.key = "";
  byId("connection-banner").hidden = true;
  openSends.clear();
}
