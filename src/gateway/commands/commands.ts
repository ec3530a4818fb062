/**
 * Commands a gateway offers its users (slidge's `slidge.command`): each is
 * one declaration — a name, a node, a help line, who may run it — with a
 * `run` that answers with text, a form to fill in, a table, or a question to
 * confirm. The gateway serves them as XEP-0050 ad-hoc commands on its JID;
 * those without a form also as chat commands (a message to the gateway JID
 * whose first word is the command's `chatCommand`; `help` lists them).
 *
 * @module
 */
import type { JID } from "@xmpp/jid";
import { XMPPError } from "../../xso/stanza-error.js";
import type { BaseGateway, RegistrationField } from "../gateway.js";
import type { BaseSession } from "../session.js";
import type { PendingRegistration } from "../registration.js";
import type { JsonValue } from "../store/store.js";
import { declaredValues } from "./forms.js";

/**
 * Who may run a command (slidge's `CommandAccess`).
 *
 * @category Commands
 */
export enum CommandAccess {
  /** Registered users whose legacy session is logged in (the default). */
  USER_LOGGED = "user-logged",
  /** Registered users, logged in or not (re-login, unregister). */
  USER = "user",
  /** Users who are not registered (registration). */
  NON_USER = "non-user",
  /** Anyone who may use the gateway. */
  ANY = "any",
}

/**
 * What a command's stage answers.
 *
 * - a string: the command is done; the text is its note (and the chat reply);
 * - a {@link CommandForm}: a form for the user to fill in; its handler gets the
 *   values (and may answer with another form: a command of several stages);
 * - a {@link CommandTable}: the command is done; a table of results;
 * - a {@link CommandConfirmation}: a yes/no question; its handler runs on yes;
 * - nothing: done, without a note.
 *
 * @category Commands
 */
export type CommandResponse = string | CommandForm | CommandTable | CommandConfirmation | void;

/**
 * Who runs a command and from where.
 *
 * @category Commands
 */
export interface CommandContext {
  /** The gateway. */
  readonly gateway: BaseGateway;
  /** The user's session; `undefined` for someone not registered. */
  readonly session: BaseSession | undefined;
  /** The full JID the request came from. */
  readonly from: JID;
  /** How it was asked: an ad-hoc command, or a chat command (a message to the gateway). */
  readonly via: "ad-hoc" | "chat";
}

/**
 * A form to fill in (slidge's `Form`): its fields are those of the
 * registration form ({@link RegistrationField}); the handler gets the
 * submitted values, by field `var` (list-multi and jid-multi values joined by
 * newlines), after the `required` fields were checked.
 *
 * A handler that answers with another form (or a confirmation) makes a
 * command of several stages. Mark the forms that lead to another one with
 * `hasNext`, so that clients offer them as "next" rather than "finish". As
 * an ad-hoc command, each stage after the first may go back (XEP-0050
 * `prev`): the previous stage comes again, filled with what the user gave
 * it, and submitting it runs its handler again. A chat command has no
 * going back.
 *
 * @example
 * ```ts
 * return new CommandForm({
 *   title: "New group",
 *   hasNext: true,
 *   fields: [{ var: "name", label: "Name", required: true }],
 *   handler: async ({ name }) =>
 *     new CommandForm({
 *       title: `Members of ${name}`,
 *       fields: [{ var: "members", label: "Members", type: "jid-multi" }],
 *       handler: async ({ members }) => `Created ${name}; invited: ${members || "nobody"}`,
 *     }),
 * });
 * ```
 *
 * @category Commands
 */
export class CommandForm {
  /** The form's title. */
  readonly title: string;
  /** How to fill it in. */
  readonly instructions: string | undefined;
  /** Its fields. */
  readonly fields: readonly RegistrationField[];
  /**
   * Whether the stage leads to another form (or a confirmation): it is offered as `next`
   * (`<actions execute='next'><next/></actions>`) rather than `complete`.
   * A hint for the user's client; either action submits the stage.
   */
  readonly hasNext: boolean;
  /** What to do with the values. */
  readonly handler: (values: Readonly<Record<string, string>>, context: CommandContext) => Promise<CommandResponse>;

  /** @param init - title, instructions, fields, handler, and whether another form follows (`hasNext`, default `false`). */
  constructor(init: {
    title: string;
    instructions?: string;
    fields: readonly RegistrationField[];
    /** The stage leads to another form (or a confirmation): offered as `next` rather than `complete`. */
    hasNext?: boolean;
    handler: (values: Readonly<Record<string, string>>, context: CommandContext) => Promise<CommandResponse>;
  }) {
    this.title = init.title;
    this.instructions = init.instructions;
    this.fields = init.fields;
    this.hasNext = init.hasNext === true;
    this.handler = init.handler;
  }
}

/**
 * A column of a {@link CommandTable}.
 *
 * @category Commands
 */
export interface CommandColumn {
  /** The key of the column's value in each row. */
  readonly var: string;
  /** The column's heading. */
  readonly label: string;
}

/**
 * A table of results (slidge's `TableResult`): one row per item, one column
 * per field.
 *
 * @category Commands
 */
export class CommandTable {
  /** What the table shows. */
  readonly description: string;
  /** The columns. */
  readonly columns: readonly CommandColumn[];
  /** The rows, by column `var`. */
  readonly rows: readonly Readonly<Record<string, string>>[];

  /** @param init - description, columns and rows. */
  constructor(init: { description: string; columns: readonly CommandColumn[]; rows: readonly Readonly<Record<string, string>>[] }) {
    this.description = init.description;
    this.columns = init.columns;
    this.rows = init.rows;
  }
}

/**
 * A question to confirm (slidge's `Confirmation`): the handler runs when the
 * user says yes. It is a stage like a form: it is offered as `complete`, and
 * the stage after it may go back to it.
 *
 * @category Commands
 */
export class CommandConfirmation {
  /** The question. */
  readonly prompt: string;
  /** What to do on yes. */
  readonly handler: (context: CommandContext) => Promise<CommandResponse>;

  /** @param init - the prompt and the handler. */
  constructor(init: { prompt: string; handler: (context: CommandContext) => Promise<CommandResponse> }) {
    this.prompt = init.prompt;
    this.handler = init.handler;
  }
}

/**
 * A command (slidge's `Command`). Subclass it, give it a `name`, a `node`
 * and a `help` line, and answer in `run`; list the class in the gateway's
 * `commands`. Throw an `XMPPError` to refuse (its text reaches the user).
 *
 * @example
 * ```ts
 * class Status extends Command {
 *   name = "Network status";
 *   node = "status";
 *   help = "Whether the network is up";
 *   chatCommand = "status";
 *   async run() {
 *     return (await api.ping()) ? "The network is up" : "The network is down";
 *   }
 * }
 * class Gateway extends BaseGateway {
 *   override commands = [...BaseGateway.defaultCommands, Status];
 * }
 * ```
 *
 * @category Commands
 */
export abstract class Command {
  /** Its human-readable name (the ad-hoc command's name). */
  abstract readonly name: string;
  /** Its XEP-0050 node: unique on the gateway. */
  abstract readonly node: string;
  /** One line saying what it does (the chat command's help). */
  abstract readonly help: string;
  /** The word that runs it in a message to the gateway JID; `undefined`: ad-hoc only. */
  readonly chatCommand: string | undefined = undefined;
  /** Who may run it. @default CommandAccess.USER_LOGGED */
  readonly access: CommandAccess = CommandAccess.USER_LOGGED;

  /**
   * Run it (its first stage).
   *
   * @param context - the session (`undefined` for a non-user) and the requester's JID.
   * @param args - the words after the chat command (none for an ad-hoc command).
   */
  abstract run(context: CommandContext, args: readonly string[]): Promise<CommandResponse>;

  /**
   * Whether the requester may run it now (its {@link Command.access}).
   *
   * @param session - the requester's session, if registered.
   */
  allows(session: BaseSession | undefined): boolean {
    switch (this.access) {
      case CommandAccess.ANY:
        return true;
      case CommandAccess.NON_USER:
        return session === undefined;
      case CommandAccess.USER:
        return session !== undefined;
      case CommandAccess.USER_LOGGED:
        return session?.loggedIn === true;
    }
  }
}

/**
 * A command class, as a gateway lists them.
 *
 * @category Commands
 */
export type CommandClass = new () => Command;

/** The session of a logged-in user, or a refusal. */
function loggedIn(context: CommandContext): BaseSession {
  if (!context.session?.loggedIn) throw new XMPPError("forbidden", { text: "Log in to the network first" });
  return context.session;
}

/**
 * "Register": the gateway's registration form (its `registrationFields` and
 * `registrationInstructions`) and, by its `registrationType`, the steps
 * after it: a two-factor code (`validateTwoFactorCode`) or a QR code to scan
 * (`getQrText`, sent to the user as an image and as text; the stage
 * completes once the module calls `confirmQr`). One step also serves
 * clients that register through commands rather than XEP-0077. When the
 * gateway's `registrationType` has a later step, the form is offered as
 * `next` ({@link CommandForm.hasNext}).
 *
 * @category Commands
 */
export class RegisterCommand extends Command {
  readonly name = "Register with the gateway";
  readonly node = "register";
  readonly help = "Register with this gateway";
  override readonly access = CommandAccess.NON_USER;

  /**
   * The registration form.
   *
   * @param context - the requester.
   */
  async run(context: CommandContext): Promise<CommandResponse> {
    const { gateway } = context;
    return new CommandForm({
      title: `Register with ${gateway.componentName}`,
      instructions: gateway.registrationInstructions,
      fields: gateway.registrationFields,
      // A per-account type (registrationTypeFor) is known only once the form is in.
      hasNext: gateway.registrationType !== "single-step-form",
      handler: async (values) => {
        const pending = await gateway.beginRegistration(context.from, values);
        switch (gateway.registrationTypeFor(pending)) {
          case "two-factor-code":
            return new CommandForm({
              title: "Two-factor code",
              instructions: "Enter the code the network sent you.",
              fields: [{ var: "code", label: "Code", required: true }],
              handler: async (step) => finish(gateway, context, pending, await gateway.validateTwoFactorCode(pending, (step.code ?? "").trim())),
            });
          case "qr-code": {
            gateway.expectQrScan(pending);
            const text = await gateway.getQrText(pending);
            await gateway.sendQr(text, context.from);
            return new CommandForm({
              title: "Scan the QR code",
              instructions: "Scan the QR code sent to you in a message with the network's app, then complete this step.",
              fields: [{ var: "qr-text", label: "QR code", type: "fixed", value: text }],
              handler: async () => finish(gateway, context, pending, await gateway.awaitQrConfirmation(pending)),
            });
          }
          default:
            return finish(gateway, context, pending);
        }
      },
    });
  }
}

/** Save a registration and start its session once the command's answer is on its way. */
async function finish(gateway: BaseGateway, context: CommandContext, pending: PendingRegistration, moreData?: { readonly [key: string]: JsonValue } | void): Promise<string> {
  const start = await gateway.finishRegistration(pending, moreData);
  // The session starts once the answer is on its way; its welcome message follows.
  setTimeout(() => void start().catch((e: unknown) => gateway.log.warn(`starting the session of ${context.from.bare().toString()} failed`, e)), 0);
  return "You are registered";
}

/**
 * "List my groups": the user's groups as a table (room address and name).
 *
 * @category Commands
 */
export class ListGroupsCommand extends Command {
  readonly name = "List my groups";
  readonly node = "groups";
  readonly help = "List your groups and their addresses";
  override readonly chatCommand = "groups";

  /**
   * The table of the user's groups.
   *
   * @param context - the requester.
   */
  async run(context: CommandContext): Promise<CommandResponse> {
    const session = loggedIn(context);
    const rooms = session.bookmarks.rooms;
    return new CommandTable({
      description: rooms.length ? `Your groups (${rooms.length})` : "You are in no group",
      columns: [
        { var: "jid", label: "Address" },
        { var: "name", label: "Name" },
      ],
      rows: rooms.map((muc) => ({ jid: muc.jid.toString(), name: muc.name ?? "" })),
    });
  }
}

/**
 * "Leave a group": pick one of the user's groups; the module's
 * `onLeaveGroup` leaves it on the network, then the room is removed. Offered
 * when the module implements `onLeaveGroup`.
 *
 * @category Commands
 */
export class LeaveGroupCommand extends Command {
  readonly name = "Leave a group";
  readonly node = "leave-group";
  readonly help = "Leave one of your groups for good";

  /**
   * Offered to logged-in users when the module lets them leave groups.
   *
   * @param session - the requester's session.
   */
  override allows(session: BaseSession | undefined): boolean {
    return super.allows(session) && session?.supportsLeavingGroups === true;
  }

  /**
   * The form picking the group to leave.
   *
   * @param context - the requester.
   */
  async run(context: CommandContext): Promise<CommandResponse> {
    const session = loggedIn(context);
    const rooms = session.bookmarks.rooms;
    if (rooms.length === 0) return "You are in no group";
    return new CommandForm({
      title: "Leave a group",
      instructions: "Which group do you want to leave? You will not be able to come back unless someone adds you again.",
      fields: [{ var: "group", label: "Group", type: "list-single", required: true, options: rooms.map((m) => ({ value: m.legacyId, label: m.name ?? m.jid.toString() })) }],
      handler: async (values) => {
        const muc = session.bookmarks.rooms.find((m) => m.legacyId === values.group);
        if (!muc) throw new XMPPError("item-not-found", { text: "No such group" });
        await session.onLeaveGroup(muc.legacyId);
        await session.bookmarks.remove(muc, { kick: false, reason: "You left this group" });
        return `You left ${muc.name ?? muc.jid.toString()}`;
      },
    });
  }
}

/**
 * "Create a group": a name; the module's `onCreateGroup` creates it, and the
 * user gets an invitation to the new room. Offered when the module
 * implements `onCreateGroup`.
 *
 * @category Commands
 */
export class CreateGroupCommand extends Command {
  readonly name = "Create a group";
  readonly node = "create-group";
  readonly help = "Create a new group";

  /**
   * Offered to logged-in users when the module creates groups.
   *
   * @param session - the requester's session.
   */
  override allows(session: BaseSession | undefined): boolean {
    return super.allows(session) && session?.supportsGroupCreation === true;
  }

  /**
   * The form asking the new group's name.
   *
   * @param context - the requester.
   */
  async run(context: CommandContext): Promise<CommandResponse> {
    const session = loggedIn(context);
    return new CommandForm({
      title: "Create a group",
      fields: [{ var: "name", label: "Name of the group", required: true }],
      handler: async (values) => {
        const name = (values.name ?? "").trim();
        if (!name) throw new XMPPError("bad-request", { text: "The group needs a name" });
        const legacyId = await session.onCreateGroup(name, []);
        const muc = await session.bookmarks.byLegacyId(legacyId);
        await session.sendGatewayInvite(muc, { reason: "Your new group" });
        return `Created ${muc.name ?? name}: ${muc.jid.toString()}`;
      },
    });
  }
}

/**
 * "Search": the gateway's search form (`searchFields`), answered by the
 * session's `onSearch` as a table. As a chat command, `search <words>` when
 * the form has one field. Offered when the module implements `onSearch`.
 *
 * @category Commands
 */
export class SearchCommand extends Command {
  readonly name = "Search";
  readonly node = "search";
  readonly help = "Search the network's contacts";
  override readonly chatCommand = "search";

  /**
   * Offered to logged-in users when the module searches.
   *
   * @param session - the requester's session.
   */
  override allows(session: BaseSession | undefined): boolean {
    return super.allows(session) && session?.supportsSearch === true;
  }

  /**
   * The search form, or (a chat command's words, a one-field form) the results.
   *
   * @param context - the requester.
   * @param args - the words after `search`.
   */
  async run(context: CommandContext, args: readonly string[]): Promise<CommandResponse> {
    const session = loggedIn(context);
    const { gateway } = context;
    const search = async (values: Readonly<Record<string, string>>): Promise<CommandResponse> => {
      const result = await session.onSearch(declaredValues(gateway.searchFields, values));
      const items = result?.items ?? [];
      return new CommandTable({ description: items.length ? `${items.length} found` : "Nothing found", columns: result?.fields ?? [], rows: items });
    };
    const [only, ...more] = gateway.searchFields;
    if (args.length > 0 && only && more.length === 0) return search({ [only.var]: args.join(" ") });
    return new CommandForm({ title: gateway.searchTitle, ...(gateway.searchInstructions ? { instructions: gateway.searchInstructions } : {}), fields: gateway.searchFields, handler: search });
  }
}

/**
 * "Preferences": the gateway's `preferences` fields with the user's current
 * values; the session's `onPreferences(previous, next)` hears the change,
 * then it is saved. Offered when the module declares preferences.
 *
 * @category Commands
 */
export class PreferencesCommand extends Command {
  readonly name = "Preferences";
  readonly node = "preferences";
  readonly help = "Change your preferences for this gateway";

  /**
   * Offered to logged-in users when the module declares preferences.
   *
   * @param session - the requester's session.
   */
  override allows(session: BaseSession | undefined): boolean {
    return super.allows(session) && session !== undefined && session.gateway.preferences.length > 0;
  }

  /**
   * The form, filled with the current values.
   *
   * @param context - the requester.
   */
  async run(context: CommandContext): Promise<CommandResponse> {
    const session = loggedIn(context);
    const fields = session.gateway.preferences;
    const previous = session.preferences;
    return new CommandForm({
      title: "Preferences",
      fields: fields.map((f) => {
        const current = previous[f.var];
        return current === undefined ? f : { ...f, value: typeof current === "string" ? current : JSON.stringify(current) };
      }),
      handler: async (values) => {
        const next: Record<string, JsonValue> = { ...previous };
        for (const f of fields) if (values[f.var] !== undefined) next[f.var] = values[f.var] as string;
        await session.onPreferences(previous, next);
        session.gateway.savePreferences(session, next);
        return "Preferences saved";
      },
    });
  }
}

/**
 * "Re-login": log in to the network again now (after a dropped connection,
 * or to pick up changed credentials).
 *
 * @category Commands
 */
export class ReloginCommand extends Command {
  readonly name = "Re-login";
  readonly node = "re-login";
  readonly help = "Log in to the network again";
  override readonly chatCommand = "relogin";
  override readonly access = CommandAccess.USER;

  /**
   * Logs in again and says how it went.
   *
   * @param context - the requester.
   */
  async run(context: CommandContext): Promise<CommandResponse> {
    const session = context.session;
    if (!session) throw new XMPPError("registration-required", { text: "You are not registered" });
    const ok = await session.relogin();
    if (!ok) throw new XMPPError("remote-server-timeout", { text: "The network refused the login; see the gateway's status" });
    return "Logged in again";
  }
}

/**
 * "Unregister": asks for confirmation, then logs the session out and forgets
 * the user (as an XEP-0077 `<remove/>` to the gateway does).
 *
 * @category Commands
 */
export class UnregisterCommand extends Command {
  readonly name = "Unregister from the gateway";
  readonly node = "unregister";
  readonly help = "Unregister from this gateway and forget your data";
  override readonly access = CommandAccess.USER;

  /**
   * The confirmation question.
   *
   * @param context - the requester.
   */
  async run(context: CommandContext): Promise<CommandResponse> {
    const session = context.session;
    if (!session) throw new XMPPError("registration-required", { text: "You are not registered" });
    return new CommandConfirmation({
      prompt: "Unregister from this gateway? Your groups will disappear from your XMPP account.",
      handler: async () => {
        await session.gateway.unregisterUser(session);
        return "You are no longer registered with this gateway";
      },
    });
  }
}

/** The built-in commands, in the order they are listed (`BaseGateway.defaultCommands`). */
export const DEFAULT_COMMANDS: readonly CommandClass[] = Object.freeze([
  RegisterCommand,
  ListGroupsCommand,
  LeaveGroupCommand,
  CreateGroupCommand,
  SearchCommand,
  PreferencesCommand,
  ReloginCommand,
  UnregisterCommand,
]);
