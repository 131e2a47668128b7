Feature: Scenarios that expect what a sound app does not do
  Run only by tests/harness/diagnosis/test_blame_end_to_end.py, on the healthy app: each one
  fails at a step while every stage of its top-ups' flow holds, so its report must still name
  the stage the failed step is about.

  Background:
    Given the wallet of "test@demo.com" holds £0.00
    And the wallet of "other@demo.com" holds £0.00
    And "test@demo.com" is logged in to the dashboard

  @isolation
  Scenario: Expects one organisation's token to see another's payment
    When "other@demo.com" starts a top-up of £50.00 through the API
    And it is paid on Stripe's checkout page with card 4242 4242 4242 4242
    Then checking the payment's reference with the API token of "test@demo.com" is answered 200

  @billing
  Scenario: Expects a charge the wallet can pay to be refused
    When "test@demo.com" tops up £50.00 with card 4242 4242 4242 4242 and closes the tab after paying
    And "test@demo.com" sends the SMS "Your code is 123456" to +447700900123
    Then the SMS is refused with 402 "insufficient funds: £0.04 is needed"

  Scenario: Expects a row more in the transaction list than the top-up made
    When "test@demo.com" tops up £50.00 with card 4242 4242 4242 4242
    Then the dashboard shows a balance of £50.00
    And the dashboard lists 2 transactions
