@seed-bug
Feature: The bug report, reproduced: paid, sent back, balance unchanged, no row, no error
  These scenarios run against the app as the report describes it (the seed-bug defect preset:
  the webhook endpoint registered at an old URL, a landing page that only reads the database,
  no reconciliation, a dashboard that is silent on failure). They pass when the harness shows
  the report's symptoms exactly, and its diagnosis names the stage where the flow broke.

  Scenario: £50.00 paid with 4242 4242 4242 4242, and the wallet still says £0.00
    Given the wallet of "test@demo.com" holds £0.00
    And "test@demo.com" is logged in to the dashboard
    When "test@demo.com" tops up £50.00 with card 4242 4242 4242 4242
    Then Stripe took the payment of £50.00
    And the dashboard shows a balance of £0.00
    And the dashboard shows no error
    And the wallet of "test@demo.com" holds £0.00
    And the ledger of "test@demo.com" has no rows
    And the diagnosis names the "delivery" stage
