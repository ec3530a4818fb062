/**
 * The web client of examples/browser as people use it, in headless Chromium
 * against a real Prosody and the gateway (serving the demo network): errors
 * in plain words next to what caused them, confirmation before deleting a
 * message, a phone layout, a reload that keeps the login and the rooms,
 * message styling and links, date lines, @-mentions (completion, highlight,
 * desktop notification, the unread count in the tab's title), and the
 * composer (focused after joining, nothing hidden under it, "Request voice"
 * once).
 *
 * alice and bob are registered with the gateway; carol is not. dave, a Node
 * client (this SDK's MucService), owns the Prosody rooms.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { MucService, createRoom, sendReactions, setRole, type Room } from "../../src/index.js";
import { DEMO_ACCOUNTS } from "../../examples/demo-network/index.js";
import { withTimeout } from "../helpers/prosody-clients.js";
import {
  GATEWAY_DOMAIN as GW,
  INTERNALS,
  OUTPUT_DIR,
  WAIT,
  WebClientStack,
  expectNoErrorToast,
  joinFromPage,
  loginPage,
  messageWith,
  occupant,
  openPage,
  openRoom,
  pageText,
  send,
  submitLogin,
} from "./helpers.js";

const PASSWORDS: Record<string, string> = { ...Object.fromEntries(DEMO_ACCOUNTS.map((a) => [a.id, a.password])), dave: "dave-pw" };

const stack = new WebClientStack({ passwords: PASSWORDS, gateway: { registered: ["alice", "bob"] }, nodeClient: "dave", title: "Rooms test" });
let daveMuc: MucService;
let lab: Room;
let labJid: string;
let alice: Page;
let bob: Page;

beforeAll(async () => {
  await stack.start();
  daveMuc = stack.muc;
  labJid = `lab@${stack.prosody.mucDomain}`;
  lab = await withTimeout(createRoom(daveMuc, labJid, "dave", { config: { roomName: "Lab", public: true } }), WAIT, "creating the lab room");

  [alice, bob] = await Promise.all([loginPage(stack, "alice"), loginPage(stack, "bob")]);
}, 60_000);

afterAll(() => stack.stop(), 60_000);

describe("web client: errors in plain words, next to what caused them", () => {
  it("a wrong password is said under the login form, which keeps the username", async () => {
    const page = await openPage(stack, "wrong-password");
    await submitLogin(page, "alice", "not her password");
    const error = page.getByTestId("login-error");
    await error.waitFor({ state: "visible", timeout: WAIT });
    await expect(error.textContent()).resolves.toBe("Wrong username or password.");
    await expect(page.getByTestId("login-username").inputValue()).resolves.toBe("alice");
    await expectNoErrorToast(page);
    await expect(pageText(page)).resolves.not.toMatch(INTERNALS);
    await page.context().close();
  });

  it("a nick clash on joining says so under the nick field, keeping the nick typed", async () => {
    // From the room's preview (the room is listed): bob types dave's nick.
    await bob.locator(`[data-testid=room-item][data-jid="${labJid}"]`).click({ timeout: WAIT });
    await bob.getByTestId("room-preview").waitFor({ timeout: WAIT });
    await bob.getByTestId("join-nick").fill("dave");
    await bob.getByTestId("join-submit").click();
    const error = bob.getByTestId("join-nick-error");
    await error.waitFor({ timeout: WAIT });
    await expect(error.textContent()).resolves.toBe("That nickname is taken in this room. Choose another one.");
    await expect(bob.getByTestId("join-nick").inputValue()).resolves.toBe("dave");
    await expect(bob.getByTestId("join-nick").getAttribute("aria-invalid")).resolves.toBe("true");
    await expectNoErrorToast(bob);
    await mkdir(OUTPUT_DIR, { recursive: true });
    await bob.screenshot({ path: join(OUTPUT_DIR, "web-client-nick-taken.png"), timeout: WAIT });
    // Typing again clears the error; another nick joins.
    await bob.getByTestId("join-nick").fill("bob");
    await expect(error.count()).resolves.toBe(0);
    await bob.getByTestId("join-submit").click();
    await bob.locator(`[data-testid=room-view][data-jid="${labJid}"][data-state=joined]`).waitFor({ timeout: WAIT });

    // By address: the same, and the address stays too.
    await alice.getByTestId("open-join").click({ timeout: WAIT });
    await alice.getByTestId("join-room").fill(labJid);
    await alice.getByTestId("join-nick").fill("bob");
    await alice.getByTestId("join-submit").click();
    await alice.getByTestId("join-nick-error").waitFor({ timeout: WAIT });
    await expect(alice.getByTestId("join-nick").inputValue()).resolves.toBe("bob");
    await expect(alice.getByTestId("join-room").inputValue()).resolves.toBe(labJid);
    await expectNoErrorToast(alice);
  });

  it("joining the gateway's room unregistered says to register first, without the condition's name; a refused registration is said in its form", async () => {
    const carol = await loginPage(stack, "carol");
    await carol.locator("[data-testid=gateway-status][data-state=unregistered]").waitFor({ timeout: WAIT });
    await carol.getByTestId("open-join").click({ timeout: WAIT });
    await carol.getByTestId("join-room").fill(`coffee@${GW}`);
    await carol.getByTestId("join-nick").fill("carol");
    await carol.getByTestId("join-submit").click();
    const error = carol.getByTestId("join-error");
    await error.waitFor({ timeout: WAIT });
    await expect(error.textContent()).resolves.toBe("You must register with this service first.");
    await expect(carol.getByTestId("join-room").inputValue()).resolves.toBe(`coffee@${GW}`);
    // Registering with a wrong password: said in the registration form.
    await carol.getByTestId("gateway-register").click({ timeout: WAIT });
    await carol.getByTestId("register-field-username").fill("carol");
    await carol.getByTestId("register-field-password").fill("not her password");
    await carol.getByTestId("register-submit").click();
    await carol.getByTestId("register-error").waitFor({ state: "visible", timeout: WAIT });
    await expect(carol.getByTestId("register-error").textContent()).resolves.toBe("The service did not accept these details. Check them and try again.");
    await expectNoErrorToast(carol);
    await expect(pageText(carol)).resolves.not.toMatch(INTERNALS);
    await carol.context().close();
  });

  it("the error toast floats over the page: the layout does not move", async () => {
    const before = await alice.getByTestId("shell").boundingBox();
    const toast = alice.getByTestId("error-banner");
    await expect(toast.evaluate((el) => getComputedStyle(el).position)).resolves.toBe("fixed");
    await expect(alice.getByTestId("connection-banner").evaluate((el) => getComputedStyle(el).position)).resolves.toBe("fixed");
    await toast.evaluate((el) => el.removeAttribute("hidden"));
    await expect(alice.getByTestId("shell").boundingBox()).resolves.toEqual(before);
    await alice.getByTestId("error-dismiss").click();
    await expect(toast.isHidden()).resolves.toBe(true);
  });
});

describe("web client: in a room", () => {
  it("the composer has the focus after joining", async () => {
    await joinFromPage(alice, labJid, "alice");
    await expect(alice.evaluate(() => (document.activeElement as HTMLElement | null)?.dataset.testid)).resolves.toBe("composer-input");
  });

  it("deleting one's own message asks first; cancelling keeps it", async () => {
    const text = `keep me ${Date.now()}`;
    await send(alice, text);
    const mine = messageWith(alice, text, "[data-own=true][data-stanza-id]");
    await mine.waitFor({ timeout: WAIT });
    await mine.hover();
    await mine.getByTestId("action-delete").click({ timeout: WAIT });
    await alice.getByTestId("dialog").waitFor({ state: "visible", timeout: WAIT });
    await expect(alice.getByTestId("dialog-confirm").textContent()).resolves.toBe("Delete");
    await alice.getByTestId("dialog-cancel").click();
    await alice.getByTestId("dialog").waitFor({ state: "hidden", timeout: WAIT });
    await new Promise((r) => setTimeout(r, 500));
    await expect(mine.getAttribute("data-retracted")).resolves.toBeNull();
    await expect(messageWith(bob, text).getAttribute("data-retracted")).resolves.toBeNull();
  });

  it("styling (XEP-0393) and links are rendered as elements, never as HTML", async () => {
    const body = ["*bold* _it_ ~gone~ `x<y>` see https://example.org/a_b?q=1. <img src=x onerror=alert(1)>", "> quoted *words*", "```", "pre *not bold*", "```", "after"].join("\n");
    await withTimeout(lab.sendTrackedMessage(body).done, WAIT, "dave's styled message");
    const item = messageWith(alice, "after", "[data-nick=dave]");
    await item.waitFor({ timeout: WAIT });
    const text = item.getByTestId("message-body");
    await expect(text.getByTestId("styled-strong").first().textContent()).resolves.toBe("bold");
    await expect(text.getByTestId("styled-em").textContent()).resolves.toBe("it");
    await expect(text.getByTestId("styled-strike").textContent()).resolves.toBe("gone");
    await expect(text.getByTestId("styled-code").textContent()).resolves.toBe("x<y>");
    const link = text.getByTestId("message-link");
    await expect(link.getAttribute("href")).resolves.toBe("https://example.org/a_b?q=1");
    await expect(link.getAttribute("rel")).resolves.toContain("noopener");
    await expect(link.getAttribute("target")).resolves.toBe("_blank");
    await expect(text.locator("img").count()).resolves.toBe(0);
    await expect(text.textContent()).resolves.toContain("<img src=x onerror=alert(1)>");
    await expect(text.getByTestId("styled-quote").textContent()).resolves.toBe("quoted *words*");
    await expect(text.getByTestId("styled-quote").getByTestId("styled-strong").textContent()).resolves.toBe("words");
    const pre = text.getByTestId("styled-pre");
    await expect(pre.textContent()).resolves.toBe("pre *not bold*");
    await expect(pre.locator("strong").count()).resolves.toBe(0);
    // Links in parentheses, with parentheses, and what is no link.
    await withTimeout(lab.sendTrackedMessage("links (https://a.example/x) and https://en.wikipedia.org/wiki/Foo_(bar). javascript:alert(1) ftp://b.example").done, WAIT, "dave's links");
    const links = messageWith(alice, "links (", "[data-nick=dave]").getByTestId("message-link");
    await links.first().waitFor({ timeout: WAIT });
    await expect(links.evaluateAll((els) => els.map((a) => a.getAttribute("href")))).resolves.toEqual(["https://a.example/x", "https://en.wikipedia.org/wiki/Foo_(bar)"]);
    await mkdir(OUTPUT_DIR, { recursive: true });
    await item.screenshot({ path: join(OUTPUT_DIR, "web-client-styling.png"), timeout: WAIT });
  });

  it("a reaction on the last message is in view, not under the composer", async () => {
    const text = `react to me ${Date.now()}`;
    const tracker = lab.sendTrackedMessage(text);
    await withTimeout(tracker.done, WAIT, "dave's message");
    const item = messageWith(alice, text, "[data-nick=dave]");
    await item.waitFor({ timeout: WAIT });
    await sendReactions(daveMuc, labJid, tracker.stanzaId ?? "", ["🎉"]);
    const chip = item.locator("[data-testid=reaction][data-emoji='🎉']");
    await chip.waitFor({ timeout: WAIT });
    const scroller = alice.locator(`[data-testid=room-view][data-jid="${labJid}"] .log-scroll`);
    await expect
      .poll(async () => {
        const [c, s] = await Promise.all([chip.boundingBox(), scroller.boundingBox()]);
        return c !== null && s !== null && c.y + c.height <= s.y + s.height;
      }, { timeout: WAIT })
      .toBe(true);
    const composer = await alice.getByTestId("composer").boundingBox();
    const box = await chip.boundingBox();
    expect(box!.y + box!.height).toBeLessThanOrEqual(composer!.y);
  });

  it("@-mentions: '@' lists the occupants, Tab completes a nick", async () => {
    await occupant(alice, "bob").waitFor({ timeout: WAIT });
    const input = alice.getByTestId("composer-input");
    await input.fill("");
    await input.pressSequentially("@bo");
    const popup = alice.getByTestId("mention-popup");
    await popup.waitFor({ state: "visible", timeout: WAIT });
    await expect(popup.getByTestId("mention-option").allTextContents()).resolves.toEqual(["bob"]);
    await input.press("Tab");
    await expect(input.inputValue()).resolves.toBe("bob: ");
    await expect(popup.isHidden()).resolves.toBe(true);
    await input.pressSequentially("ask da");
    await input.press("Tab");
    await expect(input.inputValue()).resolves.toBe("bob: ask dave ");
    await input.fill("");
  });

  it("a mention in another room: highlighted, a desktop notification, and the count in the tab's title", async () => {
    const notifying = await loginPage(stack, "alice", {
      initScript: () => {
        const shown: { title: string; body: string }[] = [];
        (window as unknown as { __notifications: typeof shown }).__notifications = shown;
        class FakeNotification {
          static permission = "granted";
          static requestPermission(): Promise<string> {
            return Promise.resolve("granted");
          }
          onclick: (() => void) | null = null;
          constructor(title: string, options: { body?: string } = {}) {
            shown.push({ title, body: options.body ?? "" });
          }
          close(): void {}
        }
        (window as unknown as { Notification: unknown }).Notification = FakeNotification;
      },
    });
    const otherJid = `other@${stack.prosody.mucDomain}`;
    await withTimeout(createRoom(daveMuc, otherJid, "dave", { config: { roomName: "Other", public: true } }), WAIT, "creating the other room");
    await joinFromPage(notifying, labJid, "alice-too");
    await joinFromPage(notifying, otherJid, "alice-too");
    await expect(notifying.getByTestId("enable-notifications").isHidden()).resolves.toBe(true);
    // In lab (not on screen), dave names her.
    await withTimeout(lab.sendTrackedMessage("hey alice-too, look at this").done, WAIT, "the mention");
    await expect.poll(() => notifying.evaluate(() => (window as unknown as { __notifications: { title: string; body: string }[] }).__notifications), { timeout: WAIT }).toEqual([
      { title: "dave mentioned you in Lab", body: "hey alice-too, look at this" },
    ]);
    await expect.poll(() => notifying.title(), { timeout: WAIT }).toBe("(1) Rooms test");
    await notifying.locator(`[data-testid=room-item][data-jid="${labJid}"] [data-testid=room-unread]`).waitFor({ timeout: WAIT });
    await openRoom(notifying, labJid);
    await messageWith(notifying, "hey alice-too", "[data-mention=true]").waitFor({ timeout: WAIT });
    await expect.poll(() => notifying.title(), { timeout: WAIT }).toBe("Rooms test");
    // Not a mention: no notification.
    await withTimeout(lab.sendTrackedMessage("alice-tools are elsewhere").done, WAIT, "no mention");
    await messageWith(notifying, "alice-tools are elsewhere").waitFor({ timeout: WAIT });
    await expect(messageWith(notifying, "alice-tools are elsewhere").getAttribute("data-mention")).resolves.toBeNull();
    await notifying.context().close();
  });

  it("date lines between the messages of different days", async () => {
    const page = await loginPage(stack, "alice");
    const daysJid = `days@${stack.prosody.mucDomain}`;
    const days = await withTimeout(createRoom(daveMuc, daysJid, "dave", { config: { roomName: "Days", public: true } }), WAIT, "creating the days room");
    await joinFromPage(page, daysJid, "alice");
    const yesterday = new Date(Date.now() - 24 * 3600_000);
    await page.clock.setFixedTime(yesterday);
    await withTimeout(days.sendTrackedMessage("said yesterday").done, WAIT, "yesterday's message");
    await messageWith(page, "said yesterday").waitFor({ timeout: WAIT });
    await page.clock.setFixedTime(new Date());
    await withTimeout(days.sendTrackedMessage("said today").done, WAIT, "today's message");
    await messageWith(page, "said today").waitFor({ timeout: WAIT });
    const dividers = page.locator(`[data-testid=room-view][data-jid="${daysJid}"] [data-testid=date-divider]`);
    await expect(dividers.allTextContents()).resolves.toEqual(["Yesterday", "Today"]);
    // In order: yesterday's line, its message, today's line, its message.
    const order = await page.locator(`[data-testid=room-view][data-jid="${daysJid}"] [data-testid=date-divider], [data-testid=room-view][data-jid="${daysJid}"] [data-testid=message]`).allTextContents();
    expect(order.map((t) => (t.includes("said yesterday") ? "m1" : t.includes("said today") ? "m2" : t))).toEqual(["Yesterday", "m1", "Today", "m2"]);
    await page.context().close();
  });

  it("in a moderated room, 'Request voice' is disabled once asked", async () => {
    const stageJid = `stage@${stack.prosody.mucDomain}`;
    await withTimeout(createRoom(daveMuc, stageJid, "dave", { config: { roomName: "Stage", public: true, moderated: true } }), WAIT, "creating the stage");
    await joinFromPage(bob, stageJid, "bob");
    await bob.locator("[data-testid=my-role][data-role=visitor]").waitFor({ timeout: WAIT });
    const button = bob.getByTestId("action-request-voice");
    await expect(button.isEnabled()).resolves.toBe(true);
    await button.click();
    await bob.locator("[data-testid=action-request-voice][disabled]").waitFor({ timeout: WAIT });
    await expect(button.textContent()).resolves.toBe("Voice requested");
    await bob.locator("[data-testid=notice][data-kind=role]").filter({ hasText: "Voice requested from the moderators" }).waitFor({ timeout: WAIT });
    // Given voice: the composer.
    await withTimeout(setRole(daveMuc, stageJid, "bob", "participant"), WAIT, "giving bob voice");
    await bob.getByTestId("composer-input").waitFor({ timeout: WAIT });
  });
});

describe("web client: a login typed before the page is ready", () => {
  it("a login submitted while the page's configuration is still loading waits for it: the typed name is kept, nothing reaches the address bar, and it comes online", async () => {
    // The configuration answers late, as over a slow network; the form is filled and sent at once.
    const page = await openPage(stack, "early", {
      beforeLoad: async (p) => {
        await p.route("**/config.json", async (route) => {
          await new Promise((resolve) => setTimeout(resolve, 1_500));
          await route.continue();
        });
      },
    });
    await submitLogin(page, "bob", PASSWORDS.bob ?? "");
    await page.locator("[data-testid=connection-status][data-state=online]").waitFor({ timeout: WAIT });
    await expect(page.getByTestId("me-jid").textContent()).resolves.toBe(`bob@${stack.prosody.domain}`);
    expect(new URL(page.url()).search).toBe("?debug");
    await page.context().close();
  });
});

describe("web client: phones and reloads", () => {
  it("on a phone, the room list comes first; a tap on a message shows its actions, a tap elsewhere hides them", async () => {
    const phone = await loginPage(stack, "bob", { context: { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 } });
    const list = phone.getByTestId("room-list-muc");
    await list.waitFor({ state: "visible", timeout: WAIT });
    await expect(list.isVisible()).resolves.toBe(true);
    await expect(phone.getByTestId("empty-state").isVisible()).resolves.toBe(false);
    const item = phone.locator(`[data-testid=room-item][data-jid="${labJid}"]`);
    // The list shows before the gateway's rooms are discovered, and is drawn again when they are:
    // measure the item once the list has settled (a box read while it is drawn again can be missing).
    await item.waitFor({ timeout: WAIT });
    const boxes: ({ x: number; width: number } | null)[] = [];
    const fits = async (): Promise<boolean> => {
      const box = await item.boundingBox();
      boxes.push(box);
      return box !== null && box.x >= 0 && box.x + box.width <= 390;
    };
    await expect.poll(fits, { timeout: WAIT }).toBe(true).catch((e: unknown) => {
      throw new Error(`the room item never fitted the phone's 390 px width; its last boxes: ${JSON.stringify(boxes.slice(-3))}`, { cause: e });
    });
    await mkdir(OUTPUT_DIR, { recursive: true });
    await phone.screenshot({ path: join(OUTPUT_DIR, "web-client-phone-rooms.png"), timeout: WAIT });

    await item.tap();
    await phone.getByTestId("join-nick").fill("bob-phone");
    await phone.getByTestId("join-submit").tap();
    await phone.locator(`[data-testid=room-view][data-jid="${labJid}"][data-state=joined]`).waitFor({ timeout: WAIT });
    const text = `from the phone ${Date.now()}`;
    await withTimeout(lab.sendTrackedMessage(text).done, WAIT, "a message for the phone");
    const message = messageWith(phone, text);
    await message.waitFor({ timeout: WAIT });
    const actions = message.getByTestId("message-actions");
    await expect(actions.isVisible()).resolves.toBe(false);
    await message.getByTestId("message-body").tap();
    await expect.poll(() => actions.isVisible(), { timeout: WAIT }).toBe(true);
    await expect(message.getByTestId("action-react").isVisible()).resolves.toBe(true);
    await phone.screenshot({ path: join(OUTPUT_DIR, "web-client-phone-actions.png"), timeout: WAIT });
    await phone.getByTestId("room-name").tap();
    await expect.poll(() => actions.isVisible(), { timeout: WAIT }).toBe(false);
    await phone.context().close();
  });

  it("a reload keeps the login and the rooms: rejoined, back in the room on screen", async () => {
    const page = await loginPage(stack, "bob");
    const coffeeJid = `coffee@${GW}`;
    await page.locator(`[data-testid=room-item][data-jid="${coffeeJid}"]`).waitFor({ timeout: WAIT });
    await joinFromPage(page, coffeeJid, "bob");
    await joinFromPage(page, labJid, "bob-reload");
    await page.reload({ timeout: WAIT });
    await page.locator("[data-testid=connection-status][data-state=online]").waitFor({ timeout: WAIT });
    await expect(page.getByTestId("login-view").isHidden()).resolves.toBe(true);
    await page.locator(`[data-testid=room-view][data-jid="${labJid}"][data-state=joined]`).waitFor({ timeout: WAIT });
    for (const jid of [labJid, coffeeJid]) await page.locator(`[data-testid=room-item][data-jid="${jid}"][data-joined=true]`).waitFor({ timeout: WAIT });
    await occupant(page, "bob-reload").waitFor({ timeout: WAIT });
    // And it works: a message goes out.
    const text = `after the reload ${Date.now()}`;
    await send(page, text);
    await messageWith(page, text, "[data-own=true][data-state=delivered-to-recipient]").waitFor({ timeout: WAIT });
    // Logging out forgets it: a reload shows the login form.
    await page.getByTestId("logout-button").click();
    await page.getByTestId("login-view").waitFor({ timeout: WAIT });
    await page.reload({ timeout: WAIT });
    await page.getByTestId("login-form").waitFor({ timeout: WAIT });
    await new Promise((r) => setTimeout(r, 500));
    await expect(page.getByTestId("shell").isHidden()).resolves.toBe(true);
    await page.context().close();
  });

  it("no uncaught errors in the pages", () => {
    expect(stack.pageErrors).toEqual([]);
  });
});
