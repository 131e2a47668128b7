"""Checks: the named assertions that "then" steps make, each one call. A check waits until the
stack is quiet where it reads the outcome, compares, and fails with a message that shows what
it found. ``flow``: the money against Stripe's record, which the plugin also runs after every
scenario. It may import the diagnosis and everything below it.
"""
