/**
 * Turn decoded codec values into plain data for deep comparison: JIDs become
 * strings, Dates ISO strings, elements their canonical XML, and undefined
 * properties are dropped.
 */
import type { Element } from "@xmpp/xml";
import { JID } from "@xmpp/jid";
import { canonical } from "./xml.js";

export function normalize(value: unknown): unknown {
  if (value === undefined || value === null) return value;
  if (value instanceof JID) return `jid:${value.toString()}`;
  if (value instanceof Date) return `date:${value.toISOString()}`;
  if (isElement(value)) return `xml:${canonical(value)}`;
  if (Array.isArray(value)) return value.map(normalize);
  if (typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      if (v !== undefined) out[k] = normalize(v);
    }
    return out;
  }
  return value;
}

/** Elements by shape: ltx's ESM and CommonJS builds have distinct Element classes. */
function isElement(v: unknown): v is Element {
  return (
    typeof v === "object" &&
    v !== null &&
    typeof (v as { name?: unknown }).name === "string" &&
    Array.isArray((v as { children?: unknown }).children) &&
    typeof (v as { attrs?: unknown }).attrs === "object"
  );
}
