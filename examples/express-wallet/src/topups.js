// Starting a top-up (a Checkout Session) and checking one when the customer lands back.
import { randomUUID } from "node:crypto";
import { PUBLIC_URL, TOPUP_MAX_PENCE, TOPUP_MIN_PENCE, defect, formatPence, pool, stripe } from "./config.js";
import { fulfilCheckout } from "./fulfil.js";

// what the customer is told when Stripe fails or cannot be reached while the session is created
export const STRIPE_UNAVAILABLE = "The payment page could not be opened just now; nothing was charged. Try again.";

export class Refused extends Error {
  constructor(message, status = 400) {
    super(message);
    this.status = status;
  }
}

// stripe-node retries a connection that fails before Stripe's answer, not one cut in the middle
// of it, when the session may exist already: asked once more under the same idempotency key,
// Stripe answers with that session instead of making a second one.
async function askAgainIfCut(request, idempotencyKey, orgId) {
  try {
    return await request(idempotencyKey);
  } catch (error) {
    if (error?.type !== "StripeConnectionError") throw error;
    console.warn(`topup for org ${orgId}: the answer from Stripe was lost (${error.message}); asking again with the same idempotency key`);
    return request(idempotencyKey);
  }
}

export async function startTopup(orgId, amountPence, email) {
  if (!Number.isInteger(amountPence)) {
    throw new Refused("amount_pence must be a whole number of pence, e.g. 5000 for £50.00");
  }
  if (amountPence < TOPUP_MIN_PENCE || amountPence > TOPUP_MAX_PENCE) {
    throw new Refused(`a top-up is from ${formatPence(TOPUP_MIN_PENCE)} to ${formatPence(TOPUP_MAX_PENCE)}; got ${formatPence(amountPence)}`);
  }
  let session;
  try {
    // one key for the SDK's own retries: a session Stripe created before the answer was lost
    // is answered again, never created twice
    session = await askAgainIfCut((idempotencyKey) => stripe.checkout.sessions.create(
      {
        mode: "payment",
        line_items: [{ price_data: { currency: "gbp", unit_amount: amountPence, product_data: { name: "Wallet top-up" } }, quantity: 1 }],
        client_reference_id: orgId,
        metadata: { org_id: orgId, purpose: "wallet_topup" }, // stays on the session, never on the PaymentIntent
        payment_method_types: ["card", "bacs_debit"],
        success_url: `${PUBLIC_URL}/dashboard/wallet?session_id={CHECKOUT_SESSION_ID}`,
        cancel_url: `${PUBLIC_URL}/dashboard/wallet?cancelled=1`,
        ...(email ? { customer_email: email } : {}),
      },
      { idempotencyKey },
    ), `topup-${randomUUID()}`, orgId);
  } catch (error) {
    console.warn(`topup for org ${orgId}: Stripe refused or was unreachable: ${error.message}`);
    if (defect("checkout-error-unhandled")) throw error; // defect: a bare 500, no word of the charge
    throw new Refused(STRIPE_UNAVAILABLE, 502);
  }
  await pool.query(
    "insert into wallet_topups (checkout_session_id, org_id, amount_pence) values ($1, $2, $3)" +
      " on conflict do nothing",
    [session.id, orgId, amountPence],
  );
  console.log(`topup ${session.id}: created for org ${orgId}, ${formatPence(amountPence)}`);
  return { session_id: session.id, url: session.url, amount_pence: amountPence };
}

async function topupOf(sessionId) {
  return (await pool.query("select * from wallet_topups where checkout_session_id = $1", [sessionId])).rows[0];
}

// The landing page's check: ask Stripe and credit a paid session no webhook has credited yet.
export async function confirmTopup(orgId, sessionId) {
  let topup = await topupOf(sessionId);
  if (!topup || topup.org_id !== orgId) {
    throw new Refused(`no top-up ${sessionId} for this organisation`, 404); // another org's looks missing
  }
  if (topup.status !== "credited" && !defect("landing-page-db-only")) {
    try {
      await fulfilCheckout(sessionId, "landing");
    } catch (error) {
      console.warn(`topup ${sessionId}: the landing check could not credit: ${error.message}`);
    }
    topup = await topupOf(sessionId);
  }
  const balance = Number((await pool.query("select wallet_balance_pence from organizations where id = $1", [orgId])).rows[0].wallet_balance_pence);
  const status = topup.status === "created" ? "pending" : topup.status;
  const amount = Number(topup.amount_pence);
  return {
    session_id: sessionId,
    status,
    amount_pence: amount,
    amount: formatPence(amount),
    balance_pence: balance,
    balance: formatPence(balance),
    fulfilled_by: topup.fulfilled_by,
    message: message(status, amount, sessionId, topup.failure_reason),
  };
}

function message(status, amount, ref, reason) {
  const money = formatPence(amount);
  return {
    credited: `${money} has been added to your wallet.`,
    pending: `Your payment of ${money} is being confirmed (reference ${ref}).`,
    awaiting_payment: `Your bank payment of ${money} is on its way; it can take a few days (reference ${ref}).`,
    failed: `Your payment of ${money} failed: ${reason || "the payment was not completed"} (reference ${ref}).`,
    expired: `The checkout for ${money} expired before payment (reference ${ref}).`,
  }[status];
}
