@isolation
Feature: One organisation cannot verify or credit another organisation's top-up
  The landing page checks the payment named in its address. A reference (Checkout Session id)
  of another organisation must look exactly like an unknown one: nothing about it is shown, and
  nothing is credited to the organisation that opened it.

  Background:
    Given the wallet of "test@demo.com" holds £0.00
    And the wallet of "other@demo.com" holds £0.00
    And "test@demo.com" is logged in to the dashboard

  Scenario: A paid session of another organisation opened on the dashboard
    When "other@demo.com" starts a top-up of £50.00 through the API
    And it is paid on Stripe's checkout page with card 4242 4242 4242 4242
    And "test@demo.com" opens the dashboard with the payment's reference
    Then the dashboard shows the error "We found no top-up with reference {reference} for your organisation."
    And the dashboard shows a balance of £0.00
    And the dashboard lists no transactions
    And checking the payment's reference with the API token of "test@demo.com" is answered 404
    And the wallet of "test@demo.com" holds £0.00
    And the ledger of "test@demo.com" is empty
    And the ledger of "other@demo.com" has one top-up credit of £50.00 from £0.00 to £50.00 for the payment
    And the top-up was fulfilled by the webhook

  Scenario: Another organisation's paid top-up whose webhook was lost is not credited through my routes
    Given the next delivery of checkout.session.completed is dropped
    And "other@demo.com" is logged in to the dashboard
    When "other@demo.com" starts a top-up of £50.00 through the API
    And it is paid on Stripe's checkout page with card 4242 4242 4242 4242
    And "test@demo.com" opens the dashboard with the payment's reference
    Then the dashboard shows the error "We found no top-up with reference {reference} for your organisation."
    And checking the payment's reference with the API token of "test@demo.com" is answered 404
    And the ledger of "other@demo.com" is empty
    And the ledger of "test@demo.com" is empty
    When "other@demo.com" opens the dashboard with the payment's reference
    Then the dashboard shows a balance of £50.00
    And the ledger of "other@demo.com" has one top-up credit of £50.00 from £0.00 to £50.00 for the payment
    And the top-up was fulfilled by the landing page
    And the ledger of "test@demo.com" is empty
