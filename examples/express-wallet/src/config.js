// Everything the processes read from the environment, and the clients built from it.
import pg from "pg";
import Stripe from "stripe";

function required(name) {
  const value = process.env[name];
  if (!value) {
    console.error(`express-wallet: set ${name}`);
    process.exit(2);
  }
  return value;
}

export const DEFECT_NAMES = [
  "stale-webhook-url", // the endpoint is registered at an old tunnel URL: nothing arrives
  "body-parsed-before-signature", // JSON parsed and re-stringified before constructEvent
  "worker-not-started", // the worker process runs but never consumes the queue
  "org-from-payment-intent", // the org read from the PaymentIntent's (empty) metadata
  "no-idempotency", // every delivery is queued and credited again
  "dashboard-never-polls", // the landing never asks how the top-up stands
  "landing-page-db-only", // the verification endpoint reads the database, never Stripe
  "checkout-error-unhandled", // a Stripe error while the session is created: a bare 500
  "stripe-error-not-retried", // any Stripe error on reading the paid session taken as final
];
const asked = (process.env.WALLET_DEFECTS || "").split(",").map((d) => d.trim()).filter(Boolean);
for (const name of asked) {
  if (!DEFECT_NAMES.includes(name)) {
    console.error(`express-wallet: unknown defect ${name} (known: ${DEFECT_NAMES.join(", ")})`);
    process.exit(2);
  }
}
export const defect = (name) => asked.includes(name);
export const defects = asked;

export const DATABASE_URL = required("DATABASE_URL");
export const PUBLIC_URL = (process.env.PUBLIC_URL || "http://127.0.0.1:3001").replace(/\/$/, "");
export const WEBHOOK_PATH = "/api/webhooks/stripe";
export const SESSION_SECRET = process.env.SESSION_SECRET || "express-wallet-dev-secret";
export const QUEUE_NAME = "stripe-webhooks";
export const TOPUP_MIN_PENCE = 500;
export const TOPUP_MAX_PENCE = 100000;
export const HANDLED_EVENTS = [
  "checkout.session.completed",
  "checkout.session.async_payment_succeeded",
  "checkout.session.async_payment_failed",
  "checkout.session.expired",
];

// The app's clock: real time, or the one WALLET_CLOCK_URL serves ({"now": Unix seconds}), such
// as a test Stripe's clock that a harness moves days in a second. Asked on each use (once a
// sweep); webhook signatures are checked against real time by stripe-node, never this clock.
const CLOCK_URL = process.env.WALLET_CLOCK_URL || null;
export async function clockNow() {
  if (!CLOCK_URL) return Date.now() / 1000;
  const response = await fetch(CLOCK_URL, { signal: AbortSignal.timeout(5000) });
  const body = response.ok ? await response.json() : null;
  if (typeof body?.now !== "number" || !Number.isFinite(body.now)) {
    throw new Error(`WALLET_CLOCK_URL ${CLOCK_URL} gave no time (HTTP ${response.status})`);
  }
  return body.now;
}

export const pool = new pg.Pool({ connectionString: DATABASE_URL, max: 10 });
// When the server ends a connection (a restart, a failover), its client emits 'error': on the
// pool while the client is idle, on the client itself while it is checked out for a transaction.
// Unheard, either kills the process (node-postgres says to listen for both). The query in flight
// fails on its own (the job is tried again), and the pool opens a new connection for the next.
const connectionEnded = (error) => console.warn(`database: a connection ended: ${error.message}`);
pool.on("error", connectionEnded);
pool.on("connect", (client) => client.on("error", connectionEnded));

// The errors that say the database cannot be reached just now (a restart, a failover) rather
// than that a statement was wrong: a connection exception (class 08), the server shutting down or
// starting (57P01-57P03), a socket refused or reset, a connection pg saw end.
const UNREACHABLE = new Set(["57P01", "57P02", "57P03", "ECONNREFUSED", "ECONNRESET", "EPIPE"]);
export function databaseUnreachable(error) {
  const code = String(error?.code ?? "");
  return UNREACHABLE.has(code) || code.startsWith("08") || /^Connection terminated/.test(error?.message ?? "");
}

// STRIPE_API_BASE points the official SDK at fake_stripe in tests (the real API otherwise).
const apiBase = new URL(process.env.STRIPE_API_BASE || "https://api.stripe.com");
export const stripe = new Stripe(required("STRIPE_SECRET_KEY"), {
  host: apiBase.hostname,
  port: Number(apiBase.port) || (apiBase.protocol === "https:" ? 443 : 80),
  protocol: apiBase.protocol.replace(":", ""),
  maxNetworkRetries: 1, // on purpose: one retry on a network error or 5xx, then the error shows
  timeout: stripeTimeoutMs(), // a request with no answer in this long is given up (and retried)
});

// STRIPE_TIMEOUT_SECONDS: how long one request to Stripe may take (seconds, default 10).
function stripeTimeoutMs() {
  const seconds = Number(process.env.STRIPE_TIMEOUT_SECONDS || 10);
  if (!Number.isFinite(seconds) || seconds <= 0 || seconds > 600) {
    console.error("express-wallet: STRIPE_TIMEOUT_SECONDS must be a number of seconds from 0 to 600");
    process.exit(2);
  }
  return Math.round(seconds * 1000);
}

// BullMQ needs maxRetriesPerRequest: null on the connection its Worker uses.
export function redisConnection() {
  const url = new URL(required("REDIS_URL"));
  return { host: url.hostname, port: Number(url.port) || 6379, maxRetriesPerRequest: null };
}

export { formatPence } from "./money.js";
