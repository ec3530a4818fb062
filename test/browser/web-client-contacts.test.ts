/**
 * People and direct chats in the web client of examples/browser, in headless
 * Chromium against a real Prosody and the gateway serving the demo network:
 * alice (registered with the gateway) sees her demo-network friends as
 * contacts (the gateway's subscription requests accepted by the page), with
 * their presence; opens a chat with bob, writes to him (the demo network
 * gets a one-to-one chat message) and gets his answer (`startDemoReplies`:
 * he types, then answers), then his correction and his deletion; searches
 * the network for carol through the gateway's search command and writes to
 * her from the result, and to erin, who is no friend of hers.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { DEMO_ACCOUNTS, DemoNetwork, startDemoReplies, type DemoChatMessage } from "../../examples/demo-network/index.js";
import { GATEWAY_DOMAIN as GW, INTERNALS, OUTPUT_DIR, WAIT, WebClientStack, loginPage, pageText, send } from "./helpers.js";

const PASSWORDS: Record<string, string> = Object.fromEntries(DEMO_ACCOUNTS.map((a) => [a.id, a.password]));
const BOB = `bob@${GW}`;
const CAROL = `carol@${GW}`;

const network = new DemoNetwork();
const stack = new WebClientStack({ passwords: PASSWORDS, gateway: { network, registered: ["alice"] }, title: "Contacts test" });
let stopReplies: (() => void) | undefined;
stack.onStop("stopping bob's replies", () => stopReplies?.());
let alice: Page;
/** Every one-to-one chat message on the demo network. */
const chats: DemoChatMessage[] = [];
/** The messages alice marked read on the demo network. */
const reads: string[] = [];

beforeAll(async () => {
  network.on("chatMessage", ({ message }) => chats.push(message));
  network.on("chatRead", (e) => e.userId === "alice" && reads.push(e.messageId));
  // bob types after a second, and answers a second later.
  stopReplies = startDemoReplies(network, { delayMs: 1_000 });
  await stack.start();
  await mkdir(OUTPUT_DIR, { recursive: true });
  alice = await loginPage(stack, "alice");
}, 60_000);

afterAll(() => stack.stop(), 60_000);

function contact(page: Page, jid: string) {
  return page.locator(`[data-testid=contact-list] [data-testid=contact-item][data-jid="${jid}"]`);
}

function chatMessage(page: Page, text: string, extra = "") {
  return page.locator(`[data-testid=chat-view] [data-testid=messages] [data-testid=message]${extra}`).filter({ hasText: text });
}

async function openChat(page: Page, jid: string): Promise<void> {
  await contact(page, jid).click({ timeout: WAIT });
  await page.locator(`[data-testid=chat-view][data-jid="${jid}"]`).waitFor({ timeout: WAIT });
}

describe("web client: people and direct chats through the gateway", () => {
  it("lists alice's demo-network friends as contacts, with their presence (the gateway's subscription requests accepted)", async () => {
    await contact(alice, BOB).waitFor({ timeout: WAIT });
    await contact(alice, CAROL).waitFor({ timeout: WAIT });
    await expect(contact(alice, BOB).textContent()).resolves.toContain("Bob");
    // Subscribed back: the contacts' presence comes (bob is away, carol online).
    await alice.locator(`[data-testid=contact-item][data-jid="${BOB}"][data-show=away]`).waitFor({ timeout: WAIT });
    await alice.locator(`[data-testid=contact-item][data-jid="${CAROL}"][data-show=online]`).waitFor({ timeout: WAIT });
    // No request waits for a click: the gateway's are accepted by themselves.
    await expect(alice.getByTestId("subscription-request").count()).resolves.toBe(0);
    await expect(alice.locator("[data-testid=contact-list] [data-testid=contact-item]").count()).resolves.toBe(2);
  });

  it("opens a chat with bob, sends him a message, and gets his answer (typing first), then his correction and deletion", async () => {
    await openChat(alice, BOB);
    await expect(alice.getByTestId("chat-name").textContent()).resolves.toBe("Bob");
    await expect(alice.getByTestId("chat-presence").getAttribute("data-show")).resolves.toBe("away");
    await expect(alice.getByTestId("chat-status").textContent()).resolves.toContain("Out for lunch");

    const text = `hi bob, coffee later? ${Date.now()}`;
    await send(alice, text);
    // The network took it (the gateway's receipt): delivered.
    await chatMessage(alice, text, "[data-own=true][data-state=delivered-to-recipient]").waitFor({ timeout: WAIT });
    await expect.poll(() => chats.some((m) => m.senderId === "alice" && m.recipientId === "bob" && m.text === text), { timeout: WAIT, interval: 100 }).toBe(true);

    // bob types, then answers, quoting alice's message.
    await alice.locator("[data-testid=chat-view] [data-testid=typing-indicator][data-count='1']").waitFor({ timeout: WAIT });
    await expect(alice.getByTestId("typing-indicator").textContent()).resolves.toContain("Bob is typing");
    const answer = chatMessage(alice, "Bob here", "[data-own=false]");
    await answer.waitFor({ timeout: WAIT });
    await expect(answer.getByTestId("message-body").textContent()).resolves.toContain(text);
    await expect(answer.getByTestId("message-quote").textContent()).resolves.toContain(text);
    await alice.locator("[data-testid=chat-view] [data-testid=typing-indicator][data-count='0']").waitFor({ timeout: WAIT });
    await alice.screenshot({ path: join(OUTPUT_DIR, "web-client-contacts-chat.png") });

    // bob's answer, read by alice's page: its displayed marker reaches the network.
    const bobsAnswer = chats.find((m) => m.senderId === "bob" && m.recipientId === "alice");
    expect(bobsAnswer).toBeDefined();
    await expect.poll(() => reads.includes(bobsAnswer?.id ?? ""), { timeout: WAIT, interval: 100 }).toBe(true);

    // bob corrects it, then deletes it, on the network.
    await network.as("bob").editChat(bobsAnswer?.id ?? "", "Bob here: coffee at 3?");
    const edited = chatMessage(alice, "coffee at 3?", "[data-own=false][data-edited=true]");
    await edited.waitFor({ timeout: WAIT });
    await expect(edited.getByTestId("message-edited").isVisible()).resolves.toBe(true);
    await network.as("bob").deleteChat(bobsAnswer?.id ?? "");
    await alice.locator(`[data-testid=chat-view] [data-testid=message][data-own=false][data-retracted=true]`).waitFor({ timeout: WAIT });
    await expect(chatMessage(alice, "coffee at 3?").count()).resolves.toBe(0);

    // alice corrects her own message from the page: the network's message is edited.
    const own = chatMessage(alice, text, "[data-own=true]");
    await own.hover();
    await own.getByTestId("action-edit").click({ timeout: WAIT });
    await alice.getByTestId("composer-input").fill(`${text} (or tea)`);
    await alice.getByTestId("composer-send").click();
    await expect.poll(() => chats.find((m) => m.senderId === "alice" && m.text === text)?.id, { timeout: WAIT }).toBeDefined();
    const mine = chats.find((m) => m.senderId === "alice" && m.text === text);
    await expect.poll(() => network.getChatMessage(mine?.id ?? "")?.text, { timeout: WAIT, interval: 100 }).toBe(`${text} (or tea)`);
  });

  it("searches the network for carol through the gateway and writes to her from the result; and to erin, who is no friend", async () => {
    await alice.getByTestId("open-people-search").click({ timeout: WAIT });
    await alice.getByTestId("people-search").waitFor({ timeout: WAIT });
    await alice.getByTestId("people-search-input").fill("carol");
    await alice.getByTestId("people-search-submit").click();
    const result = alice.locator(`[data-testid=people-search-result][data-jid="${CAROL}"]`);
    await result.waitFor({ timeout: WAIT });
    await expect(result.textContent()).resolves.toContain("Carol");
    await alice.screenshot({ path: join(OUTPUT_DIR, "web-client-contacts-search.png") });
    await result.getByTestId("people-search-open").click();
    await alice.locator(`[data-testid=chat-view][data-jid="${CAROL}"]`).waitFor({ timeout: WAIT });
    const text = `hello carol, found you ${Date.now()}`;
    await send(alice, text);
    await chatMessage(alice, text, "[data-own=true][data-state=delivered-to-recipient]").waitFor({ timeout: WAIT });
    expect(chats.some((m) => m.recipientId === "carol" && m.text === text)).toBe(true);

    // Nobody: said in words.
    await alice.getByTestId("open-people-search").click({ timeout: WAIT });
    await alice.getByTestId("people-search-input").fill("nobody-at-all");
    await alice.getByTestId("people-search-submit").click();
    await alice.getByTestId("people-search-empty").waitFor({ timeout: WAIT });

    // erin is no friend of alice's: found, written to, and in the list of people from then on.
    await alice.getByTestId("people-search-input").fill("erin");
    await alice.getByTestId("people-search-submit").click();
    const erin = alice.locator(`[data-testid=people-search-result][data-jid="erin@${GW}"]`);
    await erin.waitFor({ timeout: WAIT });
    await erin.getByTestId("people-search-open").click();
    await alice.locator(`[data-testid=chat-view][data-jid="erin@${GW}"]`).waitFor({ timeout: WAIT });
    await send(alice, "hi erin");
    await chatMessage(alice, "hi erin", "[data-own=true][data-state=delivered-to-recipient]").waitFor({ timeout: WAIT });
    await contact(alice, `erin@${GW}`).waitFor({ timeout: WAIT });
    expect(chats.some((m) => m.recipientId === "erin" && m.text === "hi erin")).toBe(true);

    // A message from carol while another chat is on screen: counted on her entry.
    await network.as("carol").sendChat("alice", "Found me indeed!");
    await contact(alice, CAROL).getByTestId("contact-unread").waitFor({ timeout: WAIT });
    await openChat(alice, CAROL);
    await chatMessage(alice, "Found me indeed!", "[data-own=false]").waitFor({ timeout: WAIT });
    await expect(contact(alice, CAROL).getByTestId("contact-unread").count()).resolves.toBe(0);
    await alice.screenshot({ path: join(OUTPUT_DIR, "web-client-contacts.png") });

    expect(await pageText(alice)).not.toMatch(INTERNALS);
    expect(stack.pageErrors).toEqual([]);
  });
});
