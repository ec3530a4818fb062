/**
 * Shared set-up of the room-presence transcripts: a MockConnection, a
 * MucService without self-ping, the XEP-0045 cast (the coven on
 * chat.shakespeare.lit), and an event log that writes every room event as
 * one line so a test can assert the exact order.
 */
import { vi, type Mock } from "vitest";
import type { Element } from "@xmpp/xml";
import { MucService, type JoinOptions, type MucServiceOptions, type Room, type RoomEvents } from "../../../src/index.js";
import { MockConnection } from "../../../src/testing/index.js";

export const ROOM = "coven@chat.shakespeare.lit";
export const NS_MUC = "http://jabber.org/protocol/muc";
export const NS_MUC_USER = "http://jabber.org/protocol/muc#user";

/** The XEP-0045 dramatis personae: real JID, nick, affiliation and role in the coven. */
export const CAST = {
  firstwitch: { jid: "crone1@shakespeare.lit/desktop", affiliation: "owner", role: "moderator" },
  secondwitch: { jid: "wiccarocks@shakespeare.lit/laptop", affiliation: "admin", role: "moderator" },
  thirdwitch: { jid: "hag66@shakespeare.lit/pda", affiliation: "member", role: "participant" },
} as const;
export type Witch = keyof typeof CAST;

export interface Harness {
  readonly conn: MockConnection;
  readonly muc: MucService;
  readonly logger: { debug: Mock; warn: Mock };
}

/** A connection online as `jid` and a service over it (self-ping off). */
export function setup(jid: string = CAST.thirdwitch.jid, options: Omit<MucServiceOptions, "logger" | "selfPing"> = {}): Harness {
  const conn = new MockConnection({ jid });
  const logger = { debug: vi.fn(), warn: vi.fn() };
  const muc = new MucService(conn, { selfPing: false, logger, ...options });
  return { conn, muc, logger };
}

export const isJoinPresence = (s: Element): boolean => s.is("presence") && s.attrs.type === undefined && s.getChild("x", NS_MUC) !== undefined;
export const isUnavailable = (s: Element): boolean => s.is("presence") && s.attrs.type === "unavailable";

/** The presence of an occupant already in the room, as the room sends it to a newcomer (XEP-0045 §7.2.3). */
export function occupantPresence(room: string, nick: Witch, to: string): string {
  const w = CAST[nick];
  return `<presence from='${room}/${nick}' to='${to}'>
    <x xmlns='${NS_MUC_USER}'><item affiliation='${w.affiliation}' jid='${w.jid}' role='${w.role}'/></x>
  </presence>`;
}

/** Our self-presence (status 110 plus `codes`). */
export function selfPresence(room: string, nick: string, to: string, options: { affiliation?: string; role?: string; codes?: number[] } = {}): string {
  const codes = [110, ...(options.codes ?? [])].map((c) => `<status code='${c}'/>`).join("");
  return `<presence from='${room}/${nick}' to='${to}'>
    <x xmlns='${NS_MUC_USER}'><item affiliation='${options.affiliation ?? "member"}' jid='${to}' role='${options.role ?? "participant"}'/>${codes}</x>
  </presence>`;
}

/**
 * Join `room` as the cast member `me` (its real JID is the connection's):
 * the other witches are already there, then our self-presence arrives.
 */
export async function enterAs(
  h: Harness,
  me: Witch,
  options: JoinOptions & { room?: string; others?: Witch[]; codes?: number[] } = {},
): Promise<{ room: Room; join: Element }> {
  const roomJid = options.room ?? ROOM;
  const { room, joined } = h.muc.join(roomJid, me, options);
  const join = await h.conn.nextSent(isJoinPresence);
  const others = options.others ?? (Object.keys(CAST) as Witch[]).filter((w) => w !== me);
  for (const w of others) h.conn.receive(occupantPresence(roomJid, w, CAST[me].jid));
  h.conn.receive(selfPresence(roomJid, me, CAST[me].jid, { affiliation: CAST[me].affiliation, role: CAST[me].role, codes: options.codes ?? [] }));
  await joined;
  return { room, join };
}

/** Every room event as one line, in the order fired. */
export function recordEvents(room: Room): string[] {
  const log: string[] = [];
  const on = <E extends keyof RoomEvents>(name: E, line: (p: RoomEvents[E]) => string): void => {
    room.on(name, (p) => log.push(line(p)));
  };
  on("enter", (p) => `enter ${p.occupant.nick}${p.created ? " created" : ""}${p.nickAssigned ? " nickAssigned" : ""}`);
  on("exit", (p) => `exit ${p.mode}`);
  on("suspend", () => "suspend");
  on("resume", () => "resume");
  on("join", (p) => `join ${p.occupant.nick}${p.initial ? " initial" : ""}`);
  on("leave", (p) => `leave ${p.occupant.nick} ${p.mode}`);
  on("nickChange", (p) => `nickChange ${p.oldNick} -> ${p.newNick}`);
  on("roleChange", (p) => `roleChange ${p.occupant.nick} ${p.oldRole} -> ${p.newRole}`);
  on("affiliationChange", (p) => `affiliationChange ${p.occupant.nick} ${p.oldAffiliation} -> ${p.newAffiliation}`);
  on("statusChange", (p) => `statusChange ${p.occupant.nick} ${p.show ?? "available"} ${JSON.stringify(p.status)}`);
  on("hatsChange", (p) => `hatsChange ${p.occupant.nick} [${p.oldHats.map((h) => h.title).join(",")}] -> [${p.newHats.map((h) => h.title).join(",")}]`);
  on("avatarChange", (p) => `avatarChange ${p.occupant.nick} ${p.oldHash ?? "none"} -> ${p.newHash ?? "none"}`);
  on("configChange", (p) => `configChange ${p.statusCodes.join(",")}`);
  on("subjectChange", (p) => `subjectChange ${p.subject}`);
  on("message", (p) => `message ${p.nick ?? "(room)"} ${p.body}`);
  return log;
}

/** Let the service's send chains settle (no time passes). */
export async function flush(): Promise<void> {
  for (let i = 0; i < 20; i++) await Promise.resolve();
}

/** A query of a room's archive (XEP-0313), as a rejoin asks it to fill its gap. */
export const isArchiveQuery = (s: Element): boolean => s.is("iq") && s.attrs.type === "set" && s.getChild("query", "urn:xmpp:mam:2") !== undefined;

/**
 * Answer every archive query sent so far as an archive holding nothing more
 * (an answer to one already answered is ignored), then let it settle.
 */
export async function answerArchive(conn: MockConnection): Promise<void> {
  await flush();
  for (const query of conn.sent.filter(isArchiveQuery)) conn.replyResult(query, "<fin xmlns='urn:xmpp:mam:2' complete='true'/>");
  await flush();
}
