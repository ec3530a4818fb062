/**
 * What a room's archive (XEP-0313) holds after a message we had: how a
 * rejoin fills a gap longer than the room's history (Prosody keeps 20
 * messages of history by default). The archived messages come back as the
 * groupchat stanzas the room sent, each with the room's stanza-id and a
 * delay, to be handled as the rejoin's history. The query is written by
 * hand, not with the archive codecs of `archive-query.ts`, so that every
 * client does not carry them. Not part of the package's API.
 *
 * @module
 */
import xml, { Element } from "@xmpp/xml";
import type { JID } from "@xmpp/jid";
import { NS_DELAY, NS_FORWARD, NS_MAM, NS_RSM, NS_SID } from "../xso/ns.js";
import { tryParseJid } from "../xso/values.js";
import { makeId, type IqClient, type IqRequestOptions } from "./iq.js";

/** How many messages one page of the archive asks for. */
const PAGE = 100;

/** What the fill uses of the service. */
export interface ArchiveIo {
  readonly iq: IqClient;
  /** Every stanza received, while the listener is on. */
  listen(listener: (stanza: Element) => void): () => void;
  /** How long one page may take (ms). */
  readonly timeout: number;
}

/** What the archive gave. */
export interface ArchivedAfter {
  /** The messages, oldest first, as groupchat stanzas from the room. */
  readonly stanzas: Element[];
  /** Whether they are all the archive holds after the message (else the limit cut them short). */
  readonly complete: boolean;
}

/**
 * The messages `room` archived after the one whose stanza-id is `after`,
 * oldest first, at most `limit`, page by page.
 *
 * @throws as {@link IqClient.request}: an `XMPPError` when the room has no
 *   archive for us or does not know `after` (`item-not-found`), a
 *   `TimeoutError`, an `AbortError`.
 */
export async function archivedAfter(io: ArchiveIo, room: JID, after: string, limit: number): Promise<ArchivedAfter> {
  const stanzas: Element[] = [];
  let from = after;
  for (;;) {
    const queryId = makeId("fill");
    const rsm = xml("set", { xmlns: NS_RSM }, xml("max", {}, String(Math.min(PAGE, limit - stanzas.length))), xml("after", {}, from));
    const { answer, results } = await archiveRequest(io, room, xml("query", { xmlns: NS_MAM, queryid: queryId }, rsm), queryId, { timeout: io.timeout });
    for (const result of results) {
      const stanza = asGroupchat(result, room);
      if (stanza !== undefined) stanzas.push(stanza);
    }
    const fin = answer.getChild("fin", NS_MAM);
    const last = fin?.getChild("set", NS_RSM)?.getChildText("last") ?? undefined;
    // Done when the archive says so, or gives nothing more to page on.
    if (fin?.attrs.complete === "true" || results.length === 0 || last === undefined || last === from) return { stanzas, complete: true };
    if (stanzas.length >= limit) return { stanzas, complete: false };
    from = last;
  }
}

/**
 * Send one archive query (`query`, with `queryid` `queryId`) to `room` and
 * collect its `<result/>`s: only those from the room's bare JID, for this
 * query, and read before the answer (any later belong to no page of ours).
 *
 * @returns the answering `<iq type='result'>` and the results, in order.
 * @throws as {@link IqClient.request}.
 */
export async function archiveRequest(
  io: Pick<ArchiveIo, "iq" | "listen">,
  room: JID,
  query: Element,
  queryId: string,
  options: IqRequestOptions,
): Promise<{ readonly answer: Element; readonly results: Element[] }> {
  const results: Element[] = [];
  let answered = false;
  const stop = io.listen((el) => {
    if (answered || el.name !== "message" || !isRoom(el.attrs.from, room)) return;
    const result = el.getChild("result", NS_MAM);
    if (result?.attrs.queryid === queryId) results.push(result);
  });
  try {
    const answer = await io.iq.request("set", room, query, { ...options, onAnswer: () => (answered = true) });
    return { answer, results };
  } finally {
    stop();
  }
}

/** Whether `from` is the room's bare JID. */
function isRoom(from: unknown, room: JID): boolean {
  const jid = typeof from === "string" ? tryParseJid(from) : undefined;
  return jid !== undefined && !jid.resource && jid.local === room.local && jid.domain === room.domain;
}

/**
 * An archive result as the groupchat message the room sent: the archived
 * message, with the room's stanza-id (the result's id, in place of any
 * other claiming to be the room's) and the archive's delay; `undefined`
 * for a result that is not a message of this room, or only changes the
 * subject.
 */
function asGroupchat(result: Element, room: JID): Element | undefined {
  const id = result.attrs.id;
  const forwarded = result.getChild("forwarded", NS_FORWARD);
  const message = forwarded?.getChild("message");
  if (typeof id !== "string" || id === "" || message === undefined) return undefined;
  const from = typeof message.attrs.from === "string" ? tryParseJid(message.attrs.from) : undefined;
  if (from === undefined || from.local !== room.local || from.domain !== room.domain) return undefined;
  // A subject change is not a message to fill in: handled as one, it would end the rejoin's history
  // early; the subject that ends the rejoin's history says what the subject is now.
  if (message.getChild("subject") !== undefined && message.getChild("body") === undefined) return undefined;
  const copy = copyOf(message);
  copy.attrs.type = "groupchat";
  const roomText = room.toString();
  copy.children = copy.children.filter((c) => typeof c === "string" || !(c.name === "stanza-id" && c.attrs.xmlns === NS_SID && c.attrs.by === roomText));
  copy.cnode(xml("stanza-id", { xmlns: NS_SID, id, by: roomText }));
  if (copy.getChild("delay", NS_DELAY) === undefined) {
    const stamp = forwarded?.getChild("delay", NS_DELAY)?.attrs.stamp;
    copy.cnode(xml("delay", { xmlns: NS_DELAY, from: roomText, stamp: typeof stamp === "string" ? stamp : new Date().toISOString() }));
  }
  return copy;
}

/** A deep copy of `el`, standing on its own (its children's namespaces are read from it). */
function copyOf(el: Element): Element {
  const copy = new Element(el.name, { ...el.attrs });
  for (const child of el.children) copy.cnode(typeof child === "string" ? child : copyOf(child));
  return copy;
}
