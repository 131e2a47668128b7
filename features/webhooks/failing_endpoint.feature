@webhook @faults
Feature: An endpoint that fails and then recovers is credited once by Stripe's retries
  Any answer outside 2xx, and no answer in time, fails a delivery; in test mode Stripe tries again
  5 minutes, 30 minutes and 2 hours after (fake_stripe/webhooks/schedule.py), on the fake's clock.
  The customer closes the tab after paying, so only the webhook can credit.

  Background:
    Given the wallet of "test@demo.com" holds £0.00
    And "test@demo.com" is logged in to the dashboard

  Scenario: Three answers of 500, then the last retry gets through
    Given the next 3 deliveries of checkout.session.completed fail with 500
    When "test@demo.com" tops up £50.00 with card 4242 4242 4242 4242 and closes the tab after paying
    Then the delivery log shows attempts answered 500
    And the wallet of "test@demo.com" holds £0.00
    When the clock advances 35 minutes
    Then the delivery log shows attempts answered 500, 500, 500
    And the wallet of "test@demo.com" holds £0.00
    When the clock advances 2 hours
    And "test@demo.com" opens the dashboard later
    Then the delivery log shows attempts answered 500, 500, 500, 200
    And the dashboard shows a balance of £50.00
    And the dashboard lists 1 transaction
    And the newest transaction on the dashboard is a top-up of £50.00
    And the ledger of "test@demo.com" has one top-up credit of £50.00 from £0.00 to £50.00 for the payment
    And the top-up was fulfilled by the webhook

  Scenario: No answer in time, then the first retry gets through
    Given the next delivery of checkout.session.completed times out
    When "test@demo.com" tops up £50.00 with card 4242 4242 4242 4242 and closes the tab after paying
    And the clock advances 5 minutes
    And "test@demo.com" opens the dashboard later
    Then the delivery log shows attempts answered no answer, 200
    And the dashboard shows a balance of £50.00
    And the dashboard lists 1 transaction
    And the newest transaction on the dashboard is a top-up of £50.00
    And the ledger of "test@demo.com" has one top-up credit of £50.00 from £0.00 to £50.00 for the payment
    And the top-up was fulfilled by the webhook
