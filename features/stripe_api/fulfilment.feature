@stripe_api @webhook
Feature: Stripe's API fails while the app reads the paid session to credit it
  Fulfilment asks Stripe for the session before it credits (the event is only a claim). When
  that read fails, nothing may be credited from guesswork and nothing may be lost: the job is
  retried, the landing page keeps saying the payment is being confirmed and checks again, and
  the top-up is credited exactly once.

  Background:
    Given the wallet of "test@demo.com" holds £0.00
    And "test@demo.com" is logged in to the dashboard

  Scenario: The worker's read fails twice: the job is retried and credits once
    The SDK's retry meets the second 500 too, so the job's first attempt fails; its retry reads
    the session and credits. Real slowness: the job's retry runs on the app's queue in real
    time, when its worker next looks for due jobs (JOB_POLL_SECONDS, procrastinate's 5 s for
    the reference app), so the scenario waits that long for the queue to empty.

    Given Stripe's API answers 500 the next 2 times the app reads the session
    When "test@demo.com" tops up £50.00 with card 4242 4242 4242 4242 and closes the tab after paying
    And "test@demo.com" opens the dashboard later
    Then the dashboard shows a balance of £50.00
    And the dashboard lists 1 transaction
    And the ledger of "test@demo.com" has one top-up credit of £50.00 from £0.00 to £50.00 for the payment
    And the top-up was fulfilled by the webhook
    And Stripe's API faulted 2 requests of the app

  @real-slowness
  Scenario: The worker's read gets no answer once: the app's timeout gives up, and its retry credits once
    Real slowness: the fake holds the read until the app's own timeout for Stripe gives up
    (STRIPE_TIMEOUT_SECONDS in the app's profile: 2 s for both the reference app and the
    Express one), which is what the scenario is about.

    Given Stripe's API does not answer the next time the app reads the session
    When "test@demo.com" tops up £50.00 with card 4242 4242 4242 4242 and closes the tab after paying
    And "test@demo.com" opens the dashboard later
    Then the dashboard shows a balance of £50.00
    And the ledger of "test@demo.com" has one top-up credit of £50.00 from £0.00 to £50.00 for the payment
    And the top-up was fulfilled by the webhook
    And Stripe's API faulted 1 request of the app

  Scenario: The landing page's read fails: the page says the payment is being confirmed, then credits it
    The webhook is lost, so only the landing page can credit; its first check cannot read the
    session, and a later check does.

    Given every delivery of checkout.session.completed is dropped
    And Stripe's API answers 500 the next 2 times the app reads the session
    When "test@demo.com" tops up £50.00 with card 4242 4242 4242 4242
    Then the dashboard first said the payment was being confirmed, then that £50.00 was added
    And the dashboard shows a balance of £50.00
    And the ledger of "test@demo.com" has one top-up credit of £50.00 from £0.00 to £50.00 for the payment
    And the top-up was fulfilled by the landing page
    And Stripe's API faulted 2 requests of the app
