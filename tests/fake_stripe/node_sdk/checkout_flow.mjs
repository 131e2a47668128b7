// An app in another language, pointed at fake_stripe: node checkout_flow.mjs http://127.0.0.1:PORT
// Registers a webhook endpoint served by this script, creates and reads a Checkout Session,
// has the fake pay it, verifies the signed webhook with stripe.webhooks.constructEvent, and
// prints one JSON line with what it saw.
import http from "node:http";
import Stripe from "stripe";

const fakeUrl = new URL(process.argv[2]);
const stripe = new Stripe("sk_test_node_check", {
  host: fakeUrl.hostname,
  port: Number(fakeUrl.port),
  protocol: "http",
  maxNetworkRetries: 0,
});

let secret = "";
const verified = [];
const server = http.createServer((request, response) => {
  const chunks = [];
  request.on("data", (chunk) => chunks.push(chunk));
  request.on("end", () => {
    try {
      const event = stripe.webhooks.constructEvent(
        Buffer.concat(chunks), request.headers["stripe-signature"], secret);
      verified.push(event.type);
      response.writeHead(200).end("ok");
    } catch (error) {
      response.writeHead(400).end(String(error));
    }
  });
});
await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
const hookUrl = `http://127.0.0.1:${server.address().port}/webhooks/stripe`;

const endpoint = await stripe.webhookEndpoints.create({
  url: hookUrl, enabled_events: ["checkout.session.completed"] });
secret = endpoint.secret;

const session = await stripe.checkout.sessions.create({
  mode: "payment",
  line_items: [{ price_data: { currency: "gbp", unit_amount: 5000,
    product_data: { name: "Wallet top-up" } }, quantity: 1 }],
  success_url: "http://127.0.0.1:9/dashboard/wallet?session_id={CHECKOUT_SESSION_ID}",
  client_reference_id: "ad9306a9-4d8a-4685-a667-cbeb7eb01a07",
  metadata: { org_id: "ad9306a9-4d8a-4685-a667-cbeb7eb01a07" },
});

const paid = await fetch(`${fakeUrl.origin}/_control/checkout/sessions/${session.id}/pay`, {
  method: "POST", headers: { "content-type": "application/json" },
  body: JSON.stringify({ card: "4242424242424242", email: "test@demo.com" }) });
const payment = await paid.json();
await fetch(`${fakeUrl.origin}/_control/deliveries/settle`, { method: "POST" });

const read = await stripe.checkout.sessions.retrieve(session.id, {
  expand: ["line_items", "payment_intent"] });
let badRequest = null;
try {
  await stripe.checkout.sessions.create({ mode: "payment", success_url: "http://x", line_items: [] });
} catch (error) {
  badRequest = { type: error.type, param: error.param };
}
console.log(JSON.stringify({
  session: session.id, amount_total: session.amount_total, payment: payment.status,
  status: read.status, payment_status: read.payment_status,
  payment_intent: read.payment_intent.id, line_item_total: read.line_items.data[0].amount_total,
  verified, badRequest,
}));
server.close();
