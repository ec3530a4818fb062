/**
 * Registering with a gateway through Prosody with the client's
 * `registerWithGateway`: one form (by the register command, and by XEP-0077),
 * a two-factor code, and a QR code the network confirms.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { Element } from "@xmpp/xml";
import { startProsody, type ProsodyServer } from "../../src/testing/prosody.js";
import { MucService, XMPPError, registerWithGateway, type GatewayRegistrationStep } from "../../src/index.js";
import { BaseGateway, BaseSession, runGateway, type PendingRegistration, type RegistrationType, type RunningGateway } from "../../src/gateway/index.js";
import { connectClient, type TestClient } from "../helpers/prosody-clients.js";

const GATEWAY = "gateway.localhost";
const SECRET = "reg-secret";
let server: ProsodyServer;
let running: RunningGateway | undefined;
let client: TestClient | undefined;
let user = 0;

/** A gateway module whose network takes the password "pw", the code "4242", and confirms QR scans by itself. */
function moduleOf(type: RegistrationType) {
  class Gateway extends BaseGateway {
    override registrationType = type;
    override async validate(_jid: unknown, form: Readonly<Record<string, string>>) {
      if (form.password !== "pw") throw new XMPPError("not-authorized", { text: "Wrong password" });
      return { login: form.username ?? "" };
    }
    override async validateTwoFactorCode(_user: PendingRegistration, code: string) {
      if (code !== "4242") throw new XMPPError("not-authorized", { text: "Wrong code" });
      return { verified: true };
    }
    override async getQrText(pending: PendingRegistration) {
      // The network's app scans it a moment later.
      setTimeout(() => void this.confirmQr(pending.jid, undefined, { device: "phone" }), 300);
      return `qr-login:${pending.registrationForm.username}`;
    }
  }
  return { Gateway, Session: BaseSession };
}

async function start(type: RegistrationType): Promise<TestClient> {
  running = await runGateway(moduleOf(type), { jid: GATEWAY, secret: SECRET, server: server.componentUrl, db: ":memory:" });
  user++;
  client = await connectClient({ server, username: `user${user}`, password: "user-pw" });
  return client;
}

beforeAll(async () => {
  server = await startProsody({
    component: { domain: GATEWAY, secret: SECRET },
    users: Array.from({ length: 6 }, (_, i) => ({ username: `user${i + 1}`, password: "user-pw" })),
  });
}, 30_000);

afterEach(async () => {
  await client?.stop();
  client = undefined;
  await running?.stop();
  running = undefined;
});

afterAll(async () => {
  await server?.stop();
});

describe("registerWithGateway through Prosody", () => {
  it("one form, by the register command (auto) and by XEP-0077 (in-band)", async () => {
    const { xmpp } = await start("single-step-form");
    const muc = new MucService(xmpp);
    const steps: GatewayRegistrationStep[] = [];
    const result = await registerWithGateway(muc, GATEWAY, (step) => {
      steps.push(step);
      return { username: "alice", password: "pw" };
    });
    expect(result).toEqual({ via: "command", notes: [{ type: "info", text: "You are registered" }] });
    expect(steps.map((s) => [s.step, s.via, s.form.fields.map((f) => f.var)])).toEqual([[1, "command", ["username", "password"]]]);
    expect(running?.store.users.get(`user${user}@${server.domain}`)?.legacyData).toEqual({ login: "alice" });
    muc.close();
    await client?.stop();

    user++;
    client = await connectClient({ server, username: `user${user}`, password: "user-pw" });
    const muc2 = new MucService(client.xmpp);
    const inBand = await registerWithGateway(muc2, GATEWAY, ({ form }) => (form.fields.some((f) => f.var === "password") ? { username: "bob", password: "pw" } : undefined), { via: "in-band" });
    expect(inBand.via).toBe("in-band");
    expect(running?.store.users.get(`user${user}@${server.domain}`)?.legacyData).toEqual({ login: "bob" });
    // Wrong credentials: the gateway's refusal.
    await expect(registerWithGateway(muc2, GATEWAY, () => ({ username: "bob", password: "nope" }), { via: "in-band" })).rejects.toMatchObject({ condition: "not-authorized" });
    muc2.close();
  });

  it("a two-factor code: the credentials, then the code; a wrong code is refused", async () => {
    const { xmpp } = await start("two-factor-code");
    const muc = new MucService(xmpp);
    await expect(registerWithGateway(muc, GATEWAY, ({ step }) => (step === 1 ? { username: "carol", password: "pw" } : { code: "0000" }))).rejects.toMatchObject({
      condition: "not-authorized",
    });
    const fields: string[][] = [];
    const result = await registerWithGateway(muc, GATEWAY, ({ step, form }) => {
      fields.push(form.fields.flatMap((f) => (f.var === undefined ? [] : [f.var])));
      return step === 1 ? { username: "carol", password: "pw" } : { code: "4242" };
    });
    expect(result.via).toBe("command");
    expect(fields).toEqual([["username", "password"], ["code"]]);
    expect(running?.store.users.get(`user${user}@${server.domain}`)?.legacyData).toEqual({ login: "carol", verified: true });
    muc.close();
  });

  it("a QR code: shown as text in the step and sent as an image; done once the network confirms the scan", async () => {
    const { xmpp } = await start("qr-code");
    const qrMessages: Element[] = [];
    xmpp.on("stanza", (el: Element) => {
      if (el.name === "message" && el.attrs.from === GATEWAY && el.getChild("x", "jabber:x:oob")) qrMessages.push(el);
    });
    await xmpp.send((await import("@xmpp/client")).xml("presence"));
    const muc = new MucService(xmpp);
    let shown: string | undefined;
    const result = await registerWithGateway(muc, GATEWAY, ({ step, form }) => {
      if (step === 1) return { username: "dave", password: "pw" };
      shown = form.fields.find((f) => f.type === "fixed")?.values[0];
      return {};
    });
    expect(result.via).toBe("command");
    expect(shown).toBe("qr-login:dave");
    expect(qrMessages[0]?.getChildText("body")).toBe("qr-login:dave");
    expect(qrMessages[0]?.getChild("x", "jabber:x:oob")?.getChildText("url")).toMatch(/^data:image\/gif;base64,/);
    expect(running?.store.users.get(`user${user}@${server.domain}`)?.legacyData).toEqual({ login: "dave", device: "phone" });
    muc.close();
  });

  it("cancelling in the middle leaves nothing registered", async () => {
    const { xmpp } = await start("two-factor-code");
    const muc = new MucService(xmpp);
    await expect(registerWithGateway(muc, GATEWAY, ({ step }) => (step === 1 ? { username: "erin", password: "pw" } : undefined))).rejects.toThrow(/cancelled/);
    expect(running?.store.users.get(`user${user}@${server.domain}`)).toBeUndefined();
    muc.close();
  });
});
