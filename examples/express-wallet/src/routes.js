// The routes behind the webhook: logging in, the dashboard, the JSON API, the billing gate and
// the admin's recent failures.
import express from "express";
import { databaseUnreachable, defect, formatPence, pool } from "./config.js";
import { clearSession, findUser, identityOf, setSession, verifyPassword } from "./auth.js";
import { PRESETS, dashboardPage, loginPage, transactionRow } from "./pages.js";
import { Refused, confirmTopup, startTopup } from "./topups.js";

export const PORT_DEFAULT = 3001;
const HOME = "/dashboard/wallet";
const SMS_PENCE = 4;
const WRONG_LOGIN = "That email and password do not match an account. Check both and try again.";
const POUNDS = /^£?\s*(\d{1,3}(?:,\d{3})+|\d{1,9})(?:\.(\d{1,2}))?$/;

// an async handler whose error answers 500 instead of hanging the request
const safe = (handler) => (req, res, next) => handler(req, res, next).catch(next);

// the identity on req.who, or: a page redirects to /login, the API answers 401
const signedIn = (api) => safe(async (req, res, next) => {
  req.who = await identityOf(req);
  if (req.who) return next();
  return api ? res.status(401).json({ error: "log in, or send an API token" }) : res.redirect(303, "/login");
});

export function routes() {
  const r = express.Router();
  const form = express.urlencoded({ extended: false });
  r.use((req, res, next) => { res.set("cache-control", "no-store"); next(); });

  r.get("/", (req, res) => res.redirect(303, HOME));
  r.get("/login", safe(async (req, res) => ((await identityOf(req)) ? res.redirect(303, HOME) : res.send(loginPage()))));
  r.post("/login", form, safe(async (req, res) => {
    const email = String(req.body?.email ?? "").trim();
    const user = email ? await findUser(email) : null;
    if (!user || !verifyPassword(user.password_hash, String(req.body?.password ?? ""))) {
      return res.status(401).send(loginPage({ error: WRONG_LOGIN, email }));
    }
    setSession(res, user.id);
    res.redirect(303, HOME);
  }));
  r.post("/logout", (req, res) => { clearSession(res); res.redirect(303, "/login"); });

  r.get(HOME, signedIn(false), safe(async (req, res) => {
    const landing = defect("dashboard-never-polls") ? null : (req.query.session_id || null);
    res.send(await page(req.who, { landing, cancelled: req.query.cancelled !== undefined }));
  }));
  r.get(`${HOME}/transactions`, signedIn(true), safe(async (req, res) => res.json(await wallet(req.who.orgId))));
  r.post(`${HOME}/topup`, signedIn(false), form, safe(async (req, res) => {
    const choice = String(req.body?.amount ?? "");
    const custom = String(req.body?.custom_amount ?? "").trim();
    try {
      const started = await startTopup(req.who.orgId, chosenAmount(choice, custom), req.who.email);
      res.redirect(303, started.url);
    } catch (error) {
      if (!(error instanceof Refused)) throw error;
      // bad input (400), or Stripe failing while the session was created (502)
      res.status(error.status).send(await page(req.who, { error: error.message, choice, custom }));
    }
  }));

  r.post("/api/wallet/topups", signedIn(true), express.json(), safe(async (req, res) => {
    const body = req.body ?? {};
    if (typeof body !== "object" || Object.keys(body).some((k) => k !== "amount_pence")) {
      return res.status(400).json({ error: "the body takes exactly one field: amount_pence" });
    }
    try {
      const started = await startTopup(req.who.orgId, body.amount_pence, req.who.email);
      res.status(201).json({ ...started, checkout_url: started.url, amount: formatPence(started.amount_pence) });
    } catch (error) {
      if (!(error instanceof Refused)) throw error;
      res.status(error.status).json({ error: error.message });
    }
  }));
  r.get("/api/wallet/topups/:sessionId", signedIn(true), safe(async (req, res) => {
    try {
      res.json(await confirmTopup(req.who.orgId, req.params.sessionId));
    } catch (error) {
      if (!(error instanceof Refused)) throw error;
      res.status(error.status).json({ error: error.message });
    }
  }));

  // the SMS billing gate: charge the wallet per message, refuse without the money
  r.post("/api/billing/sms", signedIn(true), express.json(), safe(async (req, res) => {
    const { to, body } = req.body ?? {};
    if (typeof to !== "string" || typeof body !== "string" || !to || !body) {
      return res.status(400).json({ error: "send JSON with to and body" });
    }
    try {
      const row = (await pool.query("select * from deduct_wallet_credits($1, $2, 'sms', $3)", [req.who.orgId, SMS_PENCE, `SMS to ${to}`])).rows[0];
      res.json({ sent: true, charged_pence: SMS_PENCE, charged: formatPence(SMS_PENCE), transaction_id: Number(row.transaction_id), balance_pence: Number(row.balance_after_pence) });
    } catch (error) {
      if (error.code !== "WL001") throw error;
      res.status(402).json({ error: `insufficient funds: ${formatPence(SMS_PENCE)} is needed (${error.message}); top up the wallet` });
    }
  }));

  // the report's debugging endpoint, for admins: refused deliveries and jobs that failed for good
  r.get("/api/webhook-metrics/recent-failures", signedIn(true), safe(async (req, res) => {
    if (req.who.role !== "admin") return res.status(403).json({ error: "admins only" });
    const { rows } = await pool.query(`
      select * from (
        select 'rejected' as kind, received_at as at, event_id, null as event_type, null as object_id,
               'signature' as stage, reason as error, 1 as attempts from webhook_rejections
        union all
        select 'event_failed', failed_at, event_id, event_type, object_id, 'processing', error, attempts from failed_jobs
      ) f order by at desc limit 20`);
    res.json({ failures: rows.map((f) => ({ ...f, at: new Date(f.at).toISOString() })) });
  }));

  // Bad input is the client's error, answered 4xx with the reason: a body too large (413) or not
  // JSON (400) as the body parsers say, a NUL character PostgreSQL refuses in text (22021).
  r.use((error, req, res, next) => {
    if (res.headersSent) return next(error);
    const status = error.status ?? error.statusCode;
    if (status >= 400 && status < 500) return res.status(status).json({ error: error.message });
    if (error.code === "22021") return res.status(400).json({ error: "text may not contain a NUL character" });
    if (databaseUnreachable(error)) {
      // a restart or a failover: said as such, for the client to try again
      console.warn(`${req.method} ${req.path}: the database is unreachable: ${error.message}`);
      return res.status(503).json({ error: "the database is unavailable just now; try again" });
    }
    console.error(`${req.method} ${req.path}: ${error.stack || error}`);
    res.status(500).json({ error: "internal error" });
  });
  return r;
}

function chosenAmount(choice, custom) {
  if (choice === "custom") {
    const match = POUNDS.exec(custom);
    if (!match) {
      throw new Refused(custom ? `Enter the custom amount in pounds, like 12.50; '${custom}' is not an amount.` : "Enter a custom amount in pounds, like 12.50.");
    }
    return Number(match[1].replaceAll(",", "")) * 100 + Number((match[2] ?? "").padEnd(2, "0"));
  }
  if (PRESETS.map(String).includes(choice)) {
    if (custom) {
      throw new Refused(`You chose ${formatPence(Number(choice))} and typed a custom amount (${custom}): choose Other amount to pay the custom amount, or clear it.`);
    }
    return Number(choice);
  }
  throw new Refused(`Choose an amount to top up: ${PRESETS.map(formatPence).join(", ")} or a custom amount.`);
}

async function wallet(orgId) {
  const org = (await pool.query("select name, wallet_balance_pence from organizations where id = $1", [orgId])).rows[0];
  const { rows } = await pool.query(
    "select * from credit_transactions where org_id = $1 order by id desc limit 50", [orgId]);
  const balance = Number(org.wallet_balance_pence);
  return { org, balance: formatPence(balance), balance_pence: balance, transactions: rows.map(transactionRow) };
}

async function page(who, options) {
  const { org, transactions } = await wallet(who.orgId);
  return dashboardPage({ email: who.email, org, rows: transactions, ...options });
}
