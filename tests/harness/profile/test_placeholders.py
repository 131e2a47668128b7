"""A profile's SQL gets its placeholders as query parameters, never pasted into the text; a
process whose command or environment names {processes} can be run as several."""

from __future__ import annotations

import pytest

from harness.profile.placeholders import scalable, sql_with_values


def test_each_placeholder_becomes_a_named_parameter() -> None:
    query, params = sql_with_values(
        "select 1 from t where a = {org_id} and b = {org_id} and c = {reason}",
        {"org_id": "o-1", "reason": "x'); drop table t; --", "unused": 1},
    )

    assert query == "select 1 from t where a = %(org_id)s and b = %(org_id)s and c = %(reason)s"
    assert params == {"org_id": "o-1", "reason": "x'); drop table t; --"}


def test_percent_signs_and_doubled_braces_stay_literal() -> None:
    query, params = sql_with_values("select '{{x}}', 'a%' like {name}", {"name": "a"})

    assert query == "select '{x}', 'a%%' like %(name)s"
    assert params == {"name": "a"}


def test_a_placeholder_with_no_value_is_named() -> None:
    with pytest.raises(KeyError, match=r"no value for \{session_id\}"):
        sql_with_values("select {session_id}", {})


def test_a_process_that_names_processes_can_run_as_several() -> None:
    assert scalable(["{python}", "-m", "app", "web", "--workers", "{processes}"], {})
    assert scalable(["node", "worker.js"], {"WORKERS": "{processes}"})
    assert not scalable(["node", "worker.js", "--port", "{port}"], {"X": "{{processes}}"})
