/**
 * The service holds the only `stanza` listener on the connection: the IQ
 * client, `onMessageChange`, the approval handlers and archive queries hear
 * stanzas through it, after the rooms (so a room's duplicate verdict is
 * known to `onMessageChange`).
 */
import { describe, expect, it } from "vitest";
import { MucService, onMessageChange, onRegistrationRequest, onVoiceRequest, queryRoomArchive } from "../../../src/index.js";
import { MockConnection } from "../../../src/testing/index.js";

describe("one connection listener", () => {
  it("a service with every kind of listener registers one `stanza` listener on the connection, and close() removes it", async () => {
    const conn = new MockConnection({ jid: "hag66@shakespeare.lit/pda" });
    let stanzaListeners = 0;
    const on = conn.on.bind(conn);
    const off = conn.removeListener.bind(conn);
    conn.on = ((event: string, listener: (...args: never[]) => void) => {
      if (event === "stanza") stanzaListeners++;
      return on(event as "stanza", listener as never);
    }) as typeof conn.on;
    conn.removeListener = ((event: string, listener: (...args: never[]) => void) => {
      if (event === "stanza") stanzaListeners--;
      return off(event as "stanza", listener);
    }) as typeof conn.removeListener;

    const muc = new MucService(conn, { selfPing: false });
    const stops = [onMessageChange(muc, () => {}), onVoiceRequest(muc, () => {}), onRegistrationRequest(muc, () => {})];
    const query = queryRoomArchive(muc, "coven@chat.shakespeare.lit", { max: 1 });
    const iq = await conn.nextSent((s) => s.is("iq"), 1_000);
    expect(stanzaListeners).toBe(1);
    // The archive query still hears its answer through the service.
    conn.replyResult(iq, `<fin xmlns='urn:xmpp:mam:2' complete='true'><set xmlns='http://jabber.org/protocol/rsm'><count>0</count></set></fin>`, "coven@chat.shakespeare.lit");
    await expect(query).resolves.toMatchObject({ messages: [], complete: true });
    for (const stop of stops) stop();
    expect(stanzaListeners).toBe(1);
    muc.close();
    expect(stanzaListeners).toBe(0);
  });
});
