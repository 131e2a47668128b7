// `node src/queue-probe.js`: print the BullMQ queue's counts, {"waiting": n, "failed": n}, for
// a shell or a monitor that cannot reach the web process (the profile reads GET /health/queue,
// which answers the same without starting a process each time).
import { openQueue, queueCounts } from "./queue.js";

const queue = openQueue();
console.log(JSON.stringify(await queueCounts(queue)));
await queue.close();
