@ledger
Feature: Debits stop at the debt limit
  The billing gates debit the wallet. A debit that would take the balance further below zero
  than the organisation's debt limit is refused, and nothing is written.

  Background:
    Given the organisation "test@demo.com" has a balance of £1.00

  Scenario: A charge the wallet can pay
    When "test@demo.com" is charged £0.04 for "sms"
    Then the balance of "test@demo.com" is £0.96
    And the latest ledger row of "test@demo.com" is a "sms" debit of £0.04 from £1.00 to £0.96

  Scenario: A charge past a zero debt limit is refused
    When "test@demo.com" is charged £1.01 for "call"
    Then the charge is refused for insufficient funds
    And the balance of "test@demo.com" is £1.00
    And the ledger of "test@demo.com" holds 1 row

  Scenario: An organisation allowed into debt may go down to its limit and no further
    Given the organisation "test@demo.com" may go £5.00 into debt
    When "test@demo.com" is charged £6.00 for "call"
    Then the balance of "test@demo.com" is -£5.00
    When "test@demo.com" is charged £0.01 for "sms"
    Then the charge is refused for insufficient funds
    And the balance of "test@demo.com" is -£5.00
