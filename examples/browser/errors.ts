/// <reference lib="dom" />
/**
 * Errors, as people read them: every XMPP error condition, SDK error and
 * network failure said in plain words, in one place.
 *
 * Nothing internal reaches the page: no exception messages, causes, stack
 * traces, socket codes (ECONNERROR), bare condition names or server text that
 * reads like one ("Registration required (registration-required)"). The error
 * itself goes to the console.
 *
 * Where an error is shown: next to what caused it where there is such a
 * place (the login form, the join form's nick or password field, an
 * occupant's actions, the room settings), else in a toast that overlays the
 * page ({@link showError}) and never pushes the layout down.
 *
 * @module
 */
import { isAbortError, isMucStateError, isNotConnectedError, isTimeoutError, isXMPPError } from "../../src/index.js";
import { byId } from "./dom.js";

/** An error this page raises for people: its message is shown as it is. */
export class UserError extends Error {
  override readonly name = "UserError";
}

/** Stanza, stream and SASL conditions (RFC 6120 §8.3.3, §4.9.3, §6.5), in plain words. */
export const CONDITION_TEXTS: Record<string, string> = {
  "bad-request": "The server did not understand the request.",
  conflict: "That conflicts with something that already exists.",
  "feature-not-implemented": "That is not supported here.",
  forbidden: "You are not allowed to do that.",
  gone: "That no longer exists.",
  "internal-server-error": "The server ran into a problem.",
  "item-not-found": "That could not be found.",
  "jid-malformed": "That address is not valid.",
  "not-acceptable": "The server did not accept that.",
  "not-allowed": "That is not allowed here.",
  "not-authorized": "You are not authorized to do that.",
  "payment-required": "That needs a paid account.",
  "policy-violation": "That goes against the server's rules.",
  "recipient-unavailable": "The recipient is not available right now.",
  redirect: "That has moved elsewhere.",
  "registration-required": "You must register with this service first.",
  "remote-server-not-found": "The other server could not be found.",
  "remote-server-timeout": "The other server did not answer in time.",
  "resource-constraint": "The server is too busy right now.",
  "service-unavailable": "That service is not available.",
  "subscription-required": "You need a subscription first.",
  "undefined-condition": "The server reported a problem.",
  "unexpected-request": "The server did not expect that request.",
  "system-shutdown": "The server is shutting down.",
  "connection-timeout": "The connection timed out.",
  "host-unknown": "The server does not serve that domain.",
  // SASL (logging in).
  aborted: "Logging in was cancelled.",
  "account-disabled": "This account is disabled.",
  "credentials-expired": "Your password has expired.",
  "encryption-required": "The server requires an encrypted connection.",
  "incorrect-encoding": "The server could not read the login.",
  "invalid-authzid": "The server refused the login.",
  "invalid-mechanism": "The server does not accept this way of logging in.",
  "malformed-request": "The server could not read the login.",
  "mechanism-too-weak": "The server does not accept this way of logging in.",
  "temporary-auth-failure": "Logging in failed for now; try again in a moment.",
};

/** SASL conditions that mean "wrong username or password". */
export const LOGIN_REFUSED = new Set(["not-authorized", "invalid-authzid"]);

/** The XMPP error condition of an error (the SDK's XMPPError, @xmpp/client's SASL, stream and IQ errors), if it is one. */
export function conditionOf(e: unknown): string | undefined {
  const c = (e as { condition?: unknown } | null)?.condition;
  return typeof c === "string" ? c : undefined;
}

/** An error as one readable sentence or two; never an exception's own text. */
export function describeError(e: unknown): string {
  if (e instanceof UserError) return e.message;
  if (isTimeoutError(e)) return "The server did not answer in time.";
  if (isAbortError(e)) return "It was cancelled.";
  if (isNotConnectedError(e)) return "You are offline right now; try again once the connection is back.";
  if (isMucStateError(e)) return stateErrorText(e.message);
  const condition = conditionOf(e);
  if (condition !== undefined) {
    const name = (e as { name?: unknown }).name;
    const words = name === "SASLError" && LOGIN_REFUSED.has(condition) ? "The server refused the username or password." : (CONDITION_TEXTS[condition] ?? "The server reported a problem.");
    const said = serverText(e);
    return said ? `${words} The server says: “${said}”` : words;
  }
  if (isNetworkError(e)) return "Cannot reach the server.";
  return "Something went wrong.";
}

/**
 * What a server wrote in an error it sent (never text our own code made up),
 * when it reads like words for people: not a condition name, a namespace or
 * a program's error message.
 */
export function serverText(e: unknown): string | undefined {
  const x = e as { text?: unknown; stanza?: unknown; element?: unknown; condition?: unknown };
  // Only errors read from a stanza the server sent (the SDK's have `stanza`, @xmpp/client's `element`).
  if (x.stanza === undefined && x.element === undefined) return undefined;
  if (typeof x.text !== "string") return undefined;
  const text = x.text.replace(/\s+/g, " ").trim();
  if (!text || /\b(?:null|undefined|TypeError|Cannot read|ECONN\w*)\b|Error:|\bat \S+ \(/.test(text)) return undefined;
  // Jargon: a condition name ("(registration-required)"), a namespace, an XML name.
  if (/\b[a-z]+(?:-[a-z]+)+\b/.test(text) && Object.keys(CONDITION_TEXTS).some((c) => text.includes(c))) return undefined;
  if (/urn:|https?:\/\/jabber\.org|xmlns|<\/?[a-z]/i.test(text)) return undefined;
  // The condition said again in words ("Registration required", "Forbidden"): our sentence says it better.
  if (typeof x.condition === "string" && text.toLowerCase().replace(/[^a-z]/g, "") === x.condition.replace(/-/g, "")) return undefined;
  return text.length > 200 ? `${text.slice(0, 199)}…` : text;
}

/** A socket that could not connect or broke (@xmpp/websocket's `ECONNERROR`, Node's `ECONNREFUSED`, …). */
export function isNetworkError(e: unknown): boolean {
  const x = e as { code?: unknown; errno?: unknown; message?: unknown } | null;
  if (!x || typeof x !== "object") return false;
  return [x.code, x.errno, x.message].some((v) => typeof v === "string" && (/^E[A-Z]+$/.test(v) || /websocket|ECONN|socket|network/i.test(v)));
}

/** A call the SDK refused in the current state (`MucStateError`), in plain words. */
export function stateErrorText(message: string): string {
  if (/nick/i.test(message)) return "That nickname cannot be used.";
  if (/JID|room address|bare|localpart/i.test(message)) return "That is not a valid room address.";
  if (/already joined|being joined/i.test(message)) return "You are already in that room.";
  if (/not joined|not in room|left room|left the room/i.test(message)) return "You are not in that room any more.";
  return "That is not possible right now.";
}

/** Why logging in failed, for the line under the login form. */
export function loginErrorText(e: unknown): string {
  const condition = conditionOf(e);
  const name = (e as { name?: unknown } | null)?.name;
  if (condition !== undefined && name === "SASLError") {
    if (LOGIN_REFUSED.has(condition)) return "Wrong username or password.";
    return CONDITION_TEXTS[condition] ?? "The server refused the login.";
  }
  if (condition === "host-unknown") return "The server does not serve that domain. Check the domain under Server.";
  if (condition === "conflict") return "This account is already connected with the same device name; try again.";
  if (isNetworkError(e) || isTimeoutError(e)) return "Cannot reach the server. Check the WebSocket URL under Server, or try again in a moment.";
  return describeError(e);
}

/** Which field of the join form an error belongs to, and what to say there. */
export interface JoinFailure {
  readonly field: "nick" | "password" | "room" | undefined;
  readonly text: string;
}

/**
 * Why joining a room failed (XEP-0045 §7.2), in plain words and next to the
 * field that caused it.
 *
 * @param context.gateway - the room is a gateway's (a registration it needs is the gateway's, not the room's).
 * @param context.passwordGiven - a password was typed.
 */
export function joinErrorText(e: unknown, context: { gateway: boolean; passwordGiven: boolean }): JoinFailure {
  if (isMucStateError(e)) {
    const text = stateErrorText(e.message);
    return { field: /nick/i.test(e.message) ? "nick" : /JID|address|bare|localpart/i.test(e.message) ? "room" : undefined, text };
  }
  if (e instanceof UserError) return { field: "room", text: e.message };
  switch (conditionOf(e)) {
    case "conflict":
      return { field: "nick", text: "That nickname is taken in this room. Choose another one." };
    case "not-acceptable":
      return { field: "nick", text: "This room wants you to use your registered nickname." };
    case "jid-malformed":
      return { field: "nick", text: "That nickname cannot be used here." };
    case "not-authorized":
      return { field: "password", text: context.passwordGiven ? "Wrong password for this room." : "This room needs a password." };
    case "registration-required":
      return { field: undefined, text: context.gateway ? "You must register with this service first." : "This room is for members only. Ask one of its admins to add you." };
    case "forbidden":
      return { field: undefined, text: "You are banned from this room." };
    case "service-unavailable":
      return { field: undefined, text: "The room is full, or not available right now." };
    case "item-not-found":
      return { field: "room", text: "There is no such room (or it is not open yet)." };
    case "not-allowed":
      return { field: "room", text: "There is no such room, and you may not create one here." };
    case "remote-server-not-found":
    case "remote-server-timeout":
      return { field: "room", text: "The room's server cannot be reached." };
    default:
      return { field: undefined, text: describeError(e) };
  }
}

/** What a room administration request could not do (kick, voice, ban, lists, settings), in plain words. */
export function adminErrorText(e: unknown): string {
  switch (conditionOf(e)) {
    case "feature-not-implemented":
      return "This room does not support that.";
    case "forbidden":
    case "not-allowed":
    case "not-authorized":
      return "You are not allowed to do that in this room.";
    case "item-not-found":
      return "That person is no longer in the room.";
    case "conflict":
      return "That would leave the room without an owner.";
    case "not-acceptable":
      return "The room did not accept those settings.";
    default:
      return describeError(e);
  }
}

/**
 * Why registering with a service (the gateway: its register command or
 * XEP-0077) failed, for the line in its form. `step` is the step that
 * failed: the details (`form`), a code the network sent (`code`), or a QR
 * code to scan (`qr`).
 */
export function registerErrorText(e: unknown, step: "form" | "code" | "qr" = "form"): string {
  if (isTimeoutError(e) && step === "qr") return "The QR code was not scanned in time. Register again for a new one.";
  switch (conditionOf(e)) {
    case "not-authorized":
    case "not-acceptable":
      if (step === "code") return "That code was not accepted. Check it and try again.";
      if (step === "qr") return "The scan of the QR code was not accepted, or came too late. Register again for a new one.";
      return "The service did not accept these details. Check them and try again.";
    case "conflict":
      return "That account is already registered by someone else.";
    case "forbidden":
    case "not-allowed":
      return "This service does not let you register.";
    default:
      return describeError(e);
  }
}

/** Why a gateway command (XEP-0050) could not be listed or run, for the line in its card. */
export function commandErrorText(e: unknown): string {
  if (isMucStateError(e)) return "That command has ended; run it again from the list.";
  const said = serverText(e);
  const withText = (words: string): string => (said ? `${words} The gateway says: “${said}”` : words);
  switch (conditionOf(e)) {
    case "forbidden":
    case "not-allowed":
    case "registration-required":
      return withText("You cannot run that command now.");
    case "item-not-found":
      return "The gateway no longer offers that command.";
    case "not-acceptable":
      return withText("The gateway did not accept these values. Check them and try again.");
    case "bad-request":
      return (e as { application?: { name?: unknown } }).application?.name === "bad-sessionid"
        ? "That command has ended at the gateway; run it again from the list."
        : withText("The gateway did not understand the request.");
    case "service-unavailable":
    case "feature-not-implemented":
      return "The gateway offers no commands.";
    default:
      return describeError(e);
  }
}

/** Why one of our messages did not make it, for the line under it. */
export function notDeliveredText(error: unknown): string {
  const cause = (error as { cause?: unknown } | null)?.cause;
  // The SDK's own "could not be sent" error (no stanza from the server; the reason in `cause`).
  if (error === undefined || (isXMPPError(error) && error.stanza === undefined && cause !== undefined)) {
    if (isMucStateError(cause)) return "Not sent: you are no longer in the room.";
    if (isNotConnectedError(cause)) return "Not sent: the connection closed before it could go out.";
    return "Not sent: the connection failed before it could go out.";
  }
  const condition = conditionOf(error);
  const words =
    condition === "forbidden" || condition === "not-allowed" || condition === "not-authorized"
      ? "you may not send messages in this room right now."
      : condition === "not-acceptable"
        ? "the room no longer counts you as a participant."
        : condition === "recipient-unavailable" || condition === "service-unavailable" || condition === "item-not-found" || condition === "remote-server-not-found" || condition === "remote-server-timeout"
          ? "the room cannot be reached right now."
          : condition === "resource-constraint" || condition === "policy-violation"
            ? "the room refused it (too many messages, or against its rules)."
            : undefined;
  if (words) return `Not delivered: ${words}`;
  return `Not delivered. ${describeError(error)}`;
}

/** Why a message of ours in a direct chat did not make it, for the line under it. */
export function chatNotDeliveredText(error: unknown): string {
  const said = serverText(error);
  const withText = (words: string): string => (said ? `${words} The server says: “${said}”` : words);
  switch (conditionOf(error)) {
    case "item-not-found":
    case "remote-server-not-found":
      return "Not delivered: there is nobody at this address.";
    case "service-unavailable":
    case "recipient-unavailable":
    case "remote-server-timeout":
      return withText("Not delivered: this person cannot be reached right now.");
    case "registration-required":
      return "Not delivered: register with the gateway first.";
    case "forbidden":
    case "not-allowed":
    case "not-acceptable":
      return withText("Not delivered: you may not write to this person.");
    default:
      return `Not delivered. ${describeError(error)}`;
  }
}

/** Why a search for people through the gateway failed, under the search box. */
export function searchErrorText(e: unknown): string {
  switch (conditionOf(e)) {
    case "feature-not-implemented":
    case "service-unavailable":
    case "item-not-found":
      return "The gateway cannot search for people.";
    case "registration-required":
    case "forbidden":
      return "Register with the gateway to search for people there.";
    case "bad-request":
    case "not-acceptable":
      return "Type a name to look for.";
    default:
      return commandErrorText(e);
  }
}

// ---------------------------------------------------------------------------
// The toast: what an action could not do, when there is no better place

/** How long a toast stays (ms); hovering it keeps it. */
const TOAST_MS = 12_000;
let toastTimer: ReturnType<typeof setTimeout> | undefined;

/** Say in a toast (over the page, never pushing it down) what could not be done. */
export function showError(context: string, e?: unknown): void {
  const text = e === undefined ? context : `${context}: ${describeError(e)}`;
  showToast(text);
  console.warn(text, e);
}

/** A toast with a sentence of ours. */
export function showToast(text: string): void {
  const toast = byId("error-banner");
  toast.hidden = false;
  byId("error-text").textContent = text;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(function hide() {
    if (toast.matches(":hover")) toastTimer = setTimeout(hide, 2_000);
    else toast.hidden = true;
  }, TOAST_MS);
}

export function clearError(): void {
  clearTimeout(toastTimer);
  byId("error-banner").hidden = true;
}
