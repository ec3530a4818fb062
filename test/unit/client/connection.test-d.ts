/** An @xmpp/client entity is an XmppConnection. */
import { describe, expectTypeOf, it } from "vitest";
import { client } from "@xmpp/client";
import type { XmppConnection } from "../../../src/client/connection.js";

describe("XmppConnection", () => {
  it("is satisfied by an @xmpp/client entity", () => {
    type Client = ReturnType<typeof client>;
    expectTypeOf<Client>().toMatchTypeOf<XmppConnection>();
  });
});
