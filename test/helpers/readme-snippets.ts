/**
 * The README's "Write a gateway in ten minutes", shared by the tests that run
 * it against each server: its snippets taken from the README text at test
 * time, the `xmpp-muc-gateway` command running its echo module, and a client
 * going through the guide's step 4 (register with the README's own IQ, join
 * the echo room, get "hello? hello!" back as a reply).
 */
import { expect } from "vitest";
import { spawn, type ChildProcess } from "node:child_process";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { xml, type Client } from "@xmpp/client";
import type { Element } from "@xmpp/xml";
import { MucService, isXMPPError, messageRefs, type MessageEvent, type Room } from "../../src/index.js";
import { withTimeout } from "./prosody-clients.js";

/** The repository's root. */
export const ROOT = join(import.meta.dirname, "..", "..");

/** The gateway's address in the README's snippets. */
export const README_GATEWAY = "echo.example.org";
/** The component secret in the README's snippets. */
export const README_SECRET = "change-me";

/** The README's text. */
export function readReadme(): Promise<string> {
  return readFile(join(ROOT, "README.md"), "utf8");
}

/** The ```ts block of the README that starts with `// echo.ts`. */
export function echoModule(readme: string): string {
  const match = /```ts\n(\/\/ echo\.ts\n[\s\S]*?)```/.exec(readme);
  if (!match?.[1]) throw new Error("README: no ```ts block starting with // echo.ts");
  return match[1];
}

/**
 * Writes the README's echo module into `dir` as `echo.ts`, its package import
 * pointed at this checkout's source; returns the file's path.
 */
export async function writeEchoModule(readme: string, dir: string): Promise<string> {
  const source = echoModule(readme);
  expect(source).toContain('from "xmpp-muc-sdk/gateway"');
  const path = join(dir, "echo.ts");
  await writeFile(path, source.replace('"xmpp-muc-sdk/gateway"', JSON.stringify(join(ROOT, "src", "gateway", "index.ts"))));
  return path;
}

/** The number of matches of `pattern` in `text`. */
function count(text: string, pattern: RegExp): number {
  return [...text.matchAll(new RegExp(pattern.source, "g"))].length;
}

/**
 * The ```yaml block that follows "ejabberd (`/etc/ejabberd/ejabberd.yml`)" in
 * the README: a top-level `listen:` declaring the gateway's component
 * (`ejabberd_service`). Only its port, the component's domain and its
 * password are replaced, with `port`, `domain` and `secret`.
 */
export function ejabberdListenSnippet(readme: string, to: { port: number; domain: string; secret: string }): string {
  const match = /ejabberd \(`\/etc\/ejabberd\/ejabberd\.yml`\)[^\n]*\n\s*```yaml\n([\s\S]*?)```/.exec(readme);
  if (!match?.[1]) throw new Error("README: no ```yaml block after \"ejabberd (`/etc/ejabberd/ejabberd.yml`)\"");
  const readmeSnippet = match[1];
  if (!readmeSnippet.startsWith("listen:\n")) throw new Error(`README's ejabberd snippet does not start with "listen:":\n${readmeSnippet}`);
  const substitutions: [what: string, pattern: RegExp, replacement: string][] = [
    ["port", /\bport: \d+\b/, `port: ${to.port}`],
    ["component domain", new RegExp(`"${README_GATEWAY.replaceAll(".", "\\.")}":`), `${JSON.stringify(to.domain)}:`],
    ["password", new RegExp(`\\bpassword: "${README_SECRET}"`), `password: ${JSON.stringify(to.secret)}`],
  ];
  let snippet = readmeSnippet;
  for (const [what, pattern, replacement] of substitutions) {
    const n = count(readmeSnippet, pattern);
    if (n !== 1) throw new Error(`README's ejabberd snippet: expected one ${what} matching ${String(pattern)}, found ${n}:\n${readmeSnippet}`);
    snippet = snippet.replace(pattern, () => replacement);
  }
  return snippet;
}

/** The `xmpp-muc-gateway` command, running. */
export interface GatewayCommand {
  readonly child: ChildProcess;
  /** Its stdout and stderr so far. */
  output(): string;
  /** Kills it (SIGKILL) unless it has exited. */
  kill(): void;
}

/**
 * Runs the command as the README does (`--module --jid --secret --server
 * --db`; only the server's address is the test's) and waits until it prints
 * that the gateway connected.
 */
export async function runGatewayCommand(options: { modulePath: string; jid: string; secret: string; server: string; db: string; timeoutMs?: number }): Promise<GatewayCommand> {
  const child = spawn(
    process.execPath,
    ["--import", "tsx", "src/gateway/cli.ts", "--module", options.modulePath, "--jid", options.jid, "--secret", options.secret, "--server", options.server, "--db", options.db],
    { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] },
  );
  let output = "";
  child.stdout?.on("data", (c: Buffer) => (output += c.toString()));
  child.stderr?.on("data", (c: Buffer) => (output += c.toString()));
  const command: GatewayCommand = {
    child,
    output: () => output,
    kill: () => {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    },
  };
  try {
    await withTimeout(
      (async () => {
        while (!output.includes(`gateway ${options.jid} connected`)) {
          if (child.exitCode !== null || child.signalCode !== null) throw new Error(`the gateway exited: ${output}`);
          await new Promise((r) => setTimeout(r, 50));
        }
      })(),
      options.timeoutMs ?? 20_000,
      "the gateway connecting",
    );
  } catch (e) {
    command.kill();
    throw e instanceof Error && !e.message.startsWith("the gateway exited") ? new Error(`${e.message}\n${output}`) : e;
  }
  return command;
}

/**
 * Step 4 of the guide for a connected, authenticated client: registers with
 * the README's IQ (no form, no password) and gets the welcome; finds the echo
 * room in disco#items; joins it as `nick`; says "hello" and gets "hello?
 * hello!" from Echo as a reply to its message.
 */
export async function expectEchoGuide(xmpp: Client, gateway: string, nick: string): Promise<void> {
  const welcome = new Promise<string>((resolve) => {
    xmpp.on("stanza", (el: Element) => {
      if (el.name === "message" && el.attrs.from === gateway) resolve(el.getChildText("body") ?? "");
    });
  });
  await xmpp.send(xml("presence")); // available, as a chat client is: messages to the bare JID reach it
  // The README's registration, verbatim but for the gateway's address.
  await xmpp.iqCaller.set(xml("query", { xmlns: "jabber:iq:register" }), gateway);
  expect(await withTimeout(welcome, 10_000, "the welcome message")).toMatch(/Thank you for registering/);

  // The room the module's Bookmarks.fill listed.
  const items = await xmpp.iqCaller.get(xml("query", { xmlns: "http://jabber.org/protocol/disco#items" }), gateway);
  const rooms = (items as Element | undefined)?.getChildren("item").map((i: Element) => [i.attrs.jid as string, i.attrs.name as string | undefined]);
  expect(rooms).toEqual([[`chamber@${gateway}`, "Echo chamber"]]);

  const muc = new MucService(xmpp);
  const { room, joined } = muc.join(`chamber@${gateway}`, nick);
  await withTimeout(joined, 10_000, "joining the echo room").catch((e: unknown) => {
    throw isXMPPError(e) ? new Error(`join refused: ${e.condition} ${e.text ?? ""}`) : e;
  });
  expect(room.getOccupant("Echo")).toBeDefined();

  const echoed = nextFrom(room, "Echo");
  const tracker = room.sendTrackedMessage("hello");
  const mine = await withTimeout(nextOwn(room), 10_000, "our message reflected");
  const echo = await withTimeout(echoed, 10_000, "the echo");
  expect(echo.body).toBe("hello? hello!");
  expect(messageRefs(echo).reply?.id).toBe(mine.stanzaId);
  expect(await tracker.done).toBe("delivered-to-recipient");
}

function nextFrom(room: Room, nick: string): Promise<MessageEvent> {
  return new Promise((resolve) => room.on("message", (m) => void (m.nick === nick && resolve(m))));
}

function nextOwn(room: Room): Promise<MessageEvent> {
  return new Promise((resolve) => room.on("message", (m) => void (m.own && resolve(m))));
}
