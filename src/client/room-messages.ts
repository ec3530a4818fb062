/**
 * How a room reads its messages: groupchat messages (live and history,
 * de-duplicated), the subject, private messages, and error replies to what
 * we sent. Functions over the room's state ({@link RoomCore}); not part of
 * the package's API.
 *
 * @module
 */
import type { Element } from "@xmpp/xml";
import type { JID } from "@xmpp/jid";
import { delay as delayCodec } from "../xso/delay.js";
import { mucUserX } from "../xso/muc-user.js";
import { occupantId as occupantIdCodec } from "../xso/occupant-id.js";
import { messageContent } from "../xso/message.js";
import { originId as originIdCodec, stanzaId as stanzaIdCodec } from "../xso/stanza-id.js";
import { NS_CLIENT, NS_DELAY, NS_SID } from "../xso/ns.js";
import { chatMarkerOf, chatStateOf } from "../xso/chat-states.js";
import { attachmentsOf } from "../xso/file-sharing.js";
import { isDecodeError } from "../xso/errors.js";
import { XMPPError } from "../xso/stanza-error.js";
import type { RoomEvents } from "./room-events.js";
import type { MessageTracker } from "./tracker.js";
import type { RoomCore } from "./room-core.js";

/** A message from this room's JID (groupchat, private, error): `resource` is the sender's nick (`""` for the room itself). */
export function handleMessage(core: RoomCore, stanza: Element, resource: string): void {
  core.pinger?.activity();
  if (core.leftWhileJoining()) return; // history and subject of a join we gave up on
  const type = stanza.attrs.type;
  if (type === "error") {
    // Errors about what we sent to the room come from the room itself; an
    // occupant cannot fail our messages, subject changes or other requests.
    if (resource) {
      core.debug(`ignoring an error message from occupant ${resource}`);
      return;
    }
    // Refused: it reached the room, whatever else follows.
    if (typeof stanza.attrs.id === "string") core.sync.answered(stanza.attrs.id);
    if (refusedWhileOut(core, stanza)) return;
    if (core.trackers.onError(stanza)) return;
    for (const l of [...core.messageErrorListeners]) l({ stanza });
    return;
  }
  let msg;
  try {
    msg = messageContent.decode(stanza);
  } catch (e) {
    core.debug(`ignoring a malformed message`, isDecodeError(e) ? e.message : e);
    return;
  }
  const nick = resource || undefined;
  if (msg.type === "groupchat") {
    onGroupchat(core, stanza, nick, msg.body, msg.subject);
  } else if ((msg.type === "chat" || msg.type === "normal") && nick !== undefined) {
    const body = defaultText(msg.body);
    if (body === undefined) return;
    core.emit("privateMessage", messageEvent(core, stanza, nick, body, msg.body, false));
  } else if (nick === undefined) {
    // A message from the room itself that is not groupchat: status codes.
    readStatusCodes(core, stanza);
  }
}

/**
 * A room refuses a message from someone who is not an occupant with
 * `not-acceptable` (XEP-0045 §7.4). One that comes while we are out of the
 * room and coming back (removed without asking, or on a new session)
 * refused a message we wrote before we knew we were out: that copy did not
 * reach the room, but an earlier one may have (a dead stream's, written
 * again). The message goes with those a dead stream lost: sent again once
 * the rejoin's history is over, unless that history shows it; its tracker,
 * if it has one, stays open. A refusal while we are in the room fails the
 * tracker as any error does. Returns whether the error was taken so.
 */
function refusedWhileOut(core: RoomCore, stanza: Element): boolean {
  if (core.state !== "suspended" && core.state !== "rejoining") return false;
  const id = stanza.attrs.id;
  const sent = typeof id === "string" ? core.sync.written(id) : undefined;
  if (sent === undefined || XMPPError.fromStanza(stanza).condition !== "not-acceptable") return false;
  const tracked = core.trackers.match(undefined, id) !== undefined;
  // A tracker that settled meanwhile has told the app the message's fate.
  if (!tracked && core.trackers.everTracked(sent)) return false;
  core.debug(`message ${String(id)} refused while we were out of the room (not-acceptable): sending it again after the rejoin's history, unless that shows it`);
  core.sync.lost(sent, tracked);
  return true;
}

/**
 * Whether the room holds back this groupchat message until its (re)join's
 * history is over (`RoomSync.holdLive`): a live one, i.e. without a
 * `<delay/>`, and not a subject (which may be the one ending the history).
 * On a rejoin that fills its gap from the archive, its history and the
 * subject that ends it wait for the fill (`RoomSync.holdHistory`), and what
 * comes during the fill waits with the live messages.
 */
export function heldBack(core: RoomCore, stanza: Element): boolean {
  // The common case, in step with the room: a few flags are read, no child is looked at.
  if (!core.sync.holdingLive && !core.sync.holdingHistory) return false;
  if (stanza.getChild("body") === undefined && stanza.getChild("subject") !== undefined) {
    // The subject ending the history of a rejoin that fills: it waits behind that history, and the fill starts.
    if (!core.sync.holdingHistory || !core.sync.holdHistory(stanza)) return false;
    core.sync.historyOver();
    return true;
  }
  if (stanza.getChild("delay", NS_DELAY) !== undefined) {
    // The rejoin's history waits for the archive fill; what comes during the fill waits behind it.
    if (core.sync.holdingHistory) return core.sync.holdHistory(stanza);
    return core.sync.filling && core.sync.holdLive(stanza);
  }
  return core.sync.holdingLive && core.sync.holdLive(stanza);
}

/** The status codes of a message from the room itself (configuration changes). */
function readStatusCodes(core: RoomCore, stanza: Element): void {
  const x = mucUserX.tryFindIn(stanza, NS_CLIENT);
  if (x && x.statusCodes.length) core.onStatusCodes(x.statusCodes, stanza);
}


function onGroupchat(core: RoomCore, stanza: Element, nick: string | undefined, bodies: Record<string, string>, subjects: Record<string, string>): void {
  const body = defaultText(bodies);
  const subjectOnly = body === undefined && Object.keys(subjects).length > 0;
  if (core.sync.awaitingSelfPresence && (subjectOnly || stanza.getChild("delay", NS_DELAY) !== undefined)) {
    // History or a subject before our (re)join's self-presence answers an older join of ours, and may be
    // the tail of an answer whose head went to a dead stream: the (re)join's own answer brings it whole.
    core.debug(`dropping a ${subjectOnly ? "subject" : "history message"} that came before our self-presence`);
    return;
  }
  if (subjectOnly) {
    onSubject(core, stanza, nick, subjects);
    return;
  }
  if (nick === undefined) readStatusCodes(core, stanza);
  const delay = delayCodec.tryFindIn(stanza, NS_CLIENT);
  const history = core.sync.isHistory(delay !== undefined);
  if (body === undefined) {
    // A change to another message (a reaction, a retraction), a chat state or a marker: only archived ones
    // (with a stanza-id), displayed markers and history can repeat; live chat states are not remembered.
    const stanzaId = roomStanzaId(stanza, core.jid);
    if (stanzaId !== undefined || history || chatMarkerOf(stanza)?.marker === "displayed") {
      const id = typeof stanza.attrs.id === "string" ? stanza.attrs.id : undefined;
      const keys = dedupKeys({ stanzaId, originId: originIdCodec.tryFindIn(stanza, NS_CLIENT)?.id, occupantId: occupantIdCodec.tryFindIn(stanza, NS_CLIENT)?.id, nick, id, body: "", delay: delay?.stamp }, history);
      if (!isNew(core, stanza, keys)) return;
      core.sync.delivered(stanzaId);
    }
    if (nick !== undefined) announceAttention(core, stanza, nick, history);
    return;
  }
  const event = messageEvent(core, stanza, nick, body, bodies, history, delay?.stamp);
  // Ours, duplicate or not: not to be sent again after a rejoin.
  if (event.own && event.originId !== undefined) core.sync.sawOwn(event.originId);
  const keys = dedupKeys(event, history);
  if (!isNew(core, stanza, keys)) return;
  core.sync.delivered(event.stanzaId);
  if (!history) core.sync.noteLive();
  core.emit("message", event);
  if (nick !== undefined) announceAttention(core, stanza, nick, history);
}

/**
 * A message's chat state (XEP-0085, live messages only: a state from the
 * history is stale) and `displayed` marker (XEP-0333, live or history: who
 * read how far), as events.
 */
function announceAttention(core: RoomCore, stanza: Element, nick: string, history: boolean): void {
  const state = history ? undefined : chatStateOf(stanza);
  const marker = chatMarkerOf(stanza);
  if (state === undefined && marker?.marker !== "displayed") return;
  const occupant = core.getOccupant(nick);
  const occupantId = occupantIdCodec.tryFindIn(stanza, NS_CLIENT)?.id;
  const own = isOwn(core, nick, occupantId);
  if (state !== undefined) core.emit("chatState", { room: core.room, nick, occupant, occupantId, state, own, stanza });
  if (marker?.marker === "displayed") core.emit("displayed", { room: core.room, nick, occupant, occupantId, id: marker.id, own, history, stanza });
}

/** Whether a message from `nick` (with this occupant-id) is ours: our nick, or our occupant-id. */
function isOwn(core: RoomCore, nick: string | undefined, occupantId: string | undefined): boolean {
  return nick !== undefined && core.me !== undefined && (nick === core.me.nick || (occupantId !== undefined && occupantId === core.me.occupantId));
}

/**
 * Whether a message is new: its keys are then remembered. One delivered
 * before is dropped, and {@link isDuplicate} says so.
 */
function isNew(core: RoomCore, stanza: Element, keys: readonly string[]): boolean {
  if (keys.some((k) => core.sync.seen.has(k))) {
    core.debug(`dropping a message already delivered (${keys[0]?.slice(0, 200) ?? ""})`);
    core.sync.duplicates.add(stanza);
    return false;
  }
  core.sync.remember(keys);
  return true;
}

/**
 * Whether the room dropped this groupchat message as one it had
 * delivered before (so {@link onMessageChange} drops it too).
 */
export function isDuplicate(core: RoomCore, stanza: Element): boolean {
  return core.sync.duplicates.has(stanza);
}

/**
 * The keys a message is known by, for de-duplication within a bounded
 * window: the stanza-id the room gave it; its origin-id together with its
 * sender (occupant-id, else nick), which a resend by the sender keeps;
 * without an origin-id, its `id` with its sender and text (live or history:
 * a history replay of a live message is known by it). A message with none
 * of these is de-duplicated only as history, by sender, time and text.
 */
function dedupKeys(
  event: { readonly stanzaId: string | undefined; readonly originId: string | undefined; readonly occupantId: string | undefined; readonly nick: string | undefined; readonly id: string | undefined; readonly body: string; readonly delay?: Date | undefined },
  history: boolean,
): string[] {
  const keys: string[] = [];
  if (event.stanzaId !== undefined) keys.push(`s\u0000${event.stanzaId}`);
  const sender = event.occupantId ?? (event.nick === undefined ? undefined : `nick\u0000${event.nick}`);
  if (event.originId !== undefined) {
    if (sender !== undefined) keys.push(`o\u0000${sender}\u0000${event.originId}`);
  } else if (event.id !== undefined) {
    keys.push(`i\u0000${event.nick ?? ""}\u0000${event.id}\u0000${event.body}`);
  }
  if (keys.length === 0 && history) keys.push(`h\u0000${event.nick ?? ""}\u0000${event.delay?.getTime() ?? ""}\u0000${event.body}`);
  return keys;
}

function onSubject(core: RoomCore, stanza: Element, nick: string | undefined, subjects: Record<string, string>): void {
  const initial = !core.subjectSeen;
  core.subjectSeen = true;
  core.subjects = { ...subjects };
  core.subject = defaultText(subjects) ?? "";
  core.subjectSetter = nick;
  core.emit("subjectChange", {
    room: core.room,
    subject: core.subject,
    subjects: core.subjects,
    setterNick: nick,
    setter: nick === undefined ? undefined : core.getOccupant(nick),
    initial,
    delay: delayOf(stanza),
    stanza,
  });
  // The history is over: then come the live messages held back meanwhile, and our sends.
  if (initial) core.sync.historyOver();
}

function messageEvent(
  core: RoomCore,
  stanza: Element,
  nick: string | undefined,
  body: string,
  bodies: Record<string, string>,
  history: boolean,
  delay: Date | undefined = delayOf(stanza),
): RoomEvents["message"] {
  const originId = originIdCodec.tryFindIn(stanza, NS_CLIENT)?.id;
  const occupantId = occupantIdCodec.tryFindIn(stanza, NS_CLIENT)?.id;
  const id = typeof stanza.attrs.id === "string" ? stanza.attrs.id : undefined;
  // Ours: our nick or occupant-id; or a nick we had before, with the origin-id of a message of ours awaiting its fate (a rejoin renamed us).
  const own = isOwn(core, nick, occupantId) || (originId !== undefined && nick !== undefined && core.formerNicks.has(nick) && core.sync.sentByUs(originId));
  const stanzaId = roomStanzaId(stanza, core.jid);
  let tracker: MessageTracker | undefined;
  if (own && stanza.attrs.type === "groupchat") {
    const match = core.trackers.match(originId, id);
    if (match && core.trackers.onReflection(stanza, originId, id, stanzaId)) tracker = match;
  }
  return {
    room: core.room,
    nick,
    occupant: nick === undefined ? undefined : core.getOccupant(nick),
    body,
    bodies,
    id,
    originId,
    stanzaId,
    occupantId,
    delay,
    history,
    own,
    tracker,
    attachments: attachmentsOf(stanza),
    stanza,
  };
}

/** The `<delay/>` stamp of a stanza (XEP-0203), if any. */
export function delayOf(stanza: Element): Date | undefined {
  return delayCodec.tryFindIn(stanza, NS_CLIENT)?.stamp;
}

/** The text without `xml:lang`, else the first one. */
export function defaultText(texts: Record<string, string>): string | undefined {
  const text = texts[""];
  if (text !== undefined) return text;
  for (const k in texts) return texts[k];
  return undefined;
}

/**
 * The XEP-0359 stanza-id the room itself assigned (others can be spoofed).
 * Each `<stanza-id/>` is read on its own: a malformed one (a sender's, say)
 * counts as absent and hides no other.
 */
export function roomStanzaId(stanza: Element, room: JID): string | undefined {
  for (const child of stanza.children) {
    if (typeof child === "string" || child.name !== "stanza-id" || child.attrs.xmlns !== NS_SID) continue;
    try {
      const s = stanzaIdCodec.decode(child);
      if (s.by.equals(room)) return s.id;
    } catch (e) {
      if (!isDecodeError(e)) throw e;
    }
  }
  return undefined;
}
