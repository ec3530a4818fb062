/**
 * slidge's send_text keywords: XEP-0334 hints, XEP-0511 link previews, and
 * correction_event_id, on a participant's and a contact's messages.
 */
import { afterEach, describe, expect, it } from "vitest";
import { closeStores, GW, join, RES, room, startGateway, USER } from "./helpers.js";

afterEach(closeStores);

const TO = `${USER}/${RES}`;
const RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#";
const OGP = "https://ogp.me/ns#";

describe("hints, link previews and correction ids", () => {
  it("a participant's message carries its hints and link previews; a correction takes the legacy edit's id", async () => {
    const h = await startGateway();
    await join(h, "coffee");
    const muc = await room(h, "coffee");
    const bob = await muc.getParticipant("Bob");
    h.component.takeSent();
    await bob.sendText("see https://example.org/a", "m-1", {
      hints: ["no-copy", "no-copy"],
      linkPreviews: [{ about: "https://example.org/a", title: "Example A", description: "An example", image: "https://example.org/a.png", siteName: "Example" }],
    });
    const msg = h.component.takeSent().find((s) => s.is("message") && s.attrs.to === TO && s.getChildText("body") !== null);
    expect(msg?.getChildren("no-copy", "urn:xmpp:hints")).toHaveLength(1);
    const rdf = msg?.getChild("Description", RDF);
    expect(rdf?.attrs["rdf:about"]).toBe("https://example.org/a");
    expect(rdf?.attrs["xmlns:og"]).toBe("https://ogp.me/ns#");
    expect(rdf?.getChildText("title", OGP)).toBe("Example A");
    expect(rdf?.getChildText("site_name", OGP)).toBe("Example");
    expect(rdf?.getChild("url", OGP)).toBeUndefined();
    expect(rdf?.toString()).toContain("<og:title>Example A</og:title>");

    await bob.correct("m-1", "see https://example.org/b", { correctionEventId: "edit-7" });
    const fix = h.component.takeSent().find((s) => s.is("message") && s.attrs.to === TO && s.getChild("replace", "urn:xmpp:message-correct:0"));
    expect(fix?.attrs.id).toBe("edit-7");
  });

  it("a contact's messages too", async () => {
    const h = await startGateway();
    const session = h.gateway.getSession(USER);
    if (!session) throw new Error("no session");
    const bob = await session.contacts.byLegacyId("bob");
    h.component.takeSent();
    await bob.sendText("hi", "d-1", { hints: ["store"], linkPreviews: [{ about: "https://x.example", title: "X" }] });
    await bob.correct("d-1", "hello", { correctionEventId: "d-edit-1" });
    const [text, fix] = h.component.takeSent();
    expect(text?.attrs.from).toBe(`bob@${GW}`);
    expect(text?.getChild("store", "urn:xmpp:hints")).toBeDefined();
    expect(text?.getChild("Description", RDF)?.getChildText("title", OGP)).toBe("X");
    expect(fix?.attrs.id).toBe("d-edit-1");
  });
});

describe("the user's reply and link previews reach onText", () => {
  it("the replied-to author, the fallback quote and the previews the user's client attached", async () => {
    const h = await startGateway();
    await join(h, "coffee");
    const muc = await room(h, "coffee");
    const bob = await muc.getParticipant("Bob");
    await bob.sendText("Fresh beans", "L-1");
    const delivered = h.component.sent.find((s) => s.is("message") && s.getChildText("body") === "Fresh beans" && s.attrs.to === TO);
    const stanzaId = delivered?.getChild("stanza-id", "urn:xmpp:sid:0")?.attrs.id as string;
    const quote = "> Bob wrote:\n> Fresh beans\n";
    h.component.receive(
      `<message type='groupchat' id='r1' from='${TO}' to='coffee@${GW}'><body>${quote}great, see https://beans.example</body>` +
        `<reply xmlns='urn:xmpp:reply:0' id='${stanzaId}' to='coffee@${GW}/Bob'/><fallback xmlns='urn:xmpp:fallback:0' for='urn:xmpp:reply:0'><body start='0' end='${[...quote].length}'/></fallback>` +
        `<rdf:Description xmlns:rdf='${RDF}' xmlns:og='${OGP}' rdf:about='https://beans.example'><og:title>Beans</og:title><og:site_name>Beans Inc.</og:site_name></rdf:Description></message>`,
    );
    await h.component.nextSent((s) => s.is("message") && s.attrs.id === "r1");
    const options = h.net.calls.textOptions.at(-1);
    expect(options?.replyTo).toBe("L-1");
    expect(options?.replyToAuthor).toBe(bob);
    expect(options?.replyToFallbackText).toBe(quote);
    expect(options?.linkPreviews).toEqual([{ about: "https://beans.example", title: "Beans", siteName: "Beans Inc." }]);
    expect(h.net.calls.onText.at(-1)?.text).toBe("great, see https://beans.example");
  });
});
