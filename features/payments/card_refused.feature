@payments
Feature: A card payment refused on Stripe Checkout credits nothing
  Stripe's test cards decline, or ask for 3-D Secure, on the hosted Checkout page. A refused
  payment shows its reason on that page and must leave the wallet and the ledger untouched; a
  3-D Secure check the customer passes is an ordinary paid top-up.

  Background:
    Given the wallet of "test@demo.com" holds £0.00
    And "test@demo.com" is logged in to the dashboard

  Scenario Outline: A card with <problem> is refused and nothing is credited
    When "test@demo.com" tries to top up £50.00 with card <card>
    Then the checkout page says "<error>"
    When "test@demo.com" opens the dashboard later
    Then the dashboard shows a balance of £0.00
    And the dashboard lists no transactions
    And the wallet of "test@demo.com" holds £0.00
    And the ledger of "test@demo.com" is empty
    And the top-up is recorded as "created"

    Examples:
      | problem            | card                | error                             |
      | a generic decline  | 4000 0000 0000 0002 | Your card was declined.           |
      | insufficient funds | 4000 0000 0000 9995 | Your card has insufficient funds. |

  Scenario: A declined card, then a good one: the good payment is credited once
    "The payment" is the latest one: the declined session before it has no row to count.

    When "test@demo.com" tries to top up £50.00 with card 4000 0000 0000 0002
    Then the checkout page says "Your card was declined."
    When "test@demo.com" tops up £50.00 with card 4242 4242 4242 4242 and closes the tab after paying
    And "test@demo.com" opens the dashboard later
    Then the dashboard shows a balance of £50.00
    And exactly one top-up row exists for the payment
    And the ledger of "test@demo.com" has one top-up credit of £50.00 from £0.00 to £50.00 for the payment

  Scenario: A failed 3-D Secure check is refused and nothing is credited
    When "test@demo.com" tries to top up £50.00 with card 4000 0027 6000 3184 and fails 3-D Secure
    Then the checkout page says "We are unable to authenticate your payment method. Please choose a different payment method and try again."
    When "test@demo.com" opens the dashboard later
    Then the dashboard shows a balance of £0.00
    And the dashboard lists no transactions
    And the wallet of "test@demo.com" holds £0.00
    And the ledger of "test@demo.com" is empty
    And the top-up is recorded as "created"

  Scenario Outline: A passed 3-D Secure check is paid and credited by the webhook (<card>)
    The customer closes the tab after authenticating, so only the webhook can credit the top-up.

    When "test@demo.com" tops up £50.00 with card <card>, completes 3-D Secure and closes the tab after paying
    And "test@demo.com" opens the dashboard later
    Then the dashboard shows a balance of £50.00
    And the newest transaction on the dashboard is a top-up of £50.00
    And the ledger of "test@demo.com" has one top-up credit of £50.00 from £0.00 to £50.00 for the payment
    And the top-up was fulfilled by the webhook

    Examples:
      | card                |
      | 4000 0027 6000 3184 |
      | 4000 0025 0000 3155 |
