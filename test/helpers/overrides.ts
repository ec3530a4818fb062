/**
 * Arbitraries for fields whose values are constrained beyond what the codec
 * definition says, keyed by codec export name, then by `elementName.field`.
 */
import type { Overrides } from "./arbitrary.js";

const table: Record<string, Overrides> = {};

/** The overrides for one exported codec. */
export function overridesFor(exportName: string): Overrides {
  return table[exportName] ?? {};
}
