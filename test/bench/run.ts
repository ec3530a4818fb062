/**
 * `npm run bench`: run every benchmark and print its table.
 * Pass names to run a subset: `npm run bench -- codec`.
 */
import { runCodecBench } from "./codec.js";
import { runGatewayBench } from "./gateway.js";
import { runJoinBench } from "./join.js";
import { runJoinPipelineBench } from "./join-pipeline.js";
import { runRoomBench } from "./room.js";
import { runStormBench } from "./storm.js";

const benches: Record<string, () => void | Promise<void>> = {
  codec: runCodecBench,
  room: runRoomBench,
  gateway: runGatewayBench,
  storm: runStormBench,
  join: runJoinBench,
  "join-pipeline": runJoinPipelineBench,
};

const wanted = process.argv.slice(2);
for (const [name, run] of Object.entries(benches)) {
  if (wanted.length && !wanted.includes(name)) continue;
  await run();
}
