/**
 * Testing helpers for code built on the SDK: a throwaway Prosody started from
 * a generated configuration on loopback ports.
 *
 * @module xmpp-muc-sdk/testing
 */
export {
  startProsody,
  ProsodyNotInstalledError,
  type ProsodyServer,
  type ProsodyOptions,
  type ProsodyUser,
  type ProsodyComponent,
  type ProsodyExtraConfig,
  type ProsodyPorts,
  type ProsodyLogLevel,
} from "./prosody.js";
export { MockConnection, MockStreamManagement, parseStanza, type MockConnectionOptions } from "./mock-connection.js";
export { MockComponent, type MockComponentOptions } from "./mock-component.js";
