// `node src/reconcile.js`: list the last day's checkout events at Stripe (its documented way to
// recover missed webhooks) and credit every paid session not credited yet (fulfilled_by = reconcile).
import { pool, stripe } from "./config.js";
import { fulfilCheckout } from "./fulfil.js";

const LOOKBACK_SECONDS = Number(process.env.RECONCILE_LOOKBACK_SECONDS || 86400);
const since = Math.floor(Date.now() / 1000) - LOOKBACK_SECONDS;

const sessions = new Set();
for await (const event of stripe.events.list({
  types: ["checkout.session.completed", "checkout.session.async_payment_succeeded"],
  created: { gte: since },
  limit: 100,
})) {
  sessions.add(event.data.object.id);
}
const { rows } = await pool.query(
  "select checkout_session_id from wallet_topups where status = 'credited' and checkout_session_id = any($1)",
  [[...sessions]],
);
const done = new Set(rows.map((r) => r.checkout_session_id));
let credited = 0;
let failed = 0;
for (const sessionId of [...sessions].filter((s) => !done.has(s))) {
  try {
    if ((await fulfilCheckout(sessionId, "reconcile")) === "credited") credited += 1;
  } catch (error) {
    failed += 1;
    console.warn(`reconcile ${sessionId}: ${error.message}`);
  }
}
console.log(`reconcile: ${sessions.size} paid sessions since ${since}, ${done.size} credited before, ${credited} credited now, ${failed} failed`);
await pool.end();
