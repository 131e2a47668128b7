@stripe_api @payments
Feature: Stripe's API fails while the app creates the Checkout Session
  The app asks Stripe for a Checkout Session when the customer presses Top Up. Stripe's API, or
  the network on the way, sometimes fails that request: an error, a rate limit, a connection cut
  after Stripe did the work. The SDK retries a 5xx and a cut connection once, with the same
  Idempotency-Key, never a 429. Whatever happens, the customer is either sent to one Checkout
  page and credited once, or told plainly that nothing was charged.

  Background:
    Given the wallet of "test@demo.com" holds £0.00
    And "test@demo.com" is logged in to the dashboard

  Scenario: Every creation fails: the customer is told, and nothing is charged
    Given Stripe's API answers 500 to every checkout session creation
    When "test@demo.com" tries to open Checkout for £50.00
    Then the dashboard shows the error "The payment page could not be opened just now; nothing was charged. Try again."
    And "test@demo.com" was sent to no checkout page and nothing was charged
    And the dashboard shows a balance of £0.00
    And the wallet of "test@demo.com" holds £0.00
    And Stripe's API faulted 2 requests of the app

  Scenario: One 503, and the SDK's retry gets through
    Given Stripe's API answers 503 once when a checkout session is created
    When "test@demo.com" tops up £50.00 with card 4242 4242 4242 4242
    Then the dashboard shows a balance of £50.00
    And the dashboard lists 1 transaction
    And the ledger of "test@demo.com" has one top-up credit of £50.00 from £0.00 to £50.00 for the payment
    And Stripe took the payment of £50.00
    And Stripe's API faulted 1 request of the app

  Scenario: Rate limited: the customer is told, and nothing is charged
    Given Stripe's API rate limits checkout session creation with Retry-After 1 second
    When "test@demo.com" tries to open Checkout for £50.00
    Then the dashboard shows the error "The payment page could not be opened just now; nothing was charged. Try again."
    And "test@demo.com" was sent to no checkout page and nothing was charged
    And the wallet of "test@demo.com" holds £0.00
    And Stripe's API faulted 1 request of the app

  Scenario: The connection is cut after Stripe created the session: one session, credited once
    The SDK's retry carries the same Idempotency-Key, so Stripe answers with the session the cut
    request made instead of making a second one.

    Given the connection is cut after Stripe creates the checkout session
    When "test@demo.com" tops up £50.00 with card 4242 4242 4242 4242
    Then the dashboard shows a balance of £50.00
    And the dashboard lists 1 transaction
    And the ledger of "test@demo.com" has one top-up credit of £50.00 from £0.00 to £50.00 for the payment
    And exactly one top-up row exists for each payment
    And Stripe took the payment of £50.00
    And Stripe's API faulted 1 request of the app
