/**
 * The demo network as a module file for the `xmpp-muc-gateway` command:
 * a seeded network in this process, and the legacy module serving it.
 *
 * ```sh
 * xmpp-muc-gateway --module examples/demo-network/gateway-module.ts \
 *   --jid gateway.localhost --secret s3cret --server xmpp://127.0.0.1:5347 --db ./gateway.sqlite
 * ```
 *
 * @module
 */
import { DemoNetwork, seedDemo, startDemoReplies } from "./network.js";
import { createDemoModule } from "./module.js";

/** The network this module serves (scripts and the demo make its users act). */
export const network = new DemoNetwork();
await seedDemo(network);
// bob answers the direct messages written to him, after a moment.
startDemoReplies(network);

const module = createDemoModule(network);

/** The gateway class. */
export const Gateway = module.Gateway;
/** The session class. */
export const Session = module.Session;
/** The bookmarks class. */
export const Bookmarks = module.Bookmarks;
/** The room class. */
export const MUC = module.MUC;
/** The roster class (the user's friends on the network). */
export const Roster = module.Roster;
/** The contact class. */
export const Contact = module.Contact;
