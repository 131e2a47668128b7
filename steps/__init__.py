"""Step definitions: the sentences a tester writes scenarios with, each one thin glue from a
sentence to one harness driver, page object or check.

A tester writes a new scenario from these sentences without writing Python. Features live in
`features/<topic>/<name>.feature`, one Feature per file; every tag is a registered marker
(`pyproject.toml`); Backgrounds hold only Givens. `steps/test_scenarios.py` is the one module
that collects them.
"""
