"""The stage a failed step is about, for a scenario whose flow trace holds at every stage: an
organisation seeing another's payment, a billing gate that let a charge through, a transaction
list missing a row. No failed scenario ends with "First broken stage: none".

Each check module (``harness/checks/``) and page object (``harness/pages/``) says what its
failures are about in two module constants, read from the failure's traceback (innermost frame
first), so the knowledge stays next to the checks and a new module cannot forget it
(``tests/harness/diagnosis/test_blame.py`` holds every check module to it):

- ``FAILURE_STAGE``: the stage of any failure raised there, e.g. ``"billing"``;
- ``FAILURE_STAGES``: ``{function name: stage}`` where one module's checks differ.

Who decides, first to last: a function's own stage; the scenario's topic (``TOPIC_STAGES``:
an ``@isolation`` scenario's failed dashboard message is about access, not the screen); the
module's stage; else ``steps``, for an error in a step that no check raised (a driver's
timeout, a crash of the harness), named with its type.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from types import TracebackType

from harness.diagnosis.trace import BROKEN, STAGE_KEYS, TITLES, Stage, TopupTrace

# stages of a scenario rather than of one top-up's flow: judged only from a failed step
SCENARIO_STAGES = {
    "access": "access check",
    "billing": "billing gate",
    "steps": "the scenario's steps",
}
ALL_STAGES = (*STAGE_KEYS, *SCENARIO_STAGES)
# a scenario's tag -> what its failed checks are about, unless the check says otherwise
TOPIC_STAGES = {"isolation": "access", "billing": "billing"}


@dataclass(frozen=True)
class FailedStep:
    """A scenario's failure, and the stage it is about."""

    step: str  # "Then the dashboard shows a balance of £50.00", or where it failed
    error: str  # the exception's type and first line
    stage: str
    why: str  # how the stage was chosen, for the reader
    more: tuple[str, ...] = ()  # the message's further lines (e.g. both renderings of a page)


def blame(error: BaseException, step: str | None, tags: Iterable[str] = ()) -> FailedStep:
    where = step or "after the steps (the checks every scenario ends with)"
    shown = _one_line(error)
    more = _further_lines(error)
    own, module = _declared(error.__traceback__)
    topic = next((TOPIC_STAGES[tag] for tag in tags if tag in TOPIC_STAGES), None)
    if own is not None:
        stage, why = own[0], f"the check {own[1]} is about {own[0]}"
    elif topic is not None:
        stage, why = topic, f"the scenario's topic is {topic}"
    elif module is not None:
        stage, why = module[0], f"{module[1]} checks the {module[0]} stage"
    else:
        stage, why = "steps", "no check of a stage raised it"
    return FailedStep(where, shown, stage, why, more)


MORE_LINES = 10


def _further_lines(error: BaseException) -> tuple[str, ...]:
    """The lines of a check's message after its first (a check puts its finding first and the
    data behind it under it); Playwright's own assertion text has its call log there instead,
    which the report shows anyway."""
    if type(error).__module__.startswith("playwright"):
        return ()
    lines = [line.rstrip() for line in str(error).strip().splitlines()[1:] if line.strip()]
    return tuple(lines[:MORE_LINES])


def _one_line(error: BaseException) -> str:
    """The error's type and first line, with the actual value where the message gives one
    (Playwright's ``Actual value: 1`` is on a line of its own)."""
    lines = [line.strip() for line in str(error).strip().splitlines() if line.strip()]
    if not lines:
        return type(error).__name__
    actual = [line for line in lines[1:] if line.startswith(("Actual value", "Expected"))]
    return f"{type(error).__name__}: " + "; ".join([lines[0][:300], *actual[:2]])


def _declared(
    tb: TracebackType | None,
) -> tuple[tuple[str, str] | None, tuple[str, str] | None]:
    """The innermost function stage (stage, "module.function") and the innermost module stage
    (stage, module) that the traceback's frames declare."""
    frames = []
    while tb is not None:
        frames.append(tb.tb_frame)
        tb = tb.tb_next
    own = module = None
    for frame in reversed(frames):
        names = frame.f_globals
        name = str(names.get("__name__", "?"))
        per_function = names.get("FAILURE_STAGES") or {}
        function = frame.f_code.co_name
        if own is None and function in per_function:
            own = (str(per_function[function]), f"{name}.{function}")
        if module is None and "FAILURE_STAGE" in names:
            module = (str(names["FAILURE_STAGE"]), name)
    return own, module


def attribute(
    traces: tuple[TopupTrace, ...], failure: FailedStep, latest: str | None
) -> tuple[tuple[TopupTrace, ...], Stage | None]:
    """The traces and, for a scenario-level stage, its own line, once ``failure`` is given the
    stage it is about. Only when no stage of any trace broke: a flow stage that broke explains
    the failure better than the step that noticed it."""
    if any(trace.first_broken for trace in traces):
        return traces, None
    evidence = [
        f"failed step: {failure.step}",
        f"why this stage: {failure.why}",
        *(f"message: {line.strip()}" for line in failure.more),
    ]
    if failure.stage in STAGE_KEYS and traces:
        index = next(
            (i for i, trace in enumerate(traces) if trace.session_id == latest), len(traces) - 1
        )
        trace = traces[index]
        judged = trace.stage(failure.stage)
        evidence.append(f"the flow trace had judged it {judged.status}: {judged.detail}")
        broken = Stage(
            judged.key, judged.title, BROKEN, failure.error, (*evidence, *judged.evidence[:3])
        )
        stages = tuple(broken if s.key == failure.stage else s for s in trace.stages)
        changed = replace(trace, stages=stages)
        return (*traces[:index], changed, *traces[index + 1 :]), None
    title = SCENARIO_STAGES.get(failure.stage) or TITLES.get(failure.stage, failure.stage)
    return traces, Stage(failure.stage, title, BROKEN, failure.error, tuple(evidence))
