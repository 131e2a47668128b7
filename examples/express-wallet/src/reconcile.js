// `node src/reconcile.js`: list the checkout events at Stripe (its documented way to recover
// missed webhooks), every page, and credit every paid session not credited yet
// (fulfilled_by = reconcile). It looks back at least RECONCILE_LOOKBACK_SECONDS (a day), and back
// to where its last complete sweep started (reconcile_watermark) when that is further, so an
// outage longer than a day is still covered, while Stripe lists the events (30 days); its first
// sweep, with no watermark yet, reads all 30 days. Time is
// the app's clock (clockNow in config.js: real time, or WALLET_CLOCK_URL's).
import { clockNow, pool, stripe } from "./config.js";
import { fulfilCheckout } from "./fulfil.js";

const STRIPE_LISTS_EVENTS_SECONDS = 30 * 86400;
const OVERLAP_SECONDS = 300; // an event created just before a sweep may be listed after it

function setting(name, fallback, low, high) {
  const value = Number(process.env[name] || fallback);
  if (!Number.isInteger(value) || value < low || value > high) {
    console.error(`express-wallet: ${name} must be a whole number from ${low} to ${high}`);
    process.exit(2);
  }
  return value;
}
const LOOKBACK_SECONDS = setting("RECONCILE_LOOKBACK_SECONDS", 86400, 0, STRIPE_LISTS_EVENTS_SECONDS);
const PAGE_SIZE = setting("RECONCILE_PAGE_SIZE", 100, 1, 100);

const started = await clockNow();
const { rows: marks } = await pool.query(
  "select extract(epoch from swept_from)::float8 as swept_from from reconcile_watermark",
);
// never swept (a new install, or every sweep so far cut short): as far back as Stripe lists
let since = started - STRIPE_LISTS_EVENTS_SECONDS;
if (marks.length) since = Math.min(started - LOOKBACK_SECONDS, marks[0].swept_from - OVERLAP_SECONDS);
since = Math.floor(Math.max(since, started - STRIPE_LISTS_EVENTS_SECONDS));

const sessions = new Set();
try {
  for await (const event of stripe.events.list({
    types: ["checkout.session.completed", "checkout.session.async_payment_succeeded"],
    created: { gte: since },
    limit: PAGE_SIZE, // stripe-node's auto-pagination asks for every page
  })) {
    sessions.add(event.data.object.id);
  }
} catch (error) {
  // nothing swept, and the watermark stays where it was: the next sweep reads the same events
  console.error(`reconcile: could not list Stripe's events: ${error.message}; nothing swept, run it again`);
  await pool.end();
  process.exit(1);
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
if (failed === 0) {
  // a complete sweep: the next one need look no further back than where this one started
  await pool.query(
    "insert into reconcile_watermark (swept_from) values (to_timestamp($1))" +
      " on conflict (only_row) do update set swept_from = excluded.swept_from",
    [started],
  );
}
console.log(`reconcile: ${sessions.size} paid sessions since ${since}, ${done.size} credited before, ${credited} credited now, ${failed} failed`);
await pool.end();
// a sweep that could not fulfil every session it found did not complete: say so (exit 1), as a
// failed list does, for whoever runs it to run it again
if (failed) process.exitCode = 1;
