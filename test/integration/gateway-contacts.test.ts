/**
 * Contacts and direct chats through a real Prosody whose mod_privilege
 * (Debian's prosody-modules) grants the gateway roster writes and the
 * outgoing message permission (XEP-0356): a friend pushed into the user's
 * roster at login, direct messages both ways with the SDK's client, and a
 * message the user wrote from the legacy network's own app shown in their
 * XMPP chat as a sent carbon (XEP-0280) — without coming back as a new one.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { xml } from "@xmpp/client";
import type { Element } from "@xmpp/xml";
import { startProsody, type ProsodyServer } from "../../src/testing/prosody.js";
import { BaseGateway, BaseSession, LegacyContact, LegacyRoster, runGateway, type Chat, type RunningGateway, type TextOptions } from "../../src/gateway/index.js";
import { connectClient, withTimeout, type TestClient } from "../helpers/prosody-clients.js";

const GW = "gateway.localhost";
const SECRET = "contacts-secret";
let server: ProsodyServer;
let running: RunningGateway | undefined;
let alice: TestClient | undefined;
const texts: { chat: string; text: string }[] = [];

class Gateway extends BaseGateway {
  override registrationFields = [];
  override rosterGroup = "Demo network";
}
class Session extends BaseSession {
  override async onText(chat: Chat, text: string, _options: TextOptions) {
    texts.push({ chat: chat.legacyId, text });
    return `legacy-${texts.length}`;
  }
}
class Roster extends LegacyRoster {
  override async *fill() {
    yield await this.byLegacyId("bob");
  }
}
class Contact extends LegacyContact {
  override async updateInfo() {
    this.name = "Bob Builder";
  }
}

function nextStanza(client: TestClient, pick: (el: Element) => boolean, ms = 10_000): Promise<Element> {
  return withTimeout(
    new Promise<Element>((resolve) => {
      const on = (el: Element): void => {
        if (!pick(el)) return;
        client.xmpp.off("stanza", on);
        resolve(el);
      };
      client.xmpp.on("stanza", on);
    }),
    ms,
    "a stanza",
  );
}

beforeAll(async () => {
  server = await startProsody({
    component: { domain: GW, secret: SECRET },
    users: [{ username: "alice", password: "alice-pw" }],
    extraModules: ["privilege", "carbons"],
    extraConfig: {
      virtualHost: `privileged_entities = { [${JSON.stringify(GW)}] = { roster = "both", message = "outgoing" } }`,
      component: `modules_enabled = { "privilege" }`,
    },
  });
  alice = await connectClient({ server, username: "alice", password: "alice-pw" });
  await alice.xmpp.send(xml("presence"));
  await alice.xmpp.iqCaller.set(xml("enable", { xmlns: "urn:xmpp:carbons:2" }));
}, 30_000);

afterAll(async () => {
  await alice?.stop();
  await running?.stop();
  await server?.stop();
});

describe("contacts through Prosody with mod_privilege", () => {
  it("the friend is in the user's roster at login; direct messages both ways; the user's own message from the legacy app is a sent carbon", async () => {
    const client = alice as TestClient;
    const subscribes: Element[] = [];
    client.xmpp.on("stanza", (el: Element) => void (el.is("presence") && el.attrs.type === "subscribe" && subscribes.push(el)));
    running = await runGateway({ Gateway, Session, Roster, Contact }, { jid: GW, secret: SECRET, server: server.componentUrl, db: ":memory:" });
    // alice registers; her session logs in, and the roster privilege puts bob in her roster.
    await client.xmpp.iqCaller.set(xml("query", { xmlns: "jabber:iq:register" }), GW);
    let item: Element | undefined;
    await withTimeout(
      (async () => {
        while (!item) {
          const roster = (await client.xmpp.iqCaller.get(xml("query", { xmlns: "jabber:iq:roster" }))) as Element;
          item = roster.getChildren("item").find((i) => i.attrs.jid === `bob@${GW}`);
          if (!item) await new Promise((r) => setTimeout(r, 100));
        }
      })(),
      10_000,
      "bob in alice's roster",
    );
    expect(item?.attrs).toMatchObject({ jid: `bob@${GW}`, name: "Bob Builder", subscription: "both" });
    expect(item?.getChildText("group")).toBe("Demo network");
    // No subscription request was needed.
    expect(subscribes).toEqual([]);

    // alice writes to bob: the session's onText, with the contact as the chat.
    await client.xmpp.send(xml("message", { to: `bob@${GW}`, type: "chat", id: "a1" }, xml("body", {}, "hi bob")));
    await withTimeout(
      (async () => {
        while (texts.length === 0) await new Promise((r) => setTimeout(r, 20));
      })(),
      10_000,
      "onText",
    );
    expect(texts).toEqual([{ chat: "bob", text: "hi bob" }]);

    // bob answers.
    const session = running.gateway.getSession(`alice@${server.domain}`) as BaseSession;
    const bob = await session.contacts.byLegacyId("bob");
    const answer = nextStanza(client, (el) => el.is("message") && el.attrs.from === `bob@${GW}` && el.getChildText("body") === "hello alice");
    await bob.sendText("hello alice", "b-1");
    await answer;

    // alice wrote from the legacy network's own app: her XMPP client sees it as sent by her.
    const carbon = nextStanza(client, (el) => el.is("message") && el.getChild("sent", "urn:xmpp:carbons:2") !== undefined);
    await bob.sendText("sent from my phone", "own-1", { carbon: true });
    const forwarded = (await carbon).getChild("sent", "urn:xmpp:carbons:2")?.getChild("forwarded", "urn:xmpp:forward:0")?.getChild("message");
    expect(forwarded?.attrs).toMatchObject({ from: `alice@${server.domain}`, to: `bob@${GW}` });
    expect(forwarded?.getChildText("body")).toBe("sent from my phone");
    // The server routes it to bob@gateway too; the gateway knows it for its own and does not relay it again.
    await new Promise((r) => setTimeout(r, 300));
    expect(texts).toEqual([{ chat: "bob", text: "hi bob" }]);
  }, 30_000);
});
