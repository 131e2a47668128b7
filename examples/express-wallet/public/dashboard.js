// The wallet dashboard's script (the reference app's, as it is). The landing after Checkout: poll
// GET /api/wallet/topups/:sessionId until the credit is in, then show the new balance and
// transactions without a reload. Never fail silently: a failed or expired payment, another
// organisation's reference, or a confirmation that takes too long each get a message with the
// reference. (Under the dashboard-never-polls defect the server renders no banner: no polling.)
(function () {
  "use strict";

  // typing a custom amount chooses "Other amount" (the server refuses a form that has both)
  var customAmount = document.getElementById("custom-amount");
  var customChoice = document.getElementById("amount-custom");
  if (customAmount && customChoice) {
    customAmount.addEventListener("input", function () {
      if (customAmount.value.trim()) {
        customChoice.checked = true;
      }
    });
  }

  var banner = document.querySelector('[data-testid="topup-status"][data-session-id]');
  if (!banner) {
    return;
  }
  var errorBox = document.querySelector('[data-testid="topup-error"]');
  var balance = document.querySelector('[data-testid="wallet-balance"]');
  var list = document.querySelector('[data-testid="transaction-list"]');
  var sessionId = banner.getAttribute("data-session-id");
  var interval = Number(banner.getAttribute("data-poll-interval-ms")) || 500;
  var limit = Number(banner.getAttribute("data-poll-limit-ms")) || 30000;
  var url = "/api/wallet/topups/" + encodeURIComponent(sessionId);
  var finished = false;
  var giveUpTimer = setTimeout(giveUp, limit);

  function finish(state) {
    finished = true;
    clearTimeout(giveUpTimer);
    banner.setAttribute("data-state", state);
  }

  function inform(state, text) {
    finish(state);
    banner.textContent = text;
    banner.hidden = false;
  }

  function fail(state, text) {
    finish(state);
    banner.hidden = true;
    errorBox.textContent = text;
    errorBox.hidden = false;
  }

  function giveUp() {
    if (finished) {
      return;
    }
    fail(
      "timeout",
      "Your payment is taking longer than expected to confirm (reference " + sessionId + ")." +
        " Nothing is lost: check again later, or contact support with this reference."
    );
  }

  function schedule() {
    if (!finished) {
      setTimeout(poll, interval);
    }
  }

  function poll() {
    if (finished) {
      return;
    }
    fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin", cache: "no-store" })
      .then(function (response) {
        return response
          .json()
          .catch(function () {
            return {};
          })
          .then(function (body) {
            handle(response.status, body);
          });
      })
      .catch(schedule); // the network blinked: try again until the limit
  }

  function handle(httpStatus, body) {
    if (finished) {
      return;
    }
    if (httpStatus === 200) {
      if (body.status === "credited") {
        credited(body);
      } else if (body.status === "failed" || body.status === "expired") {
        fail(body.status, body.message);
      } else if (body.status === "awaiting_payment") {
        inform(body.status, body.message);
      } else {
        schedule(); // pending
      }
    } else if (httpStatus === 404) {
      fail(
        "not_found",
        "We found no top-up with reference " + sessionId + " for your organisation." +
          " If you paid, contact support with this reference."
      );
    } else if (httpStatus === 401) {
      fail("logged_out", "You are logged out: log in again to see payment " + sessionId + ".");
    } else {
      schedule(); // the server had a moment: try again until the limit
    }
  }

  function credited(body) {
    inform("credited", body.message);
    balance.textContent = body.balance;
    fetch("/dashboard/wallet/transactions", {
      headers: { Accept: "application/json" },
      credentials: "same-origin",
      cache: "no-store",
    })
      .then(function (response) {
        return response.ok ? response.json() : null;
      })
      .then(function (wallet) {
        if (wallet) {
          balance.textContent = wallet.balance;
          addRows(wallet.transactions);
        }
      })
      .catch(function () {
        // the balance is right; the list catches up on the next visit
      });
  }

  function addRows(transactions) {
    var empty = list.querySelector('[data-empty="true"]');
    if (empty && transactions.length) {
      empty.remove();
    }
    // newest first from the server: insert the oldest new one first, each at the top
    for (var i = transactions.length - 1; i >= 0; i -= 1) {
      var t = transactions[i];
      if (list.querySelector('[data-transaction-id="' + t.id + '"]')) {
        continue;
      }
      list.insertBefore(rowOf(t), list.firstChild);
    }
  }

  function rowOf(t) {
    var row = document.createElement("tr");
    row.setAttribute("data-testid", "transaction-row");
    row.setAttribute("data-transaction-id", String(t.id));
    var when = document.createElement("time");
    when.setAttribute("datetime", t.when);
    when.textContent = t.when_text;
    [when, t.label, t.description, t.balance_after].forEach(function (content) {
      var cell = document.createElement("td");
      if (typeof content === "string") {
        cell.textContent = content;
      } else {
        cell.appendChild(content);
      }
      row.appendChild(cell);
    });
    return row;
  }

  poll();
})();
