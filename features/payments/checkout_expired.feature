@payments
Feature: A checkout left unpaid expires and credits nothing
  A Checkout Session expires 24 hours after it was created if nobody pays it; Stripe then sends
  checkout.session.expired, which the app records before anyone looks. Nothing may be credited,
  and a customer who comes back with the payment's reference is told that the checkout expired.

  Background:
    Given the wallet of "test@demo.com" holds £0.00
    And "test@demo.com" is logged in to the dashboard

  Scenario: The customer opens Checkout, never pays, and the session expires
    When "test@demo.com" opens Checkout for £50.00 and closes the tab without paying
    And the clock advances 24 hours
    Then the top-up is recorded as "expired"
    When "test@demo.com" opens the dashboard with the payment's reference
    Then the dashboard shows the error "The checkout for £50.00 expired before payment (reference {reference})."
    And the dashboard shows a balance of £0.00
    And the dashboard lists no transactions
    And the wallet of "test@demo.com" holds £0.00
    And the ledger of "test@demo.com" is empty
    And the top-up is recorded as "expired"
