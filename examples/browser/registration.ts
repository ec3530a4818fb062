/// <reference lib="dom" />
/**
 * Registering with the gateway, step by step (`registerWithGateway`: its
 * register command when it has one, else XEP-0077): each step's form on the
 * main pane (forms.ts), a QR code the gateway sends as an image (XEP-0066)
 * to scan with the network's app, and why a try failed, in plain words.
 *
 * @module
 */
import type { Element as XmlElement } from "@xmpp/xml";
import { type CommandValues, type GatewayRegistrationStep, registerWithGateway } from "../../src/index.js";
import { h } from "./dom.js";
import { clearError, registerErrorText } from "./errors.js";
import { type FormFieldsView, formFieldsView, notesView, safeImageUrl } from "./forms.js";
import { resetCommands } from "./commands.js";
import { session } from "./state.js";
import { redraw } from "./redraw.js";
import { listInto } from "./room-list.js";
import { topBar } from "./pane-header.js";

/** A registration with the gateway under way (`registerWithGateway`), step by step. */
interface Registration {
  /** The step on screen (`undefined` while the gateway is asked for the first). */
  step: GatewayRegistrationStep | undefined;
  /** What the step is: a form to fill in, a QR code to scan (submitted at once: the gateway answers once it was scanned), or text to read. */
  kind: "form" | "qr" | "info";
  /** The QR code's text (a QR step). */
  qrText: string | undefined;
  /** Answers the step (`undefined`: cancel), while it waits for the user. */
  answer: ((values: CommandValues | undefined) => void) | undefined;
  /** A request is under way. */
  busy: boolean;
  /** Why the last try failed, in plain words. */
  error: string | undefined;
  /** What was typed in the first step (kept after a failure, and given again when a later step failed). */
  typed: Record<string, string>;
  /** The step's form on the page, kept across renders (with what is typed in it), and its parts that change. */
  card: { readonly step: GatewayRegistrationStep | undefined; readonly el: HTMLElement; readonly sync: () => void } | undefined;
}

/** The registration under way, if any. */
let registration: Registration | undefined;
/** The QR images the gateway sent us (XEP-0066 out-of-band messages), by the QR code's text. */
const gatewayQrImages = new Map<string, string>();
/** Someone waiting for a QR image of one of these texts. */
let qrWaiter: { readonly texts: readonly string[]; readonly done: (text: string) => void } | undefined;

/** Whether a registration is under way. */
export function registering(): boolean {
  return registration !== undefined;
}

/** Forget the registration and the QR images (a new login). */
export function forgetRegistration(): void {
  registration = undefined;
  gatewayQrImages.clear();
}

/**
 * Register with the gateway, step by step (`registerWithGateway`: its
 * register command when it has one, else XEP-0077): each step's form is
 * shown (registerPane) and answered when the user submits it; a QR step is
 * answered at once (the gateway answers once the network's app scanned the
 * code). A failure starts over, keeping what was typed and saying why; when
 * a code was refused, the details go again by themselves and the code is
 * asked for again.
 */
export function startRegistration(again?: { readonly error: string; readonly typed: Record<string, string>; readonly auto: boolean }): void {
  const gw = session.config.gatewayDomain;
  const muc = session.muc;
  if (!gw || !muc) return;
  const reg: Registration = { step: undefined, kind: "form", qrText: undefined, answer: undefined, busy: true, error: again?.error, typed: { ...(again?.typed ?? {}) }, card: undefined };
  registration = reg;
  const fill = async (step: GatewayRegistrationStep): Promise<CommandValues | undefined> => {
    if (registration !== reg) return undefined;
    reg.step = step;
    reg.card = undefined;
    reg.qrText = undefined;
    if (step.step === 1 && again?.auto) {
      redraw.page();
      return { ...again.typed };
    }
    const fillable = step.form.fields.filter((f) => f.var !== undefined && f.var !== "FORM_TYPE" && f.type !== "fixed" && f.type !== "hidden");
    reg.kind = "form";
    if (fillable.length === 0 && step.step > 1) {
      // Nothing to fill in: a QR code (the gateway sent its image in a message) or text to read.
      const texts = step.form.fields.filter((f) => f.type === "fixed").map((f) => f.values.join("\n")).filter((t) => t !== "");
      const qr = await qrImageFor(texts, 3_000);
      if (registration !== reg) return undefined;
      if (qr !== undefined) {
        reg.kind = "qr";
        reg.qrText = qr;
        redraw.page();
        return {};
      }
      reg.kind = "info";
    }
    reg.busy = false;
    redraw.page();
    return new Promise((resolve) => {
      reg.answer = (values) => {
        reg.answer = undefined;
        if (values !== undefined) {
          reg.busy = true;
          reg.error = undefined;
        }
        reg.card?.sync();
        resolve(values);
      };
    });
  };
  // A QR step waits for the scan: the requests may take a while.
  registerWithGateway(muc, gw, fill, { timeout: 120_000 }).then(
    () => {
      if (registration === reg) {
        registration = undefined;
        if (session.pane.kind === "register") session.pane = { kind: "empty" };
      }
      void registered(gw);
    },
    (e: unknown) => {
      if (registration !== reg) return; // cancelled, or started over
      console.warn(`could not register with ${gw}`, e);
      const failed = reg.step?.step ?? 1;
      const kind = failed > 1 ? (reg.kind === "qr" ? "qr" : "code") : "form";
      startRegistration({ error: registerErrorText(e, kind), typed: reg.typed, auto: kind === "code" });
      redraw.page();
    },
  );
}

/** Leave the registration (its step waiting for us is cancelled at the gateway). */
function cancelRegistration(): void {
  const reg = registration;
  registration = undefined;
  reg?.answer?.(undefined);
  session.pane = { kind: "empty" };
  redraw.page();
}

/** The text of a QR code the gateway sent an image of, among `texts`; waits up to `ms` for its message. */
function qrImageFor(texts: readonly string[], ms: number): Promise<string | undefined> {
  const known = texts.find((t) => gatewayQrImages.has(t));
  if (known !== undefined || texts.length === 0) return Promise.resolve(known);
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      qrWaiter = undefined;
      resolve(undefined);
    }, ms);
    qrWaiter = {
      texts,
      done: (text) => {
        clearTimeout(timer);
        qrWaiter = undefined;
        resolve(text);
      },
    };
  });
}

/** A message from the gateway with an out-of-band image (XEP-0066): a QR code to scan, its text in the body. */
export function onGatewayMessage(el: XmlElement): void {
  const gw = session.config.gatewayDomain;
  if (!gw || el.name !== "message" || el.attrs.type === "error") return;
  const from = typeof el.attrs.from === "string" ? el.attrs.from.split("/")[0] : undefined;
  const url = el.getChild("x", "jabber:x:oob")?.getChildText("url");
  if (from !== gw || !url) return;
  const text = el.getChildText("body") ?? "";
  if (gatewayQrImages.size > 20) gatewayQrImages.clear();
  gatewayQrImages.set(text, url.trim());
  if (qrWaiter?.texts.includes(text)) qrWaiter.done(text);
  if (registration?.qrText === text) {
    registration.card = undefined;
    redraw.page();
  }
}

/** We are registered: the gateway's rooms, and its commands for registered users. */
async function registered(gw: string): Promise<void> {
  session.gateway = { ...(session.gateway ?? { name: undefined, instructions: undefined, fields: [], error: undefined }), state: "registered" };
  resetCommands();
  redraw.page();
  // The gateway answers the registration before its session has logged in
  // and listed the groups: poll disco#items for a moment.
  for (let i = 0; i < 10; i++) {
    await listInto("gateway", gw);
    if ([...session.rooms.values()].some((v) => v.source === "gateway" && v.listed)) return;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

export function registerPane(): HTMLElement {
  const gw = session.gateway;
  const name = gw?.name ?? session.config.gatewayDomain ?? "the gateway";
  const reg = registration;
  const body = reg
    ? registrationCard(reg, name)
    : h(
        "div",
        { class: "card register" },
        h("h2", {}, `Register with ${name}`),
        h("button", { class: "btn btn--primary", type: "button", testid: "register-start", onclick: () => (startRegistration(), redraw.page()) }, "Start"),
      );
  return h("div", { class: "preview-wrap" }, topBar(`Register with ${name}`, session.config.gatewayDomain ?? ""), h("div", { class: "pane-scroll" }, body));
}

/** The step of the registration on screen: built once per step (what is typed stays), its error and busy state kept in sync. */
function registrationCard(reg: Registration, name: string): HTMLElement {
  if (reg.card && reg.card.step === reg.step) {
    reg.card.sync();
    return reg.card.el;
  }
  const step = reg.step;
  const form = step?.form;
  const fields: FormFieldsView | undefined = form && reg.kind !== "qr" ? formFieldsView(form, "register", step.step === 1 ? reg.typed : {}) : undefined;
  // Why the registration failed, in the form, above its buttons.
  const error = h("p", { class: "form-error", testid: "register-error", role: "alert", hidden: true });
  const waitingText = h("span", {});
  const waiting = h("p", { class: "muted register-waiting", testid: "register-waiting", role: "status", hidden: true }, h("span", { class: "spinner spinner--small", "aria-hidden": "true" }), " ", waitingText);
  const label = !step || step.step === 1 ? "Register" : "Continue";
  const submit = h("button", { class: "btn btn--primary", type: "submit", testid: "register-submit", hidden: !step || reg.kind === "qr" }, label);
  const qrUrl = reg.kind === "qr" ? safeImageUrl(gatewayQrImages.get(reg.qrText ?? "")) : undefined;
  const qr =
    reg.kind === "qr"
      ? h(
          "figure",
          { class: "register-qr", testid: "register-qr" },
          qrUrl
            ? h("img", { src: qrUrl, alt: "QR code to scan with the network's app", testid: "register-qr-image", width: 240, height: 240 })
            : h("p", { class: "muted" }, "This page cannot show the image the gateway sent; the code's text is below."),
          h("figcaption", {}, h("code", { testid: "register-qr-text" }, reg.qrText ?? "")),
        )
      : null;
  const instructions =
    reg.kind === "qr" ? ["Scan this QR code with the network's app. Registering goes on by itself once the network says it was scanned."] : (form?.instructions.length ? form.instructions : step?.step === 1 && session.gateway?.instructions ? [session.gateway.instructions] : []);
  const el = h(
    "form",
    {
      class: "card register",
      testid: "register-form",
      "data-step": String(step?.step ?? 0),
      "data-kind": reg.kind,
      onsubmit: (ev: Event) => {
        ev.preventDefault();
        if (reg.busy || !reg.answer) return;
        if (step?.step === 1 && fields) reg.typed = fields.typed();
        clearError();
        reg.answer(fields?.values() ?? {});
      },
    },
    h("h2", {}, form?.title ?? `Register with ${name}`),
    ...instructions.map((text) => h("p", { class: "muted" }, text)),
    step ? notesView(step.notes, "register") : null,
    fields?.el ?? null,
    qr,
    waiting,
    error,
    h(
      "div",
      { class: "modal__actions" },
      h("button", { class: "btn btn--ghost", type: "button", testid: "register-cancel", onclick: cancelRegistration }, "Cancel"),
      submit,
    ),
  );
  const sync = (): void => {
    error.hidden = reg.error === undefined;
    error.textContent = reg.error ?? "";
    waiting.hidden = !reg.busy;
    waitingText.textContent = reg.kind === "qr" ? "Waiting for the scan…" : step ? "Registering…" : "Asking the gateway…";
    submit.disabled = reg.busy;
    submit.textContent = reg.busy && step ? "Registering…" : label;
  };
  sync();
  reg.card = { step, el, sync };
  return el;
}
