/**
 * Registering with a gateway (an XMPP component bridging another network),
 * whichever way it takes registrations: its `register` ad-hoc command
 * (XEP-0050), which also carries multi-step registrations (a two-factor
 * code, a QR code to scan), or XEP-0077 in-band registration with one form.
 *
 * @module
 */
import type { JID } from "@xmpp/jid";
import { registerQuery } from "../xso/register.js";
import type { DataForm } from "../xso/data-form.js";
import { parseJid } from "../xso/values.js";
import { XMPPError } from "../xso/stanza-error.js";
import { MucStateError } from "../common/errors.js";
import { executeCommand, listCommands, valueFields, type CommandNote, type CommandStage, type CommandValues } from "./commands.js";
import { iqOptions, type AdminRequestOptions } from "./moderation.js";
import { serviceContext, type MucService } from "./service.js";

/**
 * One step of a gateway registration, as {@link registerWithGateway} hands it to the app.
 *
 * @category Ad-hoc commands
 */
export interface GatewayRegistrationStep {
  /** The step's form: its title, instructions and fields (a `fixed` field shows text, such as a QR code's). */
  readonly form: DataForm;
  /** The step's number, from 1. */
  readonly step: number;
  /** How the gateway is being registered with. */
  readonly via: "command" | "in-band";
  /** The gateway's notes with this step. */
  readonly notes: readonly CommandNote[];
}

/**
 * Options of {@link registerWithGateway}.
 *
 * @category Ad-hoc commands
 */
export interface GatewayRegistrationOptions extends AdminRequestOptions {
  /** `command` (the `register` ad-hoc command), `in-band` (XEP-0077), or `auto` (the command when the gateway offers it). @default "auto" */
  readonly via?: "auto" | "command" | "in-band";
  /** Milliseconds to wait for the answer to a later step, which may wait on the network (a QR code being scanned). @default 300000 */
  readonly stepTimeout?: number;
}

/**
 * What a finished registration says.
 *
 * @category Ad-hoc commands
 */
export interface GatewayRegistrationResult {
  /** How it was done. */
  readonly via: "command" | "in-band";
  /** The gateway's closing notes (command). */
  readonly notes: readonly CommandNote[];
}

/**
 * Register with a gateway: ask `fill` for the values of each form the gateway
 * shows (the credentials, then, for some networks, a code or a confirmation
 * that a QR code was scanned), until it is done. `fill` returning
 * `undefined` cancels.
 *
 * @param muc - the service whose connection asks.
 * @param gateway - the gateway's JID.
 * @param fill - the app's answer to each step (a UI, or fixed values).
 * @param options - `via`, `timeout` (each request), `stepTimeout` (the answers to later steps, which may wait for the network) and abort signal.
 * @returns how it was done, and the gateway's closing notes.
 * @throws Rejects with {@link XMPPError} as the gateway refuses (`not-authorized` for
 *   bad credentials or a wrong code, `not-acceptable` for a missing field,
 *   `conflict`…); {@link MucStateError} for an invalid JID or when the
 *   registration is cancelled.
 * @example
 * ```ts
 * await registerWithGateway(muc, "telegram.example.org", async ({ form, step }) =>
 *   step === 1 ? { phone: "+15550100" } : { code: await askTheUser("The code Telegram sent you") });
 * ```
 *
 * @category Ad-hoc commands
 */
export async function registerWithGateway(
  muc: MucService,
  gateway: JID | string,
  fill: (step: GatewayRegistrationStep) => Promise<CommandValues | undefined> | CommandValues | undefined,
  options: GatewayRegistrationOptions = {},
): Promise<GatewayRegistrationResult> {
  let to: JID;
  try {
    to = typeof gateway === "string" ? parseJid(gateway) : gateway;
  } catch (e) {
    throw new MucStateError(`not a valid JID: ${String(gateway)}`, { cause: e });
  }
  const via = options.via ?? "auto";
  const byCommand = via === "command" || (via === "auto" && (await offersRegisterCommand(muc, to, options)));
  return byCommand ? viaCommand(muc, to, fill, options) : inBand(muc, to, fill, options);
}

async function offersRegisterCommand(muc: MucService, to: JID, options: AdminRequestOptions): Promise<boolean> {
  try {
    return (await listCommands(muc, to, options)).some((c) => c.node === "register");
  } catch (e) {
    if (e instanceof XMPPError) return false; // no commands: XEP-0077
    throw e;
  }
}

async function viaCommand(
  muc: MucService,
  to: JID,
  fill: (step: GatewayRegistrationStep) => Promise<CommandValues | undefined> | CommandValues | undefined,
  options: GatewayRegistrationOptions,
): Promise<GatewayRegistrationResult> {
  let stage = await executeCommand(muc, to, "register", options);
  const later: AdminRequestOptions = { timeout: options.stepTimeout ?? 300_000, ...(options.signal ? { signal: options.signal } : {}) };
  for (let step = 1; stage.status === "executing"; step++) {
    const form = stage.form ?? { type: "form" as const, instructions: [], fields: [], items: [] };
    const values = await fill({ form, step, via: "command", notes: stage.notes });
    if (values === undefined) {
      await stage.cancel(options).catch(() => undefined);
      throw new MucStateError("the registration was cancelled");
    }
    // The first step's answer comes after validate; a later one may wait for the network (a code, a QR scan).
    const wait = step === 1 ? options : later;
    stage = forwardAction(stage) === "complete" ? await stage.complete(values, wait) : await stage.next(values, wait);
  }
  if (stage.status === "canceled") throw new MucStateError("the gateway cancelled the registration");
  return { via: "command", notes: stage.notes };
}

/**
 * How to answer a stage: the action the gateway names as its default
 * (XEP-0050 §3.4, `execute`), when it offers it and it goes forward; else
 * `complete` where offered, else `next`. A stage offering both `next` and
 * `complete` thus goes on to the gateway's next step when it says so,
 * rather than ending the registration there.
 */
function forwardAction(stage: CommandStage): "next" | "complete" {
  const preferred = stage.defaultAction;
  if (preferred !== "prev" && stage.actions.includes(preferred)) return preferred;
  return stage.actions.includes("complete") ? "complete" : "next";
}

async function inBand(
  muc: MucService,
  to: JID,
  fill: (step: GatewayRegistrationStep) => Promise<CommandValues | undefined> | CommandValues | undefined,
  options: AdminRequestOptions,
): Promise<GatewayRegistrationResult> {
  const { iq } = serviceContext(muc);
  const answer = await iq.request("get", to, registerQuery.encode({}), iqOptions(options));
  const query = answer.getChild("query", "jabber:iq:register");
  let form: DataForm = { type: "form", instructions: [], fields: [], items: [] };
  if (query) {
    try {
      const decoded = registerQuery.decode(query);
      form = decoded.form ?? { ...form, instructions: decoded.instructions ? [decoded.instructions] : [] };
    } catch (e) {
      throw new XMPPError("bad-request", { text: `malformed registration form: ${e instanceof Error ? e.message : String(e)}` });
    }
  }
  const values = await fill({ form, step: 1, via: "in-band", notes: [] });
  if (values === undefined) throw new MucStateError("the registration was cancelled");
  const fields = [
    ...form.fields.filter((f) => f.var === "FORM_TYPE").map((f) => ({ var: "FORM_TYPE", type: "hidden" as const, values: f.values })),
    ...valueFields(values),
  ];
  await iq.request("set", to, registerQuery.encode({ form: { type: "submit", fields } }), iqOptions(options));
  return { via: "in-band", notes: [] };
}
