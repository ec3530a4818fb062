/** Round-trip overrides for this area's codecs (see ../overrides.ts). */
import { NS } from "../../../src/xso/ns.js";
import { elementArb, type Overrides } from "../arbitrary.js";
import { overrides as forms } from "./forms.js";
import { overrides as stanzas } from "./stanzas.js";

/**
 * The forwarded stanza of a MAM result: always present (decoding requires it),
 * and a `<message/>` that keeps its `jabber:client` namespace.
 */
const forwardedMessage = elementArb("message", NS.CLIENT);

/** Overrides the nested `<delay/>` and data form need, as their owners declare them. */
const nestedDelay: Overrides = stanzas["delay"] ?? {};
const nestedForm: Overrides = forms["dataForm"] ?? {};

export const overrides: Record<string, Overrides> = {
  mamQuery: { ...nestedForm },
  mamForwarded: { ...nestedDelay, "forwarded.message": forwardedMessage },
  mamResult: { ...nestedDelay, "forwarded.message": forwardedMessage },
};
