/// <reference lib="dom" />
/**
 * The gateway's commands (XEP-0050 ad-hoc commands): the list the gateway
 * offers us (`listCommands`), and one command run stage by stage
 * (`executeCommand`): each stage's form drawn by forms.ts, its notes, a
 * result as a table, and a button per action the stage allows (Back, Next,
 * Complete) with Cancel. Errors in plain words (errors.ts).
 *
 * `data-testid`s: `commands-view`, `commands-refresh`, `command-list`,
 * `command-item` (`data-node`), `commands-error`; the command under way:
 * `command-stage` (`data-node`, `data-status` executing|completed|canceled),
 * `command-title`, `command-instructions`, `command-field-<var>` (forms.ts),
 * `command-fixed`, `command-note` (`data-type`), `command-result`,
 * `command-table` with `command-row`s, `command-action` (`data-action`
 * prev|next|complete|cancel), `command-error`, `command-close`.
 *
 * @module
 */
import { executeCommand, listCommands, type CommandItem, type CommandStage, type MucService } from "../../src/index.js";
import { h } from "./dom.js";
import { commandErrorText } from "./errors.js";
import { formFieldsView, notesView, resultView, type FormFieldsView } from "./forms.js";

/** What the commands view needs of the page. */
export interface CommandsContext {
  readonly muc: MucService | undefined;
  /** The gateway's JID. */
  readonly gateway: string;
  /** Draw the page again (after a change of state). */
  readonly rerender: () => void;
  /** A command completed (the page may have more to refresh: the rooms, the registration). */
  readonly onCompleted?: (node: string) => void;
}

const state: {
  items: CommandItem[] | undefined;
  loading: boolean;
  listError: string | undefined;
  /** The command under way (or finished, until closed). */
  running: { readonly node: string; readonly name: string } | undefined;
  stage: CommandStage | undefined;
  busy: boolean;
  error: string | undefined;
  /** The stage's card, kept across renders (with what is typed in it). */
  card: { readonly stage: CommandStage | undefined; readonly el: HTMLElement; readonly sync: () => void } | undefined;
} = { items: undefined, loading: false, listError: undefined, running: undefined, stage: undefined, busy: false, error: undefined, card: undefined };

/** Forget everything (a new login). */
export function resetCommands(): void {
  state.items = undefined;
  state.loading = false;
  state.listError = undefined;
  state.running = undefined;
  state.stage = undefined;
  state.busy = false;
  state.error = undefined;
  state.card = undefined;
}

/** Ask the gateway for its commands (what we may run now). */
export async function loadCommands(ctx: CommandsContext): Promise<void> {
  if (!ctx.muc) return;
  state.loading = true;
  state.listError = undefined;
  ctx.rerender();
  try {
    state.items = await listCommands(ctx.muc, ctx.gateway, { timeout: 10_000 });
  } catch (e) {
    console.warn(`could not list the commands of ${ctx.gateway}`, e);
    state.listError = commandErrorText(e);
  } finally {
    state.loading = false;
    ctx.rerender();
  }
}

/** Run a command: its first stage. */
async function run(ctx: CommandsContext, item: CommandItem): Promise<void> {
  if (!ctx.muc || state.busy) return;
  const previous = state.stage;
  if (previous?.status === "executing") void previous.cancel().catch(() => {});
  state.running = { node: item.node, name: item.name ?? item.node };
  state.stage = undefined;
  state.error = undefined;
  state.card = undefined;
  await go(ctx, () => executeCommand(ctx.muc as MucService, ctx.gateway, item.node, { timeout: 30_000 }));
}

/** One request of the command under way; the stage it leads to replaces the one on screen. */
async function go(ctx: CommandsContext, request: () => Promise<CommandStage>): Promise<void> {
  const running = state.running;
  state.busy = true;
  state.error = undefined;
  state.card?.sync();
  ctx.rerender();
  try {
    const stage = await request();
    if (state.running !== running) return;
    state.stage = stage;
    state.card = undefined;
    if (stage.status === "completed" && running) ctx.onCompleted?.(running.node);
  } catch (e) {
    console.warn(`the command ${running?.node ?? ""} failed`, e);
    if (state.running !== running) return;
    state.error = commandErrorText(e);
  } finally {
    if (state.running === running) state.busy = false;
    state.card?.sync();
    ctx.rerender();
  }
}

/** Close the command on screen (cancelling it at the gateway if it is under way). */
function close(ctx: CommandsContext): void {
  const stage = state.stage;
  if (stage?.status === "executing") void stage.cancel().catch(() => {});
  state.running = undefined;
  state.stage = undefined;
  state.error = undefined;
  state.busy = false;
  state.card = undefined;
  ctx.rerender();
}

/** The commands view: the list, and the command under way. */
export function commandsPane(ctx: CommandsContext): HTMLElement {
  if (state.items === undefined && !state.loading && state.listError === undefined) void loadCommands(ctx);
  const list = h(
    "section",
    { class: "card commands-list" },
    h(
      "header",
      { class: "commands-list__head" },
      h("h2", {}, "Commands"),
      h(
        "button",
        { class: `icon-btn icon-btn--small${state.loading ? " is-spinning" : ""}`, type: "button", testid: "commands-refresh", title: "Refresh", "aria-label": "Refresh the commands", onclick: () => void loadCommands(ctx) },
        "↻",
      ),
    ),
    h("p", { class: "muted" }, `What ${ctx.gateway} lets you do from here.`),
    state.listError ? h("p", { class: "form-error", testid: "commands-error", role: "alert" }, state.listError) : null,
    state.items === undefined
      ? h("p", { class: "muted" }, state.loading ? "Loading…" : "")
      : state.items.length === 0
        ? h("p", { class: "muted" }, "The gateway offers you no commands right now.")
        : h(
            "ul",
            { class: "command-list", testid: "command-list" },
            ...state.items.map((item) =>
              h(
                "li",
                {},
                h(
                  "button",
                  {
                    type: "button",
                    class: `command-item${state.running?.node === item.node ? " is-active" : ""}`,
                    testid: "command-item",
                    "data-node": item.node,
                    disabled: state.busy,
                    onclick: () => void run(ctx, item),
                  },
                  item.name ?? item.node,
                ),
              ),
            ),
          ),
  );
  return h("div", { class: "commands", testid: "commands-view" }, list, state.running ? stageCard(ctx) : null);
}

/** The card of the command under way: built once per stage, its busy state and error kept in sync. */
function stageCard(ctx: CommandsContext): HTMLElement {
  if (state.card && state.card.stage === state.stage) {
    state.card.sync();
    return state.card.el;
  }
  const running = state.running as { node: string; name: string };
  const stage = state.stage;
  const form = stage?.form;
  const executing = stage?.status === "executing";
  const fields: FormFieldsView | undefined = executing && form?.type === "form" ? formFieldsView(form, "command") : undefined;
  const error = h("p", { class: "form-error", testid: "command-error", role: "alert", hidden: true });
  const waiting = h("p", { class: "muted", hidden: true }, h("span", { class: "spinner spinner--small", "aria-hidden": "true" }), " Waiting for the gateway…");
  const buttons: HTMLButtonElement[] = [];
  const button = (action: "prev" | "next" | "complete" | "cancel", label: string, primary: boolean): HTMLButtonElement => {
    const b = h("button", { type: action === stage?.defaultAction ? "submit" : "button", class: `btn ${primary ? "btn--primary" : "btn--ghost"}`, testid: "command-action", "data-action": action }, label);
    b.addEventListener("click", (ev) => {
      ev.preventDefault();
      if (!stage || state.busy) return;
      if (action === "cancel") close(ctx);
      else if (action === "prev") void go(ctx, () => stage.prev());
      else void go(ctx, () => (action === "next" ? stage.next(fields?.values()) : stage.complete(fields?.values())));
    });
    buttons.push(b);
    return b;
  };
  const actions = executing
    ? [
        ...(stage.actions.includes("prev") ? [button("prev", "Back", false)] : []),
        button("cancel", "Cancel", false),
        ...(stage.actions.includes("next") ? [button("next", "Next", stage.defaultAction === "next")] : []),
        ...(stage.actions.includes("complete") ? [button("complete", stage.actions.includes("next") ? "Finish" : "Complete", stage.defaultAction === "complete")] : []),
      ]
    : [];
  // Under way, Cancel closes it; else Done (or Close, when it could not start).
  const closeButton = executing ? null : h("button", { type: "button", class: `btn ${stage ? "btn--primary" : "btn--ghost"}`, testid: "command-close", onclick: () => close(ctx) }, stage ? "Done" : "Close");
  const el = h(
    "form",
    {
      class: "card command-stage",
      testid: "command-stage",
      "data-node": running.node,
      "data-status": stage?.status ?? "starting",
      onsubmit: (ev: Event) => {
        ev.preventDefault();
        if (!stage || !executing || state.busy) return;
        void go(ctx, () => (stage.defaultAction === "prev" ? stage.prev() : stage.defaultAction === "next" ? stage.next(fields?.values()) : stage.complete(fields?.values())));
      },
    },
    h("h2", { testid: "command-title" }, form?.title ?? running.name),
    ...(form?.instructions ?? []).map((text) => h("p", { class: "muted", testid: "command-instructions" }, text)),
    stage ? notesView(stage.notes.filter((n) => !(form?.type === "result" && n.text === form.title)), "command") : null,
    fields?.el ?? null,
    form && form.type === "result" ? resultView(form, "command") : null,
    stage?.status === "canceled" && stage.notes.length === 0 ? h("p", { class: "muted" }, "Cancelled.") : null,
    stage?.status === "completed" && stage.notes.length === 0 && form === undefined ? h("p", { class: "muted" }, "Done.") : null,
    waiting,
    error,
    h("div", { class: "modal__actions" }, closeButton, ...actions),
  );
  const sync = (): void => {
    error.hidden = state.error === undefined;
    error.textContent = state.error ?? "";
    waiting.hidden = !state.busy;
    for (const b of buttons) b.disabled = state.busy;
  };
  sync();
  state.card = { stage, el, sync };
  return el;
}
