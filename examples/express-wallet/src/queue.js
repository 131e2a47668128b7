// The BullMQ queue between the webhook endpoint and the worker. A job is one verified Stripe
// event; its id is the event id, so a redelivered event is not queued twice. The job carries
// what the event claims about its session, for the worker to check against Stripe's answer.
import { Queue } from "bullmq";
import { QUEUE_NAME, redisConnection } from "./config.js";

export const JOB_ATTEMPTS = 3;

export function openQueue() {
  return new Queue(QUEUE_NAME, { connection: redisConnection() });
}

const CLAIMS = ["client_reference_id", "amount_total", "currency", "payment_status", "status"];

export function enqueueEvent(queue, event, { dedupe = true } = {}) {
  const session = event.data.object;
  const claimed = Object.fromEntries(CLAIMS.filter((key) => key in session).map((key) => [key, session[key]]));
  return queue.add(
    event.type,
    { event_id: event.id, event_type: event.type, session_id: session.id, claimed },
    {
      jobId: dedupe ? event.id : undefined,
      attempts: JOB_ATTEMPTS,
      backoff: { type: "fixed", delay: 500 },
      removeOnComplete: true,
      removeOnFail: 1000, // failed jobs stay visible (the queue probe counts them)
    },
  );
}

// What waits or runs, and what failed: {"waiting": n, "failed": n}, as the harness's
// capabilities.queue_probe reads it (from GET /health/queue, or `node src/queue-probe.js`).
export async function queueCounts(queue) {
  const counts = await queue.getJobCounts("waiting", "active", "delayed", "prioritized", "waiting-children", "failed");
  const waiting = counts.waiting + counts.active + counts.delayed + counts.prioritized + counts["waiting-children"];
  return { waiting, failed: counts.failed };
}
