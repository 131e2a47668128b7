"""The pytest plugin. ``entry`` is the ``pytest11`` entry point: it adds the options and
registers the other modules here (fixtures, driver fixtures, Playwright overrides, scenario
hooks, cucumber JSON under xdist, the terminal summary); nothing imports it back. What several
of them share about a test sits in ``keys``. The plugin is a top room: it may import any other.
"""
