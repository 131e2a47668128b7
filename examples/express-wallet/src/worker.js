// The worker process: `node src/worker.js`. Consumes the BullMQ queue the webhook fills and
// credits paid Checkout Sessions (fulfilled_by = webhook). Prints "worker ready" once it takes jobs.
import { DelayedError, UnrecoverableError, Worker } from "bullmq";
import { QUEUE_NAME, databaseUnreachable, defect, pool, redisConnection } from "./config.js";
import { fulfilCheckout, markStatus } from "./fulfil.js";

// How long after its event arrived a job waits out an unreachable database, a second at a time,
// without spending its attempts (three, 500 ms apart: all of them fit inside a restart).
const DATABASE_PATIENCE_MS = 120_000;
const DATABASE_RETRY_MS = 1_000;

async function handleOrWait(job, token) {
  try {
    return await handle(job);
  } catch (error) {
    if (!databaseUnreachable(error) || Date.now() - job.timestamp > DATABASE_PATIENCE_MS) throw error;
    console.warn(`job ${job.id}: the database is unreachable (${error.message}); again in 1 s`);
    await job.moveToDelayed(Date.now() + DATABASE_RETRY_MS, token);
    throw new DelayedError();
  }
}

async function handle(job) {
  const { event_id: eventId, event_type: type, session_id: sessionId, claimed } = job.data;
  console.log(`job ${job.id} (attempt ${job.attemptsMade + 1}): ${type} session ${sessionId}`);
  if (type === "checkout.session.completed" || type === "checkout.session.async_payment_succeeded") {
    return fulfilCheckout(sessionId, "webhook", claimed ?? null);
  }
  if (type === "checkout.session.async_payment_failed") {
    await markStatus(sessionId, "failed", "the bank debit failed");
    return "failed_payment";
  }
  if (type === "checkout.session.expired") {
    await markStatus(sessionId, "expired", "the Checkout Session expired unpaid");
    return "expired";
  }
  return `ignored (event ${eventId})`;
}

if (defect("worker-not-started")) {
  // as in the report's checklist ("Is the BullMQ worker running?"): the process is up, the
  // consumer never is, and jobs wait in Redis for ever
  console.log("worker: the worker-not-started defect is on; not consuming the queue");
  setInterval(() => {}, 60_000);
} else {
  // A worker that dies mid-job (OOM-killed, a deploy's SIGKILL) leaves its jobs active until its
  // lock expires and a live worker's stalled check moves them back to waiting: with BullMQ's
  // defaults (a 30 s lock, a check every 30 s, in two passes) a paid top-up waits a minute or
  // more. A 10 s lock (renewed every 5 s) checked every 5 s takes it back within about 20 s.
  const worker = new Worker(QUEUE_NAME, handleOrWait, {
    connection: redisConnection(),
    concurrency: 4,
    lockDuration: 10_000,
    stalledInterval: 5_000,
  });
  worker.on("completed", (job, result) => console.log(`job ${job.id}: ${result}`));
  worker.on("failed", async (job, error) => {
    console.warn(`job ${job?.id} failed (attempt ${job?.attemptsMade}): ${error.message}`);
    const forGood = error instanceof UnrecoverableError; // refused: no retry follows
    if (job && (forGood || job.attemptsMade >= (job.opts.attempts ?? 1))) {
      await pool.query(
        "insert into failed_jobs (event_id, event_type, object_id, error, attempts) values ($1, $2, $3, $4, $5)",
        [job.data.event_id, job.data.event_type, job.data.session_id, error.message, job.attemptsMade],
      ).catch((e) => console.error(`could not record the failed job: ${e.message}`));
    }
  });
  await worker.waitUntilReady();
  console.log(`worker ready: consuming ${QUEUE_NAME}`);
  const stop = async () => {
    await worker.close();
    await pool.end();
    process.exit(0);
  };
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
}
