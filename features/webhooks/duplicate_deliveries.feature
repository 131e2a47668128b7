@webhook @faults
Feature: Duplicate and reissued deliveries credit once
  Stripe delivers at least once: the same event may arrive again, even several copies at once,
  and one change may be sent as two Event objects with different ids. The webhook path must
  credit a paid checkout session once, keyed on the session, not on the delivery or the event.
  The customer closes the tab after paying, so only the webhook can credit.

  Background:
    Given the wallet of "test@demo.com" holds £0.00
    And "test@demo.com" is logged in to the dashboard

  Scenario: checkout.session.completed arrives three times, one after another
    Given each checkout.session.completed is delivered 2 more times, one after another
    When "test@demo.com" tops up £50.00 with card 4242 4242 4242 4242 and closes the tab after paying
    And "test@demo.com" opens the dashboard later
    Then the delivery log shows attempts answered 200, 200, 200
    And the dashboard shows a balance of £50.00
    And the dashboard lists 1 transaction
    And the newest transaction on the dashboard is a top-up of £50.00
    And the ledger of "test@demo.com" has one top-up credit of £50.00 from £0.00 to £50.00 for the payment
    And the top-up was fulfilled by the webhook

  @concurrency
  Scenario: checkout.session.completed arrives six times at once
    Given each checkout.session.completed is delivered 5 more times at once
    When "test@demo.com" tops up £50.00 with card 4242 4242 4242 4242 and closes the tab after paying
    And "test@demo.com" opens the dashboard later
    Then the delivery log shows attempts answered 200, 200, 200, 200, 200, 200
    And the dashboard shows a balance of £50.00
    And the dashboard lists 1 transaction
    And the newest transaction on the dashboard is a top-up of £50.00
    And the ledger of "test@demo.com" has one top-up credit of £50.00 from £0.00 to £50.00 for the payment
    And the top-up was fulfilled by the webhook

  Scenario: The same change is sent again under a new event id
    Given each checkout.session.completed is reissued under a new event id
    When "test@demo.com" tops up £50.00 with card 4242 4242 4242 4242 and closes the tab after paying
    And "test@demo.com" opens the dashboard later
    Then Stripe sent checkout.session.completed as 2 different events
    And the delivery log shows attempts answered 200, 200
    And the dashboard shows a balance of £50.00
    And the dashboard lists 1 transaction
    And the newest transaction on the dashboard is a top-up of £50.00
    And the ledger of "test@demo.com" has one top-up credit of £50.00 from £0.00 to £50.00 for the payment
    And the top-up was fulfilled by the webhook
