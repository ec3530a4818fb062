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
import { randomUUID } from "node:crypto";
import { DemoNetwork, seedDemo, startDemoReplies } from "./network.js";
import { createDemoModule } from "./module.js";

/**
 * When the seeded history happened: a fixed time, one minute a step after it.
 * The network is made and seeded again at every start; with the same times
 * and message ids each time, a gateway restarted on the same store knows the
 * seeded messages as the ones it archived (by legacy id) and does not show
 * them again.
 */
const SEED_ORIGIN = Date.UTC(2024, 4, 1, 9, 0);

let seeding = true;
let seedStep = 0;
/** Live messages get ids of their own at every start, so that they never take those of an earlier run's. */
const livePrefix = `msg-${randomUUID().slice(0, 8)}-`;

/** The network this module serves (scripts and the demo make its users act). */
export const network = new DemoNetwork({
  now: () => (seeding ? new Date(SEED_ORIGIN + seedStep++ * 60_000) : new Date()),
  messageIdPrefix: () => (seeding ? "seed-" : livePrefix),
});
await seedDemo(network);
seeding = false;
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
