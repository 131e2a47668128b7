"""Which trace of each browser the harness records, from the command line: each action by
default, the page around each action too with ``--trace-snapshots``, and none of its own when
pytest-playwright's ``--tracing`` records one."""

from __future__ import annotations

import pytest

from harness.plugin.fixtures import harness_trace


@pytest.mark.parametrize(
    ("args", "trace"),
    [
        ((), "actions"),
        (("--trace-snapshots",), "snapshots"),
        (("--tracing", "retain-on-failure"), "off"),
        (("--tracing", "on", "--trace-snapshots"), "off"),
        (("--tracing", "off", "--trace-snapshots"), "snapshots"),
    ],
)
def test_the_command_line_chooses_the_harnesss_trace(
    pytester: pytest.Pytester, args: tuple[str, ...], trace: str
) -> None:
    assert harness_trace(pytester.parseconfig(*args)) == trace
