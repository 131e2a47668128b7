"""The browser the scenarios drive: which Chromium to launch and how, so that it makes no
outside lookups (``chromium``), and browser contexts kept for a run and cleaned between
scenarios (``contexts``). It imports nothing else of the harness.
"""
