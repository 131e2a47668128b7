"""The stack as it runs for real: fake_stripe and the app's processes as its profile describes
them (``app``: commands, environments, readiness), each a separate process on a free loopback
port (``services``), on a database migrated and seeded the profile's way (``schema``); reset to
the seed between scenarios (``reset``), one per set of defects in a test session (``pool``), or
on its own for the command line (``standalone``). ``WalletStack.account`` maps the people the
features name to the app's logins. It may import ``postgres``, ``profile`` and the leaves, and
fake_stripe's control client.
"""
