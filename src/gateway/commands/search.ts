/**
 * Searching the legacy network from XMPP (slidge's `on_search`): XEP-0055
 * jabber search on the gateway's JID, and, when the search form has a single
 * field, XEP-0100's `jabber:iq:gateway` (a legacy address in, the JID that
 * stands for it out). The module answers in `BaseSession.onSearch`.
 *
 * @module
 */
import type { Element } from "@xmpp/xml";
import type { DataFormInput } from "../../xso/data-form.js";
import { NS_DATA_FORMS } from "../../xso/ns.js";
import { gatewayQuery, searchQuery } from "../../xso/search.js";
import { parseJid } from "../../xso/values.js";
import { XMPPError } from "../../xso/stanza-error.js";
import type { CommandColumn } from "./commands.js";
import { checkRequired, declaredValues, decodeSubmission, formFields, submittedValues } from "./forms.js";
import type { BaseGateway } from "../gateway.js";
import type { BaseSession } from "../session.js";

/**
 * What `BaseSession.onSearch` answers (slidge's `SearchResult`): the columns,
 * and one row per match. A row's `jid` column, when there is one, is the
 * JID standing for the match (XEP-0100 answers with it).
 *
 * @category Gateway & sessions
 */
export interface SearchResult {
  /** The columns. */
  readonly fields: readonly CommandColumn[];
  /** The matches, by column `var`. */
  readonly items: readonly Readonly<Record<string, string>>[];
}

/** The data form of a search's results. */
export function resultForm(gateway: BaseGateway, result: SearchResult | void): DataFormInput {
  const fields = result?.fields ?? [];
  return {
    type: "result",
    title: gateway.searchTitle,
    reported: fields.map((f) => ({ var: f.var, label: f.label })),
    items: (result?.items ?? []).map((row) => fields.map((f) => ({ var: f.var, values: [row[f.var] ?? ""] }))),
  };
}

/** The session that may search, or the refusal. */
function searcher(session: BaseSession | undefined): BaseSession {
  if (!session?.loggedIn) throw new XMPPError("registration-required", { text: "Register with this gateway first" });
  if (!session.supportsSearch) throw new XMPPError("feature-not-implemented", { text: "This network has no search" });
  return session;
}

/**
 * XEP-0055: the form (get), or the results of a submitted search (set). A
 * form of type `cancel` is answered with an empty query and searches
 * nothing; one of type `form` or `result` is `bad-request`.
 */
export async function handleSearch(gateway: BaseGateway, type: "get" | "set", payload: Element, session: BaseSession | undefined): Promise<Element> {
  const user = searcher(session);
  if (type === "get") {
    const form: DataFormInput = {
      type: "form",
      title: gateway.searchTitle,
      instructions: gateway.searchInstructions ? [gateway.searchInstructions] : [],
      fields: formFields(gateway.searchFields),
    };
    return searchQuery.encode({ ...(gateway.searchInstructions ? { instructions: gateway.searchInstructions } : {}), form });
  }
  const x = payload.getChild("x", NS_DATA_FORMS);
  let values: Record<string, string> = {};
  if (x) {
    const submission = decodeSubmission(x);
    // Only a form of type submit is a search (XEP-0004 §3.1), as for registration and commands; a cancel searches nothing.
    if (submission.type === "cancel") return searchQuery.encode({});
    if (submission.type !== "submit") throw new XMPPError("bad-request", { text: `A search form of type ${submission.type} cannot be submitted` });
    values = submittedValues(submission);
  } else {
    for (const c of payload.children) if (typeof c !== "string") values[c.name] = c.getText();
  }
  checkRequired(gateway.searchFields, values);
  // onSearch gets the values of searchFields, as documented: not whatever other fields or elements the query held.
  return searchQuery.encode({ form: resultForm(gateway, await user.onSearch(declaredValues(gateway.searchFields, values))) });
}

/**
 * XEP-0100 §6.3: what to enter (get), or the JID for a legacy address (set),
 * through a search on the form's single field that finds one match with a `jid`.
 */
export async function handleGatewayQuery(gateway: BaseGateway, type: "get" | "set", payload: Element, session: BaseSession | undefined): Promise<Element> {
  const user = searcher(session);
  const [field, ...others] = gateway.searchFields;
  if (!field || others.length > 0) throw new XMPPError("feature-not-implemented", { text: "This gateway's search needs more than one field" });
  if (type === "get") {
    return gatewayQuery.encode({ desc: gateway.searchInstructions || gateway.searchTitle, prompt: field.label ?? field.var });
  }
  let prompt: string | undefined;
  try {
    prompt = gatewayQuery.decode(payload).prompt?.trim();
  } catch (e) {
    throw new XMPPError("bad-request", { text: e instanceof Error ? e.message : String(e) });
  }
  if (!prompt) throw new XMPPError("bad-request", { text: `Enter the ${field.label ?? field.var}` });
  const result = await user.onSearch({ [field.var]: prompt });
  const matches = result?.items ?? [];
  const jid = matches.length === 1 ? matches[0]?.jid : undefined;
  if (!jid) throw new XMPPError("item-not-found", { text: matches.length > 1 ? "More than one match: use the search form" : "No match" });
  return gatewayQuery.encode({ jid: parseJid(jid) });
}
