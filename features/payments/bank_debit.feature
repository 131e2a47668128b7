@payments
Feature: A bank debit is credited only once it has settled
  Bacs Direct Debit is a delayed payment method: Checkout completes with the session still
  unpaid, and checkout.session.async_payment_succeeded or async_payment_failed follows when the
  bank settles (after 3 minutes on the fake's clock). Nothing may be credited before that; the
  dashboard says the payment is on its way, and later whether it arrived or failed.

  Background:
    Given the wallet of "test@demo.com" holds £0.00
    And "test@demo.com" is logged in to the dashboard

  Scenario: A bank debit that settles is credited by the webhook
    When "test@demo.com" tops up £50.00 by bank debit from account 00012345
    Then the dashboard says "Your bank payment of £50.00 is on its way"
    And the dashboard shows a balance of £0.00
    And the dashboard lists no transactions
    And the wallet of "test@demo.com" holds £0.00
    And the ledger of "test@demo.com" is empty
    And the top-up is recorded as "awaiting_payment"
    When the clock advances 3 minutes
    And "test@demo.com" opens the dashboard later
    Then the dashboard shows a balance of £50.00
    And the newest transaction on the dashboard is a top-up of £50.00
    And the ledger of "test@demo.com" has one top-up credit of £50.00 from £0.00 to £50.00 for the payment
    And the top-up was fulfilled by the webhook

  Scenario: A bank debit that fails is not credited, and the dashboard says so
    When "test@demo.com" tops up £50.00 by bank debit from account 90012345
    Then the dashboard says "Your bank payment of £50.00 is on its way"
    When the clock advances 3 minutes
    Then the top-up is recorded as "failed"
    When "test@demo.com" opens the dashboard with the payment's reference
    Then the dashboard shows the error "Your payment of £50.00 failed: the bank debit failed (reference {reference})."
    And the dashboard shows a balance of £0.00
    And the dashboard lists no transactions
    And the wallet of "test@demo.com" holds £0.00
    And the ledger of "test@demo.com" is empty
    And the top-up is recorded as "failed"
