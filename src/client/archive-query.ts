/**
 * A room's message archive (XEP-0313, as XEP-0045 rooms offer it), through a
 * {@link MucService}: one query, one page of messages. A standalone function,
 * like those of `room-admin.ts`, so that a bundle carries the archive codecs
 * only when it imports it.
 *
 * To catch up after a long absence, ask for what follows the last message
 * seen (`afterId`, with servers announcing `urn:xmpp:mam:2#extended`, or the
 * RSM `after`), and page on with the `last` of each page until `complete`.
 *
 * @module
 */
import type { Element } from "@xmpp/xml";
import type { JID } from "@xmpp/jid";
import { namespaceOf, viewInNamespace } from "../xso/codec.js";
import { isDecodeError } from "../xso/errors.js";
import { mamFin, mamQuery, mamQueryForm, mamResult, type MamQueryFilter } from "../xso/mam.js";
import { messageContent } from "../xso/message.js";
import { NS_CLIENT } from "../xso/ns.js";
import { occupantId as occupantIdCodec } from "../xso/occupant-id.js";
import { originId as originIdCodec } from "../xso/stanza-id.js";
import type { XMPPError } from "../xso/stanza-error.js";
import { tryParseJid } from "../xso/values.js";
import { asJid, roomJid } from "./addresses.js";
import { decodePayload } from "./admin.js";
import { MucStateError, type AbortError, type TimeoutError } from "../common/errors.js";
import { makeId } from "./iq.js";
import { archiveRequest } from "./archive-fill.js";
import { iqOptions, type AdminRequestOptions } from "./moderation.js";
import { serviceContext, type MucService } from "./service.js";

/**
 * Options of {@link queryRoomArchive}: the filter (XEP-0313 §4.1), the page (§4.3), timeout and signal.
 *
 * @category Archive (MAM)
 */
export interface ArchiveQueryOptions extends AdminRequestOptions {
  /** Only messages archived at or after this time. */
  readonly start?: Date;
  /** Only messages archived at or before this time. */
  readonly end?: Date;
  /** Only messages of this occupant (`room@service/nick`) or, where the room knows it, real JID. */
  readonly with?: JID | string;
  /** Only messages archived after this archive id (`#extended`). */
  readonly afterId?: string;
  /** Only messages archived before this archive id (`#extended`). */
  readonly beforeId?: string;
  /** Only the messages with these archive ids (`#extended`); an empty list matches nothing (and nothing is sent). */
  readonly ids?: readonly string[];
  /** The most messages in the page (RSM `<max/>`); the room may send fewer. */
  readonly max?: number;
  /** The page after this archive id (RSM `<after/>`: the `last` of the previous page). */
  readonly after?: string;
  /** The page before this archive id (RSM `<before/>`); `""` for the last page of the archive. */
  readonly before?: string;
}

/**
 * One archived groupchat message.
 *
 * @category Archive (MAM)
 */
export interface ArchivedMessage {
  /** Its archive id (the room's stanza-id for it), for `afterId`, `before`, replies and retractions. */
  readonly id: string;
  /** When the room archived it. */
  readonly stamp: Date | undefined;
  /** The sender's nick; `undefined` for a message from the room itself. */
  readonly nick: string | undefined;
  /** The body in the default language (`""`), else the first one; `undefined` for a message without one. */
  readonly body: string | undefined;
  /** The bodies by `xml:lang`. */
  readonly bodies: Readonly<Record<string, string>>;
  /** The subject it set, if it set one. */
  readonly subject: string | undefined;
  /** The sender's XEP-0421 occupant id. */
  readonly occupantId: string | undefined;
  /** The sender's XEP-0359 origin-id. */
  readonly originId: string | undefined;
  /** The message's `id` attribute (what corrections refer to). */
  readonly messageId: string | undefined;
  /** The archived `<message/>` as the room stored it. */
  readonly message: Element;
}

/**
 * One page of a room's archive.
 *
 * @category Archive (MAM)
 */
export interface ArchivePage {
  /** The messages, oldest first. */
  readonly messages: ArchivedMessage[];
  /** Whether the page is the last one of the query (`<fin complete='true'>`). */
  readonly complete: boolean;
  /** The archive id of the page's first message (RSM `<first/>`). */
  readonly first: string | undefined;
  /** The archive id of the page's last message (RSM `<last/>`): the `after` of the next page. */
  readonly last: string | undefined;
  /** How many messages the whole query matches, where the room says (RSM `<count/>`). */
  readonly count: number | undefined;
}

/**
 * Query a room's archive for one page of messages (XEP-0313 §4). Results
 * are accepted only from the room itself and for this query; a result that
 * does not decode is skipped (and logged).
 *
 * @param muc - the service.
 * @param mucJid - the room's bare JID.
 * @param options - the filter, the page, timeout and abort signal.
 * @returns the page.
 * @throws Rejects with {@link MucStateError} for an invalid room JID or
 *   `max` (nothing is sent); {@link XMPPError} when the room refuses
 *   (`item-not-found` for an unknown archive id, `forbidden`,
 *   `feature-not-implemented` for an unsupported filter);
 *   {@link DecodeError} for an answer without `<fin/>`;
 *   {@link TimeoutError}; {@link AbortError}.
 * @example
 * ```ts
 * // Everything since the last message we have, page by page.
 * let after = lastSeenArchiveId;
 * for (;;) {
 *   const page = await queryRoomArchive(muc, room.jid, { afterId: after, max: 100 });
 *   show(page.messages);
 *   if (page.complete || page.last === undefined) break;
 *   after = page.last;
 * }
 * ```
 *
 * @category Archive (MAM)
 */
export async function queryRoomArchive(muc: MucService, mucJid: JID | string, options: ArchiveQueryOptions = {}): Promise<ArchivePage> {
  const { iq, listen, log } = serviceContext(muc);
  const to = roomJid(mucJid);
  if (options.max !== undefined && (!Number.isSafeInteger(options.max) || options.max < 0)) {
    throw new MucStateError(`max must be a non-negative integer, got ${String(options.max)}`);
  }
  const filter: MamQueryFilter = {
    ...(options.start !== undefined ? { start: options.start } : {}),
    ...(options.end !== undefined ? { end: options.end } : {}),
    ...(options.with !== undefined ? { with: asJid(options.with, "with") } : {}),
    ...(options.afterId !== undefined ? { afterId: options.afterId } : {}),
    ...(options.beforeId !== undefined ? { beforeId: options.beforeId } : {}),
    ...(options.ids !== undefined && options.ids.length > 0 ? { ids: [...options.ids] } : {}),
  };
  const rsm = {
    ...(options.max !== undefined ? { max: options.max } : {}),
    ...(options.after !== undefined ? { after: options.after } : {}),
    ...(options.before !== undefined ? { before: options.before } : {}),
  };
  if (options.ids !== undefined && options.ids.length === 0) return { messages: [], complete: true, first: undefined, last: undefined, count: 0 };
  const queryId = makeId("mam");
  const query = mamQuery.encode({
    queryId,
    ...(Object.keys(filter).length > 0 ? { form: mamQueryForm(filter) } : {}),
    ...(Object.keys(rsm).length > 0 ? { rsm } : {}),
  });

  const { answer, results } = await archiveRequest({ iq, listen }, to, query, queryId, iqOptions(options));
  const fin = decodePayload(answer, mamFin, to);
  const messages: ArchivedMessage[] = [];
  const ids = new Set<string>();
  for (const el of results) {
    try {
      const message = archivedMessage(el);
      // A result the archive sent twice is one message.
      if (ids.has(message.id)) continue;
      ids.add(message.id);
      messages.push(message);
    } catch (e) {
      if (!isDecodeError(e)) throw e;
      log.debug(`archive of ${to.toString()}: skipping a malformed result`, e.message);
    }
  }
  return {
    messages,
    complete: fin.complete,
    first: fin.rsm?.first?.id,
    last: fin.rsm?.last,
    count: fin.rsm?.count,
  };
}

/** Read one `<result/>` into an {@link ArchivedMessage}. */
function archivedMessage(el: Element): ArchivedMessage {
  const result = mamResult.decode(el);
  const message = result.forwarded.message;
  const view = viewInNamespace(message, namespaceOf(message) ?? NS_CLIENT);
  const content = messageContent.decode(view, NS_CLIENT);
  const from = typeof message.attrs.from === "string" ? tryParseJid(message.attrs.from) : undefined;
  const body = content.body[""] ?? Object.values(content.body)[0];
  const subject = content.subject[""] ?? Object.values(content.subject)[0];
  return {
    id: result.id,
    stamp: result.forwarded.delay?.stamp,
    nick: from?.resource || undefined,
    body,
    bodies: content.body,
    subject,
    occupantId: occupantIdCodec.tryFindIn(view, NS_CLIENT)?.id,
    originId: originIdCodec.tryFindIn(view, NS_CLIENT)?.id,
    messageId: typeof message.attrs.id === "string" ? message.attrs.id : undefined,
    message,
  };
}
