/**
 * Shared XML codecs: one declaration per element, used to decode and encode.
 *
 * @module xmpp-muc-sdk/xso
 */
export * from "./codec.js";
export * from "./errors.js";
export * from "./values.js";
export * from "./ns.js";
export * from "./muc.js";
export * from "./muc-user.js";
