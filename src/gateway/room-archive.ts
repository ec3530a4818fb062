/**
 * A legacy room's message archive as XEP-0313 (`urn:xmpp:mam:2`, with
 * `#extended`) serves it: the filter form (§4.1.5), queries with the `with`,
 * `start`, `end`, `before-id`, `after-id` and `ids` filters, RSM paging and
 * `<flip-page/>` (§4.1–4.3), and the archive metadata (§5).
 *
 * The archive IDs are the XEP-0359 stanza-ids the gateway assigned; the
 * store keeps the entries in the order they were archived.
 *
 * @module
 */
import { randomUUID } from "node:crypto";
import xml, { type Element } from "@xmpp/xml";
import type { JID } from "@xmpp/jid";
import { isDecodeError } from "../xso/errors.js";
import { mamFilterSchema, mamFin, mamMetadata, mamQuery, mamResult, parseMamQueryForm, type MamQuery, type MamQueryFilter } from "../xso/mam.js";
import { NS_CLIENT, NS_COMPONENT, NS_DATA_FORMS } from "../xso/ns.js";
import { parseElement } from "../xso/parse.js";
import { XMPPError } from "../xso/stanza-error.js";
import type { ArchiveEntry, ArchiveQuery, GatewayStore } from "./store/store.js";

/** The most results one page carries, whatever the client asks. */
export const MAX_MAM_PAGE = 500;
/** The page size when the client names none. */
export const DEFAULT_MAM_PAGE = 50;

/** XEP-0122 data form validation. */
const NS_XDATA_VALIDATE = "http://jabber.org/protocol/xdata-validate";

/** The filter fields the archive understands; any other is `feature-not-implemented` (§4.1.5). */
const KNOWN_FIELDS: ReadonlySet<string> = new Set(["FORM_TYPE", "with", "start", "end", "before-id", "after-id", "ids"]);

/** One room's archive, as one user's queries see it. */
export interface RoomArchive {
  /** The store's archive. */
  readonly store: GatewayStore["archive"];
  /** The user's bare JID, as stored. */
  readonly userJid: string;
  /** The room's legacy id, as stored. */
  readonly roomLegacyId: string;
  /** The room's JID (the `from` of results; `with` by occupant JID). */
  readonly roomJid: JID;
  /** The occupant-id of the user's own occupant (`with` set to the user's JID). */
  userOccupantId(): Promise<string>;
  /** Whether archive ids stay the same across restarts (the room's `stableArchive`); else `<fin stable='false'>`. */
  readonly stable: boolean;
}

/**
 * The filter form the archive offers (§4.1.5): the `with`, `start`, `end`,
 * `before-id`, `after-id` and `ids` fields, the last open to any values.
 *
 * @returns the `<query xmlns='urn:xmpp:mam:2'>` answering an IQ get.
 */
export function mamFormQuery(): Element {
  const keys = Object.keys(mamFilterSchema.fields) as (keyof typeof mamFilterSchema.fields)[];
  const query = mamQuery.encode({ form: mamFilterSchema.toForm({}, { keys }) });
  // XEP-0313: the ids field says, with XEP-0122, that it takes values it does not list.
  const ids = query.getChild("x", NS_DATA_FORMS)?.getChildren("field").find((f) => f.attrs.var === "ids");
  ids?.cnode(xml("validate", { xmlns: NS_XDATA_VALIDATE, datatype: "xs:string" }, xml("open")));
  return query;
}

/**
 * The archive metadata (§5): the first and last archived messages, or
 * neither for an empty archive.
 *
 * @param archive - the room's archive.
 * @returns the `<metadata xmlns='urn:xmpp:mam:2'>` answering an IQ get.
 */
export function mamMetadataOf(archive: RoomArchive): Element {
  const first = archive.store.query(archive.userJid, archive.roomLegacyId, { limit: 1 })[0];
  const last = archive.store.query(archive.userJid, archive.roomLegacyId, { limit: 1, last: true })[0];
  return mamMetadata.encode({
    ...(first ? { start: { id: first.stanzaId, timestamp: new Date(first.when) } } : {}),
    ...(last ? { end: { id: last.stanzaId, timestamp: new Date(last.when) } } : {}),
  });
}

/**
 * Answer an archive query (§4): send each result to `to`, then return the
 * `<fin/>` for the IQ result.
 *
 * @param archive - the room's archive.
 * @param payload - the `<query/>` of the IQ set.
 * @param to - the user's full JID asking.
 * @param send - sends a stanza to the user.
 * @returns the `<fin/>`.
 * @throws {@link XMPPError} `bad-request` for a malformed query,
 *   `feature-not-implemented` for a filter field the archive does not
 *   understand, `item-not-found` for an archive ID it does not hold (in RSM
 *   `after`/`before` or in `before-id`, `after-id`, `ids`).
 */
export async function answerMamQuery(archive: RoomArchive, payload: Element, to: JID, send: (stanza: Element) => Promise<void>): Promise<Element> {
  let q: MamQuery;
  let filter: MamQueryFilter = {};
  try {
    q = mamQuery.decode(payload, NS_COMPONENT);
    if (q.form) filter = parseMamQueryForm(q.form);
  } catch (e) {
    if (!isDecodeError(e)) throw e;
    throw new XMPPError("bad-request", { text: e.message });
  }
  const unknown = q.form?.fields.find((f) => f.var !== undefined && !KNOWN_FIELDS.has(f.var));
  if (unknown) throw new XMPPError("feature-not-implemented", { text: `Unknown filter field '${unknown.var ?? ""}'` });

  const { store, userJid, roomLegacyId } = archive;
  // §4.1.4, §4.3.2: every archive ID the query names must be in the archive.
  for (const id of [q.rsm?.after, q.rsm?.before || undefined, filter.afterId, filter.beforeId, ...(filter.ids ?? [])]) {
    if (id !== undefined && !store.get(userJid, roomLegacyId, id)) throw new XMPPError("item-not-found", { text: `No archived message with id ${id}` });
  }
  const max = Math.min(q.rsm?.max ?? DEFAULT_MAM_PAGE, MAX_MAM_PAGE);
  const lastPage = q.rsm?.before !== undefined;
  const sender = await senderFilter(archive, filter.with);
  const after = laterOf(archive, q.rsm?.after, filter.afterId);
  const before = earlierOf(archive, q.rsm?.before || undefined, filter.beforeId);
  const query: ArchiveQuery = {
    ...sender,
    ...(after !== undefined ? { afterStanzaId: after } : {}),
    ...(before !== undefined ? { beforeStanzaId: before } : {}),
    ...(filter.start ? { since: filter.start.getTime() } : {}),
    ...(filter.end ? { until: filter.end.getTime() } : {}),
    ...(filter.ids !== undefined ? { ids: filter.ids } : {}),
  };
  const entries = sender === undefined ? [] : store.query(userJid, roomLegacyId, { ...query, limit: max + 1, last: lastPage });
  const page = lastPage ? entries.slice(Math.max(0, entries.length - max)) : entries.slice(0, max);
  // <flip-page/> changes the order the page is sent in, not the page (§4.3.4).
  for (const entry of q.flipPage ? [...page].reverse() : page) {
    await send(resultMessage(archive, entry, q.queryId, to));
  }
  const first = page[0];
  const last = page[page.length - 1];
  // An empty page: how many match (XEP-0059 §2.6: <max>0</max> asks for just that).
  const count = first && last ? undefined : max === 0 && sender !== undefined ? store.query(userJid, roomLegacyId, query).length : 0;
  return mamFin.encode({
    complete: entries.length <= max,
    stable: archive.stable,
    rsm: first && last ? { first: { id: first.stanzaId }, last: last.stanzaId } : { count: count ?? 0 },
  });
}

/** One `<message><result/></message>` of a query. */
function resultMessage(archive: RoomArchive, entry: ArchiveEntry, queryId: string | undefined, to: JID): Element {
  const forwarded = parseElement(entry.xml);
  forwarded.attrs.xmlns = NS_CLIENT;
  const result = mamResult.encode({
    ...(queryId !== undefined ? { queryId } : {}),
    id: entry.stanzaId,
    forwarded: { delay: { stamp: new Date(entry.when) }, message: forwarded },
  });
  return xml("message", { from: archive.roomJid.toString(), to: to.toString(), id: randomUUID() }, result);
}

/**
 * The store filter of `with` (§4.1.1: in a MUC archive, the publisher): an
 * occupant JID of this room selects its nick; the user's own bare JID, their
 * messages; any other JID matches nothing (`undefined`), since the archive
 * holds no other real JIDs.
 */
async function senderFilter(archive: RoomArchive, jid: JID | undefined): Promise<Pick<ArchiveQuery, "nick" | "occupantId"> | undefined> {
  if (jid === undefined) return {};
  const room = archive.roomJid;
  if (jid.resource && jid.local === room.local && jid.domain === room.domain) return { nick: jid.resource };
  if (!jid.resource && `${jid.local}@${jid.domain}` === archive.userJid) return { occupantId: await archive.userOccupantId() };
  return undefined;
}

/** Of two archive IDs (either may be absent), the one archived later. */
function laterOf(archive: RoomArchive, a: string | undefined, b: string | undefined): string | undefined {
  if (a === undefined || b === undefined) return a ?? b;
  return archive.store.query(archive.userJid, archive.roomLegacyId, { afterStanzaId: b, ids: [a], limit: 1 }).length > 0 ? a : b;
}

/** Of two archive IDs (either may be absent), the one archived earlier. */
function earlierOf(archive: RoomArchive, a: string | undefined, b: string | undefined): string | undefined {
  if (a === undefined || b === undefined) return a ?? b;
  return archive.store.query(archive.userJid, archive.roomLegacyId, { beforeStanzaId: b, ids: [a], limit: 1 }).length > 0 ? a : b;
}
