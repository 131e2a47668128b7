@webhook @faults
Feature: Events that arrive out of order credit once
  Stripe promises no order: a later event can arrive before an earlier one, and events of two
  payments can cross. Each paid checkout session is credited once, whatever came first. The
  customer closes the tab after paying, so only the webhook can credit.

  Background:
    Given the wallet of "test@demo.com" holds £0.00
    And "test@demo.com" is logged in to the dashboard

  @payments
  Scenario: A bank debit's checkout.session.completed arrives after its async_payment_succeeded
    Given every delivery of checkout.session.completed is held back until a checkout.session.async_payment_succeeded has been delivered
    When "test@demo.com" tops up £50.00 by bank debit from account 00012345 and closes the tab after paying
    And the clock advances 3 minutes
    And "test@demo.com" opens the dashboard later
    Then checkout.session.completed was delivered after checkout.session.async_payment_succeeded
    And the delivery log shows attempts answered 200, 200
    And the dashboard shows a balance of £50.00
    And the dashboard lists 1 transaction
    And the newest transaction on the dashboard is a top-up of £50.00
    And the ledger of "test@demo.com" has one top-up credit of £50.00 from £0.00 to £50.00 for the payment
    And the top-up was fulfilled by the webhook

  Scenario: Two top-ups' checkout.session.completed arrive newest first
    Given every delivery of checkout.session.completed is held
    When "test@demo.com" tops up £50.00 with card 4242 4242 4242 4242 and closes the tab after paying
    And "test@demo.com" opens the dashboard later
    And "test@demo.com" tops up £20.00 with card 4242 4242 4242 4242 and closes the tab after paying
    And the held deliveries are released one at a time, newest first
    And "test@demo.com" opens the dashboard later
    Then the dashboard shows a balance of £70.00
    And the dashboard lists 2 transactions
    And the newest transaction on the dashboard is a top-up of £50.00
    And the ledger of "test@demo.com" has one top-up credit of £20.00 from £0.00 to £20.00 for the payment
    And exactly one top-up row exists for each payment
    And the wallet of "test@demo.com" holds £70.00
    And the top-up was fulfilled by the webhook
