// fulfilCheckout(sessionId, path): the one way a paid Checkout Session becomes wallet credit.
// The worker (path "webhook"), the landing page ("landing") and the reconcile command
// ("reconcile") all call it, possibly at once: it asks Stripe for the session, credits only a
// paid one, and add_wallet_credits() is keyed on the session id, so a second call credits nothing.
// What a webhook event says about the session (`claimed`) is checked against Stripe's answer: a
// correctly signed event that lies, or one naming a session Stripe does not know, is refused for
// good (no retry: asking again gives the same answer) and kept in failed_jobs.
import { UnrecoverableError } from "bullmq";
import { defect, pool, stripe } from "./config.js";

export class Unattributable extends Error {}

export class Refused extends UnrecoverableError {}

// what a session is born with and keeps for life
const FIXED_AT_CREATION = ["client_reference_id", "amount_total", "currency"];

// Where the event's copy of the session contradicts Stripe's, in words; null when it does not.
// Being paid or complete is never undone, so an honest event may be older than Stripe's answer,
// never contrary to it.
export function disagreement(session, claimed) {
  const shown = (value) => JSON.stringify(value ?? null);
  const wrong = FIXED_AT_CREATION.filter((key) => key in claimed && claimed[key] !== session[key])
    .map((key) => `${key} ${shown(claimed[key])}, Stripe says ${shown(session[key])}`);
  for (const [key, final] of [["payment_status", "paid"], ["status", "complete"]]) {
    if (claimed[key] === final && session[key] !== final) {
      wrong.push(`${key} ${shown(final)}, Stripe says ${shown(session[key])}`);
    }
  }
  return wrong.length ? wrong.join("; ") : null;
}

export async function fulfilCheckout(sessionId, path, claimed = null) {
  let session;
  try {
    session = await stripe.checkout.sessions.retrieve(sessionId, { expand: ["payment_intent"] });
  } catch (error) {
    if (error.statusCode === 404) throw new Refused(`Stripe knows no checkout session '${sessionId}'`);
    // any other error (a 5xx, a 429, a timeout, a cut connection) passes: the job is retried
    if (defect("stripe-error-not-retried")) throw new Refused(`Stripe could not confirm ${sessionId}: ${error.message}`);
    throw error;
  }
  const wrong = claimed && disagreement(session, claimed);
  if (wrong) throw new Refused(`the event disagrees with Stripe about ${sessionId}: ${wrong}`);
  const intent = session.payment_intent;
  const intentId = typeof intent === "string" ? intent : intent?.id ?? null;
  if (session.payment_status === "unpaid") {
    if (session.status === "expired") {
      await markStatus(sessionId, "expired", "the Checkout Session expired unpaid");
      return "expired";
    }
    if (session.status === "complete") {
      // a bank debit still settling (a failed one stays failed)
      await pool.query(
        "update wallet_topups set status = 'awaiting_payment', updated_at = now()" +
          " where checkout_session_id = $1 and status = 'created'",
        [sessionId],
      );
      return "unpaid";
    }
    return "open";
  }
  const orgId = defect("org-from-payment-intent")
    ? intent?.metadata?.org_id // Checkout never copies the session's metadata there
    : session.client_reference_id;
  if (!orgId) throw new Unattributable(`checkout session ${sessionId} names no organisation`);
  const amount = session.amount_total;

  const client = await pool.connect();
  try {
    await client.query("begin");
    await client.query(
      "insert into wallet_topups (checkout_session_id, org_id, amount_pence) values ($1, $2, $3)" +
        " on conflict (checkout_session_id) do nothing",
      [sessionId, orgId, amount],
    );
    const applied = defect("no-idempotency")
      ? await creditWithoutKey(client, orgId, amount, intentId, sessionId)
      : (
          await client.query(
            "select applied from add_wallet_credits($1, $2, 'topup', $3, $4, 'Top-up')",
            [orgId, amount, intentId, sessionId],
          )
        ).rows[0].applied;
    if (applied) {
      await client.query(
        "update wallet_topups set status = 'credited', fulfilled_by = $2," +
          " stripe_payment_intent_id = $3, failure_reason = null, updated_at = now()" +
          " where checkout_session_id = $1 and status <> 'credited'",
        [sessionId, path, intentId],
      );
    }
    await client.query("commit");
    console.log(`fulfil ${sessionId} via ${path}: ${applied ? "credited" : "already credited"} ${amount} pence to ${orgId}`);
    return applied ? "credited" : "already_credited";
  } catch (error) {
    await client.query("rollback").catch(() => {}); // on a connection gone, the error is the first
    throw error;
  } finally {
    client.release();
  }
}

// The no-idempotency defect: the credit as a naive handler writes it, straight into the ledger
// with no look for an earlier credit of the session (and the web process dropped the unique
// index that would refuse a second one). The balance update locks the row, so the ledger's
// arithmetic stays sound: the only wrong thing is the second, third... credit.
async function creditWithoutKey(client, orgId, amount, intentId, sessionId) {
  const { rows } = await client.query(
    "update organizations set wallet_balance_pence = wallet_balance_pence + $2 where id = $1" +
      " returning wallet_balance_pence",
    [orgId, amount],
  );
  if (rows.length === 0) throw new Error(`unknown organisation ${orgId}`);
  const after = Number(rows[0].wallet_balance_pence);
  await client.query(
    "insert into credit_transactions (org_id, type, direction, amount_pence, balance_before_pence," +
      " balance_after_pence, stripe_payment_intent_id, stripe_checkout_session_id, description)" +
      " values ($1, 'topup', 'credit', $2, $3, $4, $5, $6, 'Top-up')",
    [orgId, amount, after - amount, after, intentId, sessionId],
  );
  return true;
}

export async function markStatus(sessionId, status, reason) {
  await pool.query(
    "update wallet_topups set status = $2, failure_reason = $3, updated_at = now()" +
      " where checkout_session_id = $1 and status <> 'credited'",
    [sessionId, status, reason],
  );
}
