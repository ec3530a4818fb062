/**
 * XEP-0050 (Ad-Hoc Commands) `<command xmlns='http://jabber.org/protocol/commands'>`:
 * a request to run a command (`action`), and the answer of the entity that
 * runs it (`status`, the actions it allows next, notes, a data form).
 *
 * @module
 */
import { attr, child, children, element, flag, text, type Infer, type Input } from "./codec.js";
import { dataForm } from "./data-form.js";
import { NS_COMMANDS } from "./ns.js";
import { enumeration, string } from "./values.js";

/**
 * What a requester asks of a command (`action`, XEP-0050 §3.4).
 *
 * @category Ad-hoc commands
 */
export const COMMAND_ACTIONS = ["execute", "cancel", "prev", "next", "complete"] as const;
/**
 * One of {@link COMMAND_ACTIONS}.
 *
 * @category Ad-hoc commands
 */
export type CommandAction = (typeof COMMAND_ACTIONS)[number];
/**
 * Where a command stands (`status`).
 *
 * @category Ad-hoc commands
 */
export const COMMAND_STATUSES = ["executing", "completed", "canceled"] as const;
/**
 * One of {@link COMMAND_STATUSES}.
 *
 * @category Ad-hoc commands
 */
export type CommandStatus = (typeof COMMAND_STATUSES)[number];
/**
 * How serious a note is.
 *
 * @category Ad-hoc commands
 */
export const COMMAND_NOTE_TYPES = ["info", "warn", "error"] as const;

/**
 * `<actions/>`: the actions the requester may take next, and the one a plain
 * "go on" means (`execute`).
 *
 * @category Ad-hoc commands
 */
export const commandActions = element("actions", NS_COMMANDS, {
  /** The default action. */
  execute: attr("execute", enumeration(["prev", "next", "complete"])),
  /** Going back is allowed. */
  prev: flag("prev"),
  /** Going on to another stage is allowed. */
  next: flag("next"),
  /** Finishing now is allowed. */
  complete: flag("complete"),
});

/**
 * `<note type='…'>`: a message to the requester.
 *
 * @category Ad-hoc commands
 */
export const commandNote = element("note", NS_COMMANDS, {
  /** `info` (default), `warn` or `error`. */
  type: attr("type", enumeration(COMMAND_NOTE_TYPES), { default: "info" }),
  /** The text. */
  text: text(),
});

/**
 * `<command xmlns='http://jabber.org/protocol/commands'>`: a request
 * (`node`, `action`, `sessionid` after the first stage, a submitted form) or
 * an answer (`status`, `sessionid`, `actions`, notes, a form to fill in or a
 * result).
 *
 * @category Ad-hoc commands
 */
export const adHocCommand = element("command", NS_COMMANDS, {
  /** The command (its disco node). */
  node: attr("node", string, { required: true }),
  /** The session of a command run over several stages. */
  sessionId: attr("sessionid"),
  /** What the requester asks (absent: `execute`). */
  action: attr("action", enumeration(COMMAND_ACTIONS)),
  /** Where the command stands (answers). */
  status: attr("status", enumeration(COMMAND_STATUSES)),
  /** The actions allowed next (answers with status `executing`). */
  actions: child(commandActions),
  /** Notes to the requester. */
  notes: children(commandNote),
  /** A form to fill in, a submitted form, or a result. */
  form: child(dataForm),
});
/**
 * Decoded `<command/>`.
 *
 * @category Ad-hoc commands
 */
export type AdHocCommand = Infer<typeof adHocCommand>;
/**
 * `<command/>` as accepted by `adHocCommand.encode`.
 *
 * @category Ad-hoc commands
 */
export type AdHocCommandInput = Input<typeof adHocCommand>;
