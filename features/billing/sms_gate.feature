@billing
Feature: A top-up opens the SMS gate
  Sending an SMS charges the wallet per message, through the billing API with the
  organisation's token. With nothing in the wallet the SMS is refused and nothing is charged;
  after a top-up it is sent and its price is debited from the topped-up balance.

  Background:
    Given the wallet of "test@demo.com" holds £0.00
    And "test@demo.com" is logged in to the dashboard

  Scenario: An SMS is refused at £0.00 and sent after a £50.00 top-up
    When "test@demo.com" sends the SMS "Your code is 123456" to +447700900123
    Then the SMS is refused with 402 "insufficient funds: £0.04 is needed"
    And the ledger of "test@demo.com" is empty
    When "test@demo.com" tops up £50.00 with card 4242 4242 4242 4242 and closes the tab after paying
    Then the wallet of "test@demo.com" holds £50.00
    And the ledger of "test@demo.com" has one top-up credit of £50.00 from £0.00 to £50.00 for the payment
    And the top-up was fulfilled by the webhook
    When "test@demo.com" sends the SMS "Your code is 123456" to +447700900123
    Then the SMS is sent for £0.04
    And the wallet of "test@demo.com" holds £49.96
    And the ledger of "test@demo.com" ends with a debit of £0.04 for the SMS, from £50.00 to £49.96
    When "test@demo.com" opens the dashboard later
    Then the dashboard shows a balance of £49.96
    And the newest transaction on the dashboard reads "SMS -£0.04"
    And the dashboard lists 2 transactions
