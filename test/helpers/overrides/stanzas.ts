/** Round-trip overrides for this area's codecs (see ../overrides.ts). */
import fc from "fast-check";
import { Element } from "@xmpp/xml";
import { jidArb, xmlString, type Overrides } from "../arbitrary.js";

/**
 * `<delay>` reason: `text(string)` decodes empty text as absent, so the
 * empty string is not a value it can hold.
 */
const delayReason = fc.option(
  xmlString().filter((s) => s !== ""),
  { nil: undefined },
);

/**
 * Stanza error alternate address: a URI (RFC 6120 §8.3.3.5/§8.3.3.14), which
 * has no surrounding whitespace (decoding trims it) and is never empty.
 */
const alternateAddress = fc.option(
  jidArb.map((j) => `xmpp:${j.bare().toString()}`),
  { nil: undefined },
);

/**
 * Stanza error application-specific condition: any element outside the
 * stanzas namespace and the stanza's own namespace, with or without
 * attributes and content.
 */
const applicationCondition = fc.option(
  fc
    .record({
      name: fc.constantFrom("too-many-parameters", "invalid-jid", "unsupported", "resource-limit-exceeded"),
      ns: fc.constantFrom("http://example.org/ns", "http://jabber.org/protocol/pubsub#errors", "urn:xmpp:errors"),
      feature: fc.option(fc.stringMatching(/^[a-z][a-z-]{0,12}$/), { nil: undefined }),
      text: fc.option(xmlString(6).filter((s) => s.trim() !== ""), { nil: undefined }),
    })
    .map(({ name, ns, feature, text }) => {
      const el = new Element(name, { xmlns: ns });
      if (feature !== undefined) el.attrs.feature = feature;
      if (text !== undefined) el.t(text);
      return el;
    }),
  { nil: undefined },
);

/** Hue angles in degrees, [0, 360], with up to six decimals as in XEP-0317's examples. */
const hue = fc.option(
  fc.integer({ min: 0, max: 360_000_000 }).map((n) => n / 1_000_000),
  { nil: undefined },
);

export const overrides: Record<string, Overrides> = {
  delay: { "delay.reason": delayReason },
  stanzaError: {
    "error.alternateAddress": alternateAddress,
    "error.application": applicationCondition,
  },
  hat: { "hat.hue": hue },
  hats: { "hat.hue": hue },
};
