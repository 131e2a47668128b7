@stripe_api @rescue @faults
Feature: Stripe's API fails while the reconciliation sweep lists the events
  The sweep is the last way a payment whose webhook was lost reaches the wallet. When Stripe's
  event list fails, that sweep credits nothing and says it failed (so whoever runs it knows);
  the next sweep reads the list and credits the payment exactly once.

  Background:
    Given the wallet of "test@demo.com" holds £0.00
    And every delivery of checkout.session.completed is dropped
    And "test@demo.com" is logged in to the dashboard

  Scenario: The first sweep cannot list the events; the next one credits the payment once
    Given Stripe's API answers 500 the next 2 times the events are listed
    When "test@demo.com" tops up £50.00 with card 4242 4242 4242 4242 and closes the tab after paying
    Then the app never received checkout.session.completed
    When the reconciliation sweep runs and fails saying "could not list Stripe's events"
    Then the wallet of "test@demo.com" holds £0.00
    And the payment has not been credited
    And Stripe's API faulted 2 requests of the app
    When the reconciliation sweep runs again
    And "test@demo.com" opens the dashboard later
    Then the dashboard shows a balance of £50.00
    And the dashboard lists 1 transaction
    And the ledger of "test@demo.com" has one top-up credit of £50.00 from £0.00 to £50.00 for the payment
    And the top-up was fulfilled by the reconciliation sweep
