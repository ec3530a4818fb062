/**
 * XEP-0050 ad-hoc commands from the client side: list the commands an
 * entity offers (a gateway, a server, a room service) and run one, stage by
 * stage, filling in the data forms it asks for. Standalone functions, so that
 * a bundle carries them only when it imports them.
 *
 * @module
 */
import type { Element } from "@xmpp/xml";
import type { JID } from "@xmpp/jid";
import { adHocCommand, type AdHocCommand, type CommandAction, type CommandStatus } from "../xso/commands.js";
import { dataForm, type DataForm, type DataFormFieldInput } from "../xso/data-form.js";
import { discoItemsQuery } from "../xso/disco.js";
import { isDecodeError } from "../xso/errors.js";
import { NS_COMMANDS } from "../xso/ns.js";
import { parseJid } from "../xso/values.js";
import { MucStateError } from "../common/errors.js";
import { iqOptions, type AdminRequestOptions } from "./moderation.js";
import { serviceContext, type MucService } from "./service.js";
import { XMPPError } from "../xso/stanza-error.js";

/**
 * A command an entity offers (an item of its `http://jabber.org/protocol/commands` disco node).
 *
 * @category Ad-hoc commands
 */
export interface CommandItem {
  /** The entity that runs it. */
  readonly jid: JID;
  /** The command's node, what {@link executeCommand} takes. */
  readonly node: string;
  /** Its human-readable name. */
  readonly name: string | undefined;
}

/**
 * A note of a command stage.
 *
 * @category Ad-hoc commands
 */
export interface CommandNote {
  /** `info`, `warn` or `error`. */
  readonly type: "info" | "warn" | "error";
  /** The text. */
  readonly text: string;
}

/**
 * Values to submit with a stage: by field `var`, one string or several, or a
 * boolean; `undefined` leaves the field out.
 *
 * @category Ad-hoc commands
 */
export type CommandValues = Readonly<Record<string, string | readonly string[] | boolean | undefined>>;

/**
 * Where a command stands after a request: its status, what it says, the
 * form it asks to fill in (or the result it shows), and what may come next.
 * Call {@link CommandStage.next}, {@link CommandStage.complete},
 * {@link CommandStage.prev} or {@link CommandStage.cancel} to go on; each
 * returns the next stage. A stage whose `status` is `completed` or
 * `canceled` is the last.
 *
 * @category Ad-hoc commands
 */
export interface CommandStage {
  /** The entity running the command. */
  readonly jid: JID;
  /** The command's node. */
  readonly node: string;
  /** The session the entity keeps for a command of several stages. */
  readonly sessionId: string | undefined;
  /** `executing` (a stage waits for an answer), `completed` or `canceled`. */
  readonly status: CommandStatus;
  /** The actions allowed next (with `executing`); `complete` alone when the entity says nothing. */
  readonly actions: readonly ("prev" | "next" | "complete")[];
  /**
   * What a plain "go on" means here: the `execute` attribute of the
   * entity's `<actions/>`; without it, `next` when that is allowed
   * (XEP-0050 §3.4), else `complete`.
   */
  readonly defaultAction: "prev" | "next" | "complete";
  /** The entity's notes. */
  readonly notes: readonly CommandNote[];
  /** The form to fill in (`type: "form"`) or the result (`type: "result"`), when there is one. */
  readonly form: DataForm | undefined;
  /** The decoded `<command/>`. */
  readonly payload: AdHocCommand;
  /** Submit `values` (added to the form's defaults) and go to the next stage. */
  next(values?: CommandValues, options?: AdminRequestOptions): Promise<CommandStage>;
  /** Submit `values` and finish. */
  complete(values?: CommandValues, options?: AdminRequestOptions): Promise<CommandStage>;
  /** Go back a stage (when `actions` has `prev`); the entity may fill the earlier form with what was submitted to it, as its defaults. */
  prev(options?: AdminRequestOptions): Promise<CommandStage>;
  /** Give up; the entity forgets the session. */
  cancel(options?: AdminRequestOptions): Promise<CommandStage>;
}

/**
 * The commands `jid` offers us (XEP-0050 §2.2: disco#items on the commands node).
 *
 * @param muc - the service whose connection asks.
 * @param jid - the entity (a gateway, a server…).
 * @param options - timeout and abort signal.
 * @throws Rejects with {@link XMPPError} when the entity refuses (`service-unavailable`, `forbidden`…).
 *
 * @example
 * ```ts
 * for (const { node, name } of await listCommands(muc, "gateway.example.org")) console.log(node, name);
 * ```
 *
 * @category Ad-hoc commands
 */
export async function listCommands(muc: MucService, jid: JID | string, options: AdminRequestOptions = {}): Promise<CommandItem[]> {
  const to = entityJid(jid);
  const result = await serviceContext(muc).iq.request("get", to, discoItemsQuery.encode({ node: NS_COMMANDS }), iqOptions(options));
  const query = result.getChild("query");
  if (!query) return [];
  const items: CommandItem[] = [];
  for (const item of decodeOrBadRequest(() => discoItemsQuery.decode(query)).items) {
    if (item.node === undefined) continue;
    items.push({ jid: item.jid, node: item.node, name: item.name });
  }
  return items;
}

/**
 * Run a command (XEP-0050 §3): its first stage, from which the others follow.
 *
 * @param muc - the service whose connection asks.
 * @param jid - the entity running it.
 * @param node - the command (from {@link listCommands}).
 * @param options - timeout and abort signal (also the default of later stages).
 * @returns the first stage.
 * @throws Rejects with {@link XMPPError} when the entity refuses or the command fails
 *   (`item-not-found` for an unknown command, `forbidden`, `bad-request`…).
 * @example
 * ```ts
 * let stage = await executeCommand(muc, "gateway.example.org", "preferences");
 * while (stage.status === "executing") {
 *   const values = await askTheUser(stage.form); // your UI
 *   stage = values === undefined ? await stage.cancel() : await stage.complete(values);
 * }
 * for (const note of stage.notes) console.log(note.type, note.text);
 * ```
 *
 * @category Ad-hoc commands
 */
export async function executeCommand(muc: MucService, jid: JID | string, node: string, options: AdminRequestOptions = {}): Promise<CommandStage> {
  if (!node) throw new MucStateError("a command needs its node");
  const to = entityJid(jid);
  return request(muc, to, node, undefined, "execute", undefined, undefined, options);
}

async function request(
  muc: MucService,
  to: JID,
  node: string,
  sessionId: string | undefined,
  action: CommandAction,
  form: DataForm | undefined,
  values: CommandValues | undefined,
  options: AdminRequestOptions,
): Promise<CommandStage> {
  const submitted = values === undefined && form === undefined ? undefined : submission(form, values ?? {});
  const payload = adHocCommand.encode({
    node,
    ...(sessionId !== undefined ? { sessionId } : {}),
    action,
    ...(submitted ? { form: submitted } : {}),
  });
  const result = await serviceContext(muc).iq.request("set", to, payload, iqOptions(options));
  return stageOf(muc, to, node, result, options);
}

function stageOf(muc: MucService, to: JID, node: string, iq: Element, defaults: AdminRequestOptions): CommandStage {
  const el = iq.getChild("command", NS_COMMANDS);
  if (!el) throw new XMPPError("bad-request", { text: `the answer of ${to.toString()} holds no <command/>`, stanza: iq });
  const payload = decodeOrBadRequest(() => adHocCommand.decode(el));
  const status = payload.status ?? "completed";
  const sessionId = payload.sessionId;
  const allowed = payload.actions;
  const actions: ("prev" | "next" | "complete")[] = [];
  if (allowed?.prev) actions.push("prev");
  if (allowed?.next) actions.push("next");
  if (allowed?.complete) actions.push("complete");
  if (status === "executing" && actions.length === 0) actions.push("complete"); // XEP-0050 §3.4: no <actions/> means complete
  const defaultAction = allowed?.execute ?? (actions.includes("next") ? "next" : "complete"); // XEP-0050 §3.4: execute is next, when allowed
  const form = payload.form;
  const go = (action: CommandAction, values: CommandValues | undefined, options: AdminRequestOptions = defaults): Promise<CommandStage> => {
    if (status !== "executing") return Promise.reject(new MucStateError(`the command ${node} is ${status}: there is no next stage`));
    const formToSubmit = action === "next" || action === "complete" ? (form?.type === "form" ? form : undefined) : undefined;
    return request(muc, to, node, sessionId, action, formToSubmit, action === "next" || action === "complete" ? (values ?? {}) : undefined, options);
  };
  return {
    jid: to,
    node,
    sessionId,
    status,
    actions,
    defaultAction,
    notes: payload.notes.map((n) => ({ type: n.type, text: n.text })),
    form,
    payload,
    next: (values, options) => go("next", values, options),
    complete: (values, options) => go("complete", values, options),
    prev: (options) => go("prev", undefined, options),
    cancel: (options) => go("cancel", undefined, options),
  };
}

/** The submitted form: the form's fields with their defaults, `values` over them, FORM_TYPE kept. */
function submission(form: DataForm | undefined, values: CommandValues): Parameters<typeof dataForm.encode>[0] {
  const fields: DataFormFieldInput[] = [];
  const given = new Set(Object.keys(values).filter((k) => values[k] !== undefined));
  for (const field of form?.fields ?? []) {
    if (field.var === undefined || field.type === "fixed") continue;
    if (given.has(field.var)) continue;
    if (field.values.length > 0) fields.push({ var: field.var, values: field.values });
  }
  fields.push(...valueFields(values));
  return { type: "submit", fields };
}

/** The submitted fields of `values` (a boolean as `1`/`0`; an undefined one left out). */
export function valueFields(values: CommandValues): DataFormFieldInput[] {
  return Object.entries(values).flatMap(([name, value]) =>
    value === undefined ? [] : [{ var: name, values: typeof value === "boolean" ? [value ? "1" : "0"] : typeof value === "string" ? [value] : [...value] }],
  );
}

function entityJid(jid: JID | string): JID {
  try {
    return typeof jid === "string" ? parseJid(jid) : jid;
  } catch (e) {
    throw new MucStateError(`not a valid JID: ${String(jid)}`, { cause: e });
  }
}

function decodeOrBadRequest<T>(decode: () => T): T {
  try {
    return decode();
  } catch (e) {
    if (isDecodeError(e)) throw new XMPPError("bad-request", { text: `malformed answer: ${e.message}` });
    throw e;
  }
}
