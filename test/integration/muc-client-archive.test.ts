// The MUC client against a real Prosody: a room's archive (XEP-0313) read
// with queryRoomArchive, whole, by pages, and after a known message.

import { describe, expect, it } from "vitest";
import { MessageState, queryRoomArchive } from "../../src/index.js";
import { withTimeout } from "../helpers/prosody-clients.js";
import { setupMucSuite } from "../helpers/muc-clients.js";

const suite = setupMucSuite();

describe("MUC client against Prosody: the room archive", () => {
  it("reads back what was said, in order, by pages, and from a message on", async () => {
    const { jid, ra } = await suite.roomOfThree("archive");
    const said = ["one", "two", "three", "four", "five"];
    // Each one reflected (so archived) before the next.
    for (const text of said) expect(await withTimeout(ra.sendTrackedMessage(text).done, 5_000, `sending ${text}`)).toBe(MessageState.DELIVERED_TO_RECIPIENT);

    const all = await withTimeout(queryRoomArchive(suite.bob.muc, jid), 5_000, "the whole archive");
    const ours = all.messages.filter((m) => said.includes(m.body ?? ""));
    expect(ours.map((m) => m.body)).toEqual(said);
    expect(ours.every((m) => m.nick === "Alice" && m.stamp instanceof Date && m.id !== "")).toBe(true);
    expect(all.complete).toBe(true);

    // Pages of two: the ids chain, and the last page says it is complete.
    const pages: string[][] = [];
    let after: string | undefined;
    for (let i = 0; i < 10; i++) {
      const page = await withTimeout(queryRoomArchive(suite.bob.muc, jid, { max: 2, ...(after !== undefined ? { after } : {}) }), 5_000, `page ${i}`);
      pages.push(page.messages.map((m) => m.body ?? ""));
      if (page.complete || page.last === undefined) break;
      after = page.last;
    }
    expect(pages.flat().filter((b) => said.includes(b))).toEqual(said);
    expect(pages.every((p) => p.length <= 2)).toBe(true);

    // Catching up: what followed "two".
    const two = ours[1]!;
    const rest = await withTimeout(queryRoomArchive(suite.carol.muc, jid, { after: two.id }), 5_000, "after two");
    expect(rest.messages.map((m) => m.body)).toEqual(["three", "four", "five"]);
    // The same with the after-id filter (Prosody announces mam#extended).
    const between = await withTimeout(queryRoomArchive(suite.carol.muc, jid, { afterId: two.id, beforeId: ours[4]!.id }), 5_000, "between two and five");
    expect(between.messages.map((m) => m.body)).toEqual(["three", "four"]);

    // The page before a message.
    const beforeFour = await withTimeout(queryRoomArchive(suite.carol.muc, jid, { before: ours[3]!.id, max: 2 }), 5_000, "before four");
    expect(beforeFour.messages.map((m) => m.body)).toEqual(["two", "three"]);

    // The last page of the archive.
    const last = await withTimeout(queryRoomArchive(suite.carol.muc, jid, { max: 2, before: "" }), 5_000, "the last page");
    expect(last.messages.map((m) => m.body)).toEqual(["four", "five"]);
  });

  it("an unknown archive id is an XMPPError item-not-found", async () => {
    const { jid } = await suite.roomOfThree("archive-unknown");
    await expect(queryRoomArchive(suite.bob.muc, jid, { after: "no-such-id" })).rejects.toMatchObject({ name: "XMPPError", condition: "item-not-found" });
  });
});
