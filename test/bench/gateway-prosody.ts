/**
 * Helpers of the gateway benchmark (`gateway.ts`) for talking to the
 * throwaway Prosody:
 *
 * - {@link writeAccounts}: many accounts at once, written straight into
 *   Prosody's `internal` storage (`prosodyctl register` costs ~40 ms each);
 * - {@link RawSession}: a minimal c2s session on a bare socket (stream,
 *   SASL PLAIN, bind; no stream management, no XML parser) that joins a MUC
 *   room and then only drains what the room sends. It fills a Prosody room
 *   with real occupants without paying for 1,000 full clients on the Node
 *   side, and without Prosody's XEP-0198 bookkeeping for each of them;
 * - {@link registerWithGateway}: the XEP-0077 registration the gateway asks for.
 */
import { writeFile } from "node:fs/promises";
import { createConnection, type Socket } from "node:net";
import { join } from "node:path";
import { xml, type Client } from "@xmpp/client";
import type { ProsodyServer } from "../../src/testing/prosody.js";
import { withTimeout } from "../helpers/prosody-clients.js";

/**
 * Create accounts by writing Prosody's `internal` account files
 * (`data/<host>/accounts/<user>.dat`, password in plain text as
 * `internal_plain` keeps it). Prosody reads them at login; names must be
 * `[a-z0-9]` only (anything else is %-encoded in file names).
 */
export async function writeAccounts(server: ProsodyServer, usernames: readonly string[], password: string): Promise<void> {
  // The directory exists once one account was made the ordinary way.
  const dir = join(server.dir, "data", server.domain, "accounts");
  for (const name of usernames) {
    if (!/^[a-z0-9]+$/.test(name)) throw new Error(`writeAccounts: ${JSON.stringify(name)} is not [a-z0-9]+`);
  }
  const body = `return {\n\t["password"] = ${JSON.stringify(password)};\n};\n`;
  for (let i = 0; i < usernames.length; i += 200) {
    await Promise.all(usernames.slice(i, i + 200).map((name) => writeFile(join(dir, `${name}.dat`), body)));
  }
}

interface Waiter {
  readonly pattern: RegExp;
  readonly resolve: () => void;
  readonly reject: (e: Error) => void;
}

/**
 * A bare c2s session: just enough XMPP to log in and join a room. Text is
 * matched with regular expressions on the raw stream (Prosody's serialisation
 * is predictable), and dropped unread once nobody waits for anything.
 */
export class RawSession {
  /** Bytes received since the session was opened. */
  bytes = 0;
  readonly #socket: Socket;
  #buffer = "";
  #waiter: Waiter | undefined;
  /** What had arrived when the last wait matched. */
  #matched = "";
  #closed = false;

  private constructor(socket: Socket) {
    this.#socket = socket;
    socket.setEncoding("utf8");
    socket.on("data", (chunk: string) => this.#onData(chunk));
    socket.on("error", () => {});
    socket.on("close", () => {
      this.#closed = true;
      this.#waiter?.reject(new Error("RawSession: the connection closed"));
      this.#waiter = undefined;
    });
  }

  /** Connect, authenticate with PLAIN and bind `resource`. */
  static async open(server: ProsodyServer, username: string, password: string, resource = "bench", timeoutMs = 20_000): Promise<RawSession> {
    const socket = createConnection({ host: "127.0.0.1", port: server.c2sPort });
    const session = new RawSession(socket);
    try {
      await withTimeout(
        new Promise<void>((resolve, reject) => {
          socket.once("connect", resolve);
          socket.once("error", reject);
        }),
        timeoutMs,
        `${username} connecting`,
      );
      const header = `<?xml version='1.0'?><stream:stream to='${server.domain}' xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' version='1.0'>`;
      const features = session.expect(/<\/stream:features>/, timeoutMs);
      socket.write(header);
      await features;
      const success = session.expect(/<success\b|<failure\b/, timeoutMs, /<success\b/);
      const plain = Buffer.from(`\0${username}\0${password}`, "utf8").toString("base64");
      socket.write(`<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>${plain}</auth>`);
      await success;
      const restarted = session.expect(/<\/stream:features>/, timeoutMs);
      socket.write(header);
      await restarted;
      const bound = session.expect(/<\/iq>|<iq[^>]*\/>/, timeoutMs, /type=['"]result['"]/);
      socket.write(`<iq type='set' id='bind'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><resource>${resource}</resource></bind></iq>`);
      await bound;
      return session;
    } catch (e) {
      session.close();
      throw e;
    }
  }

  /**
   * Resolves once the stream shows `pattern` (searched in what arrives from
   * now on); rejects after `timeoutMs`, or when the match does not also
   * satisfy `mustMatch`.
   */
  expect(pattern: RegExp, timeoutMs: number, mustMatch?: RegExp): Promise<void> {
    if (this.#waiter) throw new Error("RawSession: already waiting");
    if (this.#closed) return Promise.reject(new Error("RawSession: the connection is closed"));
    this.#buffer = "";
    const waiting = new Promise<void>((resolve, reject) => {
      this.#waiter = { pattern, resolve, reject };
    }).then(() => {
      if (mustMatch && !mustMatch.test(this.#matched)) throw new Error(`RawSession: unexpected answer ${this.#matched.slice(0, 300)}`);
    });
    return withTimeout(waiting, timeoutMs, `waiting for ${String(pattern)}`).finally(() => {
      this.#waiter = undefined;
    });
  }

  /** Join the room as `occupantJid` (room/nick) without history; resolves on the self-presence (status 110). */
  async join(occupantJid: string, timeoutMs = 60_000): Promise<void> {
    const self = this.expect(/code=['"]110['"]/, timeoutMs);
    this.#socket.write(
      `<presence to='${occupantJid}'><x xmlns='http://jabber.org/protocol/muc'><history maxstanzas='0'/></x></presence>`,
    );
    await self;
  }

  /** Send raw text. */
  write(text: string): void {
    this.#socket.write(text);
  }

  /** Drop the connection. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#socket.destroy();
  }

  #onData(chunk: string): void {
    this.bytes += chunk.length;
    const waiter = this.#waiter;
    if (!waiter) return;
    this.#buffer += chunk;
    const m = waiter.pattern.exec(this.#buffer);
    if (!m) return;
    this.#matched = this.#buffer;
    this.#buffer = "";
    this.#waiter = undefined;
    waiter.resolve();
  }
}

/** XEP-0077 registration with the gateway's data form, as the integration test does it. */
export async function registerWithGateway(client: Client, gateway: string, username: string, password: string): Promise<void> {
  const form = xml(
    "x",
    { xmlns: "jabber:x:data", type: "submit" },
    xml("field", { var: "FORM_TYPE", type: "hidden" }, xml("value", {}, "jabber:iq:register")),
    xml("field", { var: "username" }, xml("value", {}, username)),
    xml("field", { var: "password" }, xml("value", {}, password)),
  );
  await withTimeout(
    client.iqCaller.request(xml("iq", { type: "set", to: gateway }, xml("query", { xmlns: "jabber:iq:register" }, form))),
    20_000,
    "registration with the gateway",
  );
}
