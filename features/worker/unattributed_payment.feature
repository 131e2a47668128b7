@worker
Feature: A payment the app cannot attribute fails visibly and stays retryable
  Other systems share the Stripe account: a Checkout Session created outside the app names none
  of its organisations. Its webhook still reaches the app, which cannot credit anyone. The job
  must fail where operations can see it, after its retries, and stay in the queue as failed:
  not marked done, not processed in the request and answered 200 with nothing kept.

  Scenario: A paid session that names no organisation is kept as a failed job
    Real slowness: the job's three attempts run on the app's queue in real time, each retry
    a second or two after the last (JOB_RETRY_WAIT_SECONDS, growing) and taken when the worker
    next looks for due jobs (JOB_POLL_SECONDS, procrastinate's 5 s for the reference app), so
    the scenario waits about 10 s for the job to fail for good.

    Given a Checkout Session for £50.00 was created at Stripe outside the app
    When it is paid on Stripe's checkout page with card 4242 4242 4242 4242
    Then the delivery log shows attempts answered 200
    And the app keeps the payment's checkout.session.completed as a failed job after 3 attempts
    And recent failures list the payment because "names no organisation"
    And the wallet of "test@demo.com" holds £0.00
    And the wallet of "other@demo.com" holds £0.00
