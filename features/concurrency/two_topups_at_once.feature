@concurrency
Feature: Two top-ups of one organisation credited at the same time are both kept
  Two people of one organisation (or one person in two windows) top up at once. Both payments
  wait in the queue while the worker restarts, and the worker then credits both at the same
  time: each credit must be kept, and the ledger's balances must chain from one row to the next.

  Background:
    Given the wallet of "test@demo.com" holds £0.00
    And "test@demo.com" is logged in to the dashboard
    And "test@demo.com" is also logged in to the dashboard in a second browser
    And the worker is stopped

  Scenario: £50.00 and £25.00 paid in two browsers, credited at once, make £75.00
    Both customers close the tab after paying, so only the webhooks can credit the top-ups.

    When "test@demo.com" tops up £50.00 with card 4242 4242 4242 4242 and closes the tab after paying
    And "test@demo.com" tops up £25.00 in the second browser with card 4242 4242 4242 4242 and closes the tab after paying
    And the worker starts again
    Then the wallet of "test@demo.com" holds £75.00
    And the ledger of "test@demo.com" has top-up credits of £50.00 and £25.00, chained from £0.00 to £75.00
    And every top-up was fulfilled by the webhook
    When "test@demo.com" opens the dashboard later
    Then the dashboard shows a balance of £75.00
    And the dashboard lists 2 transactions
