// POST /api/webhooks/stripe: verify the signature over the raw body, queue the event, answer
// 200 at once. The worker does the crediting. Also: the endpoint's registration at start-up.
import express from "express";
import {
  HANDLED_EVENTS, PUBLIC_URL, WEBHOOK_PATH, defect, pool, stripe,
} from "./config.js";
import { enqueueEvent } from "./queue.js";

const STALE_URL = "http://127.0.0.1:9/api/webhooks/stripe"; // where an old tunnel used to be

export function webhookRouter(queue, secret) {
  const router = express.Router();
  router.post(WEBHOOK_PATH, express.raw({ type: "*/*", limit: "256kb" }), async (req, res) => {
    let body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    if (defect("body-parsed-before-signature")) {
      try { body = JSON.stringify(JSON.parse(body.toString("utf8"))); } catch { /* as it came */ }
    }
    let event;
    try {
      event = stripe.webhooks.constructEvent(body, req.headers["stripe-signature"], secret);
    } catch (error) {
      return reject(res, `signature rejected: ${error.message}`, body);
    }
    const flaw = shapeFlaw(event);
    if (flaw) return reject(res, `body is not a Stripe event: ${flaw}`, body);
    if (!HANDLED_EVENTS.includes(event.type)) return res.json({ received: true, ignored: true });
    try {
      await enqueueEvent(queue, event, { dedupe: !defect("no-idempotency") });
    } catch (error) {
      console.error(`webhook ${event.id}: could not queue: ${error.message}`);
      return res.status(500).json({ error: "could not queue the event; retry later" });
    }
    console.log(`webhook ${event.id} ${event.type} session ${event.data.object.id}: queued`);
    res.json({ received: true });
  });
  return router;
}

// What a signed body must be to be queued as an event: a leaked secret can sign anything, and
// an empty id or a data.object that is not an object must be refused (400), not queued.
function shapeFlaw(event) {
  const isObject = (value) => typeof value === "object" && value !== null && !Array.isArray(value);
  if (!isObject(event)) return "not a JSON object";
  for (const key of ["id", "type"]) {
    if (typeof event[key] !== "string" || !event[key]) return `no ${key} string`;
  }
  if (!isObject(event.data) || !isObject(event.data.object)) return "no data.object";
  if (typeof (event.data.object.id ?? "") !== "string") return "data.object.id is not a string";
  return null;
}

// Refused deliveries kept for the admin: the newest REJECTIONS_KEPT, so a flood of forged
// requests cannot grow the table without bound. PostgreSQL refuses NUL in text: shown as U+FFFD.
const REJECTIONS_KEPT = 10_000;

async function reject(res, reason, body) {
  let eventId = null;
  try { eventId = JSON.parse(body.toString()).id ?? null; } catch { /* not JSON */ }
  const text = (value) => (value === null ? null : String(value).replaceAll("\u0000", "\uFFFD").slice(0, 500));
  console.warn(`webhook rejected (400): ${reason} [event ${eventId ?? "-"}]`);
  await pool.query("insert into webhook_rejections (reason, event_id) values ($1, $2)", [text(reason), text(eventId)]);
  await pool.query(
    "delete from webhook_rejections where id <= (select id from webhook_rejections order by id desc offset $1 limit 1)",
    [REJECTIONS_KEPT],
  );
  res.status(400).json({ error: reason });
}

// As in the report: make sure Stripe has an endpoint for this app's URL and keep its signing
// secret in the database (Stripe shows it only when the endpoint is created).
export async function registerWebhookEndpoint() {
  const url = defect("stale-webhook-url") ? STALE_URL : PUBLIC_URL + WEBHOOK_PATH;
  const stored = (await pool.query("select endpoint_id, secret from stripe_webhook_endpoints where url = $1", [url])).rows[0];
  const existing = (await stripe.webhookEndpoints.list({ limit: 100 })).data.find((e) => e.url === url);
  if (existing && stored && stored.endpoint_id === existing.id) {
    console.log(`webhook endpoint ${existing.id} at ${url} (reused)`);
    return stored.secret;
  }
  if (existing) await stripe.webhookEndpoints.del(existing.id); // its secret is lost: start again
  const created = await stripe.webhookEndpoints.create({
    url, enabled_events: HANDLED_EVENTS, description: "wallet top-ups (express-wallet)",
  });
  await pool.query(
    "insert into stripe_webhook_endpoints (url, endpoint_id, secret) values ($1, $2, $3)" +
      " on conflict (url) do update set endpoint_id = excluded.endpoint_id, secret = excluded.secret",
    [url, created.id, created.secret],
  );
  console.log(`webhook endpoint ${created.id} registered at ${url}`);
  return created.secret;
}
