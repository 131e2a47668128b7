@webhook @security
Feature: Forged, replayed and lying webhooks credit nothing, and the admin sees each one
  Anyone can post to the app's webhook URL. Without the endpoint's signing secret a request is
  refused by its signature; a genuine delivery captured and sent again later is refused by its
  timestamp, and within the tolerance credits nothing twice. Whoever holds the secret (leaked,
  or a bug upstream) can still sign an event that lies about its session: the app asks Stripe
  for the session and believes Stripe, not the event. Every refusal is in recent failures.

  Background:
    Given the wallet of "test@demo.com" holds £0.00
    And the wallet of "other@demo.com" holds £0.00

  Scenario Outline: A forged "paid" event for an unpaid top-up, <signed>, is refused
    When "test@demo.com" starts a top-up of £50.00 through the API
    And someone posts checkout.session.completed for it, claiming it was paid, <signed>
    Then the forged delivery is answered 400
    And recent failures list the forged delivery because "<reason>"
    And the wallet of "test@demo.com" holds £0.00
    And the ledger of "test@demo.com" is empty

    Examples:
      | signed                          | reason                                              |
      | with no signature header        | stripe-signature header                             |
      | signed with a secret of its own | No signatures found matching the expected signature |

  Scenario: A genuine delivery replayed after the tolerance is refused by its timestamp
    When "test@demo.com" starts a top-up of £50.00 through the API
    And it is paid on Stripe's checkout page with card 4242 4242 4242 4242
    And someone replays its checkout.session.completed delivery 10 minutes later
    Then the forged delivery is answered 400
    And recent failures list the forged delivery because "Timestamp outside the tolerance zone"
    And the ledger of "test@demo.com" has one top-up credit of £50.00 from £0.00 to £50.00 for the payment
    And the wallet of "test@demo.com" holds £50.00

  Scenario: A genuine delivery replayed within the tolerance credits nothing more
    When "test@demo.com" starts a top-up of £50.00 through the API
    And it is paid on Stripe's checkout page with card 4242 4242 4242 4242
    And someone replays its checkout.session.completed delivery 1 minute later
    Then the forged delivery is answered 200
    And the ledger of "test@demo.com" has one top-up credit of £50.00 from £0.00 to £50.00 for the payment
    And the wallet of "test@demo.com" holds £50.00

  Scenario: A correctly signed event claiming an unpaid top-up was paid credits nothing
    When "test@demo.com" starts a top-up of £50.00 through the API
    And someone posts a correctly signed checkout.session.completed for it, claiming it was paid
    Then the wallet of "test@demo.com" holds £0.00
    And the ledger of "test@demo.com" is empty
    And recent failures list the forged delivery because "disagrees with Stripe"

  Scenario: A correctly signed event giving another organisation's payment to me credits nothing
    Given the next delivery of checkout.session.completed is held
    When "other@demo.com" starts a top-up of £50.00 through the API
    And it is paid on Stripe's checkout page with card 4242 4242 4242 4242
    And someone posts a correctly signed checkout.session.completed for it, naming the organisation of "test@demo.com"
    Then the wallet of "test@demo.com" holds £0.00
    And recent failures list the forged delivery because "disagrees with Stripe"
    When the held deliveries are released
    Then the ledger of "other@demo.com" has one top-up credit of £50.00 from £0.00 to £50.00 for the payment
    And the ledger of "test@demo.com" is empty

  Scenario: A correctly signed event for a session Stripe never made credits nothing
    When someone posts a correctly signed checkout.session.completed for a session Stripe never made, naming the organisation of "test@demo.com"
    Then the wallet of "test@demo.com" holds £0.00
    And the ledger of "test@demo.com" is empty
    And recent failures list the forged delivery because "knows no checkout session"

  Scenario Outline: A correctly signed body that is not a Stripe event is refused: <flaw>
    When someone posts a correctly signed body <flaw>
    Then the forged delivery is answered 400
    And the wallet of "test@demo.com" holds £0.00

    Examples:
      | flaw                               |
      | with an empty event id             |
      | whose data.object is not an object |
