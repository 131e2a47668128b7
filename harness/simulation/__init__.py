"""The simulation suite: many top-ups through the app's real API and the fake's real Stripe API
under webhook faults, then the money checked against Stripe's record. It has two engines, over
the same drivers, stack and invariants:

- **the seeded bulk run** (``simulate``; ``wallet-harness simulate``): ``plan`` turns a seed into
  thousands of independent top-up histories (organisation, amount, how it is paid, whether the
  customer lands, which faults hit its webhook); ``runner`` plays them at once on a running
  stack (``player`` plays each, ``drivers`` from several processes); ``invariants`` checks the
  outcome against the fake's truth; ``shrink`` cuts a failure down to the fewest, simplest
  histories that still fail. Use it for volume and for combinations
  of faults across many top-ups: it finds rare interleavings and measures throughput, and a
  seed replays the run.
- **Hypothesis' state machine** (``stateful``): short schedules of steps (open, fault, pay, land,
  release, advance the clock, reconcile, restart the worker; in ``NemesisMachine`` also the
  nemesis's blows: kill -9 the worker or the web process, restart the database) with the
  invariants checked after every step, shrunk by Hypothesis to the shortest failing schedule,
  which then becomes a plain regression test. Use it to find the sequence of actions that
  breaks one top-up, and in the test suite, where its budget is fixed and derandomized.

``orgs`` writes the simulated organisations, ``report`` the HTML report, ``summary`` the
terminal summary. It may import the diagnosis and everything below it.
"""
