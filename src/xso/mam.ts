/**
 * XEP-0313 (Message Archive Management, `urn:xmpp:mam:2`) §4: the archive
 * `<query/>` with its data-form filter (§4.1) and RSM paging (§4.3), the
 * `<result/>` messages that carry each archived stanza in a XEP-0297
 * `<forwarded/>` wrapper (§4.2), and the closing `<fin/>` (§4.3).
 *
 * The `urn:xmpp:mam:2#extended` additions: the `before-id`, `after-id` and
 * `ids` filter fields, `<flip-page/>` in the query, and the archive
 * `<metadata/>` (the first and last archived messages).
 *
 * @module
 */
import type { JID } from "@xmpp/jid";
import { attr, child, element, flag, mapped, raw, type Infer, type Input } from "./codec.js";
import { dataForm, fieldSpec, formSchema, singleValueKind, type DataForm } from "./data-form.js";
import { delay } from "./delay.js";
import { ValueError, type DecodeError } from "./errors.js";
import { NS_CLIENT, NS_FORWARD, NS_MAM } from "./ns.js";
import { rsmSet } from "./rsm.js";
import { boolean, dateTime, string } from "./values.js";

/**
 * The disco feature of an archive that supports the `#extended` additions (XEP-0313 §7).
 *
 * @category Archive & paging
 */
export const MAM_EXTENDED_FEATURE = `${NS_MAM}#extended`;

/**
 * `<query xmlns='urn:xmpp:mam:2'>`: an archive query (XEP-0313 §4). `form`
 * holds the filter (see {@link mamQueryForm}), `rsm` the page requested.
 *
 * @category Archive & paging
 */
export const mamQuery = element("query", NS_MAM, {
  /** The query ID, echoed in each `<result/>` (`queryid` attribute). */
  queryId: attr("queryid"),
  /** The pubsub node whose archive is queried (`node` attribute). */
  node: attr("node"),
  /** The filter (`<x xmlns='jabber:x:data'>` child); see {@link mamQueryForm}. */
  form: child(dataForm),
  /** The page requested (`<set xmlns='http://jabber.org/protocol/rsm'>` child). */
  rsm: child(rsmSet),
  /** Send the page's results newest first (`<flip-page/>` child, `#extended`); the page itself stays the same. */
  flipPage: flag("flip-page"),
});
/**
 * Decoded `<query/>` of MAM.
 *
 * @category Archive & paging
 */
export type MamQuery = Infer<typeof mamQuery>;
/**
 * `<query/>` of MAM as accepted by `mamQuery.encode`.
 *
 * @category Archive & paging
 */
export type MamQueryInput = Input<typeof mamQuery>;

/** Whether a child of `<forwarded/>` is the forwarded `<message/>` (it must keep its `jabber:client` namespace, XEP-0297 §3.2). */
function isClientMessage(el: { readonly name: string }, ns: string | undefined): boolean {
  const name = el.name;
  const local = name.slice(name.indexOf(":") + 1);
  return local === "message" && ns === NS_CLIENT;
}

/**
 * `<forwarded xmlns='urn:xmpp:forward:0'>` as it appears in a MAM result
 * (XEP-0297): when the message was archived (`delay`) and the archived
 * `<message xmlns='jabber:client'>` itself, kept as a raw element for the
 * stanza codecs to decode. A `<forwarded/>` without such a message is malformed.
 *
 * @category Archive & paging
 */
export const mamForwarded = element("forwarded", NS_FORWARD, {
  /** When the message was archived (`<delay/>` child). */
  delay: child(delay),
  /** The archived `<message xmlns='jabber:client'>`, unparsed; required. */
  message: mapped(
    raw(isClientMessage, { name: "message", ns: NS_CLIENT }),
    (message) => {
      if (message === undefined) throw new ValueError(`missing child <message xmlns='${NS_CLIENT}'>`);
      return message;
    },
    (message) => message,
  ),
});
/**
 * Decoded `<forwarded/>` of a MAM result.
 *
 * @category Archive & paging
 */
export type MamForwarded = Infer<typeof mamForwarded>;

/**
 * `<result xmlns='urn:xmpp:mam:2' queryid id>`: one archived message, sent in
 * its own `<message/>` while a query runs (XEP-0313 §4.2). `id` is the
 * message's archive ID, usable in RSM `after`/`before` and in the
 * `after-id`/`before-id`/`ids` filters.
 *
 * @category Archive & paging
 */
export const mamResult = element("result", NS_MAM, {
  /** The ID of the query this result answers (`queryid` attribute). */
  queryId: attr("queryid"),
  /** The message's archive ID (`id` attribute). */
  id: attr("id", string, { required: true }),
  /** The archived message and its timestamp (`<forwarded/>` child). */
  forwarded: child(mamForwarded, { required: true }),
});
/**
 * Decoded `<result/>` of MAM.
 *
 * @category Archive & paging
 */
export type MamResult = Infer<typeof mamResult>;
/**
 * `<result/>` of MAM as accepted by `mamResult.encode`.
 *
 * @category Archive & paging
 */
export type MamResultInput = Input<typeof mamResult>;

/**
 * `<fin xmlns='urn:xmpp:mam:2' complete stable>`: the end of a query's results
 * (XEP-0313 §4.3). `complete` (default `false`) says the last page was
 * reached; `stable` (default `true`) is `false` when the results may still
 * change. `rsm` describes the page sent; the XEP requires it, but a missing
 * one is tolerated.
 *
 * @category Archive & paging
 */
export const mamFin = element("fin", NS_MAM, {
  /** Whether the last page of the results was reached (`complete` attribute, default `false`). */
  complete: attr("complete", boolean, { default: false }),
  /** Whether the results are stable; `false` when they may still change (`stable` attribute, default `true`). */
  stable: attr("stable", boolean, { default: true }),
  /** The page sent (`<set xmlns='http://jabber.org/protocol/rsm'>` child). */
  rsm: child(rsmSet),
});
/**
 * Decoded `<fin/>` of MAM.
 *
 * @category Archive & paging
 */
export type MamFin = Infer<typeof mamFin>;
/**
 * `<fin/>` of MAM as accepted by `mamFin.encode`.
 *
 * @category Archive & paging
 */
export type MamFinInput = Input<typeof mamFin>;

/** The archive ID and timestamp of the first or last archived message, in `<metadata/>`. */
const metadataBound = {
  /** The message's archive ID (`id` attribute). */
  id: attr("id", string, { required: true }),
  /** When it was archived (`timestamp` attribute). */
  timestamp: attr("timestamp", dateTime, { required: true }),
};

/**
 * `<start id timestamp/>` of the archive metadata: the first archived message.
 *
 * @category Archive & paging
 */
export const mamMetadataStart = element("start", NS_MAM, metadataBound);
/**
 * `<end id timestamp/>` of the archive metadata: the last archived message.
 *
 * @category Archive & paging
 */
export const mamMetadataEnd = element("end", NS_MAM, metadataBound);
/**
 * The first or last message of an archive, as `<metadata/>` gives it.
 *
 * @category Archive & paging
 */
export type MamMetadataBound = Infer<typeof mamMetadataStart>;

/**
 * `<metadata xmlns='urn:xmpp:mam:2'>`: the state of an archive (XEP-0313 §5,
 * `#extended`), asked with an empty one in an IQ get. Both bounds are absent
 * for an empty archive.
 *
 * @category Archive & paging
 */
export const mamMetadata = element("metadata", NS_MAM, {
  /** The first archived message (`<start/>` child). */
  start: child(mamMetadataStart),
  /** The last archived message (`<end/>` child). */
  end: child(mamMetadataEnd),
});
/**
 * Decoded `<metadata/>` of MAM.
 *
 * @category Archive & paging
 */
export type MamMetadata = Infer<typeof mamMetadata>;

/**
 * The filter fields of a MAM query form (XEP-0313 §4.1).
 *
 * @category Archive & paging
 */
export interface MamQueryFilter {
  /** Only messages to or from this JID (`with`). */
  with?: JID;
  /** Only messages archived at or after this time (`start`). */
  start?: Date;
  /** Only messages archived at or before this time (`end`). */
  end?: Date;
  /** Only messages archived before the one with this archive ID (`before-id`, needs `#extended`). */
  beforeId?: string;
  /** Only messages archived after the one with this archive ID (`after-id`, needs `#extended`). */
  afterId?: string;
  /** Only the messages with these archive IDs (`ids`, needs `#extended`). */
  ids?: string[];
}

/**
 * The typed view of the MAM filter form (FORM_TYPE `urn:xmpp:mam:2`), for
 * building and reading submissions, and for the form a server offers
 * (`toForm`, as in XEP-0313 §4.1.5).
 *
 * @category Archive & paging
 */
export const mamFilterSchema = formSchema(NS_MAM, {
  /** Only messages to or from this JID (`with` field). */
  with: fieldSpec("with", "jid"),
  /** Only messages archived at or after this time (`start` field). */
  start: fieldSpec("start", singleValueKind("text-single", dateTime)),
  /** Only messages archived at or before this time (`end` field). */
  end: fieldSpec("end", singleValueKind("text-single", dateTime)),
  /** Only messages archived after the one with this archive ID (`after-id` field). */
  afterId: fieldSpec("after-id", "text"),
  /** Only messages archived before the one with this archive ID (`before-id` field). */
  beforeId: fieldSpec("before-id", "text"),
  /** Only the messages with these archive IDs (`ids` field). */
  ids: fieldSpec("ids", "listMulti"),
});

/**
 * Build the submitted filter form of a MAM query: the hidden FORM_TYPE field
 * first, then one field for each filter property set. An empty `ids` list is
 * left out.
 *
 * @param filter - the filter properties.
 * @returns a data form of type `submit`, for `mamQuery`'s `form`.
 * @example
 * ```ts
 * mamQuery.encode({ queryId: "f27", form: mamQueryForm({ with: jid("juliet@capulet.lit") }), rsm: { max: 10 } });
 * ```
 *
 * @category Archive & paging
 */
export function mamQueryForm(filter: MamQueryFilter): DataForm {
  const { ids, ...rest } = filter;
  return mamFilterSchema.toSubmit(ids === undefined || ids.length === 0 ? rest : { ...rest, ids });
}

/**
 * Read the filter of a MAM query form. Fields this SDK does not model (such
 * as `include-groupchat` or server-specific ones) are ignored, and so is an
 * `ids` field without values (as in a server's blank form).
 *
 * @param form - a decoded data form (usually `mamQuery`'s `form`).
 * @returns the filter properties the form sets.
 * @throws {@link DecodeError} naming the field `var` when a value is invalid
 *   (a bad JID or date), or when the form's FORM_TYPE is not `urn:xmpp:mam:2`.
 *
 * @category Archive & paging
 */
export function parseMamQueryForm(form: Pick<DataForm, "fields">): MamQueryFilter {
  const { ids, ...rest } = mamFilterSchema.parse(form);
  return ids === undefined || ids.length === 0 ? rest : { ...rest, ids };
}
