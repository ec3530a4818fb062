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
export * from "./data-form.js";
export * from "./muc-forms.js";
export * from "./muc-admin.js";
export * from "./muc-owner.js";
export * from "./stanza-error.js";
export * from "./delay.js";
export * from "./stanza-id.js";
export * from "./occupant-id.js";
export * from "./direct-invite.js";
export * from "./hats.js";
export * from "./message-refs.js";
export * from "./register.js";
export * from "./vcard.js";
export * from "./presence.js";
export * from "./chat-states.js";
export * from "./http-upload.js";
export * from "./file-sharing.js";
export * from "./message.js";
export * from "./rsm.js";
export * from "./mam.js";
export * from "./disco.js";
export * from "./parse.js";
export * from "./privilege.js";
export * from "./pubsub.js";
export * from "./bookmarks.js";
