/**
 * Arbitraries for fields whose values are constrained beyond what the codec
 * definition says, keyed by codec export name, then by `elementName.field`.
 */
import type { Overrides } from "./arbitrary.js";
import { overrides as forms } from "./overrides/forms.js";
import { overrides as stanzas } from "./overrides/stanzas.js";
import { overrides as mam } from "./overrides/mam.js";

const table: Record<string, Overrides> = { ...forms, ...stanzas, ...mam };

/** The overrides for one exported codec. */
export function overridesFor(exportName: string): Overrides {
  return table[exportName] ?? {};
}
