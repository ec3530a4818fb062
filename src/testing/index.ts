/**
 * Testing helpers for code built on the SDK: a throwaway Prosody started from
 * a generated configuration on loopback ports.
 *
 * Unit tests read like wire transcripts with the mock connections (push
 * stanzas in, assert the stanzas that go out); integration tests run against
 * a real server from {@link startProsody}.
 *
 * @categoryDescription Throwaway Prosody
 * {@link startProsody} runs Prosody (Debian's `prosody` package) with a
 * generated configuration in a temporary directory: users, a MUC service,
 * optionally a component for a gateway; `stop()` removes it all.
 *
 * ```ts
 * import { startProsody } from "xmpp-muc-sdk/testing";
 *
 * const server = await startProsody({ users: [{ username: "alice", password: "pass" }] });
 * const xmpp = client({ service: server.c2sUrl, domain: server.domain, username: "alice", password: "pass" });
 * // … server.websocketUrl, server.mucDomain, server.component, server.componentUrl
 * await server.stop();
 * ```
 *
 * @categoryDescription Mock connections
 * {@link MockConnection} stands in for an `@xmpp/client` entity and
 * {@link MockComponent} for a gateway's component connection: `receive`
 * what the server would send, await what the code sends with `nextSent`,
 * and drop or resume the stream.
 *
 * ```ts
 * import { MucService } from "xmpp-muc-sdk";
 * import { MockConnection } from "xmpp-muc-sdk/testing";
 *
 * const conn = new MockConnection({ jid: "hag66@shakespeare.lit/pda" });
 * const muc = new MucService(conn, { selfPing: false });
 * const { joined } = muc.join("coven@chat.shakespeare.lit", "thirdwitch");
 * await conn.nextSent((s) => s.is("presence"));  // the join went out
 * conn.receive(`<presence from='coven@chat.shakespeare.lit/thirdwitch'>
 *   <x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='member' role='participant'/><status code='110'/></x>
 * </presence>`);
 * await joined;
 * conn.drop(); conn.newSession();  // a new stream: the room rejoins
 * ```
 *
 * @categoryDescription Errors
 * What the helpers throw.
 *
 * ```ts
 * try {
 *   await startProsody();
 * } catch (e) {
 *   if (e instanceof ProsodyNotInstalledError) console.log("skipping:", e.message);
 *   else throw e;
 * }
 * ```
 *
 * @module xmpp-muc-sdk/testing
 */
export {
  startProsody,
  ProsodyNotInstalledError,
  type ProsodyServer,
  type ProsodyRestartOptions,
  type ProsodyOptions,
  type ProsodyUser,
  type ProsodyComponent,
  type ProsodyExtraConfig,
  type ProsodyPorts,
  type ProsodyLogLevel,
} from "./prosody.js";
export { MockConnection, MockStreamManagement, parseStanza, type MockConnectionOptions } from "./mock-connection.js";
export { MockComponent, type MockComponentOptions } from "./mock-component.js";
