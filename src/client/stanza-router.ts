/**
 * Where each inbound stanza of a {@link MucService} goes: a room's presences
 * and messages to that room, invitations and declines to the service's
 * events, then every stanza to the registered listeners (the IQ client,
 * `onMessageChange`, approvals, archive queries). The service's only
 * connection listener calls {@link StanzaRouter.route}.
 *
 * @module
 */
import xml, { type Element } from "@xmpp/xml";
import type { JID } from "@xmpp/jid";
import { directInvite } from "../xso/direct-invite.js";
import { mucUserX } from "../xso/muc-user.js";
import { NS_CLIENT, NS_MUC_USER } from "../xso/ns.js";
import { isValidResourcepart, parseJid } from "../xso/values.js";
import { isDecodeError } from "../xso/errors.js";
import type { Logger } from "../common/logger.js";
import { bareOf } from "./addresses.js";
import { roomCore, type Room } from "./room.js";
import { handlePresence } from "./room-presence.js";
import { handleMessage, heldBack } from "./room-messages.js";
import type { DeclineEvent, InviteEvent } from "./service.js";
import { MAX_TIMER_DELAY } from "../common/timers.js";

/** An invitation as the router reads it (the service adds itself and `decline`). */
export type RoutedInvite = Omit<InviteEvent, "service" | "decline">;

/** A declined invitation as the router reads it (the service adds itself). */
export type RoutedDecline = Omit<DeclineEvent, "service">;

/** What the router needs of its service. */
export interface RouterHost {
  /** The rooms joined or being joined, by bare JID. */
  readonly rooms: ReadonlyMap<string, Room>;
  readonly log: Logger;
  /** Send a stanza (through the service's queue). */
  send(stanza: Element): Promise<unknown>;
  invite(invite: RoutedInvite): void;
  decline(decline: RoutedDecline): void;
}

/** Routes inbound stanzas to rooms, service events and listeners. */
export class StanzaRouter {
  readonly #host: RouterHost;
  /** Who hears the stanzas after the rooms. */
  readonly #listeners = new Set<(stanza: Element) => void>();
  /** Whether held-back room messages are being handled (see {@link StanzaRouter.redeliver}): not held again. */
  #redelivering = false;
  /** Rooms whose join timed out or was aborted, by bare JID: a late confirmation is answered by leaving. */
  readonly #abandoned = new Map<string, { nick: string; timer: ReturnType<typeof setTimeout> }>();

  constructor(host: RouterHost) {
    this.#host = host;
  }

  /** Handle one inbound stanza: its room or the service first, then the listeners. */
  route(el: Element): void {
    try {
      if (el.name === "presence") this.#onPresence(el);
      // A message its room holds back is heard by no one until the room lets it go.
      else if (el.name === "message" && this.#onMessage(el) === "held") return;
    } catch (e) {
      // Nothing a peer sends may crash the process or leave a room half-updated.
      this.#host.log.warn("MucService: failed to handle a stanza", e, el.toString().slice(0, 500));
    }
    // The set itself, not a copy: no allocation per stanza (one removed meanwhile is skipped, one added is heard).
    for (const listener of this.#listeners) {
      try {
        listener(el);
      } catch (e) {
        this.#host.log.warn("MucService: a stanza listener failed", e);
      }
    }
  }

  /** Hear every stanza after the rooms; returns the function that stops it. */
  addListener(listener: (stanza: Element) => void): () => void {
    // A wrapper per registration: the same function registered twice is heard twice, and each stop removes its own.
    const entry = (el: Element): void => listener(el);
    this.#listeners.add(entry);
    return () => this.#listeners.delete(entry);
  }

  /**
   * Live messages a room held back until its history was over (see
   * `RoomSync.holdLive`), handled now in their order: by the room, then by
   * the stanza listeners, as if they came now.
   */
  redeliver(stanzas: readonly Element[]): void {
    this.#redelivering = true;
    try {
      for (const el of stanzas) this.route(el);
    } finally {
      this.#redelivering = false;
    }
  }

  /**
   * A room's join was given up on (timed out, aborted): for `forMs`, a late
   * confirmation of it is answered by leaving.
   */
  abandon(room: string, nick: string, forMs: number): void {
    // The join's timeout may be Infinity: the window ends all the same.
    const timer = setTimeout(() => this.#abandoned.delete(room), Math.min(forMs, MAX_TIMER_DELAY));
    this.#abandoned.set(room, { nick, timer });
  }

  /** The room is joined again: its presences are its own. */
  unabandon(room: string): void {
    const abandoned = this.#abandoned.get(room);
    if (abandoned === undefined) return;
    clearTimeout(abandoned.timer);
    this.#abandoned.delete(room);
  }

  /** Stop: no timer is left. */
  close(): void {
    for (const a of this.#abandoned.values()) clearTimeout(a.timer);
    this.#abandoned.clear();
  }

  /**
   * The room a stanza comes from, found without parsing its `from` when it
   * names a room we are in as we know it (the common case, and the hot path
   * of a join): the room and the resource (`""` for the room itself), or
   * `undefined` (the caller parses the address). An invalid resourcepart,
   * even an empty one after the slash, takes the slow path, which drops it.
   */
  #knownRoom(from: string): Room | undefined {
    const slash = from.indexOf("/");
    const room = this.#host.rooms.get(slash < 0 ? from : from.slice(0, slash));
    return room !== undefined && (slash < 0 || isValidResourcepart(from.slice(slash + 1))) ? room : undefined;
  }

  #onPresence(el: Element): void {
    const raw = el.attrs.from;
    const known = typeof raw === "string" ? this.#knownRoom(raw) : undefined;
    if (known) {
      handlePresence(roomCore(known), el, resourceOf(raw as string));
      return;
    }
    const from = fromOf(el, this.#host.log);
    if (!from || !from.local) return;
    const key = `${from.local}@${from.domain}`;
    const room = this.#host.rooms.get(key);
    if (room) {
      handlePresence(roomCore(room), el, from.resource);
      return;
    }
    const abandoned = this.#abandoned.get(key);
    if (abandoned && el.attrs.type !== "unavailable" && el.attrs.type !== "error") {
      const x = mucUserX.tryFindIn(el, NS_CLIENT);
      if (x?.statusCodes.includes(110) || from.resource === abandoned.nick) {
        clearTimeout(abandoned.timer);
        this.#abandoned.delete(key);
        this.#host.send(xml("presence", { type: "unavailable", to: from.toString() })).catch(() => {});
        return;
      }
    }
    if (el.getChild("x", NS_MUC_USER)) this.#host.log.debug(`ignoring a MUC presence from ${key}, a room we are not in`);
  }

  /** A groupchat message from one of our rooms, unless the room holds it back for now. */
  #roomMessage(room: Room, el: Element, nick: string): "held" | undefined {
    const core = roomCore(room);
    if (!this.#redelivering && heldBack(core, el)) return "held";
    handleMessage(core, el, nick);
    return undefined;
  }

  #onMessage(el: Element): "held" | undefined {
    const raw = el.attrs.from;
    const known = el.attrs.type === "groupchat" && typeof raw === "string" ? this.#knownRoom(raw) : undefined;
    if (known) return this.#roomMessage(known, el, resourceOf(raw as string));
    const from = fromOf(el, this.#host.log);
    if (!from) return;
    const key = from.local ? `${from.local}@${from.domain}` : undefined;
    const room = key === undefined ? undefined : this.#host.rooms.get(key);
    if (el.attrs.type !== "groupchat" && el.attrs.type !== "error" && this.#invitation(el, from)) return;
    if (!room) return undefined;
    if (el.attrs.type === "groupchat") return this.#roomMessage(room, el, from.resource);
    handleMessage(roomCore(room), el, from.resource);
    return undefined;
  }

  /** A mediated or direct invitation, or a decline: told to the host. Returns whether it was one. */
  #invitation(el: Element, from: JID): boolean {
    // Mediated invitations come from the room (XEP-0045 §7.8.2; the XEP's
    // example 75 sends one from the inviter's occupant JID). Checked before
    // direct ones: Prosody adds a jabber:x:conference element to them too.
    const x = mucUserX.tryFindIn(el, NS_CLIENT);
    const invite = x?.invites[0];
    if (x && invite && from.local) {
      this.#host.invite({
        room: bareOf(from),
        from: invite.from,
        reason: invite.reason,
        password: x.password,
        continue: invite.continue !== undefined,
        thread: invite.continue?.thread,
        kind: "mediated",
        stanza: el,
      });
      return true;
    }
    if (x?.decline && !from.resource) {
      this.#host.decline({ room: from, from: x.decline.from, reason: x.decline.reason, stanza: el });
      return true;
    }
    // Direct invitations (XEP-0249) come from the inviter.
    const direct = directInvite.tryFindIn(el, NS_CLIENT);
    if (direct && (direct.jid.resource || !direct.jid.local)) {
      this.#host.log.debug(`ignoring a direct invitation to ${direct.jid.toString()}: not a room's bare JID`);
      return true;
    }
    if (direct) {
      this.#host.invite({
        room: direct.jid,
        from,
        reason: direct.reason,
        password: direct.password,
        continue: direct.continue === true,
        thread: direct.thread,
        kind: "direct",
        stanza: el,
      });
      return true;
    }
    return false;
  }
}

/** The resource of an address (`""` when it has none). */
function resourceOf(address: string): string {
  const slash = address.indexOf("/");
  return slash < 0 ? "" : address.slice(slash + 1);
}

/** The `from` of a stanza, parsed; `undefined` (and a debug log) when absent or invalid. */
function fromOf(el: Element, log: Logger): JID | undefined {
  const from = el.attrs.from;
  if (typeof from !== "string") return undefined;
  try {
    return parseJid(from);
  } catch (e) {
    log.debug(`ignoring a ${el.name} with an invalid from`, isDecodeError(e) || e instanceof Error ? e.message : e);
    return undefined;
  }
}
