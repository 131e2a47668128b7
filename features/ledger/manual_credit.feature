@ledger
Feature: Manual terminal credit
  The report: "Only works when done manually via terminal." A credit by hand is the one path
  that worked; it must still go through the ledger, as an adjustment with its reason.

  Scenario: Support credits the report's organisation from the terminal
    Given the organisation "test@demo.com" has a balance of £0.00
    When support credits £50.00 to "test@demo.com" from the terminal because "paid by bank transfer"
    Then the balance of "test@demo.com" is £50.00
    And the ledger of "test@demo.com" holds 1 row
    And the latest ledger row of "test@demo.com" is a "adjustment" credit of £50.00 from £0.00 to £50.00

  Scenario: A terminal credit for an unknown organisation is refused
    When support credits £50.00 to organisation "00000000-0000-4000-8000-000000000000" from the terminal
    Then the terminal says "unknown organisation 00000000-0000-4000-8000-000000000000"
    And no ledger row was written
