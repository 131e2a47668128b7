@worker
Feature: A top-up paid while the worker is down is credited when the worker comes back
  The webhook endpoint only stores Stripe's event and queues a job; the worker credits the
  wallet. While no worker runs, a payment must wait in the queue, answered 200 to Stripe and
  credited nowhere, and when a worker starts it must be credited once, by the webhook's job.

  Background:
    Given the wallet of "test@demo.com" holds £0.00
    And "test@demo.com" is logged in to the dashboard

  Scenario: The worker is down while the customer pays; the credit lands when it restarts
    The customer closes the tab after paying, so only the webhook can credit the top-up.

    Given the worker is stopped
    When "test@demo.com" tops up £50.00 with card 4242 4242 4242 4242 and closes the tab after paying
    Then Stripe's checkout.session.completed for the payment was accepted and waits in the queue
    And the wallet of "test@demo.com" holds £0.00
    And the ledger of "test@demo.com" is empty
    When the worker starts again
    And "test@demo.com" opens the dashboard later
    Then the dashboard shows a balance of £50.00
    And the newest transaction on the dashboard is a top-up of £50.00
    And the dashboard lists 1 transaction
    And the ledger of "test@demo.com" has one top-up credit of £50.00 from £0.00 to £50.00 for the payment
    And the top-up was fulfilled by the webhook
