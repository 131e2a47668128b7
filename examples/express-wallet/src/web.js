// The web process: `node src/web.js` (PORT, DATABASE_URL, REDIS_URL, STRIPE_SECRET_KEY,
// STRIPE_API_BASE, PUBLIC_URL, WALLET_DEFECTS). Pages, the JSON API, the webhook endpoint.
import express from "express";
import { PORT_DEFAULT, routes } from "./routes.js";
import { PUBLIC_URL, defect, defects, pool } from "./config.js";
import { openQueue, queueCounts } from "./queue.js";
import { registerWebhookEndpoint, webhookRouter } from "./webhooks.js";

// The no-idempotency defect's schema: a ledger built without the unique index that refuses a
// second top-up row for one Checkout Session.
if (defect("no-idempotency")) {
  await pool.query("drop index if exists credit_transactions_one_topup_per_session");
}

const queue = openQueue();
const secret = await registerWebhookEndpoint();

const app = express();
app.disable("x-powered-by");
app.use(webhookRouter(queue, secret)); // before any body parser: it needs the raw bytes
// the queue's counts for a monitor (and the harness's queue probe): numbers only, no job data
app.get("/health/queue", async (req, res) => {
  try {
    res.json(await queueCounts(queue));
  } catch (error) {
    res.status(503).json({ error: `the queue cannot be read: ${error.message}` });
  }
});
app.use("/static", express.static(new URL("../public/", import.meta.url).pathname));
app.use(routes());

const port = Number(process.env.PORT) || PORT_DEFAULT;
const server = app.listen(port, "127.0.0.1", () => {
  console.log(`web ready at ${PUBLIC_URL} on port ${port} (defects: ${defects.join(", ") || "none"})`);
});

async function stop() {
  server.close();
  await queue.close();
  await pool.end();
  process.exit(0);
}
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
