import { describe, expect, it } from "vitest";
import { MucType, isNonAnonymous, mucTypeFeatures } from "../../../src/gateway/index.js";

describe("MucType", () => {
  it("maps each type to its XEP-0045 features", () => {
    expect(mucTypeFeatures(MucType.GROUP)).toEqual(["muc_membersonly", "muc_nonanonymous", "muc_hidden", "muc_persistent"]);
    expect(mucTypeFeatures(MucType.CHANNEL)).toEqual(["muc_open", "muc_semianonymous", "muc_public"]);
    expect(mucTypeFeatures(MucType.CHANNEL_NON_ANONYMOUS)).toEqual(["muc_open", "muc_nonanonymous", "muc_public"]);
  });

  it("says which types reveal real JIDs", () => {
    expect(isNonAnonymous(MucType.GROUP)).toBe(true);
    expect(isNonAnonymous(MucType.CHANNEL)).toBe(false);
    expect(isNonAnonymous(MucType.CHANNEL_NON_ANONYMOUS)).toBe(true);
  });
});
