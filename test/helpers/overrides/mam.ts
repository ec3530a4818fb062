/** Round-trip overrides for this area's codecs (see ../overrides.ts). */
import type { Overrides } from "../arbitrary.js";

export const overrides: Record<string, Overrides> = {};
