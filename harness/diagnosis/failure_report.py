"""A failed scenario's report: the flow trace first, then pytest's own failure text, then the
command that reruns just that scenario. The first broken stage is also a user property of the
report and of the test (``diagnosis_stage``), so JUnit XML carries it for machines."""

from __future__ import annotations

import base64
import os
import re
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from _pytest._code.code import TerminalRepr

from harness.diagnosis import FailedStep, diagnose
from harness.diagnosis.artifacts import artifact_folder, save_artifacts

if TYPE_CHECKING:
    from _pytest._code.code import ReprFileLocation
    from _pytest._io import TerminalWriter

    from harness.scenario import Scenario

# the first phase to fail diagnoses; a later failing phase of the same test shows the same trace
DIAGNOSED = pytest.StashKey[tuple[str, str | None]]()
STAGE_PROPERTY = "diagnosis_stage"
ASSERTION_PROPERTY = "failed_assertion"


class DiagnosedFailure(TerminalRepr):
    """pytest's failure representation with the trace before it and the rerun command after."""

    def __init__(self, trace: str, original: object, rerun: str) -> None:
        self.trace = trace
        self.original = original
        self.rerun = rerun

    @property
    def reprcrash(self) -> ReprFileLocation | None:
        """The original's one-line cause, for the short summary and JUnit's message."""
        crash: ReprFileLocation | None = getattr(self.original, "reprcrash", None)
        return crash

    def toterminal(self, tw: TerminalWriter) -> None:
        for line in self.trace.splitlines():
            tw.line(line, red=line.lstrip().startswith("✘"))
        tw.line("")
        toterminal = getattr(self.original, "toterminal", None)
        if toterminal is not None:
            toterminal(tw)
        elif self.original is not None:
            tw.line(str(self.original))
        tw.line("")
        tw.line(f"Rerun just this scenario: {self.rerun}", bold=True)


def rerun_command(item: pytest.Item) -> str:
    command = f'python -m pytest "{_in_double_quotes(item.nodeid)}"'
    defects = item.config.getoption("app_defects", default="") or ""
    if defects:
        command += f' --app-defects="{_in_double_quotes(defects)}"'
    return command


def _in_double_quotes(text: str) -> str:
    """Escape what a POSIX shell expands inside double quotes; ``\\x`` stays as it is."""
    return re.sub(r'(["$`]|\\(?=["$`\\]))', r"\\\1", text)


def explain_failure(
    item: pytest.Item,
    report: pytest.TestReport,
    scenario: Scenario,
    failure: FailedStep | None = None,
) -> None:
    """``failure``: what failed and the stage it is about (``harness.diagnosis.blame``)."""
    rerun = rerun_command(item)
    earlier = item.stash.get(DIAGNOSED, None)
    if earlier is None:
        diagnosis = diagnose(scenario, failure)
        trace, stage = diagnosis.render(), diagnosis.first_broken
        folder = artifact_folder(item.config.rootpath, item.nodeid)
        problems = save_artifacts(folder, scenario, diagnosis, f"{trace}\n\n{rerun}")
        shown = (
            folder.relative_to(item.config.rootpath)
            if folder.is_relative_to(item.config.rootpath)
            else folder
        )
        trace += f"\nArtifacts: {shown}/" + (
            f" (not written: {'; '.join(problems)})" if problems else ""
        )
        item.stash[DIAGNOSED] = (trace, stage)
        attach_screenshots(item, report, sorted(folder.glob("screenshot-*.png")))
    else:
        trace, stage = earlier
    crash = getattr(report.longrepr, "reprcrash", None)
    if crash is not None:
        # the assertion itself, for machines (the defect matrix), also where xdist flattens
        # the report to text
        assertion = (ASSERTION_PROPERTY, str(crash.message))
        if assertion not in item.user_properties:
            item.user_properties.append(assertion)
    report.longrepr = DiagnosedFailure(trace, report.longrepr, rerun)
    if stage is not None:
        # JUnit XML writes the properties of the teardown report, made from the item's
        prop = (STAGE_PROPERTY, stage)
        for holder in (report.user_properties, item.user_properties):
            if prop not in holder:
                holder.append(prop)


def attach_screenshots(item: pytest.Item, report: pytest.TestReport, paths: list[Path]) -> None:
    """The failure's screenshots as JUnit properties and, when pytest-html writes a report, as
    images in it (embedded under ``--self-contained-html``, else linked)."""
    config = item.config
    for path in paths:
        shown = path.relative_to(config.rootpath) if path.is_relative_to(config.rootpath) else path
        item.user_properties.append(("screenshot", str(shown)))
    pytest_html = config.pluginmanager.getplugin("html")
    html_path = getattr(config.option, "htmlpath", None)
    if not paths or pytest_html is None or not html_path:
        return
    html_dir = Path(config.invocation_params.dir, os.path.expandvars(html_path)).parent
    embed = config.getoption("self_contained_html", default=False)
    extras = list(getattr(report, "extras", []))
    for path in paths:
        if embed:
            content = base64.b64encode(path.read_bytes()).decode()
        else:
            content = Path(os.path.relpath(path, html_dir)).as_posix()
        extras.append(pytest_html.extras.png(content, name=path.stem))
    report.extras = extras  # type: ignore[attr-defined]
