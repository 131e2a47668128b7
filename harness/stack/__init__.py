"""The stack as it runs for real: fake_stripe and the app's web process and worker as separate
processes on free loopback ports (``services``), on a database migrated and seeded by the app's
own command (``schema``); reset to the seed between scenarios (``reset``), one per set of
defects in a test session (``pool``), or on its own for the command line (``standalone``).
``demo_accounts`` names the seed's logins. It may import ``postgres`` and the leaves, and
fake_stripe's control client.
"""
