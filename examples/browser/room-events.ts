/// <reference lib="dom" />
/**
 * Joining a room, and what its events do to the page: messages, typing and
 * read markers, the subject, occupants coming, going and changing, the
 * connection's suspend and resume, and our exit. Also the list of the rooms
 * we are in, kept for a reload (persist.ts).
 *
 * @module
 */
import type { Element as XmlElement } from "@xmpp/xml";
import { LeaveMode, type Room, StatusCode, createInstantRoom } from "../../src/index.js";
import { type JoinFailure, UserError, clearError, describeError, joinErrorText } from "./errors.js";
import { saveRoomList } from "./persist.js";
import { type RoomView, isCurrent, joinDraft, session, sourceOf, viewFor } from "./state.js";
import { redraw } from "./redraw.js";
import { refreshConnection } from "./connection-view.js";
import { listInto, loadInfo, refreshMucRooms } from "./room-list.js";
import { addMessage } from "./incoming.js";
import { addNotice, markJoined } from "./message-log.js";
import { composerInput, stopComposing } from "./composer.js";
import { clearTyping, noteSeen, readElsewhere, renameReader, scheduleMarkRead, setTyping, stopTyping } from "./reading.js";

const HISTORY = { maxStanzas: 50 };

/**
 * Join a room. What went wrong is said next to what caused it: the join
 * form's nick, password or address field, or the form itself (kept with
 * what was typed in it).
 *
 * @returns why it failed, or `undefined` once joined.
 */
export async function join(jid: string, nick: string, password: string | undefined, options: { focus?: boolean } = {}): Promise<JoinFailure | undefined> {
  const muc = session.muc;
  if (!muc) return undefined;
  clearError();
  let view: RoomView;
  let room: Room;
  let joined: Promise<Room>;
  const previousPane = session.pane;
  const known = session.rooms.has(jid);
  try {
    if (!/^[^@\s]+@[^@\s/]+$/.test(jid)) throw new UserError("That is not a room address: it looks like room@service.");
    view = viewFor(jid);
    ({ room, joined } = muc.join(jid, nick, { history: HISTORY, ...(password ? { password } : {}) }));
  } catch (e) {
    if (!known) session.rooms.delete(jid);
    console.warn(`could not join ${jid}`, e);
    const failure = joinErrorText(e, { gateway: sourceOf(jid) === "gateway", passwordGiven: password !== undefined });
    const existing = session.rooms.get(jid);
    if (existing) existing.joinError = failure;
    else joinDraft.error = failure;
    redraw.page();
    return failure;
  }
  if (view.state === "left") resetLog(view);
  view.room = room;
  view.state = "joining";
  view.invite = undefined;
  view.destroyed = false;
  view.banned = false;
  view.voiceRequested = false;
  view.exitText = undefined;
  view.joinError = undefined;
  session.pane = { kind: "room", jid };
  wireRoom(view, room);
  redraw.page();
  try {
    await joined;
    view.state = "joined";
    view.draftNick = undefined;
    if (!known || previousPane.kind === "join") Object.assign(joinDraft, { jid: "", nick: "", error: undefined });
    saveRooms();
    redraw.page();
    scheduleMarkRead(view);
    void loadInfo(view);
    // Ready to talk: the composer has the focus (unless we were restoring rooms in the background).
    if (options.focus !== false && isCurrent(view)) composerInput(view)?.focus();
    return undefined;
  } catch (e) {
    console.warn(`could not join ${jid}`, e);
    const failure = joinErrorText(e, { gateway: view.source === "gateway", passwordGiven: password !== undefined });
    if (view.room === room) {
      view.room = undefined;
      view.state = "idle";
      view.draftNick = nick;
      view.joinError = failure;
      // A room typed in by address that we could not join: forget it, back to the form (with what was typed).
      if (!known && !view.listed) {
        session.rooms.delete(jid);
        Object.assign(joinDraft, { jid, nick, error: failure });
        if (isCurrent(view)) session.pane = previousPane.kind === "room" && previousPane.jid === jid ? { kind: "join" } : previousPane;
      }
    }
    saveRooms();
    redraw.page();
    return failure;
  }
}

function resetLog(view: RoomView): void {
  view.log.replaceChildren();
  view.last = undefined;
  view.historyShown = false;
  view.joinMarked = false;
  view.oldestId = undefined;
  view.earlier = undefined;
  view.byStanzaId.clear();
  view.byId.clear();
  view.pendingChanges = [];
  view.seen.clear();
  view.lastDay = undefined;
  clearTyping(view);
  stopComposing(view);
}

function wireRoom(view: RoomView, room: Room): void {
  const current = (): boolean => view.room === room;
  const refresh = (): void => {
    if (current() && isCurrent(view)) redraw.room(view);
  };
  room.on("message", (e) => {
    if (!current()) return;
    // Their message is what they were typing: no need to wait for a chat state.
    if (!e.history && !e.own && e.nick !== undefined) setTyping(view, e.nick, false);
    addMessage(view, e);
  });
  room.on("chatState", ({ nick, state, own }) => {
    if (!current() || own) return;
    setTyping(view, nick, state === "composing");
  });
  room.on("displayed", ({ nick, id, own }) => {
    if (!current()) return;
    if (own) readElsewhere(view, id);
    else noteSeen(view, nick, id);
  });
  room.on("subjectChange", ({ subject, setterNick, initial }) => {
    if (!current()) return;
    if (initial) {
      markJoined(view);
      // The join's history is all there.
      scheduleMarkRead(view);
    } else addNotice(view, "subject", subject ? `${setterNick ?? "The room"} changed the subject to “${subject}”` : `${setterNick ?? "The room"} cleared the subject`);
    refresh();
  });
  room.on("enter", () => {
    refreshConnection();
    refresh();
  });
  room.on("join", ({ occupant, initial }) => {
    if (!current()) return;
    if (!initial && !occupant.isSelf) addNotice(view, "join", `${occupant.nick} joined`);
    refresh();
  });
  room.on("leave", ({ occupant, mode, actor, reason }) => {
    if (!current()) return;
    if (view.selectedNick === occupant.nick) view.selectedNick = undefined;
    setTyping(view, occupant.nick, false);
    const by = actor?.nick ? ` by ${actor.nick}` : "";
    const why = reason ? `: ${reason}` : "";
    if (mode === LeaveMode.KICKED) addNotice(view, "kick", `${occupant.nick} was kicked${by}${why}`);
    else if (mode === LeaveMode.BANNED) addNotice(view, "ban", `${occupant.nick} was banned${by}${why}`);
    else if (mode === LeaveMode.AFFILIATION_CHANGE || mode === LeaveMode.MODERATION_CHANGE) addNotice(view, "leave", `${occupant.nick} was removed (membership changed)${why}`);
    else addNotice(view, "leave", `${occupant.nick} left${why}`);
    refresh();
  });
  room.on("nickChange", ({ oldNick, newNick, occupant }) => {
    if (!current()) return;
    addNotice(view, "nick", occupant.isSelf ? `You are now known as ${newNick}` : `${oldNick} is now known as ${newNick}`);
    renameReader(view, oldNick, newNick);
    refresh();
  });
  room.on("roleChange", ({ occupant, oldRole, newRole, actor, reason }) => {
    if (!current() || newRole === "none" || !room.joined) return;
    if (occupant.isSelf) view.voiceRequested = false;
    const who = occupant.isSelf ? "You" : occupant.nick;
    const by = actor?.nick ? ` (by ${actor.nick}${reason ? `: ${reason}` : ""})` : "";
    let text: string;
    if (newRole === "moderator") text = `${who} ${occupant.isSelf ? "are" : "is"} now a moderator`;
    else if (newRole === "visitor") text = `${who} can no longer speak`;
    else if (oldRole === "visitor") text = `${who} can speak now`;
    else text = `${who} ${occupant.isSelf ? "are" : "is"} no longer a moderator`;
    addNotice(view, "role", text + by);
    refresh();
  });
  room.on("affiliationChange", ({ occupant, newAffiliation, actor }) => {
    if (!current() || !room.joined || newAffiliation === "outcast") return;
    const who = occupant.isSelf ? "You" : occupant.nick;
    const verb = occupant.isSelf ? "are" : "is";
    const text = newAffiliation === "none" ? `${who} ${verb} no longer affiliated with the room` : `${who} ${verb} now ${newAffiliation === "admin" ? "an admin" : `a${newAffiliation === "owner" ? "n" : ""} ${newAffiliation}`}`;
    addNotice(view, "affiliation", text + (actor?.nick ? ` (by ${actor.nick})` : ""));
    refresh();
  });
  room.on("statusChange", () => refresh());
  room.on("hatsChange", () => refresh());
  room.on("avatarChange", () => refresh());
  room.on("configChange", () => {
    if (!current()) return;
    addNotice(view, "config", "The room configuration changed");
    void loadInfo(view);
  });
  room.on("suspend", () => {
    if (!current()) return;
    addNotice(view, "suspend", "Connection lost — rejoining…");
    // Out of sync: who was typing is not known any more (their `paused` may be lost).
    clearTyping(view);
    refreshConnection();
    refresh();
  });
  room.on("resume", ({ stanza }) => {
    if (!current()) return;
    addNotice(view, "resume", "Back in the room");
    scheduleMarkRead(view);
    // The room had closed while everyone was away (say, the server restarted) and our rejoin
    // opened it anew (status 201): locked until its owner, us, configures it. Open it with the
    // default settings, so that the others can come back.
    if (createdByRejoin(stanza) && session.muc) {
      createInstantRoom(session.muc, room.jid)
        .then(() => {
          if (current()) addNotice(view, "config", "The room had closed while everyone was away; it was opened again with the default settings");
        })
        .catch((e: unknown) => console.warn(`could not reopen ${room.jid.toString()}`, e));
    }
    refreshConnection();
    refresh();
  });
  room.on("exit", ({ mode, actor, reason, alternateVenue, error }) => {
    if (!current()) return;
    const by = actor?.nick ? ` by ${actor.nick}` : "";
    const why = reason ? `: ${reason}` : "";
    const texts: Record<string, string> = {
      [LeaveMode.NORMAL]: "You left the room",
      [LeaveMode.KICKED]: `You were kicked${by}${why}`,
      [LeaveMode.BANNED]: `You were banned${by}${why}`,
      [LeaveMode.AFFILIATION_CHANGE]: `You were removed: your affiliation changed${why}`,
      [LeaveMode.MODERATION_CHANGE]: `You were removed: the room is now members-only${why}`,
      [LeaveMode.SYSTEM_SHUTDOWN]: "The room service shut down",
      [LeaveMode.DESTROYED]: `The room was destroyed${why}${alternateVenue ? ` — the discussion moved to ${alternateVenue.toString()}` : ""}`,
      [LeaveMode.DISCONNECTED]: "Disconnected",
      [LeaveMode.ERROR]:
        (error as { condition?: unknown } | undefined)?.condition === "item-not-found"
          ? "Could not get back into the room: it has closed, or is not open again yet. Try Rejoin in a moment."
          : `Removed from the room${error ? `: ${describeError(error)}` : ""}`,
    };
    const text = texts[mode] ?? `You left the room (${mode})`;
    view.state = "left";
    view.exitText = mode === LeaveMode.NORMAL ? undefined : text;
    view.destroyed = mode === LeaveMode.DESTROYED;
    view.banned = mode === LeaveMode.BANNED;
    view.editingSubject = false;
    clearTyping(view);
    stopTyping(view);
    addNotice(view, "exit", text);
    saveRooms();
    refreshConnection();
    if (mode === LeaveMode.DESTROYED) {
      view.listed = false;
      void (view.source === "gateway" ? listInto("gateway", session.config.gatewayDomain ?? "") : refreshMucRooms());
    }
    redraw.page();
  });
}

/** Whether a rejoin's self-presence says the room was created by it (status 201: it was gone). */
function createdByRejoin(stanza: XmlElement): boolean {
  const x = stanza.getChild("x", "http://jabber.org/protocol/muc#user");
  return x?.getChildren("status").some((status: XmlElement) => status.attrs.code === String(StatusCode.ROOM_CREATED)) === true;
}

/** Keep the rooms we are in (or joining) for a reload of the page. */
export function saveRooms(): void {
  if (!session.muc || session.stopping) return;
  saveRoomList(
    [...session.rooms.values()]
      .filter((v) => v.room !== undefined && (v.state === "joined" || v.state === "joining"))
      .map((v) => ({ jid: v.jid, nick: v.room!.nick, ...(v.room!.password ? { password: v.room!.password } : {}) })),
  );
}
