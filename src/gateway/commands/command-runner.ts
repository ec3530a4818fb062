/**
 * Serving a gateway's {@link Command}s: as XEP-0050 ad-hoc commands on the
 * gateway's JID (listed on the commands disco node, run stage by stage with
 * a session id, going back to an earlier stage with `prev`), and as chat
 * commands in messages to the gateway JID.
 *
 * @module
 */
import { randomUUID } from "node:crypto";
import xml, { type Element } from "@xmpp/xml";
import type { JID } from "@xmpp/jid";
import { adHocCommand, type AdHocCommandInput } from "../../xso/commands.js";
import type { DataFormFieldInput, DataFormInput } from "../../xso/data-form.js";
import { discoInfoQuery, discoItemsQuery } from "../../xso/disco.js";
import { NS_COMMANDS, NS_DATA_FORMS } from "../../xso/ns.js";
import { XMPPError } from "../../xso/stanza-error.js";
import { Command, CommandConfirmation, CommandForm, CommandTable, type CommandContext, type CommandResponse } from "./commands.js";
import { checkRequired, formFields, submittedValues } from "./forms.js";
import type { BaseSession } from "../session.js";
import type { BaseGateway, RegistrationField } from "../gateway.js";

/** How long a command waits for the next stage before its session is dropped. */
const STAGE_TIMEOUT_MS = 10 * 60_000;
/** At most this many command sessions under way per requester. */
const MAX_SESSIONS_PER_REQUESTER = 20;
/** At most this many earlier stages kept per command session, to go back to (`prev`); older ones are forgotten. */
const MAX_PREVIOUS_STAGES = 20;

/** A stage of a command: a form or a confirmation. */
type Stage = CommandForm | CommandConfirmation;

/** A stage the user went past, and what they submitted to it. */
interface PastStage {
  readonly step: Stage;
  readonly values: Readonly<Record<string, string>>;
}

/** A command waiting for its next stage. */
interface PendingStage {
  readonly node: string;
  readonly from: string;
  readonly step: Stage;
  /** The stages before it, the latest last. */
  readonly previous: readonly PastStage[];
  readonly timer: ReturnType<typeof setTimeout>;
}

/** The ad-hoc and chat commands of one gateway. */
export class CommandRunner {
  readonly #host: BaseGateway;
  readonly #pending = new Map<string, PendingStage>();
  #instances: Map<string, Command> | undefined;

  /** @param host - the gateway (its JID, its `commands`, its log). */
  constructor(host: BaseGateway) {
    this.#host = host;
  }

  /** The commands, by node (made once, on first use: the gateway's `commands` may be set by a subclass); of two with one node, the later. */
  get #byNode(): Map<string, Command> {
    if (this.#instances === undefined) {
      this.#instances = new Map();
      for (const Class of this.#host.commands) {
        const command = new Class();
        // A module's own command replaces a built-in one of the same node (listed after it).
        if (this.#instances.has(command.node)) this.#host.log.debug(`the command ${command.node} is declared twice; the later one is kept`);
        this.#instances.set(command.node, command);
      }
    }
    return this.#instances;
  }

  /** The commands `session` (or a non-user) may run. */
  available(session: BaseSession | undefined): Command[] {
    return [...this.#byNode.values()].filter((c) => c.allows(session));
  }

  /** disco#items on the commands node (XEP-0050 §2.2). */
  discoItems(session: BaseSession | undefined): Element {
    const jid = this.#host.jid;
    return discoItemsQuery.encode({ node: NS_COMMANDS, items: this.available(session).map((c) => ({ jid, node: c.node, name: c.name })) });
  }

  /** disco#info on a command's node (XEP-0050 §2.3), or `undefined` for another node. */
  discoInfo(node: string, session: BaseSession | undefined): Element | undefined {
    const command = this.#byNode.get(node);
    if (!command || !command.allows(session)) return undefined;
    return discoInfoQuery.encode({ node, identities: [{ category: "automation", type: "command-node", name: command.name }], features: [NS_COMMANDS, NS_DATA_FORMS] });
  }

  /**
   * An `<iq type='set'>` with a `<command/>`: the answer's payload.
   *
   * @throws XMPPError for a refused or failed stage.
   */
  async handleIq(command: Element, from: JID, session: BaseSession | undefined): Promise<Element> {
    let request;
    try {
      request = adHocCommand.decode(command);
    } catch (e) {
      throw commandError("bad-request", "malformed-action", e instanceof Error ? e.message : String(e));
    }
    const { node, sessionId } = request;
    const action = request.action ?? "execute";
    const context: CommandContext = { session, from, gateway: this.#host, via: "ad-hoc" };
    if (sessionId === undefined) {
      if (action !== "execute") throw commandError("bad-request", "bad-action", `no command session to ${action}`);
      const cmd = this.#byNode.get(node);
      if (!cmd) throw new XMPPError("item-not-found", { text: `No command ${node}` });
      if (!cmd.allows(session)) throw new XMPPError("forbidden", { text: session ? "Not allowed now" : "Register with this gateway first" });
      return this.#answer(node, randomUUID(), from, await cmd.run(context, []));
    }
    const pending = this.#pending.get(sessionId);
    if (!pending || pending.from !== from.toString() || pending.node !== node) throw commandError("bad-request", "bad-sessionid", "No such command session (it may have expired)");
    this.#drop(sessionId);
    // A form of type cancel gives the stage up as the cancel action does (XEP-0004 §3.1).
    if (action === "cancel" || request.form?.type === "cancel") return adHocCommand.encode({ node, sessionId, status: "canceled" });
    try {
      if (action === "prev") {
        // The previous stage again, filled with what the user gave it; the stage left is forgotten.
        const back = pending.previous.at(-1);
        if (!back) throw commandError("bad-request", "bad-action", "This command has no previous stage");
        return this.#present(node, sessionId, from, back.step, pending.previous.slice(0, -1), back.values);
      }
      // execute, next and complete all submit the stage: with a form of type submit, or none.
      const formEl = request.form;
      if (formEl && formEl.type !== "submit") throw new XMPPError("bad-request", { text: `A form of type ${formEl.type} cannot be submitted` });
      const values = formEl ? submittedValues(formEl) : {};
      const previous = [...pending.previous, { step: pending.step, values }].slice(-MAX_PREVIOUS_STAGES);
      if (pending.step instanceof CommandForm) {
        checkRequired(pending.step.fields, values);
        return this.#answer(node, sessionId, from, await pending.step.handler(values, context), previous);
      }
      if (values.confirm === "1" || values.confirm === "true") return this.#answer(node, sessionId, from, await pending.step.handler(context), previous);
      return adHocCommand.encode({ node, sessionId, status: "canceled", notes: [{ type: "info", text: "Nothing was done" }] });
    } catch (e) {
      // A refusal the user can fix (a missing field, a wrong code, going back from the first stage: type modify or auth)
      // keeps the stage, and the ones before it, to be submitted again.
      if (e instanceof XMPPError && (e.type === "modify" || e.type === "auth") && !this.#pending.has(sessionId)) this.#keep(sessionId, node, from, pending.step, pending.previous);
      throw e;
    }
  }

  /**
   * A message to the gateway JID: its first word names a chat command.
   *
   * @returns the reply's text, or `undefined` for a message that is no command (it is ignored).
   */
  async handleChat(body: string, from: JID, session: BaseSession | undefined): Promise<string | undefined> {
    const words = body.trim().split(/\s+/);
    const word = words[0]?.toLowerCase();
    if (!word) return undefined;
    const available = this.available(session).filter((c) => c.chatCommand !== undefined);
    if (word === "help") {
      const lines = available.map((c) => `${c.chatCommand}: ${c.help}`);
      const adHoc = this.available(session).filter((c) => c.chatCommand === undefined);
      if (adHoc.length) lines.push(`From your client's commands menu: ${adHoc.map((c) => c.name).join(", ")}`);
      return lines.length ? lines.join("\n") : "No commands are available to you";
    }
    const cmd = available.find((c) => c.chatCommand === word);
    if (!cmd) return `Unknown command "${word}"; send "help" for the list`;
    const context: CommandContext = { session, from, gateway: this.#host, via: "chat" };
    try {
      return chatText(cmd, await this.#chatStages(await cmd.run(context, words.slice(1)), context));
    } catch (e) {
      if (e instanceof XMPPError) return `${cmd.name}: ${e.text ?? e.condition}`;
      if (e instanceof Error && (e.name === "TimeoutError" || e.name === "AbortError")) return `${cmd.name}: no answer, nothing was done`;
      if (e instanceof ChatCanceled) return `${cmd.name}: canceled`;
      this.#host.log.warn(`chat command ${cmd.node} failed`, e);
      return `${cmd.name} failed`;
    }
  }

  /**
   * A form or a confirmation in a chat: each field asked as a question (the
   * user's next message is the answer; `cancel` stops), then the handler,
   * until the command is done.
   */
  async #chatStages(first: CommandResponse, context: CommandContext): Promise<CommandResponse> {
    let response = first;
    const ask = (question: string): Promise<string> => this.#host.input(context.from, question, { timeoutMs: CHAT_ANSWER_TIMEOUT_MS });
    while (response instanceof CommandForm || response instanceof CommandConfirmation) {
      if (response instanceof CommandConfirmation) {
        const answer = (await ask(`${response.prompt} (yes/no)`)).trim().toLowerCase();
        if (!YES.has(answer)) return "Nothing was done";
        response = await response.handler(context);
        continue;
      }
      const values: Record<string, string> = {};
      let preamble = [response.title, response.instructions].filter(Boolean).join(": ");
      for (const field of response.fields) {
        const type = field.type ?? "text-single";
        if (type === "hidden") {
          if (field.value !== undefined) values[field.var] = field.value;
          continue;
        }
        if (type === "fixed") {
          preamble = [preamble, field.value].filter(Boolean).join("\n");
          continue;
        }
        const answer = (await ask([preamble, questionFor(field)].filter(Boolean).join("\n"))).trim();
        preamble = "";
        if (answer.toLowerCase() === "cancel") throw new ChatCanceled();
        const value = answer === "" || answer === "-" ? (field.value ?? "") : answer;
        values[field.var] = type === "boolean" ? (YES.has(value.toLowerCase()) || value === "1" ? "1" : "0") : optionValue(field, value);
      }
      checkRequired(response.fields, values);
      response = await response.handler(values, context);
    }
    return response;
  }

  /** Forget every pending stage (the gateway stops). */
  close(): void {
    for (const id of [...this.#pending.keys()]) this.#drop(id);
  }

  /** A stage's answer: a form or a confirmation is the next stage (`previous` before it), anything else ends the command. */
  #answer(node: string, sessionId: string, from: JID, response: CommandResponse, previous: readonly PastStage[] = []): Element {
    if (response instanceof CommandForm || response instanceof CommandConfirmation) return this.#present(node, sessionId, from, response, previous);
    const done: AdHocCommandInput = { node, sessionId, status: "completed" };
    if (response instanceof CommandTable) {
      return adHocCommand.encode({
        ...done,
        notes: [{ type: "info", text: response.description }],
        form: {
          type: "result",
          title: response.description,
          reported: response.columns.map((c) => ({ var: c.var, label: c.label })),
          items: response.rows.map((row) => response.columns.map((c) => ({ var: c.var, values: [row[c.var] ?? ""] }))),
        },
      });
    }
    return adHocCommand.encode(typeof response === "string" ? { ...done, notes: [{ type: "info", text: response }] } : done);
  }

  /**
   * Keep `step` as the session's stage and ask it: its form (the user's
   * `values` as the fields' defaults, when it is shown again) and the
   * actions allowed — `next` for a form that leads to another, else
   * `complete`, and `prev` when there is a stage before it.
   */
  #present(node: string, sessionId: string, from: JID, step: Stage, previous: readonly PastStage[], values: Readonly<Record<string, string>> = {}): Element {
    this.#keep(sessionId, node, from, step, previous);
    const form: DataFormInput =
      step instanceof CommandForm
        ? { type: "form", title: step.title, instructions: step.instructions ? [step.instructions] : [], fields: stageFields(step.fields, values) }
        : { type: "form", title: step.prompt, fields: [{ var: "confirm", type: "boolean", label: step.prompt, required: true, values: ["1"] }] };
    const prev = previous.length > 0;
    const actions = step instanceof CommandForm && step.hasNext ? { execute: "next" as const, prev, next: true } : { execute: "complete" as const, prev, complete: true };
    return adHocCommand.encode({ node, sessionId, status: "executing", actions, form });
  }

  #keep(sessionId: string, node: string, from: JID, step: Stage, previous: readonly PastStage[]): void {
    const requester = from.toString();
    const mine = [...this.#pending.entries()].filter(([, p]) => p.from === requester);
    if (mine.length >= MAX_SESSIONS_PER_REQUESTER) this.#drop((mine[0] as [string, PendingStage])[0]);
    const timer = setTimeout(() => this.#pending.delete(sessionId), STAGE_TIMEOUT_MS);
    (timer as { unref?: () => unknown }).unref?.();
    this.#pending.set(sessionId, { node, from: requester, step, previous, timer });
  }

  #drop(sessionId: string): void {
    const pending = this.#pending.get(sessionId);
    if (!pending) return;
    clearTimeout(pending.timer);
    this.#pending.delete(sessionId);
  }
}

/** How long a chat command waits for each answer. */
const CHAT_ANSWER_TIMEOUT_MS = 5 * 60_000;
const YES: ReadonlySet<string> = new Set(["yes", "y", "true", "1", "ok"]);

/** The user answered `cancel` to a chat command's question. */
class ChatCanceled extends Error {}

/** A field as a chat question: its label, its choices, its default, whether it may be skipped. */
function questionFor(field: RegistrationField): string {
  const type = field.type ?? "text-single";
  const choices = field.options?.length ? ` (${field.options.map((o) => (o.label && o.label !== o.value ? `${o.value}: ${o.label}` : o.value)).join(", ")})` : "";
  const yesNo = type === "boolean" ? " (yes/no)" : "";
  const fallback = field.value !== undefined && type !== "text-private" ? ` [${type === "boolean" ? (YES.has(field.value) ? "yes" : "no") : field.value}]` : "";
  const optional = field.required ? "" : " (send - to skip)";
  return `${field.label ?? field.var}${choices}${yesNo}${fallback}${optional}?`;
}

/** A list field's value from an answer that gives the value or the label. */
function optionValue(field: RegistrationField, answer: string): string {
  const wanted = answer.toLowerCase();
  const option = field.options?.find((o) => o.value.toLowerCase() === wanted || o.label?.toLowerCase() === wanted);
  return option ? option.value : answer;
}

/**
 * The data form fields of a stage: the user's `values` (those of a stage
 * shown again) as the defaults of the fields they fill in — never of fixed,
 * hidden or private ones — and the lines of a multi-valued field's value as
 * its values (none for an empty one).
 */
function stageFields(fields: readonly RegistrationField[], values: Readonly<Record<string, string>>): DataFormFieldInput[] {
  const prefill: Record<string, string> = {};
  for (const f of fields) {
    const given = values[f.var];
    if (given !== undefined && f.type !== "fixed" && f.type !== "hidden") prefill[f.var] = given;
  }
  return formFields(fields, prefill).map((f) => {
    const [only, ...more] = f.values ?? [];
    if (!MULTI_VALUED.has(f.type ?? "") || only === undefined || more.length > 0) return f;
    return { ...f, values: only === "" ? [] : only.split("\n") };
  });
}

const MULTI_VALUED: ReadonlySet<string> = new Set(["text-multi", "list-multi", "jid-multi"]);

/** A command error with XEP-0050's specific condition (§4.4). */
function commandError(condition: "bad-request", specific: "malformed-action" | "bad-action" | "bad-sessionid", text: string): XMPPError {
  return new XMPPError(condition, { text, application: xml(specific, { xmlns: NS_COMMANDS }) });
}

/** A chat command's answer as text. */
function chatText(cmd: Command, response: CommandResponse): string {
  if (response === undefined) return `${cmd.name}: done`;
  if (typeof response === "string") return response;
  if (response instanceof CommandTable) {
    const rows = response.rows.map((row) => response.columns.map((c) => row[c.var] ?? "").filter(Boolean).join(" — "));
    return [response.description, ...rows].join("\n");
  }
  return `${cmd.name}: done`;
}
