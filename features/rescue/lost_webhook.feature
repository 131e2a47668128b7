@rescue @faults
Feature: A lost checkout.session.completed is rescued, and credited once
  A dropped delivery never reaches the app and Stripe never retries it. The money must reach the
  wallet anyway: the landing page asks Stripe when the customer comes back from Checkout, and the
  reconciliation sweep reads Stripe's event list when nobody comes back. Whichever path credits
  first, the others change nothing.

  Background:
    Given the wallet of "test@demo.com" holds £0.00
    And every delivery of checkout.session.completed is dropped
    And "test@demo.com" is logged in to the dashboard

  Scenario: Rescued by the landing page: the customer lands back on the dashboard
    When "test@demo.com" tops up £50.00 with card 4242 4242 4242 4242
    Then the dashboard shows a balance of £50.00
    And the newest transaction on the dashboard is a top-up of £50.00
    And the dashboard lists 1 transaction
    And the app never received checkout.session.completed
    And the ledger of "test@demo.com" has one top-up credit of £50.00 from £0.00 to £50.00 for the payment
    And the top-up was fulfilled by the landing page
    When the reconciliation sweep runs
    Then the ledger of "test@demo.com" has one top-up credit of £50.00 from £0.00 to £50.00 for the payment
    And the wallet of "test@demo.com" holds £50.00
    And the top-up was fulfilled by the landing page

  Scenario: Rescued by the reconciliation sweep: the customer closed the tab before the redirect
    When "test@demo.com" tops up £50.00 with card 4242 4242 4242 4242 and closes the tab after paying
    Then the app never received checkout.session.completed
    And the wallet of "test@demo.com" holds £0.00
    When the reconciliation sweep runs
    And "test@demo.com" opens the dashboard later
    Then the dashboard shows a balance of £50.00
    And the newest transaction on the dashboard is a top-up of £50.00
    And the dashboard lists 1 transaction
    And the ledger of "test@demo.com" has one top-up credit of £50.00 from £0.00 to £50.00 for the payment
    And the top-up was fulfilled by the reconciliation sweep

  Scenario: A bank debit whose settlement webhook was lost is credited by the reconciliation sweep
    The customer comes back days later, as people do after a bank debit: only the sweep can
    credit it, from Stripe's event list, where the success event is.

    Given every delivery of checkout.session.async_payment_succeeded is dropped
    When "test@demo.com" tops up £50.00 by bank debit from account 00012345
    Then the dashboard says "Your bank payment of £50.00 is on its way"
    When the clock advances 3 minutes
    And the reconciliation sweep runs
    And "test@demo.com" opens the dashboard later
    Then the dashboard shows a balance of £50.00
    And the ledger of "test@demo.com" has one top-up credit of £50.00 from £0.00 to £50.00 for the payment
    And the top-up was fulfilled by the reconciliation sweep
