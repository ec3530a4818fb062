/**
 * Registration in steps (slidge's `RegistrationType`): a user's registration
 * while it is under way ({@link PendingRegistration}), the QR code a network
 * shows for its app to scan, and the wait for the network to confirm that
 * scan (`BaseGateway.confirmQr`).
 *
 * @module
 */
import qrcode from "qrcode-generator";
import type { JID } from "@xmpp/jid";
import { XMPPError } from "../xso/stanza-error.js";
import type { JsonValue } from "./store/store.js";
import { startTimeout } from "../common/timers.js";

/**
 * How users register (slidge's `RegistrationType`):
 *
 * - `single-step-form`: one form; `validate` logs in (XEP-0077 or the register command);
 * - `two-factor-code`: the form, then a code the network sent the user
 *   (`validateTwoFactorCode`), through the register command;
 * - `qr-code`: the form, then a QR code to scan with the network's app
 *   (`getQrText`; the module calls `confirmQr` once the network confirms),
 *   through the register command.
 *
 * @category Gateway & sessions
 */
export type RegistrationType = "single-step-form" | "two-factor-code" | "qr-code";

/**
 * A registration under way (slidge's `GatewayUser` before it is saved): who,
 * what they filled in, and what `validate` returned.
 *
 * @category Gateway & sessions
 */
export interface PendingRegistration {
  /** The user's bare JID. */
  readonly jid: JID;
  /** The registration form's values, by field var. */
  readonly registrationForm: Readonly<Record<string, string>>;
  /** What `validate` returned (or the form's values): the legacy data saved at the end. */
  readonly legacyData: { readonly [key: string]: JsonValue };
}

/** What the network said about a QR scan. */
type QrOutcome = { readonly ok: true; readonly legacyData: { readonly [key: string]: JsonValue } | undefined } | { readonly ok: false; readonly error: XMPPError };

/**
 * The QR scans awaited, by bare JID: the network's confirmation may come
 * before or after the user says they scanned.
 */
export class QrConfirmations {
  readonly #outcomes = new Map<string, QrOutcome>();
  readonly #waiters = new Map<string, (outcome: QrOutcome) => void>();

  /** A new QR code was shown to `jid`: forget any earlier outcome. */
  reset(jid: string): void {
    this.#outcomes.delete(jid);
  }

  /**
   * The network confirmed (or refused) `jid`'s scan.
   *
   * @returns whether a registration of `jid` was waiting for it or may still ask.
   */
  settle(jid: string, outcome: QrOutcome): void {
    const waiter = this.#waiters.get(jid);
    if (waiter) {
      this.#waiters.delete(jid);
      waiter(outcome);
    } else {
      this.#outcomes.set(jid, outcome);
    }
  }

  /** Fail every wait with `error` (the gateway stops). */
  cancelAll(error: XMPPError): void {
    for (const [jid, waiter] of [...this.#waiters]) {
      this.#waiters.delete(jid);
      waiter({ ok: false, error });
    }
  }

  /**
   * Wait for the outcome of `jid`'s scan. A second wait for the same user
   * (a registration started again from another resource) replaces the
   * first, which fails at once with `conflict`: the network's word goes to
   * the newest.
   *
   * @returns the legacy data the network added.
   * @throws the network's refusal; `XMPPError` `not-authorized` when nothing comes within `timeoutMs`; `conflict` when a newer wait replaced this one.
   */
  async wait(jid: string, timeoutMs: number): Promise<{ readonly [key: string]: JsonValue } | undefined> {
    const known = this.#outcomes.get(jid);
    this.#outcomes.delete(jid);
    const outcome = known ?? (await this.#waitFor(jid, timeoutMs));
    if (!outcome.ok) throw outcome.error;
    return outcome.legacyData;
  }

  /** The outcome of `jid`'s scan once the network tells, or the timeout's. */
  #waitFor(jid: string, timeoutMs: number): Promise<QrOutcome> {
    this.#waiters.get(jid)?.({ ok: false, error: new XMPPError("conflict", { text: "The registration was started again; use the newest QR code" }) });
    return new Promise<QrOutcome>((resolve) => {
      const waiter = (outcome: QrOutcome): void => {
        clearTimeout(timer);
        // Only this wait's own entry goes: a stale timer must not drop a newer wait.
        if (this.#waiters.get(jid) === waiter) this.#waiters.delete(jid);
        resolve(outcome);
      };
      const timer = startTimeout(() => waiter({ ok: false, error: new XMPPError("not-authorized", { text: "The QR code was not scanned in time; register again for a new one" }) }), timeoutMs);
      (timer as { unref?: () => unknown } | undefined)?.unref?.();
      this.#waiters.set(jid, waiter);
    });
  }
}

/**
 * A QR code of `text` as a GIF image.
 *
 * @param text - what the code says.
 * @returns the image's bytes and its `data:` URL.
 */
export function qrImage(text: string): { readonly bytes: Uint8Array; readonly dataUrl: string } {
  const qr = qrcode(0, "M");
  qr.addData(text, "Byte");
  qr.make();
  const dataUrl = qr.createDataURL(6, 4);
  const base64 = dataUrl.slice(dataUrl.indexOf(",") + 1);
  return { bytes: Uint8Array.from(Buffer.from(base64, "base64")), dataUrl };
}
