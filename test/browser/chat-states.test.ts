/**
 * Typing notifications (XEP-0085 chat states) and read markers (XEP-0333
 * `displayed`) in the web client of examples/browser, driven in headless
 * Chromium against a real Prosody: one page (alice) and one Node client
 * (dave, this SDK's MucService) in a room of Prosody's own MUC service, which
 * relays chat states and markers between occupants as it does any groupchat
 * message. A second Node client logged in as alice (her "phone", same nick)
 * stands for her other devices.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import type { Page } from "playwright-core";

import { MucService, createRoom, type Room, type RoomEvents } from "../../src/index.js";
import { connectClient, nextRoomEvent, withTimeout, type TestClient } from "../helpers/prosody-clients.js";
import { INTERNALS, OUTPUT_DIR, WAIT, WebClientStack, joinFromPage, loginPage, messageWith, occupant, openRoom, pageText, send } from "./helpers.js";

/** The next room event that `predicate` accepts (see `nextRoomEvent`). */
const next = nextRoomEvent;


const ALICE = { username: "alice", password: "alice-pw", nick: "alice" };
const DAVE = { username: "dave", password: "dave-pw", nick: "dave" };
const PASSWORDS: Record<string, string> = { [ALICE.username]: ALICE.password, [DAVE.username]: DAVE.password };

const stack = new WebClientStack({ passwords: PASSWORDS, nodeClient: DAVE.username });
let alice: Page;
/** alice's other device: a Node client on her account. */
let phone: TestClient | undefined;
let phoneMuc: MucService | undefined;
stack.onStop("closing alice's other device", async () => {
  phoneMuc?.close();
  await phone?.stop();
});
/** The room, as dave (its owner) is in it. */
let room: Room;
let roomJid: string;
/** Another room for the page to be in, so that the first one can be off screen. */
let otherJid: string;

beforeAll(async () => {
  await stack.start();
  // The Node client creates (and so unlocks) the Prosody rooms; it owns them.
  roomJid = `typing@${stack.prosody.mucDomain}`;
  otherJid = `elsewhere@${stack.prosody.mucDomain}`;
  room = await withTimeout(createRoom(stack.muc, roomJid, DAVE.nick, { config: { roomName: "Typing", public: true } }), WAIT, "creating the typing room");
  await withTimeout(createRoom(stack.muc, otherJid, DAVE.nick, { config: { roomName: "Elsewhere", public: true } }), WAIT, "creating the other room");

  alice = await loginPage(stack, ALICE.username);
}, 60_000);

afterAll(() => stack.stop(), 60_000);

describe("web client (examples/browser): typing and read markers in a Prosody room", () => {
  it("the page joins the room and sees the Node client", async () => {
    await joinFromPage(alice, otherJid, ALICE.nick);
    const daveSeesAlice = next(room, "join", (e) => e.occupant.nick === ALICE.nick);
    await joinFromPage(alice, roomJid, ALICE.nick);
    await daveSeesAlice;
    await occupant(alice, DAVE.nick).waitFor({ timeout: WAIT });
    const view = alice.locator(`[data-testid=room-view][data-jid="${roomJid}"]`);
    // The typing line is there, empty, before anyone types.
    await expect(view.getByTestId("typing-indicator").textContent()).resolves.toBe("");
  });

  it("the Node client's `composing` shows '… is typing' on the page, without moving the composer; `paused` takes it away", async () => {
    const view = alice.locator(`[data-testid=room-view][data-jid="${roomJid}"]`);
    const typing = view.getByTestId("typing-indicator");
    const composerTop = async (): Promise<number | undefined> => (await alice.getByTestId("composer").boundingBox())?.y;
    const before = await composerTop();

    await withTimeout(room.setChatState("composing"), WAIT, "dave composing");
    await typing.filter({ hasText: `${DAVE.nick} is typing…` }).waitFor({ timeout: WAIT });
    await expect(typing.getAttribute("data-count")).resolves.toBe("1");
    expect(await composerTop()).toBe(before);
    await mkdir(OUTPUT_DIR, { recursive: true });
    await alice.screenshot({ path: join(OUTPUT_DIR, "web-client-typing.png"), timeout: WAIT });

    await withTimeout(room.setChatState("paused"), WAIT, "dave paused");
    await expect.poll(() => typing.textContent(), { timeout: WAIT, interval: 100 }).toBe("");
    await expect(typing.getAttribute("data-count")).resolves.toBe("0");
    expect(await composerTop()).toBe(before);

    // Typing again, then the message itself: that ends the typing too.
    await withTimeout(room.setChatState("composing"), WAIT, "dave composing again");
    await typing.filter({ hasText: `${DAVE.nick} is typing…` }).waitFor({ timeout: WAIT });
    const text = `dave finished typing ${Date.now()}`;
    await withTimeout(room.sendTrackedMessage(text).done, WAIT, "dave's message");
    await messageWith(alice, text, `[data-nick="${DAVE.nick}"]`).waitFor({ timeout: WAIT });
    await expect.poll(() => typing.textContent(), { timeout: WAIT, interval: 100 }).toBe("");
  });

  it("typing in the page's composer sends `composing`; emptying it sends `paused`; the page's own state is not shown to itself", async () => {
    const view = alice.locator(`[data-testid=room-view][data-jid="${roomJid}"]`);
    const composing = next(room, "chatState", (e) => e.nick === ALICE.nick && e.state === "composing");
    await alice.getByTestId("composer-input").fill("half a thought", { timeout: WAIT });
    expect((await composing).own).toBe(false);
    // The room reflects alice's `composing` to her too (before dave's message, sent after it): the
    // page does not say she is typing.
    const text = `dave, while alice types ${Date.now()}`;
    await withTimeout(room.sendTrackedMessage(text).done, WAIT, "dave's message");
    await messageWith(alice, text, `[data-nick="${DAVE.nick}"]`).waitFor({ timeout: WAIT });
    await expect(view.getByTestId("typing-indicator").textContent()).resolves.toBe("");
    const paused = next(room, "chatState", (e) => e.nick === ALICE.nick && e.state === "paused");
    await alice.getByTestId("composer-input").fill("");
    await paused;
  });

  it("the page's user opens the room: the Node client hears a `displayed` marker for the newest message", async () => {
    // Away in the other room: dave's messages are unread there, and nothing is marked.
    await openRoom(alice, otherJid);
    const markers: RoomEvents["displayed"][] = [];
    const onDisplayed = (e: RoomEvents["displayed"]): void => void markers.push(e);
    room.on("displayed", onDisplayed);
    try {
      const first = room.sendTrackedMessage(`while alice is away ${Date.now()}`);
      const newest = room.sendTrackedMessage(`the newest, still away ${Date.now()}`);
      await withTimeout(Promise.all([first.done, newest.done]), WAIT, "dave's messages");
      expect(newest.stanzaId).toBeDefined();
      await alice.locator(`[data-testid=room-item][data-jid="${roomJid}"] [data-testid=room-unread]`).filter({ hasText: "2" }).waitFor({ timeout: WAIT });
      // More than the page's delay before marking: still nothing marked while the room is off screen.
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      expect(markers).toEqual([]);

      const marked = next(room, "displayed", (e) => e.nick === ALICE.nick && e.id === newest.stanzaId);
      await openRoom(alice, roomJid);
      const marker = await marked;
      expect(marker.own).toBe(false);
      expect(marker.occupant?.nick).toBe(ALICE.nick);
      // Once per new newest message: no marker for the older one, and no repeat.
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      expect(markers.map((m) => m.id)).toEqual([newest.stanzaId]);
      await expect(alice.locator(`[data-testid=room-item][data-jid="${roomJid}"] [data-testid=room-unread]`).count()).resolves.toBe(0);
    } finally {
      room.off("displayed", onDisplayed);
    }
  });

  it("the Node client marks a message displayed: the page shows 'Seen by dave' under it, and only under the newest one dave marked", async () => {
    const view = alice.locator(`[data-testid=room-view][data-jid="${roomJid}"]`);
    const text = `alice asks something ${Date.now()}`;
    const atDave = next(room, "message", (m) => m.body === text);
    await send(alice, text);
    const message = await atDave;
    expect(message.stanzaId).toBeDefined();
    const item = view.locator(`[data-testid=message][data-stanza-id="${message.stanzaId}"]`);
    await item.waitFor({ timeout: WAIT });

    await withTimeout(room.markDisplayed(message), WAIT, "dave's marker");
    const seen = item.getByTestId("message-seen");
    await seen.filter({ hasText: `Seen by ${DAVE.nick}` }).waitFor({ timeout: WAIT });
    await expect(seen.locator(`[data-testid=seen-nick][data-nick="${DAVE.nick}"]`).count()).resolves.toBe(1);

    // dave reads on: his next marker moves him down to the newer message.
    const later = `alice adds a detail ${Date.now()}`;
    const laterAtDave = next(room, "message", (m) => m.body === later);
    await send(alice, later);
    const laterMessage = await laterAtDave;
    await withTimeout(room.markDisplayed(laterMessage), WAIT, "dave's second marker");
    const laterItem = view.locator(`[data-testid=message][data-stanza-id="${laterMessage.stanzaId}"]`);
    await laterItem.getByTestId("message-seen").filter({ hasText: `Seen by ${DAVE.nick}` }).waitFor({ timeout: WAIT });
    await expect(view.locator(`[data-testid=seen-nick][data-nick="${DAVE.nick}"]`).count()).resolves.toBe(1);
    await expect(seen.textContent()).resolves.toBe("");

    // A late marker for an older message does not move him back up.
    await withTimeout(room.markDisplayed(message), WAIT, "dave's late marker");
    const check = `after the late marker ${Date.now()}`;
    await withTimeout(room.sendTrackedMessage(check).done, WAIT, "dave's message after the late marker");
    await messageWith(alice, check, `[data-nick="${DAVE.nick}"]`).waitFor({ timeout: WAIT });
    await expect(view.locator(`[data-testid=seen-nick][data-nick="${DAVE.nick}"]`).count()).resolves.toBe(1);
    await expect(laterItem.getByTestId("message-seen").textContent()).resolves.toBe(`Seen by ${DAVE.nick}`);

    await mkdir(OUTPUT_DIR, { recursive: true });
    await alice.screenshot({ path: join(OUTPUT_DIR, "web-client-seen.png"), timeout: WAIT });
    await expect(alice.getByTestId("error-banner").isHidden()).resolves.toBe(true);
    await expect(pageText(alice)).resolves.not.toMatch(INTERNALS);
  });

  it("alice reads the room on another device: the page's unread count goes", async () => {
    phone = await connectClient({ server: stack.prosody, username: ALICE.username, password: ALICE.password });
    phoneMuc = new MucService(phone.xmpp, { selfPing: false });
    const { room: onPhone, joined } = phoneMuc.join(roomJid, ALICE.nick, { history: { maxStanzas: 0 } });
    await withTimeout(joined, WAIT, "alice's phone joining");

    await openRoom(alice, otherJid);
    const text = `unread on the page ${Date.now()}`;
    const atPhone = next(onPhone, "message", (m) => m.body === text);
    await withTimeout(room.sendTrackedMessage(text).done, WAIT, "dave's message");
    const unread = alice.locator(`[data-testid=room-item][data-jid="${roomJid}"] [data-testid=room-unread]`);
    await unread.filter({ hasText: "1" }).waitFor({ timeout: WAIT });

    await withTimeout(onPhone.markDisplayed(await atPhone), WAIT, "alice's phone marking it read");
    await unread.waitFor({ state: "detached", timeout: WAIT });
  });

  it("no uncaught errors in the page", () => {
    expect(stack.pageErrors).toEqual([]);
  });
});
