/**
 * The client entry point: MUC vocabulary and the errors the client API
 * rejects with. `MucService`, `Room`, `Occupant` and `MessageTracker` build on
 * these.
 *
 * @module xmpp-muc-sdk
 */
export { XMPPError, isXMPPError, type XMPPErrorOptions, type StanzaErrorCondition, type StanzaErrorType } from "./xso/stanza-error.js";
export { DecodeError, isDecodeError } from "./xso/errors.js";
export { AFFILIATIONS, ROLES, StatusCode, type Affiliation, type Role, type KnownStatusCode } from "./xso/muc-user.js";
