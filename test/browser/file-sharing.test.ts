/**
 * File sharing in the web client of examples/browser, driven in headless
 * Chromium against a real Prosody with its own XEP-0363 upload service
 * (mod_http_file_share, as a component, served on Prosody's loopback HTTP
 * port as the demo does): one page (alice) and one Node client (dave, this
 * SDK's MucService) in a room of Prosody's MUC service.
 *
 * The page uploads from another origin (the example's web server) than the
 * files' (Prosody's HTTP port): the PUT goes through the browser's CORS
 * preflight, which mod_http_file_share answers itself. The upload service
 * takes files up to {@link SIZE_LIMIT} bytes, so that a bigger one is refused.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { deflateSync } from "node:zlib";
import type { Page, Route } from "playwright-core";

import { createRoom, type Room, type RoomEvents } from "../../src/index.js";
import { nextRoomEvent, withTimeout } from "../helpers/prosody-clients.js";
import { OUTPUT_DIR, WAIT, WebClientStack, joinFromPage, loginPage, pageText } from "./helpers.js";

/** The next room event that `predicate` accepts (see `nextRoomEvent`). */
const next = nextRoomEvent;

/** The upload service's limit: the biggest file it takes. */
const SIZE_LIMIT = 64 * 1024;

const ALICE = { username: "alice", password: "alice-pw", nick: "alice" };
const DAVE = { username: "dave", password: "dave-pw", nick: "dave" };

const stack = new WebClientStack({
  passwords: { [ALICE.username]: ALICE.password, [DAVE.username]: DAVE.password },
  // As scripts/demo.ts does (see UPLOAD_COMPONENT there), with a small limit.
  prosodyConfig: {
    component: `
Component "upload.localhost" "http_file_share"
  http_host = "127.0.0.1"
  http_file_share_size_limit = ${SIZE_LIMIT}
`,
  },
  nodeClient: DAVE.username,
});
let alice: Page;
/** The room, as dave (its owner) is in it. */
let room: Room;
let roomJid: string;
/** Every message dave heard from alice, files or not. */
const fromAlice: RoomEvents["message"][] = [];


// --- A real PNG (so that the browser decodes it: naturalWidth > 0) -----------

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) c = (CRC_TABLE[(c ^ b) & 0xff] as number) ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, "ascii");
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0);
  return Buffer.concat([head, data, crc]);
}

/** A `width`×`height` RGB PNG: 16-pixel tiles shading from corner to corner (small once compressed), tinted by `seed`. */
function png(width: number, height: number, seed: number): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 2, 0, 0, 0], 8); // 8 bits per channel, RGB, no interlace
  const rows = Buffer.alloc((width * 3 + 1) * height);
  for (let y = 0; y < height; y++) {
    const row = y * (width * 3 + 1);
    for (let x = 0; x < width; x++) rows.set([((x >> 4) * 4080) / width, ((y >> 4) * 4080) / height, seed & 0xff], row + 1 + x * 3);
  }
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk("IHDR", ihdr), chunk("IDAT", deflateSync(rows)), chunk("IEND", Buffer.alloc(0))]);
}

// --- The page -------------------------------------------------------------------

/** The message items of the room's log that show the file at `url`. */
function messageWithFile(page: Page, url: string, nick: string) {
  return page.locator(`[data-testid=messages] [data-testid=message][data-nick="${nick}"]`).filter({ has: page.locator(`[data-testid=attachment][data-url="${url}"]`) });
}

/** What internal error text looks like: none of it may reach the page. */
const INTERNALS = /Cannot read|TypeError|ECONN|null|undefined|UploadError|XMPPError|MucStateError|not-acceptable|HTTP \d{3}|file-too-large/;

/** The bytes at `url`, fetched from Node. */
async function download(url: string): Promise<{ type: string | null; bytes: Buffer }> {
  const res = await fetch(url);
  expect(res.status).toBe(200);
  return { type: res.headers.get("content-type"), bytes: Buffer.from(await res.arrayBuffer()) };
}

/** The PUTs of uploads (not the GETs of the files shown). */
const isPut = (route: Route): boolean => route.request().method() === "PUT";

beforeAll(async () => {
  await stack.start();
  roomJid = `files@${stack.prosody.mucDomain}`;
  room = await withTimeout(createRoom(stack.muc, roomJid, DAVE.nick, { config: { roomName: "Files", public: true } }), WAIT, "creating the room");
  room.on("message", (m) => {
    if (m.nick === ALICE.nick && !m.history) fromAlice.push(m);
  });

  alice = await loginPage(stack, ALICE.username);
  const daveSeesAlice = next(room, "join", (e) => e.occupant.nick === ALICE.nick);
  await joinFromPage(alice, roomJid, ALICE.nick);
  await daveSeesAlice;
}, 60_000);

afterAll(() => stack.stop(), 60_000);

describe("web client (examples/browser): sharing files through the server's upload service", () => {
  it("the page sends a PNG with the attach button: shown as uploading, then the Node client gets it with its name and type, and its URL serves the same bytes", async () => {
    const bytes = png(48, 32, 1);
    // Hold the PUT a moment, so that the upload is seen under way.
    let release: () => void = () => {};
    const held = new Promise<void>((resolve) => (release = resolve));
    await alice.route("**/file_share/**", async (route) => {
      if (isPut(route)) await held;
      await route.continue();
    });
    try {
      const atDave = next(room, "message", (m) => m.nick === ALICE.nick && m.attachments.length > 0);
      await alice.getByTestId("composer-file").setInputFiles({ name: "red-square.png", mimeType: "image/png", buffer: bytes }, { timeout: WAIT });
      const pending = alice.locator("[data-testid=uploads] [data-testid=upload][data-state=uploading]");
      await pending.waitFor({ timeout: WAIT });
      await expect(pending.getByTestId("upload-name").textContent()).resolves.toBe("red-square.png");
      await expect(pending.getAttribute("data-name")).resolves.toBe("red-square.png");
      release();

      const message = await atDave;
      const [file] = message.attachments;
      expect(message.attachments).toHaveLength(1);
      expect(file).toMatchObject({ name: "red-square.png", type: "image/png", size: bytes.length });
      expect(message.body).toBe(file?.url);
      expect(file?.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/file_share\//);
      const fetched = await download(file!.url);
      expect(fetched.type).toBe("image/png");
      expect(fetched.bytes.equals(bytes)).toBe(true);

      // The page's own message shows the image; the upload has left the list.
      const own = messageWithFile(alice, file!.url, ALICE.nick);
      await own.waitFor({ timeout: WAIT });
      await expect(own.getAttribute("data-own")).resolves.toBe("true");
      await expect(own.getByTestId("attachment-image").getAttribute("src")).resolves.toBe(file!.url);
      await alice.locator("[data-testid=upload]").waitFor({ state: "detached", timeout: WAIT });
      await expect(alice.getByTestId("uploads").isHidden()).resolves.toBe(true);
    } finally {
      release();
      await alice.unroute("**/file_share/**");
    }
  });

  it("the Node client sends an image: the page shows it inline (loaded, at most 320×240, opening the full image in a new tab), not its URL as text", async () => {
    const bytes = png(640, 480, 2);
    const { attachment } = await withTimeout(room.sendFile({ data: bytes, name: "landscape.png", type: "image/png" }), WAIT, "dave sending an image");
    const item = messageWithFile(alice, attachment.url, DAVE.nick);
    await item.waitFor({ timeout: WAIT });

    const img = item.getByTestId("attachment-image");
    await expect(img.getAttribute("src")).resolves.toBe(attachment.url);
    await expect(img.getAttribute("loading")).resolves.toBe("lazy");
    await expect(img.getAttribute("referrerpolicy")).resolves.toBe("no-referrer");
    await expect.poll(() => img.evaluate((el: HTMLImageElement) => el.complete && el.naturalWidth), { timeout: WAIT, interval: 100 }).toBe(640);
    const box = await img.boundingBox();
    expect(box).not.toBeNull();
    expect(box!.width).toBeLessThanOrEqual(320);
    expect(box!.height).toBeLessThanOrEqual(240);
    expect(box!.width).toBeGreaterThan(100);

    const link = item.locator("[data-testid=attachment][data-kind=image]");
    await expect(link.getAttribute("href")).resolves.toBe(attachment.url);
    await expect(link.getAttribute("target")).resolves.toBe("_blank");
    await expect(link.getAttribute("rel")).resolves.toContain("noopener");
    // The body is the URL: not shown as well.
    await expect(item.getByTestId("message-body").isHidden()).resolves.toBe(true);
    await expect(item.innerText()).resolves.not.toContain(attachment.url);

    await mkdir(OUTPUT_DIR, { recursive: true });
    await alice.screenshot({ path: join(OUTPUT_DIR, "web-client-files.png"), timeout: WAIT });
  });

  it("a file that is not an image shows as a card with its name, size, description and a download link", async () => {
    const text = Buffer.from("Agenda\n1. Coffee\n2. More coffee\n".repeat(40));
    const { attachment } = await withTimeout(room.sendFile({ data: text, name: "notes.txt", type: "text/plain" }, { description: "Meeting notes" }), WAIT, "dave sending a text file");
    const item = messageWithFile(alice, attachment.url, DAVE.nick);
    await item.waitFor({ timeout: WAIT });
    const card = item.locator("[data-testid=attachment][data-kind=file]");
    await expect(card.getByTestId("attachment-name").textContent()).resolves.toBe("notes.txt");
    await expect(card.getByTestId("attachment-size").textContent()).resolves.toBe("1.3 KB · text/plain");
    await expect(card.getByTestId("attachment-description").textContent()).resolves.toBe("Meeting notes");
    await expect(card.getByTestId("attachment-download").getAttribute("href")).resolves.toBe(attachment.url);
    await expect(item.locator("img").count()).resolves.toBe(0);
    await expect(item.getByTestId("message-body").isHidden()).resolves.toBe(true);
    expect((await download(attachment.url)).bytes.equals(text)).toBe(true);
  });

  it("a file too large for the server: 'The file is too large for the server' next to the composer, no banner and no message; Dismiss takes it away", async () => {
    const before = fromAlice.length;
    await alice.getByTestId("composer-file").setInputFiles({ name: "huge.bin", mimeType: "application/octet-stream", buffer: Buffer.alloc(SIZE_LIMIT + 1, 7) }, { timeout: WAIT });
    const failed = alice.locator("[data-testid=uploads] [data-testid=upload][data-state=failed]");
    await failed.waitFor({ timeout: WAIT });
    await expect(failed.getByTestId("upload-name").textContent()).resolves.toBe("huge.bin");
    await expect(failed.getByTestId("upload-error").textContent()).resolves.toBe("The file is too large for the server");
    // Next to the composer: inside it, above the input.
    await expect(alice.locator("[data-testid=composer] [data-testid=upload-error]").count()).resolves.toBe(1);
    await expect(alice.getByTestId("error-banner").isHidden()).resolves.toBe(true);
    await expect(pageText(alice)).resolves.not.toMatch(INTERNALS);

    // Nothing went to the room: a message dave sends after it is the newest on the page, and dave heard nothing from alice.
    const marker = `after the refused upload ${Date.now()}`;
    await withTimeout(room.sendTrackedMessage(marker).done, WAIT, "dave's message");
    await alice.locator("[data-testid=messages] [data-testid=message]").last().filter({ hasText: marker }).waitFor({ timeout: WAIT });
    expect(fromAlice.slice(before)).toEqual([]);
    await expect(alice.locator("[data-testid=messages] [data-testid=message]").filter({ hasText: "huge.bin" }).count()).resolves.toBe(0);

    await failed.getByTestId("upload-dismiss").click({ timeout: WAIT });
    await alice.locator("[data-testid=upload]").waitFor({ state: "detached", timeout: WAIT });
    await expect(alice.getByTestId("uploads").isHidden()).resolves.toBe(true);
  });

  it("an upload whose PUT fails: 'The upload failed; try again'; Retry sends it", async () => {
    const bytes = Buffer.from("second time lucky\n");
    await alice.route("**/file_share/**", async (route) => {
      if (isPut(route)) await route.fulfill({ status: 500, headers: { "access-control-allow-origin": "*" }, body: "" });
      else await route.continue();
    });
    try {
      await alice.getByTestId("composer-file").setInputFiles({ name: "retry.txt", mimeType: "text/plain", buffer: bytes }, { timeout: WAIT });
      const failed = alice.locator("[data-testid=upload][data-state=failed]");
      await failed.waitFor({ timeout: WAIT });
      await expect(failed.getByTestId("upload-error").textContent()).resolves.toBe("The upload failed; try again");
      await expect(alice.getByTestId("error-banner").isHidden()).resolves.toBe(true);
    } finally {
      await alice.unroute("**/file_share/**");
    }
    const atDave = next(room, "message", (m) => m.nick === ALICE.nick && m.attachments[0]?.name === "retry.txt");
    await alice.locator("[data-testid=upload][data-state=failed]").getByTestId("upload-retry").click({ timeout: WAIT });
    const message = await atDave;
    expect(message.attachments[0]).toMatchObject({ name: "retry.txt", type: "text/plain", size: bytes.length });
    expect((await download(message.attachments[0]!.url)).bytes.equals(bytes)).toBe(true);
    await alice.locator("[data-testid=upload]").waitFor({ state: "detached", timeout: WAIT });
    await messageWithFile(alice, message.attachments[0]!.url, ALICE.nick).getByTestId("attachment-name").filter({ hasText: "retry.txt" }).waitFor({ timeout: WAIT });
  });

  it("a file dropped on the message list and an image pasted into the composer are sent", async () => {
    const dropped = next(room, "message", (m) => m.nick === ALICE.nick && m.attachments[0]?.name === "dropped.txt");
    await alice.evaluate(() => {
      const data = new DataTransfer();
      data.items.add(new File(["dropped on the log\n"], "dropped.txt", { type: "text/plain" }));
      const log = document.querySelector("[data-testid=messages]")!;
      for (const type of ["dragenter", "dragover", "drop"]) log.dispatchEvent(new DragEvent(type, { dataTransfer: data, bubbles: true, cancelable: true }));
    });
    expect((await dropped).attachments[0]).toMatchObject({ name: "dropped.txt", type: "text/plain" });

    const image = png(16, 16, 3);
    const pasted = next(room, "message", (m) => m.nick === ALICE.nick && m.attachments[0]?.type === "image/png");
    await alice.evaluate((b64) => {
      const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
      const data = new DataTransfer();
      data.items.add(new File([bytes], "image.png", { type: "image/png" }));
      document.querySelector("[data-testid=composer-input]")!.dispatchEvent(new ClipboardEvent("paste", { clipboardData: data, bubbles: true, cancelable: true }));
    }, image.toString("base64"));
    const file = (await pasted).attachments[0]!;
    expect(file.name).toMatch(/^pasted-\d{8}-\d{6}\.png$/);
    expect((await download(file.url)).bytes.equals(image)).toBe(true);
    // Nothing of the paste went into the composer as text.
    await expect(alice.getByTestId("composer-input").inputValue()).resolves.toBe("");
  });

  it("no uncaught errors and no internal error text in the page", async () => {
    expect(stack.pageErrors).toEqual([]);
    await expect(pageText(alice)).resolves.not.toMatch(INTERNALS);
  });
});
