@rescue @faults
Feature: Outages as long as Stripe's: every top-up paid while the endpoint was down is credited once
  The app's webhook endpoint can be down for an hour, a day or days (a broken deploy, an expired
  certificate) while customers go on paying. Stripe retries each delivery on its schedule (in test
  mode for 2 hours 35 minutes, fake_stripe/webhooks/schedule.py) and then gives up; after that
  only the reconciliation sweep can credit, from Stripe's event list: every page of it, and back
  to where it last swept when that is further than its default look-back (3 days), as long as
  Stripe still lists the events (30 days). The app's clock follows the fake's, so the days pass
  for both; the app's profile lists two events a page, so three top-ups fill two pages.

  Background:
    Given the wallet of "test@demo.com" holds £0.00
    And "test@demo.com" is logged in to the dashboard
    And the reconciliation sweep has run

  Scenario Outline: The endpoint is down for <outage> while top-ups go on, then recovers
    Given the webhook endpoint is down
    When "test@demo.com" tops up £50.00 with card 4242 4242 4242 4242 and closes the tab after paying
    And the clock advances <a third>
    And "test@demo.com" tops up £20.00 with card 4242 4242 4242 4242 and closes the tab after paying
    And the clock advances <a third>
    And "test@demo.com" tops up £10.00 with card 4242 4242 4242 4242 and closes the tab after paying
    And the clock advances <a third>
    And the webhook endpoint comes back
    And the clock advances 3 hours
    And the reconciliation sweep runs
    Then exactly one top-up row exists for each payment
    And the wallet of "test@demo.com" holds £80.00

    Examples:
      | outage | a third    |
      | 1 hour | 20 minutes |
      | 1 day  | 8 hours    |
      | 3 days | 1 day      |
