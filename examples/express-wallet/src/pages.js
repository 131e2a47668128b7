// The server-rendered pages. The data-testid values and texts are the reference app's, so the
// same scenarios read both: wallet-balance, transaction-list, transaction-row, topup-status
// (data-state: pending, credited, awaiting_payment, failed, expired, not_found, logged_out,
// timeout, cancelled) and topup-error (role="alert").
import { TOPUP_MAX_PENCE, TOPUP_MIN_PENCE, formatPence } from "./config.js";

export const PRESETS = [1000, 2500, 5000, 10000];
const TYPE_NAMES = { topup: "Top-up", sms: "SMS", call: "Call", phone_number: "Phone number", refund: "Refund", adjustment: "Adjustment" };

const esc = (value) =>
  String(value ?? "").replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);

function layout(title, email, main, script = "") {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(title)} · Express Wallet</title></head>
<body>
<header><p>Express Wallet</p>${email ? `<nav aria-label="Account"><span>Signed in as ${esc(email)}</span>
<form method="post" action="/logout"><button type="submit">Log out</button></form></nav>` : ""}</header>
<main>${main}</main>${script}
</body></html>`;
}

export function loginPage({ error = null, email = "" } = {}) {
  return layout("Log in", null, `<h1>Log in</h1>
${error ? `<p role="alert" data-testid="login-error">${esc(error)}</p>` : ""}
<form method="post" action="/login">
  <label for="email">Email</label>
  <input id="email" name="email" type="email" autocomplete="username" required value="${esc(email)}">
  <label for="password">Password</label>
  <input id="password" name="password" type="password" autocomplete="current-password" required>
  <button type="submit">Log in</button>
</form>`);
}

export function transactionRow(row) {
  const name = TYPE_NAMES[row.type] ?? row.type;
  const sign = row.direction === "credit" ? "+" : "-";
  const when = new Date(row.created_at);
  return {
    id: String(row.id),
    when: when.toISOString(),
    when_text: when.toISOString().slice(0, 16).replace("T", " ") + " UTC",
    label: `${name} ${sign}${formatPence(Number(row.amount_pence))}`,
    description: row.description ?? "",
    balance_after: formatPence(Number(row.balance_after_pence)),
  };
}

export function dashboardPage({ email, org, rows, landing, cancelled, error, choice = "", custom = "" }) {
  const banner = landing
    ? `<p role="status" aria-live="polite" data-testid="topup-status" data-state="pending" data-session-id="${esc(landing)}">
  Your payment is being confirmed (reference ${esc(landing)}). This page updates by itself.</p>`
    : cancelled
      ? `<p role="status" data-testid="topup-status" data-state="cancelled">The checkout was cancelled; nothing was charged.</p>`
      : "";
  const radios = PRESETS.map((p, i) => `<input type="radio" id="amount-${p}" name="amount" value="${p}"${choice === String(p) || (!choice && i === 0) ? " checked" : ""}>
      <label for="amount-${p}">£${p / 100}</label>`).join("\n      ");
  const list = rows.length
    ? rows.map((r) => `<tr data-testid="transaction-row" data-transaction-id="${r.id}"><td><time datetime="${r.when}">${r.when_text}</time></td><td>${esc(r.label)}</td><td>${esc(r.description)}</td><td>${r.balance_after}</td></tr>`).join("\n")
    : `<tr data-empty="true"><td colspan="4">No transactions yet.</td></tr>`;
  return layout("Wallet", email, `<h1>Wallet</h1>
<p>${esc(org.name)}</p>
<section aria-labelledby="balance-heading"><h2 id="balance-heading">Balance</h2>
  <p><strong data-testid="wallet-balance" aria-live="polite">${formatPence(Number(org.wallet_balance_pence))}</strong></p></section>
${banner}
<p role="alert" data-testid="topup-error"${error ? "" : " hidden"}>${esc(error ?? "")}</p>
<section aria-labelledby="topup-heading"><h2 id="topup-heading">Top up</h2>
  <form method="post" action="/dashboard/wallet/topup">
    <fieldset><legend>Amount</legend>
      ${radios}
      <input type="radio" id="amount-custom" name="amount" value="custom"${choice === "custom" ? " checked" : ""}>
      <label for="amount-custom">Other amount</label>
      <label for="custom-amount">Custom amount in pounds</label>
      <!-- typing an amount chooses "Other amount" (inline, so it works before any script has loaded) -->
      <input id="custom-amount" name="custom_amount" inputmode="decimal" autocomplete="off" value="${esc(custom)}"
             oninput="if (this.value.trim()) document.getElementById('amount-custom').checked = true">
      <p>From ${formatPence(TOPUP_MIN_PENCE)} to ${formatPence(TOPUP_MAX_PENCE)}, in pounds and pence (e.g. 12.50).</p>
    </fieldset>
    <button type="submit">Top Up</button>
  </form></section>
<section aria-labelledby="transactions-heading"><h2 id="transactions-heading">Transactions</h2>
  <table><thead><tr><th>When</th><th>Transaction</th><th>Details</th><th>Balance after</th></tr></thead>
  <tbody data-testid="transaction-list">
${list}
  </tbody></table></section>`, `<script src="/static/dashboard.js" defer></script>`);
}
