// The MUC client against a real Prosody: corrections (XEP-0308), replies
// (XEP-0461), reactions (XEP-0444) and retractions (XEP-0424) sent with this
// SDK's functions, as the other occupants hear them, naming the messages by
// the stanza-ids the room gave; and a moderation (XEP-0425) that a room
// without it refuses with a typed error.

import { describe, expect, it } from "vitest";
import {
  messageRefs,
  moderateMessage,
  onMessageChange,
  sendCorrection,
  sendReactions,
  sendReply,
  sendRetraction,
  XMPPError,
  type MessageChangeEvent,
  type MessageEvent,
} from "../../src/index.js";
import { withTimeout } from "../helpers/prosody-clients.js";
import { nextEvent, setupMucSuite } from "../helpers/muc-clients.js";

const suite = setupMucSuite();

/** The next change matching `predicate` that `onMessageChange` reports through `muc`. */
function nextChange(muc: Parameters<typeof onMessageChange>[0], predicate: (c: MessageChangeEvent) => boolean, what: string): Promise<MessageChangeEvent> {
  return withTimeout(
    new Promise<MessageChangeEvent>((resolve) => {
      const stop = onMessageChange(muc, (c) => {
        if (!predicate(c)) return;
        stop();
        resolve(c);
      });
    }),
    5_000,
    what,
  );
}

describe("MUC client against Prosody: messages that change earlier ones", () => {
  it("a correction, a reply, reactions and a retraction reach the others, naming the right messages", async () => {
    const { jid, ra, rb, rc } = await suite.roomOfThree("changes");

    // Alice says something; Bob and Carol see it with the room's stanza-id.
    const seenByBob = nextEvent(rb, "message", (m) => m.body === "Fair is fuol");
    const seenByCarol = nextEvent(rc, "message", (m) => m.body === "Fair is fuol");
    const sent = await ra.sendMessage("Fair is fuol");
    const original: MessageEvent = await seenByCarol;
    const bobsOriginal: MessageEvent = await seenByBob;
    expect(original.stanzaId).toBeDefined();
    expect(bobsOriginal.stanzaId).toBe(original.stanzaId);

    // Alice corrects it: Carol hears a correction of Alice's message id, and a `message` that says it is one.
    const correction = nextChange(suite.carol.muc, (c) => c.kind === "correction", "the correction");
    const correctionMessage = nextEvent(rc, "message", (m) => m.body === "Fair is foul");
    await sendCorrection(suite.alice.muc, jid, sent.attrs.id as string, "Fair is foul");
    const corrected = await correction;
    expect(corrected.kind === "correction" && [corrected.target, corrected.body, corrected.nick]).toEqual([original.id, "Fair is foul", "Alice"]);
    expect(messageRefs(await correctionMessage).corrects).toBe(original.id);

    // Bob replies to the original as he saw it: Carol reads the reply without its quote, naming the stanza-id she knows.
    const reply = nextEvent(rc, "message", (m) => m.nick === "Bob");
    await sendReply(suite.bob.muc, jid, bobsOriginal, "and foul is fair");
    const replyEvent = await reply;
    const refs = messageRefs(replyEvent);
    expect(refs.reply?.id).toBe(original.stanzaId);
    expect(refs.reply?.to?.toString()).toBe(`${jid}/Alice`);
    expect(refs.text).toBe("and foul is fair");
    expect(replyEvent.body.startsWith("> Alice wrote:\n> Fair is fuol\n")).toBe(true);

    // Bob reacts, then takes it back: bodiless messages, heard only through onMessageChange.
    const reacted = nextChange(suite.carol.muc, (c) => c.kind === "reactions" && c.reactions.length > 0, "the reactions");
    await sendReactions(suite.bob.muc, jid, original.stanzaId!, ["👍", "🧙"]);
    const reactions = await reacted;
    expect(reactions.kind === "reactions" && [reactions.nick, reactions.target, reactions.reactions]).toEqual(["Bob", original.stanzaId, ["👍", "🧙"]]);
    const withdrawn = nextChange(suite.carol.muc, (c) => c.kind === "reactions" && c.reactions.length === 0, "the withdrawn reactions");
    await sendReactions(suite.bob.muc, jid, original.stanzaId!, []);
    expect((await withdrawn).nick).toBe("Bob");

    // Alice retracts her message.
    const retracted = nextChange(suite.carol.muc, (c) => c.kind === "retraction", "the retraction");
    await sendRetraction(suite.alice.muc, jid, original.stanzaId!);
    const retraction = await retracted;
    expect(retraction.kind === "retraction" && [retraction.nick, retraction.target, retraction.moderated]).toEqual(["Alice", original.stanzaId, undefined]);
  });

  it("our own change is marked own", async () => {
    const { jid, ra } = await suite.roomOfThree("changes-own");
    const mine = nextEvent(ra, "message", (m) => m.body === "hello");
    await ra.sendMessage("hello");
    const message = await mine;
    const own = nextChange(suite.alice.muc, (c) => c.kind === "reactions", "our own reactions");
    await sendReactions(suite.alice.muc, jid, message.stanzaId!, ["👋"]);
    expect((await own).own).toBe(true);
  });

  it("a room without XEP-0425 refuses a moderation with an XMPPError", async () => {
    const { jid, ra, rc } = await suite.roomOfThree("changes-moderation");
    const seen = nextEvent(rc, "message", (m) => m.body === "DM me for free magic potions!");
    await ra.sendMessage("DM me for free magic potions!");
    const message = await seen;
    const error = await moderateMessage(suite.carol.muc, jid, message.stanzaId!, { reason: "spam", timeout: 5_000 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(XMPPError);
    // Prosody's MUC (without the community moderation module) answers an IQ it does not know so.
    expect((error as XMPPError).condition).toBe("service-unavailable");
  });
});
