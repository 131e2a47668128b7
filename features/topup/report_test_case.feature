@webhook
Feature: The bug report's test case: a card top-up reaches the wallet
  A customer tops up on the dashboard, pays on Stripe Checkout with the test card 4242..., and
  the wallet must show the money: a "topup" credit in the ledger, for the Stripe payment.
  (../shared/seed/topup-bug-report.md: "Wallet balance = UNCHANGED", "No transaction record".)

  Background:
    Given the wallet of "test@demo.com" holds £0.00
    And "test@demo.com" is logged in to the dashboard

  Scenario Outline: The webhook credits a top-up of <amount>
    The customer closes the tab after paying, so only the webhook can credit the top-up.

    When "test@demo.com" tops up <amount> with card 4242 4242 4242 4242 and closes the tab after paying
    And "test@demo.com" opens the dashboard later
    Then the dashboard shows a balance of <amount>
    And the newest transaction on the dashboard is a top-up of <amount>
    And the ledger of "test@demo.com" has one top-up credit of <amount> from £0.00 to <amount> for the payment
    And the top-up was fulfilled by the webhook

    Examples:
      | amount    |
      | £50.00    |
      | £10.00    |
      | £12.50    |
      | £100.00   |
      | £1,000.00 |

  Scenario: A blip while the dashboard checks the payment does not stop it showing the credit
    Given the dashboard's first check of the payment is answered 503
    When "test@demo.com" tops up £50.00 with card 4242 4242 4242 4242
    Then the dashboard shows a balance of £50.00
    And the dashboard says "£50.00 has been added to your wallet."
    And the dashboard was not reloaded

  Scenario: Two top-ups in a row, the tab closed after each payment, are both credited
    The second top-up starts in a new tab, as the customer closed the first.

    When "test@demo.com" tops up £50.00 with card 4242 4242 4242 4242 and closes the tab after paying
    And "test@demo.com" tops up £25.00 with card 4242 4242 4242 4242 and closes the tab after paying
    And "test@demo.com" opens the dashboard later
    Then the dashboard shows a balance of £75.00
    And the ledger of "test@demo.com" has top-up credits of £50.00 and £25.00, chained from £0.00 to £75.00
    And exactly one top-up row exists for each payment

  Scenario: Back on the dashboard the customer sees £50.00 without reloading
    When "test@demo.com" tops up £50.00 with card 4242 4242 4242 4242
    Then the dashboard shows a balance of £50.00
    And the dashboard says "£50.00 has been added to your wallet."
    And the newest transaction on the dashboard is a top-up of £50.00
    And the dashboard was not reloaded
    And the dashboard shows no error
    And the ledger of "test@demo.com" has one top-up credit of £50.00 from £0.00 to £50.00 for the payment
