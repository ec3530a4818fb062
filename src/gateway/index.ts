/**
 * Gateway framework: serve another chat network's groups as MUC rooms through
 * an XMPP component.
 *
 * @module xmpp-muc-sdk/gateway
 */
export { MucType, mucTypeFeatures, isNonAnonymous } from "./muc-type.js";
