"""``--matrix-plan FILE``: the defect matrix's scenario runs in one session on one stack.

``wallet-harness matrix`` writes the plan (``harness.defect_matrix.plan``): for each set of
defects, the scenarios to run against it. Each planned scenario is parametrized with its defects
(the ``wallet_matrix_defect`` fixture, which ``wallet_stack`` reads), everything else is
deselected, and the tests run grouped by defect in the plan's order. The stack pool then keeps
one stack and, between groups, restarts only the app's processes (``StackPool.one_at_a_time``):
the database server, the fake and the browser stay up for the whole matrix.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.defect_matrix.plan import read_plan, run_id, split_name

PARAM = "wallet_matrix_defect"


class MatrixPlan:
    def __init__(self, runs: dict[str, list[str]]) -> None:
        self.runs = runs
        self.order = {defect: index for index, defect in enumerate(runs)}

    @pytest.fixture(autouse=True)
    def wallet_matrix_defect(self, request: pytest.FixtureRequest) -> str | None:
        """The defects this run of the scenario is against (``""``: none); None off the plan."""
        defect: str | None = getattr(request, "param", None)
        return defect

    # last: after the scenario's own parameters (its Examples), so the defect's id comes last
    @pytest.hookimpl(trylast=True)
    def pytest_generate_tests(self, metafunc: pytest.Metafunc) -> None:
        name = metafunc.definition.name
        defects = [
            defect
            for defect, tests in self.runs.items()
            if any(test == name or test.startswith(name + "[") for test in tests)
        ]
        if defects:
            metafunc.parametrize(PARAM, defects, ids=[run_id(d) for d in defects])

    @pytest.hookimpl(trylast=True)
    def pytest_collection_modifyitems(
        self, config: pytest.Config, items: list[pytest.Item]
    ) -> None:
        chosen: list[tuple[int, int, pytest.Item]] = []
        dropped: list[pytest.Item] = []
        for index, item in enumerate(items):
            split = split_name(item.name)
            if split is not None and split[0] in self.runs.get(split[1], ()):
                chosen.append((self.order[split[1]], index, item))
            else:
                dropped.append(item)
        if dropped:
            config.hook.pytest_deselected(items=dropped)
        items[:] = [item for _, _, item in sorted(chosen, key=lambda entry: entry[:2])]


def register(config: pytest.Config) -> None:
    """Register the plan's plugin when ``--matrix-plan`` names one."""
    named: str | None = config.getoption("matrix_plan", None)
    if not named:
        return
    try:
        runs = read_plan(Path(named))
    except ValueError as error:
        raise pytest.UsageError(str(error)) from None
    config.pluginmanager.register(MatrixPlan(runs), "wallet_harness_matrix_plan")
