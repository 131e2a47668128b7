@ledger
Feature: A paid checkout session is credited exactly once
  Stripe delivers at least once and sometimes reissues one change under a new event id, so the
  webhook worker, the landing page and the reconciliation sweep may all try to credit one
  session. add_wallet_credits is keyed on the checkout session: the first call credits, the
  others change nothing.

  Background:
    Given the organisation "test@demo.com" has a balance of £0.00

  Scenario: The report's test case, £50 top-up
    When checkout session "cs_test_report" credits £50.00 to "test@demo.com" for payment "pi_3Report"
    Then the balance of "test@demo.com" is £50.00
    And the latest ledger row of "test@demo.com" is a "topup" credit of £50.00 from £0.00 to £50.00
    And checkout session "cs_test_report" has exactly one top-up row, for payment "pi_3Report"

  Scenario: The same session credited twice
    When checkout session "cs_test_twice" credits £25.00 to "test@demo.com" for payment "pi_twice"
    And checkout session "cs_test_twice" credits £25.00 to "test@demo.com" for payment "pi_twice"
    Then the last credit reports that it was already applied
    And the balance of "test@demo.com" is £25.00
    And checkout session "cs_test_twice" has exactly one top-up row, for payment "pi_twice"

  Scenario: The same session credited by 50 callers at once
    When checkout session "cs_test_race" credits £50.00 to "test@demo.com" 50 times at once
    Then exactly 1 of the credits applied
    And the balance of "test@demo.com" is £50.00
    And checkout session "cs_test_race" has exactly one top-up row

  Scenario: A session cannot be credited to a second organisation
    When checkout session "cs_test_mine" credits £50.00 to "test@demo.com" for payment "pi_mine"
    And checkout session "cs_test_mine" credits £50.00 to "other@demo.com" for payment "pi_mine"
    Then the credit is refused because "cs_test_mine was already credited"
    And the balance of "other@demo.com" is £0.00
    And the balance of "test@demo.com" is £50.00

  Scenario Outline: Top-ups of several amounts
    When checkout session "<session>" credits <amount> to "test@demo.com" for payment "pi_outline"
    Then the balance of "test@demo.com" is <amount>
    And the latest ledger row of "test@demo.com" is a "topup" credit of <amount> from £0.00 to <amount>

    Examples:
      | amount    | session      |
      | £10.00    | cs_test_10   |
      | £25.00    | cs_test_25   |
      | £100.00   | cs_test_100  |
      | £1,000.00 | cs_test_1000 |
