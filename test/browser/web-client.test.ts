/**
 * The web client of examples/browser, driven in headless Chromium against a
 * real Prosody, the gateway (serving the demo network) and the example's web
 * server: two pages (alice and bob) and one Node client (dave, this SDK's
 * MucService) in a Prosody room and in a gateway room.
 *
 * The pages reach Prosody's WebSocket through a fault-injecting TCP proxy
 * (test/helpers/fault-proxy.ts) between the web server's pass-through and
 * Prosody's HTTP port, so a test can make "the server" go away for the pages
 * (cut their connections, refuse new ones) and come back. Prosody keeps no
 * session for resumption (`smacks_hibernation_time = 0`): a cut drops the
 * pages' sessions and room presences at once, as a server restart would, and
 * the pages come back on new sessions and rejoin their rooms. The Node client
 * and the gateway connect to Prosody directly. One test also kills Prosody
 * itself (SIGKILL) and starts it again with its data: every connection is
 * cut, the pages', the Node client's and the gateway's.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdir, stat } from "node:fs/promises";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { xml } from "@xmpp/client";

import { MucService, createRoom, messageRefs, onMessageChange, sendCorrection, sendReactions, sendRetraction, setAffiliation, setRole, type MessageChangeEvent, type Room, type RoomEvents } from "../../src/index.js";
import { DEMO_ACCOUNTS } from "../../examples/demo-network/index.js";
import { nextRoomEvent, withTimeout } from "../helpers/prosody-clients.js";
import { GATEWAY_DOMAIN as GW, INTERNALS, OUTPUT_DIR, WAIT, WebClientStack, joinFromPage, loginPage, messageWith, occupant, openRoom, pageText, send } from "./helpers.js";

/** The next room event that `predicate` accepts (see `nextRoomEvent`). */
const next = nextRoomEvent;

const SCREENSHOT = join(OUTPUT_DIR, "web-client.png");

const DAVE = { username: "dave", password: "dave-pw", nick: "dave" };
/** XMPP accounts with the demo network's passwords (so the gateway registration matches). */
const PASSWORDS: Record<string, string> = { ...Object.fromEntries(DEMO_ACCOUNTS.map((a) => [a.id, a.password])), [DAVE.username]: DAVE.password };

/** Connections the proxy refused while paused (each a page's reconnection attempt). */
let refused = 0;
const stack = new WebClientStack({
  passwords: PASSWORDS,
  // A dropped connection ends its session at once (no XEP-0198 resumption), as a restart would.
  prosodyConfig: { global: "smacks_hibernation_time = 0\n" },
  // Pre-register alice and bob with the gateway, as XEP-0077 registration would.
  gateway: { registered: ["alice", "bob"] },
  // Between the web server's WebSocket pass-through and Prosody: the pages' way to the server.
  faultProxy: {
    log: (line) => {
      if (line.includes("refused a connection")) refused++;
    },
  },
  nodeClient: DAVE.username,
});
let alice: Page;
let bob: Page;
/** The service `lab` was joined through (dave's), for the moderation functions. */
let labMuc: MucService;
let lab: Room;
let labJid: string;
const coffeeJid = `coffee@${GW}`;

/**
 * A Prosody room `name` that dave creates with `config` and both pages join,
 * each seeing all three: dave's room, the bodies he hears, and each page's view of it.
 */
async function roomOfThree(name: string, config: NonNullable<Parameters<typeof createRoom>[3]>["config"]) {
  const jid = `${name}@${stack.prosody.mucDomain}`;
  const room = await withTimeout(createRoom(labMuc, jid, DAVE.nick, { config }), WAIT, `creating the ${name} room`);
  const heard: string[] = [];
  room.on("message", (m) => heard.push(m.body));
  await joinFromPage(alice, jid, "alice");
  await joinFromPage(bob, jid, "bob");
  for (const page of [alice, bob]) {
    for (const nick of ["alice", "bob", DAVE.nick]) await occupant(page, nick).waitFor({ timeout: WAIT });
  }
  const view = (page: Page) => page.locator(`[data-testid=room-view][data-jid="${jid}"]`);
  return { jid, room, heard, aliceView: view(alice), bobView: view(bob) };
}

beforeAll(async () => {
  await stack.start();
  // The Node client creates (and so unlocks) the Prosody room; it is its owner.
  labMuc = stack.muc;
  labJid = `lab@${stack.prosody.mucDomain}`;
  lab = await withTimeout(createRoom(labMuc, labJid, DAVE.nick, { config: { roomName: "Lab", public: true } }), WAIT, "creating the lab room");

  [alice, bob] = await Promise.all([loginPage(stack, "alice"), loginPage(stack, "bob")]);
}, 60_000);

afterAll(() => stack.stop(), 60_000);

describe("web client (examples/browser) in Chromium", () => {
  it("both pages join a Prosody room and see each other and the Node client", async () => {
    const daveSeesBob = next(lab, "join", (e) => e.occupant.nick === "bob");
    await joinFromPage(alice, labJid, "alice");
    await joinFromPage(bob, labJid, "bob");
    await daveSeesBob;
    for (const page of [alice, bob]) {
      for (const nick of ["alice", "bob", DAVE.nick]) await occupant(page, nick).waitFor({ timeout: WAIT });
    }
    await expect(occupant(alice, "alice").getAttribute("data-self")).resolves.toBe("true");
    await expect(occupant(alice, "bob").getAttribute("data-self")).resolves.toBe("false");
    await expect(occupant(bob, DAVE.nick).getAttribute("data-affiliation")).resolves.toBe("owner");
    expect(lab.occupants.map((o) => o.nick)).toEqual(expect.arrayContaining(["alice", "bob", DAVE.nick]));
  });

  it("a message typed in a page reaches the other page and the Node client, and is delivered", async () => {
    const text = `hello from alice's page ${Date.now()}`;
    const atDave = next(lab, "message", (m) => m.body === text);
    await send(alice, text);
    const m = await atDave;
    expect(m.nick).toBe("alice");
    await messageWith(bob, text, "[data-nick=alice]").waitFor({ timeout: WAIT });
    // The sender's own copy: reflected by the room.
    const own = messageWith(alice, text, "[data-own=true]");
    await messageWith(alice, text, "[data-own=true][data-state=delivered-to-recipient]").waitFor({ timeout: WAIT });
    await expect(own.getByTestId("message-state").getAttribute("data-state")).resolves.toBe("delivered-to-recipient");

    const reply = `and bob answers ${Date.now()}`;
    const replyAtDave = next(lab, "message", (x) => x.body === reply);
    await send(bob, reply);
    expect((await replyAtDave).nick).toBe("bob");
    await messageWith(alice, reply, "[data-nick=bob]").waitFor({ timeout: WAIT });
    await messageWith(bob, reply, "[data-own=true][data-state=delivered-to-recipient]").waitFor({ timeout: WAIT });
  });

  it("a message from the Node client appears in both pages", async () => {
    const text = `dave (Node) says hi ${Date.now()}`;
    await withTimeout(lab.sendTrackedMessage(text).done, WAIT, "dave's message");
    for (const page of [alice, bob]) {
      const item = messageWith(page, text, `[data-nick="${DAVE.nick}"]`);
      await item.waitFor({ timeout: WAIT });
      await expect(item.getAttribute("data-own")).resolves.not.toBe("true");
      await expect(item.getAttribute("data-state")).resolves.toBe("received");
    }
  });

  it("in a gateway room, the page sees the demo network's people and a legacy user's message", async () => {
    await joinFromPage(alice, coffeeJid, "alice");
    await occupant(alice, "Carol").waitFor({ timeout: WAIT });
    const text = `carol on the legacy network ${Date.now()}`;
    await stack.network.as("carol").send("coffee", text);
    await messageWith(alice, text, "[data-nick=Carol]").waitFor({ timeout: WAIT });

    // And the other way: alice's page → the demo network.
    const out = `alice through the gateway ${Date.now()}`;
    await send(alice, out);
    await messageWith(alice, out, "[data-own=true][data-state=delivered-to-recipient]").waitFor({ timeout: WAIT });
    await expect
      .poll(async () => (await stack.network.as("carol").history("coffee")).some((msg) => msg.text === out), { timeout: WAIT, interval: 100 })
      .toBe(true);
  });

  it("in a gateway room, the page's reaction reaches the demo network, and a legacy edit and deletion reach the page", async () => {
    const view = alice.locator(`[data-testid=room-view][data-jid="${coffeeJid}"]`);
    const carol = stack.network.as("carol");
    const id = await carol.send("coffee", `carol's tpyo ${Date.now()}`);
    const item = view.locator("[data-testid=message][data-nick=Carol][data-stanza-id]").filter({ hasText: "carol's tpyo" });
    await item.waitFor({ timeout: WAIT });
    const stanzaId = await item.getAttribute("data-stanza-id");
    const message = view.locator(`[data-testid=message][data-stanza-id="${stanzaId}"]`);

    await message.hover();
    await message.getByTestId("action-react").click({ timeout: WAIT });
    await message.locator("[data-testid=reaction-option][data-emoji='🎉']").click({ timeout: WAIT });
    await expect
      .poll(async () => (await carol.history("coffee")).find((m) => m.id === id)?.reactions?.alice, { timeout: WAIT, interval: 100 })
      .toEqual(["🎉"]);
    await message.locator("[data-testid=reaction][data-emoji='🎉'][data-mine=true]").waitFor({ timeout: WAIT });

    await carol.edit("coffee", id, "carol's typo, fixed");
    await message.locator("[data-testid=message-body]").filter({ hasText: /^carol's typo, fixed$/ }).waitFor({ timeout: WAIT });
    await message.getByTestId("message-edited").waitFor({ timeout: WAIT });
    await carol.delete("coffee", id);
    await message.locator("[data-testid=message-body]").filter({ hasText: "This message was deleted" }).waitFor({ timeout: WAIT });
    await expect(alice.getByTestId("error-banner").isHidden()).resolves.toBe(true);
  });

  it("in a gateway room, alice (the group's owner) removes carol's message from the page; the network and the page agree", async () => {
    const view = alice.locator(`[data-testid=room-view][data-jid="${coffeeJid}"]`);
    await openRoom(alice, coffeeJid);
    // The gateway's room announces XEP-0425, and alice moderates it: the log says so.
    await view.locator("[data-testid=messages][data-can-moderate=true]").waitFor({ timeout: WAIT });
    const carol = stack.network.as("carol");
    const id = await carol.send("coffee", `buy cheap potions ${Date.now()}`);
    const item = view.locator("[data-testid=message][data-nick=Carol][data-stanza-id]").filter({ hasText: "buy cheap potions" });
    await item.waitFor({ timeout: WAIT });
    const message = view.locator(`[data-testid=message][data-stanza-id="${await item.getAttribute("data-stanza-id")}"]`);
    // Our own messages have no Remove; others' do.
    await expect(view.locator("[data-testid=message][data-own=true] [data-testid=action-remove]").count()).resolves.toBe(0);
    await message.hover();
    await message.getByTestId("action-remove").click({ timeout: WAIT });
    await alice.getByTestId("dialog").waitFor({ state: "visible", timeout: WAIT });
    await alice.getByTestId("dialog-input").fill("spam");
    await alice.getByTestId("dialog-confirm").click();
    await message.locator("[data-testid=message-body]").filter({ hasText: "Removed by a moderator: spam" }).waitFor({ timeout: WAIT });
    await expect
      .poll(async () => (await carol.history("coffee")).some((m) => m.id === id), { timeout: WAIT, interval: 100 })
      .toBe(false);
    await expect(alice.getByTestId("error-banner").isHidden()).resolves.toBe(true);
  });

  it("a screenshot of the page is saved under test-output/", async () => {
    await mkdir(OUTPUT_DIR, { recursive: true });
    await openRoom(alice, labJid);
    await alice.screenshot({ path: SCREENSHOT, fullPage: true, timeout: WAIT });
    expect((await stat(SCREENSHOT)).size).toBeGreaterThan(1_000);
  });

  it("the owner (the Node client) kicks bob; bob's page shows it", async () => {
    await openRoom(bob, labJid);
    const aliceSeesLeave = occupant(alice, "bob").waitFor({ state: "detached", timeout: WAIT });
    await openRoom(alice, labJid);
    await withTimeout(setRole(labMuc, lab.jid, "bob", "none", { reason: "testing kicks" }), WAIT, "kicking bob");
    await bob.locator(`[data-testid=room-view][data-jid="${labJid}"][data-state=left]`).waitFor({ timeout: WAIT });
    await bob.locator("[data-testid=notice][data-kind=exit]").filter({ hasText: "You were kicked" }).waitFor({ timeout: WAIT });
    await bob.getByTestId("rejoin-button").waitFor({ timeout: WAIT });
    await aliceSeesLeave;
    await alice.locator("[data-testid=notice][data-kind=kick]").filter({ hasText: "bob" }).waitFor({ timeout: WAIT });
    expect(lab.getOccupant("bob")).toBeUndefined();
  });

  it("bob rejoins; alice, made admin, kicks him from the page (occupant → Kick → confirm)", async () => {
    const daveSeesBob = next(lab, "join", (e) => e.occupant.nick === "bob");
    await bob.getByTestId("rejoin-button").click({ timeout: WAIT });
    await bob.locator(`[data-testid=room-view][data-jid="${labJid}"][data-state=joined]`).waitFor({ timeout: WAIT });
    await daveSeesBob;
    await occupant(alice, "bob").waitFor({ timeout: WAIT });

    await withTimeout(setAffiliation(labMuc, lab.jid, `alice@${stack.prosody.domain}`, "admin"), WAIT, "making alice an admin");
    await alice.locator("[data-testid=my-role][data-role=moderator][data-affiliation=admin]").waitFor({ timeout: WAIT });

    await occupant(alice, "bob").click({ timeout: WAIT });
    const details = alice.getByTestId("occupant-details");
    await details.waitFor({ timeout: WAIT });
    await details.getByTestId("action-kick").click({ timeout: WAIT });
    await alice.getByTestId("dialog").waitFor({ state: "visible", timeout: WAIT });
    await alice.getByTestId("dialog-input").fill("from the page");
    const daveSeesKick = next(lab, "leave", (e) => e.occupant.nick === "bob");
    await alice.getByTestId("dialog-confirm").click();
    await daveSeesKick;

    await bob.locator(`[data-testid=room-view][data-jid="${labJid}"][data-state=left]`).waitFor({ timeout: WAIT });
    await bob.locator("[data-testid=notice][data-kind=exit]").filter({ hasText: "You were kicked by alice: from the page" }).waitFor({ timeout: WAIT });
    await occupant(alice, "bob").waitFor({ state: "detached", timeout: WAIT });
    await expect(alice.getByTestId("error-banner").isHidden()).resolves.toBe(true);
  });

  it("in a Prosody room without XEP-0425, a moderator gets no Remove action", async () => {
    const view = alice.locator(`[data-testid=room-view][data-jid="${labJid}"]`);
    await openRoom(alice, labJid);
    await alice.locator("[data-testid=my-role][data-role=moderator]").waitFor({ timeout: WAIT });
    await expect(view.getByTestId("messages").getAttribute("data-can-moderate")).resolves.toBe("false");
    const other = view.locator("[data-testid=message][data-own=false][data-stanza-id]").first();
    await other.hover();
    await expect(other.getByTestId("action-remove").isVisible()).resolves.toBe(false);
  });

  it("in a moderated room, bob's page asks for voice; alice's page (an admin) grants it", async () => {
    const stageJid = `stage@${stack.prosody.mucDomain}`;
    await withTimeout(createRoom(labMuc, stageJid, DAVE.nick, { config: { roomName: "Stage", public: true, moderated: true } }), WAIT, "creating the stage");
    await withTimeout(setAffiliation(labMuc, stageJid, `alice@${stack.prosody.domain}`, "admin"), WAIT, "making alice an admin of the stage");
    await joinFromPage(alice, stageJid, "alice");
    await alice.locator("[data-testid=my-role][data-role=moderator]").waitFor({ timeout: WAIT });
    await joinFromPage(bob, stageJid, "bob");
    await bob.locator("[data-testid=my-role][data-role=visitor]").waitFor({ timeout: WAIT });

    await bob.getByTestId("action-request-voice").click({ timeout: WAIT });
    const request = alice.locator("[data-testid=voice-request][data-nick=bob]");
    await request.waitFor({ timeout: WAIT });
    await request.getByTestId("voice-grant").click();
    await bob.locator("[data-testid=my-role][data-role=participant]").waitFor({ timeout: WAIT });
    await alice.locator("[data-testid=notice][data-kind=voice]").filter({ hasText: "Granted voice to bob" }).waitFor({ timeout: WAIT });
    await expect(alice.getByTestId("error-banner").isHidden()).resolves.toBe(true);
  });

  it("a page pages back through a room's archive past the join's history", async () => {
    const archiveJid = `archive@${stack.prosody.mucDomain}`;
    const room = await withTimeout(createRoom(labMuc, archiveJid, DAVE.nick, { config: { roomName: "Archive", public: true } }), WAIT, "creating the archive room");
    // More than the page's join history (50 messages); early on, a correction, reactions and a
    // retraction of earlier seeds, which only the archive pages bring.
    const ids: string[] = [];
    const stanzaIds: string[] = [];
    for (let i = 0; i < 60; i++) {
      const tracker = room.sendTrackedMessage(`seed ${i}`);
      await withTimeout(tracker.done, WAIT, `seed ${i}`);
      ids.push(tracker.id);
      stanzaIds.push(tracker.stanzaId ?? "");
      if (i === 5) {
        await sendCorrection(labMuc, archiveJid, ids[1]!, "seed 1, corrected");
        await sendReactions(labMuc, archiveJid, stanzaIds[2]!, ["🎉"]);
        await sendRetraction(labMuc, archiveJid, stanzaIds[3]!);
      }
    }
    // And a correction of the first seed, which comes with the join's history while its message does not.
    await sendCorrection(labMuc, archiveJid, ids[0]!, "seed 0, corrected");
    await joinFromPage(alice, archiveJid, "alice");
    const view = alice.locator(`[data-testid=room-view][data-jid="${archiveJid}"]`);
    await view.getByTestId("message-body").filter({ hasText: /^seed 59$/ }).waitFor({ timeout: WAIT });
    await expect(view.getByTestId("message-body").filter({ hasText: /^seed 0/ }).count()).resolves.toBe(0);
    // A live change to a message older than the log: it waits for that message's page. (The
    // marker after it, through the same room, says it has arrived.)
    await sendReactions(labMuc, archiveJid, stanzaIds[2]!, ["🎉", "👍"]);
    await withTimeout(room.sendTrackedMessage("marker").done, WAIT, "the marker");
    await view.getByTestId("message-body").filter({ hasText: /^marker$/ }).waitFor({ timeout: WAIT });

    // Pages of 20 until the start of the archive.
    const start = view.getByTestId("archive-start");
    for (let i = 0; i < 5 && !(await start.isVisible()); i++) {
      await view.locator("[data-testid=load-earlier]:not([disabled])").click({ timeout: WAIT });
      await expect(view.locator("[data-testid=load-earlier]:not([disabled]), [data-testid=archive-start]").first().waitFor({ timeout: WAIT })).resolves.toBeUndefined();
    }
    await start.waitFor({ timeout: WAIT });
    const bodies = await view.getByTestId("message-body").allTextContents();
    const seeds = bodies.filter((b) => b.startsWith("seed ") || b === "This message was deleted");
    const expected: Record<number, string> = { 0: "seed 0, corrected", 1: "seed 1, corrected", 3: "This message was deleted" };
    expect(seeds).toEqual(Array.from({ length: 60 }, (_, i) => expected[i] ?? `seed ${i}`));
    expect(bodies.some((b) => b.includes("retracted a previous message"))).toBe(false);
    await view.locator(`[data-testid=message][data-stanza-id="${stanzaIds[1]}"] [data-testid=message-edited]`).waitFor({ timeout: WAIT });
    // The archived reaction, then the live one that replaced it.
    await view.locator(`[data-testid=message][data-stanza-id="${stanzaIds[2]}"] [data-testid=reaction][data-emoji='🎉'][data-count='1']`).waitFor({ timeout: WAIT });
    await view.locator(`[data-testid=message][data-stanza-id="${stanzaIds[2]}"] [data-testid=reaction][data-emoji='👍'][data-count='1']`).waitFor({ timeout: WAIT });
    await withTimeout(room.leave(), WAIT, "dave leaving the archive room");
  });

  it("replies, reactions, an edit and a deletion between the pages, as the Node client hears them", async () => {
    const talkJid = `talk@${stack.prosody.mucDomain}`;
    const talk = await withTimeout(createRoom(labMuc, talkJid, DAVE.nick, { config: { roomName: "Talk", public: true } }), WAIT, "creating the talk room");
    await joinFromPage(alice, talkJid, "alice");
    await joinFromPage(bob, talkJid, "bob");
    const aliceView = alice.locator(`[data-testid=room-view][data-jid="${talkJid}"]`);
    const bobView = bob.locator(`[data-testid=room-view][data-jid="${talkJid}"]`);
    const daveChanges: MessageChangeEvent[] = [];
    const stop = onMessageChange(labMuc, (c) => {
      if (c.room === talk) daveChanges.push(c);
    });
    try {
      // alice says something with a typo; bob's copy gets the room's stanza-id.
      const atDaveFirst = next(talk, "message", (m) => m.body === "Fair is fuol");
      await send(alice, "Fair is fuol");
      // dave sends a message with the same id attribute: ids are the sender's to choose, so a
      // correction must still find alice's message, by author and id.
      const aliceId = (await atDaveFirst).id!;
      await stack.client.xmpp.send(xml("message", { type: "groupchat", to: talkJid, id: aliceId }, xml("body", {}, "same id, other author")));
      await bobView.locator("[data-testid=message]").filter({ hasText: "same id, other author" }).waitFor({ timeout: WAIT });
      const first = bobView.locator("[data-testid=message][data-nick=alice][data-stanza-id]").filter({ hasText: "Fair is fuol" });
      await first.waitFor({ timeout: WAIT });
      const stanzaId = await first.getAttribute("data-stanza-id");
      const atBob = bobView.locator(`[data-testid=message][data-stanza-id="${stanzaId}"]`);
      await aliceView.locator(`[data-testid=message][data-own=true][data-stanza-id="${stanzaId}"]`).waitFor({ timeout: WAIT });

      // bob reacts 👍 from the hover menu: alice sees one 👍, not hers; bob's is his.
      await atBob.hover();
      await atBob.getByTestId("action-react").click({ timeout: WAIT });
      await atBob.locator("[data-testid=reaction-option][data-emoji='👍']").click({ timeout: WAIT });
      const atAlice = aliceView.locator(`[data-testid=message][data-stanza-id="${stanzaId}"]`);
      await atAlice.locator("[data-testid=reaction][data-emoji='👍'][data-count='1'][data-mine=false]").waitFor({ timeout: WAIT });
      await atBob.locator("[data-testid=reaction][data-emoji='👍'][data-mine=true]").waitFor({ timeout: WAIT });
      // alice adds hers by clicking the chip: two.
      await atAlice.locator("[data-testid=reaction][data-emoji='👍']").click({ timeout: WAIT });
      await atBob.locator("[data-testid=reaction][data-emoji='👍'][data-count='2']").waitFor({ timeout: WAIT });

      // alice edits her message: bob sees the new text, marked edited; so does dave.
      await atAlice.hover();
      await atAlice.getByTestId("action-edit").click({ timeout: WAIT });
      await expect(alice.getByTestId("composer-context").textContent()).resolves.toContain("Editing your message");
      await expect(alice.getByTestId("composer-input").inputValue()).resolves.toBe("Fair is fuol");
      // Away to another room and back: the edit is still under way, its text in the composer.
      await openRoom(alice, labJid);
      await expect(alice.getByTestId("composer-context").isHidden()).resolves.toBe(true);
      await expect(alice.getByTestId("composer-input").inputValue()).resolves.toBe("");
      await openRoom(alice, talkJid);
      await expect(alice.getByTestId("composer-context").textContent()).resolves.toContain("Editing your message");
      await expect(alice.getByTestId("composer-input").inputValue()).resolves.toBe("Fair is fuol");
      await send(alice, "Fair is foul");
      await atBob.locator("[data-testid=message-body]").filter({ hasText: /^Fair is foul$/ }).waitFor({ timeout: WAIT });
      await atBob.getByTestId("message-edited").waitFor({ timeout: WAIT });
      await expect(atBob.locator("[data-testid=reaction][data-emoji='👍']").getAttribute("data-count")).resolves.toBe("2");
      await expect.poll(() => daveChanges.some((c) => c.kind === "correction" && c.body === "Fair is foul" && c.nick === "alice"), { timeout: WAIT }).toBe(true);

      // bob replies: alice sees the quote of the corrected text above bob's answer, without the fallback quote in the body.
      await atBob.hover();
      await atBob.getByTestId("action-reply").click({ timeout: WAIT });
      await expect(bob.getByTestId("composer-context").textContent()).resolves.toContain("Replying to alice");
      const replyAtDave = next(talk, "message", (m) => m.nick === "bob");
      await send(bob, "and foul is fair");
      const replyAtAlice = aliceView.locator("[data-testid=message][data-nick=bob]").filter({ hasText: "and foul is fair" });
      await replyAtAlice.waitFor({ timeout: WAIT });
      await expect(replyAtAlice.getByTestId("message-quote").textContent()).resolves.toBe("alice Fair is foul");
      await expect(replyAtAlice.getByTestId("message-body").textContent()).resolves.toBe("and foul is fair");
      await bobView.locator("[data-testid=message][data-own=true][data-state=delivered-to-recipient]").filter({ hasText: "and foul is fair" }).waitFor({ timeout: WAIT });
      const daveReply = await replyAtDave;
      const daveRefs = messageRefs(daveReply);
      expect([daveRefs.reply?.id, daveRefs.reply?.to?.toString(), daveRefs.text]).toEqual([stanzaId, `${talkJid}/alice`, "and foul is fair"]);
      // Clients without replies see the quote of the message as corrected.
      expect(daveReply.body).toBe("> alice wrote:\n> Fair is foul\nand foul is fair");

      // bob edits his reply: it stays a reply (a correction replaces the whole message).
      const bobsReply = bobView.locator("[data-testid=message][data-own=true][data-stanza-id]").filter({ hasText: "and foul is fair" });
      await bobsReply.hover();
      await bobsReply.getByTestId("action-edit").click({ timeout: WAIT });
      await expect(bob.getByTestId("composer-input").inputValue()).resolves.toBe("and foul is fair");
      await send(bob, "and foul is fair!");
      await replyAtAlice.locator("[data-testid=message-body]").filter({ hasText: /^and foul is fair!$/ }).waitFor({ timeout: WAIT });
      await expect(replyAtAlice.getByTestId("message-quote").textContent()).resolves.toBe("alice Fair is foul");
      await expect
        .poll(() => daveChanges.some((c) => c.kind === "correction" && c.nick === "bob" && c.body === "and foul is fair!" && messageRefs(c.stanza).reply?.id === stanzaId), { timeout: WAIT })
        .toBe(true);

      await mkdir(OUTPUT_DIR, { recursive: true });
      await alice.screenshot({ path: join(OUTPUT_DIR, "web-client-changes.png"), timeout: WAIT });

      // alice deletes her message (after confirming it): bob sees it gone, reactions and all.
      await atAlice.hover();
      await atAlice.getByTestId("action-delete").click({ timeout: WAIT });
      await alice.getByTestId("dialog").waitFor({ state: "visible", timeout: WAIT });
      await expect(alice.locator("#dialog-title").textContent()).resolves.toBe("Delete your message?");
      await alice.getByTestId("dialog-confirm").click();
      await atBob.locator("[data-testid=message-body]").filter({ hasText: "This message was deleted" }).waitFor({ timeout: WAIT });
      await expect(atBob.getAttribute("data-retracted")).resolves.toBe("true");
      await expect(atBob.getByTestId("reaction").count()).resolves.toBe(0);
      // The replies' quotes follow.
      await replyAtAlice.getByTestId("message-quote-text").filter({ hasText: "(deleted)" }).waitFor({ timeout: WAIT });
      await expect.poll(() => daveChanges.some((c) => c.kind === "retraction" && c.target === stanzaId && c.nick === "alice"), { timeout: WAIT }).toBe(true);
      for (const page of [alice, bob]) await expect(page.getByTestId("error-banner").isHidden()).resolves.toBe(true);
    } finally {
      stop();
    }
    await withTimeout(talk.leave(), WAIT, "dave leaving the talk room");
  });

  it("the server goes away mid-conversation and comes back: pending message, reconnecting banner, suspended occupants, then all normal", async () => {
    const { jid: outageJid, room, heard, aliceView, bobView } = await roomOfThree("outage", { roomName: "Outage", public: true });

    // Mid-conversation.
    const before = `before the outage ${Date.now()}`;
    await send(alice, before);
    await messageWith(alice, before, "[data-own=true][data-state=delivered-to-recipient]").waitFor({ timeout: WAIT });
    await messageWith(bob, before, "[data-nick=alice]").waitFor({ timeout: WAIT });
    const answer = `bob's answer, still connected ${Date.now()}`;
    await send(bob, answer);
    await messageWith(alice, answer, "[data-nick=bob]").waitFor({ timeout: WAIT });

    // The server goes away: live connections cut, new ones refused. Prosody drops both
    // sessions at once (no hibernation), so the room sees alice and bob go.
    const daveSeesThemGo = Promise.all(["alice", "bob"].map((nick) => next(room, "leave", (e) => e.occupant.nick === nick)));
    stack.proxy.pause();
    expect(stack.proxy.cutAll("the server is gone")).toBeGreaterThanOrEqual(2);
    await daveSeesThemGo;

    // Both pages: reconnecting, not an error.
    for (const page of [alice, bob]) {
      await page.locator("[data-testid=connection-banner][data-state=reconnecting]").waitFor({ state: "visible", timeout: WAIT });
      await page.locator("[data-testid=connection-status][data-state=reconnecting]").waitFor({ timeout: WAIT });
      await expect(page.getByTestId("error-banner").isHidden()).resolves.toBe(true);
    }
    await expect(alice.getByTestId("connection-text").textContent()).resolves.toMatch(/reconnecting/i);
    // The room is out of sync: the occupant list says so, and the room list marks the room.
    await alice.locator("[data-testid=occupants][data-suspended=true]").waitFor({ timeout: WAIT });
    await expect(alice.getByTestId("occupants-stale").textContent()).resolves.toContain("Reconnecting — this list may be out of date");
    await alice.locator(`[data-testid=room-item][data-jid="${outageJid}"][data-suspended=true]`).waitFor({ timeout: WAIT });
    await alice.locator(`[data-testid=room-view][data-jid="${outageJid}"][data-suspended=true]`).waitFor({ timeout: WAIT });

    // The composer still works: the message shows at once as pending.
    await expect(alice.getByTestId("composer-input").isEnabled()).resolves.toBe(true);
    await expect(alice.getByTestId("composer-send").isEnabled()).resolves.toBe(true);
    await alice.getByTestId("composer-offline").waitFor({ timeout: WAIT });
    const pending = `sent while the server is gone ${Date.now()}`;
    await send(alice, pending);
    const mine = messageWith(alice, pending, "[data-own=true]");
    await messageWith(alice, pending, "[data-own=true][data-pending=true][data-state=in-transit]").waitFor({ timeout: WAIT });
    await expect(mine.getByTestId("message-state").getAttribute("title")).resolves.toBe("Sending when back online");
    await expect(mine.getByTestId("message-note").textContent()).resolves.toBe("Sending when back online");
    // Let both pages fail to reconnect a few more times with the message waiting; it stays pending.
    const refusedSoFar = refused;
    await expect.poll(() => refused, { timeout: WAIT, interval: 100 }).toBeGreaterThanOrEqual(refusedSoFar + 4);
    await expect(mine.getAttribute("data-pending")).resolves.toBe("true");
    await expect(mine.getAttribute("data-state")).resolves.toBe("in-transit");
    await mkdir(OUTPUT_DIR, { recursive: true });
    await alice.screenshot({ path: join(OUTPUT_DIR, "web-client-offline.png"), timeout: WAIT });
    for (const page of [alice, bob]) await expect(pageText(page)).resolves.not.toMatch(INTERNALS);

    // The server is back.
    stack.proxy.resume();
    for (const page of [alice, bob]) {
      await page.getByTestId("connection-banner").waitFor({ state: "hidden", timeout: WAIT });
      await page.locator("[data-testid=connection-status][data-state=online]").waitFor({ timeout: WAIT });
    }
    // New sessions (the server forgot the old ones): each page's room was suspended, then rejoined.
    for (const view of [aliceView, bobView]) {
      await view.locator("[data-testid=notice][data-kind=suspend]").waitFor({ timeout: WAIT });
      await view.locator("[data-testid=notice][data-kind=resume]").waitFor({ timeout: WAIT });
    }
    await messageWith(alice, pending, "[data-own=true][data-state=delivered-to-recipient][data-pending=false]").waitFor({ timeout: WAIT });
    await expect(mine.getByTestId("message-note").textContent()).resolves.toBe("");
    await messageWith(bob, pending, "[data-nick=alice]").waitFor({ timeout: WAIT });
    // Occupants normal again, on both pages.
    for (const page of [alice, bob]) {
      await page.locator("[data-testid=occupants][data-suspended=false]").waitFor({ timeout: WAIT });
      await page.getByTestId("occupants-stale").waitFor({ state: "detached", timeout: WAIT });
      await page.locator(`[data-testid=room-item][data-jid="${outageJid}"][data-suspended=false]`).waitFor({ timeout: WAIT });
      for (const nick of ["alice", "bob", DAVE.nick]) await occupant(page, nick).waitFor({ timeout: WAIT });
    }
    await alice.getByTestId("composer-offline").waitFor({ state: "detached", timeout: WAIT });

    // Exactly once everywhere: a marker sent after it, once seen, means nothing more of it is on its way.
    const marker = `after the outage ${Date.now()}`;
    const daveHearsMarker = next(room, "message", (m) => m.body === marker);
    await send(alice, marker);
    await daveHearsMarker;
    await messageWith(bob, marker, "[data-nick=alice]").waitFor({ timeout: WAIT });
    await messageWith(alice, marker, "[data-own=true][data-state=delivered-to-recipient]").waitFor({ timeout: WAIT });
    expect(heard.filter((b) => b === pending)).toHaveLength(1);
    for (const [page, view] of [[alice, aliceView], [bob, bobView]] as const) {
      for (const text of [before, answer, pending]) await expect(view.locator("[data-testid=message]").filter({ hasText: text }).count()).resolves.toBe(1);
      await expect(page.getByTestId("error-banner").isHidden()).resolves.toBe(true);
      await expect(pageText(page)).resolves.not.toMatch(INTERNALS);
    }
    await withTimeout(room.leave(), WAIT, "dave leaving the outage room");
  });

  it("the server crashes (SIGKILL) mid-conversation and restarts: the same, with a real Prosody coming back from its data", async () => {
    // Persistent: the room outlives the crash, with its archive (the history the rejoins get).
    const { jid: crashJid, room, heard, aliceView, bobView } = await roomOfThree("crash", { roomName: "Crash", public: true, persistent: true });
    const before = `before the crash ${Date.now()}`;
    await send(alice, before);
    await messageWith(bob, before, "[data-nick=alice]").waitFor({ timeout: WAIT });

    // Killed, and back after 8 s with its data: every connection (pages, dave, the gateway) cut without a word.
    const restarted = stack.prosody.restart({ crash: true, downMs: 8_000 });
    for (const page of [alice, bob]) {
      await page.locator("[data-testid=connection-banner][data-state=reconnecting]").waitFor({ state: "visible", timeout: WAIT });
      await expect(page.getByTestId("error-banner").isHidden()).resolves.toBe(true);
    }
    await alice.locator(`[data-testid=room-view][data-jid="${crashJid}"][data-suspended=true]`).waitFor({ timeout: WAIT });
    const pending = `sent while the server was down ${Date.now()}`;
    await send(alice, pending);
    const mine = messageWith(alice, pending, "[data-own=true]");
    await messageWith(alice, pending, "[data-own=true][data-pending=true][data-state=in-transit]").waitFor({ timeout: WAIT });
    for (const page of [alice, bob]) await expect(pageText(page)).resolves.not.toMatch(INTERNALS);
    await withTimeout(restarted, 30_000, "the server restarting");

    for (const page of [alice, bob]) {
      await page.getByTestId("connection-banner").waitFor({ state: "hidden", timeout: WAIT });
      await page.locator("[data-testid=connection-status][data-state=online]").waitFor({ timeout: WAIT });
    }
    for (const view of [aliceView, bobView]) await view.locator("[data-testid=notice][data-kind=resume]").waitFor({ timeout: WAIT });
    await messageWith(alice, pending, "[data-own=true][data-state=delivered-to-recipient][data-pending=false]").waitFor({ timeout: WAIT });
    await messageWith(bob, pending, "[data-nick=alice]").waitFor({ timeout: WAIT });
    for (const page of [alice, bob]) {
      await page.locator(`[data-testid=room-item][data-jid="${crashJid}"][data-suspended=false]`).waitFor({ timeout: WAIT });
      for (const nick of ["alice", "bob", DAVE.nick]) await occupant(page, nick).waitFor({ timeout: WAIT });
    }

    // Exactly once everywhere, dave (a Node client that came back on its own) included.
    const marker = `after the crash ${Date.now()}`;
    const daveHearsMarker = next(room, "message", (m) => m.body === marker, WAIT);
    await send(alice, marker);
    await daveHearsMarker;
    await messageWith(bob, marker, "[data-nick=alice]").waitFor({ timeout: WAIT });
    expect(heard.filter((b) => b === pending)).toHaveLength(1);
    expect(heard.filter((b) => b === before)).toHaveLength(1);
    for (const [page, view] of [[alice, aliceView], [bob, bobView]] as const) {
      for (const text of [before, pending, marker]) await expect(view.locator("[data-testid=message]").filter({ hasText: text }).count()).resolves.toBe(1);
      await expect(page.getByTestId("error-banner").isHidden()).resolves.toBe(true);
      await expect(pageText(page)).resolves.not.toMatch(INTERNALS);
    }
    await expect(mine.getByTestId("message-note").textContent()).resolves.toBe("");

    // The gateway's component came back too, after the pages: their rejoins of its room, refused for now
    // (Prosody: remote-server-timeout, "Component unavailable"), were tried again, and alice's gateway room works again.
    await openRoom(alice, coffeeJid);
    await alice.locator(`[data-testid=room-view][data-jid="${coffeeJid}"][data-state=joined][data-suspended=false]`).waitFor({ timeout: WAIT });
    const viaGateway = `through the gateway after the crash ${Date.now()}`;
    await send(alice, viaGateway);
    await messageWith(alice, viaGateway, "[data-own=true][data-state=delivered-to-recipient]").waitFor({ timeout: WAIT });
    await expect(alice.getByTestId("error-banner").isHidden()).resolves.toBe(true);
    await withTimeout(room.leave(), WAIT, "dave leaving the crash room");
  });

  it("no uncaught errors in the pages", () => {
    expect(stack.pageErrors).toEqual([]);
  });
});
