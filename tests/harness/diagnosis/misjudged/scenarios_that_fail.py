"""Collects every_stage_held.feature with the project's own steps. Not a test module (no
``test_`` prefix): ``test_blame_end_to_end.py`` runs it in a pytest of its own, as its
scenarios fail on purpose."""

from pytest_bdd import scenarios

from steps.conftest import *  # noqa: F403  (the project's step definitions)

scenarios("every_stage_held.feature")
