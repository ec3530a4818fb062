/**
 * The app's view of the client classes: an `Occupant` is read-only (the room
 * updates it), and the room's internals are not part of the built package's
 * types (`stripInternal`; checked on the build in public-surface.test.ts).
 */
import { describe, expectTypeOf, it } from "vitest";
import type { Occupant } from "../../../src/index.js";

describe("Occupant is read-only to the app", () => {
  it("its fields cannot be assigned", () => {
    const assign = (o: Occupant): void => {
      // @ts-expect-error nick is read-only
      o.nick = "mallory";
      // @ts-expect-error role is read-only
      o.role = "moderator";
      // @ts-expect-error affiliation is read-only
      o.affiliation = "owner";
      // @ts-expect-error status texts are read-only
      o.status[""] = "hacked";
    };
    expectTypeOf(assign).toBeFunction();
    expectTypeOf<Occupant["nick"]>().toEqualTypeOf<string>();
  });
});
