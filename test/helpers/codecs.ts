/** Every codec exported from the `xmpp-muc-sdk/xso` entry point, found by shape. */
import * as xso from "../../src/xso/index.js";
import type { ElementCodec } from "../../src/xso/codec.js";

function isCodec(v: unknown): v is ElementCodec<unknown, unknown> {
  return (
    typeof v === "object" &&
    v !== null &&
    typeof (v as { name?: unknown }).name === "string" &&
    typeof (v as { ns?: unknown }).ns === "string" &&
    typeof (v as { decode?: unknown }).decode === "function" &&
    typeof (v as { encode?: unknown }).encode === "function" &&
    typeof (v as { fields?: unknown }).fields === "object"
  );
}

/** `[exportName, codec]` for every exported codec. */
export const allCodecs: [string, ElementCodec<unknown, unknown>][] = (Object.entries(xso) as [string, unknown][]).filter(
  (e): e is [string, ElementCodec<unknown, unknown>] => isCodec(e[1]),
);
