@webhook @signatures @faults
Feature: Deliveries with a bad signature are refused, visibly, and never credit
  The app verifies Stripe-Signature over the raw body with the endpoint's signing secret and
  refuses a timestamp more than 5 minutes old. A refused delivery is answered 400, recorded, and
  listed in the admin's recent failures; Stripe retries it on its schedule. The customer closes
  the tab after paying, so only the webhook could credit.

  Background:
    Given the wallet of "test@demo.com" holds £0.00
    And "test@demo.com" is logged in to the dashboard

  Scenario Outline: Every delivery <fault>: all four attempts refused
    Given every delivery of checkout.session.completed <fault>
    When "test@demo.com" tops up £50.00 with card 4242 4242 4242 4242 and closes the tab after paying
    And the clock advances 3 hours
    And "test@demo.com" opens the dashboard later
    Then every delivery was answered 400
    And the delivery log shows attempts answered 400, 400, 400, 400
    And recent failures list the rejected signature because "<reason>"
    And the payment has not been credited
    And the dashboard shows a balance of £0.00
    And the dashboard lists 0 transactions
    And the wallet of "test@demo.com" holds £0.00

    Examples:
      | fault                            | reason                                               |
      | has a corrupted signature        | No signatures found matching the expected signature  |
      | is signed with the wrong secret  | No signatures found matching the expected signature  |
      | is signed 10 minutes in the past | Timestamp outside the tolerance zone                 |

  Scenario: One delivery with a corrupted signature, then the retry is accepted
    Given the next delivery of checkout.session.completed has a corrupted signature
    When "test@demo.com" tops up £50.00 with card 4242 4242 4242 4242 and closes the tab after paying
    And the clock advances 5 minutes
    And "test@demo.com" opens the dashboard later
    Then the delivery log shows attempts answered 400, 200
    And recent failures list the rejected signature because "No signatures found matching the expected signature"
    And the dashboard shows a balance of £50.00
    And the dashboard lists 1 transaction
    And the newest transaction on the dashboard is a top-up of £50.00
    And the ledger of "test@demo.com" has one top-up credit of £50.00 from £0.00 to £50.00 for the payment
    And the top-up was fulfilled by the webhook
