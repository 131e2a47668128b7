@payments
Feature: A payment made at Stripe for an organisation, outside the app, is that organisation's top-up
  Another service of the business can open a Checkout Session at Stripe for an organisation's
  wallet (its client_reference_id), which the app never recorded. Once it is paid, the app must
  credit that organisation once, and record the top-up from what Stripe says.

  Background:
    Given the wallet of "test@demo.com" holds £0.00

  Scenario: A session another service made for my organisation is credited by the webhook
    Given another service opened Checkout for £50.00 for "test@demo.com"
    When it is paid on Stripe's checkout page with card 4242 4242 4242 4242
    Then the wallet of "test@demo.com" holds £50.00
    And the ledger of "test@demo.com" has one top-up credit of £50.00 from £0.00 to £50.00 for the payment
    And the top-up was fulfilled by the webhook
