@rescue @faults
Feature: A webhook hours late: the landing page credits, the late delivery credits nothing
  Stripe may deliver checkout.session.completed long after the customer is back on the dashboard.
  The landing page asks Stripe and credits at once; when the webhook finally arrives the app must
  answer it 2xx (a non-2xx would make Stripe retry a finished job for days) and credit nothing.

  Background:
    Given the wallet of "test@demo.com" holds £0.00
    And "test@demo.com" is logged in to the dashboard

  Scenario: Rescued by the landing page: checkout.session.completed arrives three hours late
    Given checkout.session.completed deliveries are delayed by 3 hours
    When "test@demo.com" tops up £50.00 with card 4242 4242 4242 4242
    Then the dashboard first said the payment was being confirmed, then that £50.00 was added
    And the dashboard shows a balance of £50.00
    And the newest transaction on the dashboard is a top-up of £50.00
    And checkout.session.completed has not been delivered yet
    And the top-up was fulfilled by the landing page
    When the clock advances 3 hours
    Then the delivery log shows attempts answered 200
    And the ledger of "test@demo.com" has one top-up credit of £50.00 from £0.00 to £50.00 for the payment
    And the wallet of "test@demo.com" holds £50.00
    And the top-up was fulfilled by the landing page
