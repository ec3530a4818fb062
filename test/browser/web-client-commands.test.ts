/**
 * The web client of examples/browser and the gateway's commands (XEP-0050),
 * in headless Chromium against a real Prosody and the gateway serving the
 * demo network:
 *
 * - the Commands view lists the gateway's commands and runs them stage by
 *   stage: "List my groups" shows a table; the demo module's own
 *   "Preferences" form (a boolean and a list-single field) round-trips its
 *   values;
 * - registering goes through the gateway's register command
 *   (`registerWithGateway`): erin (a code after her password: a wrong code
 *   is said in plain words, the right one registers) and frank (a QR code,
 *   shown as an image, which the demo network's "phone app" scans by itself:
 *   registered without anything more from him).
 *
 * alice is registered with the gateway up front; erin and frank are not.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { Command, CommandAccess, CommandForm, type RegistrationField } from "../../src/gateway/index.js";
import { DEMO_ACCOUNTS, DEMO_STEP_ACCOUNTS, DEMO_TWO_FACTOR_CODE, DemoNetwork } from "../../examples/demo-network/index.js";
import { GATEWAY_DOMAIN as GW, INTERNALS, OUTPUT_DIR, WAIT, WebClientStack, expectNoErrorToast, loginPage, pageText } from "./helpers.js";

/** XMPP accounts with the demo network's passwords. */
const PASSWORDS: Record<string, string> = Object.fromEntries([...DEMO_ACCOUNTS, ...DEMO_STEP_ACCOUNTS].map((a) => [a.id, a.password]));

const stack = new WebClientStack({
  passwords: PASSWORDS,
  gateway: {
    // The demo network's "phone app" scans a QR code 3 s after it is shown (the demo's pace).
    network: new DemoNetwork({ qrScanDelayMs: 3_000 }),
    registered: ["alice"],
  },
  title: "Commands test",
});

/**
 * A command of this test's gateway whose form has a field of every type the
 * page draws (list-multi and hidden go through a cast: a module's fields
 * have no such types); it answers with the values it got.
 */
class EveryFieldCommand extends Command {
  readonly name = "Every field";
  readonly node = "every-field";
  readonly help = "A form with every type of field";
  override readonly access = CommandAccess.ANY;
  async run() {
    const fields: RegistrationField[] = [
      { var: "name", label: "Name", value: "Ada", required: true },
      { var: "secret", label: "Secret", type: "text-private" },
      { var: "bio", label: "About you", type: "text-multi", value: "line one\nline two" },
      { var: "agree", label: "I agree", type: "boolean", value: "0" },
      { var: "color", label: "Colour", type: "list-single", value: "green", options: [{ value: "red", label: "Red" }, { value: "green", label: "Green" }] },
      { var: "toppings", label: "Toppings", type: "list-multi" as RegistrationField["type"], options: [{ value: "cheese", label: "Cheese" }, { value: "olives", label: "Olives" }, { value: "basil", label: "Basil" }] },
      { var: "contact", label: "Contact", type: "jid-single" },
      { var: "info", label: "Note", type: "fixed", value: "Read me first" },
      { var: "token", type: "hidden" as RegistrationField["type"], value: "h-1" },
    ];
    return new CommandForm({
      title: "Every field",
      instructions: "Fill them all in.",
      fields,
      handler: async (values) =>
        Object.keys(values)
          .sort()
          .map((k) => `${k}=${(values[k] ?? "").replace(/\n/g, "|")}`)
          .join("; "),
    });
  }
}

beforeAll(async () => {
  await stack.start();
  // Before any command is asked for (the gateway makes its commands on first use).
  stack.gateway.gateway.commands = [...stack.gateway.gateway.commands, EveryFieldCommand];
  await mkdir(OUTPUT_DIR, { recursive: true });
}, 60_000);

afterAll(async () => {
  await stack.stop();
  expect(stack.pageErrors).toEqual([]);
}, 60_000);

/** The legacy data the gateway saved for a user. */
function legacyDataOf(username: string) {
  return stack.gateway.store.users.get(`${username}@${stack.prosody.domain}`)?.legacyData;
}

/** Open the gateway's Commands view and run one command from its list. */
async function runCommand(page: Page, node: string): Promise<void> {
  await page.getByTestId("gateway-commands").click({ timeout: WAIT });
  await page.locator(`[data-testid=command-item][data-node="${node}"]`).click({ timeout: WAIT });
}

describe("web client: the gateway's commands", () => {
  it("lists the gateway's commands; 'List my groups' shows a table of the groups", async () => {
    const alice = await loginPage(stack, "alice");
    await alice.locator("[data-testid=gateway-status][data-state=registered]").waitFor({ timeout: WAIT });
    await alice.getByTestId("gateway-commands").click({ timeout: WAIT });
    await alice.getByTestId("commands-view").waitFor({ timeout: WAIT });
    await alice.locator("[data-testid=command-item]").first().waitFor({ timeout: WAIT });
    const nodes = await alice.locator("[data-testid=command-item]").evaluateAll((els) => els.map((el) => el.getAttribute("data-node")));
    expect(nodes).toEqual(expect.arrayContaining(["groups", "preferences", "unregister"]));
    expect(nodes).not.toContain("register");

    await alice.locator('[data-testid=command-item][data-node="groups"]').click();
    const stage = alice.locator('[data-testid=command-stage][data-node="groups"][data-status=completed]');
    await stage.waitFor({ timeout: WAIT });
    await expect(alice.getByTestId("command-title").textContent()).resolves.toBe("Your groups (3)");
    await expect(alice.locator("[data-testid=command-table] th").allTextContents()).resolves.toEqual(["Address", "Name"]);
    const rows = await alice.locator("[data-testid=command-row]").evaluateAll((trs) => trs.map((tr) => Array.from(tr.querySelectorAll("td"), (td) => td.textContent)));
    expect(rows).toEqual(expect.arrayContaining([[`coffee@${GW}`, "Coffee corner"], [`announcements@${GW}`, "Announcements"], [`book-club@${GW}`, "Book club"]]));
    await alice.screenshot({ path: join(OUTPUT_DIR, "web-client-commands-groups.png"), timeout: WAIT });
    await alice.getByTestId("command-close").click();
    await expect(alice.getByTestId("command-stage").count()).resolves.toBe(0);
    await expectNoErrorToast(alice);
    await expect(pageText(alice)).resolves.not.toMatch(INTERNALS);
    await alice.context().close();
  });

  it("the demo module's own 'Preferences' form round-trips a boolean and a list-single value", async () => {
    const alice = await loginPage(stack, "alice");
    await alice.locator("[data-testid=gateway-status][data-state=registered]").waitFor({ timeout: WAIT });
    await runCommand(alice, "preferences");
    await alice.locator('[data-testid=command-stage][data-node="preferences"][data-status=executing]').waitFor({ timeout: WAIT });
    await expect(alice.getByTestId("command-title").textContent()).resolves.toBe("Demo network preferences");
    const digest = alice.getByTestId("command-field-digest");
    const notify = alice.getByTestId("command-field-notify");
    await expect(digest.isChecked()).resolves.toBe(false);
    await expect(notify.inputValue()).resolves.toBe("mentions");
    await expect(notify.locator("option").allTextContents()).resolves.toEqual(["Every message", "Mentions of me", "Nothing"]);
    // Only the stage's actions: Cancel and Complete.
    await expect(alice.locator("[data-testid=command-action]").evaluateAll((bs) => bs.map((b) => b.getAttribute("data-action")))).resolves.toEqual(["cancel", "complete"]);
    await digest.check();
    await notify.selectOption("all");
    await alice.screenshot({ path: join(OUTPUT_DIR, "web-client-commands-preferences.png"), timeout: WAIT });
    await alice.locator('[data-testid=command-action][data-action="complete"]').click();
    await alice.locator('[data-testid=command-stage][data-node="preferences"][data-status=completed]').waitFor({ timeout: WAIT });
    await expect(alice.locator("[data-testid=command-note]").textContent()).resolves.toBe("Saved. Daily digest: on; notifications: every message");
    await expect(alice.locator("[data-testid=command-note]").getAttribute("data-type")).resolves.toBe("info");
    expect(legacyDataOf("alice")?.preferences).toEqual({ digest: true, notify: "all" });

    // Run again: the form shows what was saved; Cancel closes it (cancelled at the gateway) and leaves them as they were.
    await alice.getByTestId("command-close").click();
    await alice.locator('[data-testid=command-item][data-node="preferences"]').click();
    await alice.locator('[data-testid=command-stage][data-node="preferences"][data-status=executing]').waitFor({ timeout: WAIT });
    await expect(alice.getByTestId("command-field-digest").isChecked()).resolves.toBe(true);
    await expect(alice.getByTestId("command-field-notify").inputValue()).resolves.toBe("all");
    await alice.getByTestId("command-field-notify").selectOption("none");
    await alice.locator('[data-testid=command-action][data-action="cancel"]').click();
    await alice.getByTestId("command-stage").waitFor({ state: "detached", timeout: WAIT });
    expect(legacyDataOf("alice")?.preferences).toEqual({ digest: true, notify: "all" });
    await expectNoErrorToast(alice);
    await expect(pageText(alice)).resolves.not.toMatch(INTERNALS);
    await alice.context().close();
  });
});

describe("web client: a command's form, field by field", () => {
  it("draws every type of field with its value, and submits what was typed (hidden fields as they came)", async () => {
    const alice = await loginPage(stack, "alice");
    await runCommand(alice, "every-field");
    await alice.locator('[data-testid=command-stage][data-node="every-field"][data-status=executing]').waitFor({ timeout: WAIT });
    await expect(alice.getByTestId("command-instructions").textContent()).resolves.toBe("Fill them all in.");
    const field = (name: string) => alice.getByTestId(`command-field-${name}`);
    await expect(field("name").inputValue()).resolves.toBe("Ada");
    await expect(field("secret").getAttribute("type")).resolves.toBe("password");
    await expect(field("bio").evaluate((el) => el.tagName)).resolves.toBe("TEXTAREA");
    await expect(field("bio").inputValue()).resolves.toBe("line one\nline two");
    await expect(field("agree").getAttribute("type")).resolves.toBe("checkbox");
    await expect(field("color").inputValue()).resolves.toBe("green");
    await expect(field("contact").getAttribute("type")).resolves.toBe("email");
    await expect(alice.getByTestId("command-fixed").textContent()).resolves.toBe("Note: Read me first");
    await expect(alice.locator("[data-testid=commands-view] [name=token]").count()).resolves.toBe(0);

    await field("name").fill("Grace");
    await field("secret").fill("s3cret");
    await field("bio").fill("first\nsecond");
    await field("agree").check();
    await field("color").selectOption("red");
    await alice.getByTestId("command-field-toppings-cheese").check();
    await alice.getByTestId("command-field-toppings-basil").check();
    await field("contact").fill("bob@localhost");
    await alice.screenshot({ path: join(OUTPUT_DIR, "web-client-commands-fields.png"), timeout: WAIT });
    await alice.locator('[data-testid=command-action][data-action="complete"]').click();
    await alice.locator('[data-testid=command-stage][data-node="every-field"][data-status=completed]').waitFor({ timeout: WAIT });
    await expect(alice.getByTestId("command-note").textContent()).resolves.toBe(
      "agree=1; bio=first|second; color=red; contact=bob@localhost; name=Grace; secret=s3cret; token=h-1; toppings=cheese|basil",
    );
    await expectNoErrorToast(alice);
    await alice.context().close();
  });

  it("a required field left empty: the gateway's refusal in plain words, in the card", async () => {
    const alice = await loginPage(stack, "alice");
    await runCommand(alice, "every-field");
    await alice.locator('[data-testid=command-stage][data-node="every-field"][data-status=executing]').waitFor({ timeout: WAIT });
    // Past the browser's own check of the required field: what the gateway says.
    await alice.getByTestId("command-field-name").evaluate((el: HTMLInputElement) => {
      el.required = false;
      el.value = "";
    });
    await alice.locator('[data-testid=command-action][data-action="complete"]').click();
    const error = alice.getByTestId("command-error");
    await error.waitFor({ state: "visible", timeout: WAIT });
    await expect(error.textContent()).resolves.toBe("The gateway did not accept these values. Check them and try again. The gateway says: “Missing field: Name”");
    await expect(pageText(alice)).resolves.not.toMatch(INTERNALS);
    await alice.context().close();
  });
});

describe("web client: registering with the gateway in steps", () => {
  it("erin: her details, then the code the network sent; a wrong code is said in plain words, the right one registers", async () => {
    const erin = await loginPage(stack, "erin");
    await erin.locator("[data-testid=gateway-status][data-state=unregistered]").waitFor({ timeout: WAIT });
    await erin.getByTestId("gateway-register").click({ timeout: WAIT });
    await erin.getByTestId("register-field-username").fill("erin", { timeout: WAIT });
    await erin.getByTestId("register-field-password").fill(PASSWORDS.erin ?? "");
    await erin.getByTestId("register-submit").click();

    // Step 2: the code.
    await erin.locator("[data-testid=register-form][data-step='2']").waitFor({ timeout: WAIT });
    await expect(erin.locator("[data-testid=register-form] h2").textContent()).resolves.toBe("Two-factor code");
    await erin.getByTestId("register-field-code").fill("135790");
    await erin.getByTestId("register-submit").click();
    const error = erin.getByTestId("register-error");
    await error.waitFor({ state: "visible", timeout: WAIT });
    await expect(error.textContent()).resolves.toBe("That code was not accepted. Check it and try again.");
    // The page asks for the code again (its details went again by themselves).
    await erin.locator("[data-testid=register-form][data-step='2']").waitFor({ timeout: WAIT });
    await expect(erin.getByTestId("register-field-code").inputValue()).resolves.toBe("");
    await expect(error.isVisible()).resolves.toBe(true);
    expect(legacyDataOf("erin")).toBeUndefined();
    await erin.screenshot({ path: join(OUTPUT_DIR, "web-client-register-code-wrong.png"), timeout: WAIT });
    await expect(pageText(erin)).resolves.not.toMatch(INTERNALS);

    await erin.getByTestId("register-field-code").fill(DEMO_TWO_FACTOR_CODE);
    await erin.getByTestId("register-submit").click();
    await erin.locator("[data-testid=gateway-status][data-state=registered]").waitFor({ timeout: WAIT });
    await erin.getByTestId("empty-state").waitFor({ timeout: WAIT });
    expect(legacyDataOf("erin")).toMatchObject({ username: "erin", verification: "code", device: expect.stringMatching(/^device-/) });
    // Registered, the commands are those of a user.
    await runCommand(erin, "groups");
    await erin.locator('[data-testid=command-stage][data-node="groups"][data-status=completed]').waitFor({ timeout: WAIT });
    await expect(erin.getByTestId("command-title").textContent()).resolves.toBe("You are in no group");
    await expectNoErrorToast(erin);
    await erin.context().close();
  });

  it("frank: his details, then a QR code shown as an image; registered once the network's app scanned it, without anything more", async () => {
    const frank = await loginPage(stack, "frank");
    await frank.locator("[data-testid=gateway-status][data-state=unregistered]").waitFor({ timeout: WAIT });
    await frank.getByTestId("gateway-register").click({ timeout: WAIT });
    await frank.getByTestId("register-field-username").fill("frank", { timeout: WAIT });
    await frank.getByTestId("register-field-password").fill(PASSWORDS.frank ?? "");
    await frank.getByTestId("register-submit").click();

    const image = frank.getByTestId("register-qr-image");
    await image.waitFor({ timeout: WAIT });
    await expect(frank.locator("[data-testid=register-form]").getAttribute("data-kind")).resolves.toBe("qr");
    await expect(image.getAttribute("src")).resolves.toMatch(/^data:image\/gif;base64,/);
    // The image loaded (a real GIF), and its text is shown under it.
    await expect(image.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth > 0)).resolves.toBe(true);
    await expect(frank.getByTestId("register-qr-text").textContent()).resolves.toMatch(/^demo-network-login:frank:/);
    await expect(frank.getByTestId("register-waiting").textContent()).resolves.toContain("Waiting for the scan");
    await expect(frank.getByTestId("register-submit").isHidden()).resolves.toBe(true);
    await frank.screenshot({ path: join(OUTPUT_DIR, "web-client-register-qr.png"), timeout: WAIT });

    // The demo network's app scans it (3 s); the page goes on by itself.
    await frank.locator("[data-testid=gateway-status][data-state=registered]").waitFor({ timeout: WAIT });
    await frank.getByTestId("empty-state").waitFor({ timeout: WAIT });
    expect(legacyDataOf("frank")).toMatchObject({ username: "frank", verification: "qr", device: expect.stringMatching(/^device-/) });
    await expectNoErrorToast(frank);
    await expect(pageText(frank)).resolves.not.toMatch(INTERNALS);
    await frank.context().close();
  });
});
