// `node src/queue-probe.js`: print the BullMQ queue's counts as the harness's
// capabilities.queue_probe reads them: {"waiting": n, "failed": n}.
import { openQueue } from "./queue.js";

const queue = openQueue();
const counts = await queue.getJobCounts("waiting", "active", "delayed", "prioritized", "waiting-children", "failed");
const waiting = counts.waiting + counts.active + counts.delayed + counts.prioritized + counts["waiting-children"];
console.log(JSON.stringify({ waiting, failed: counts.failed }));
await queue.close();
