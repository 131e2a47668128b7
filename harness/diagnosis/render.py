"""Flow traces as text: one block per top-up, one line per stage, the first broken one marked,
with the evidence under the stages that broke (or were broken on purpose)."""

from __future__ import annotations

from collections.abc import Sequence

# the same import block as stages.py's: both read the stage statuses trace.py defines.
from harness.diagnosis.trace import (
    BROKEN,
    INJECTED,
    NOT_REACHED,
    OK,
    SKIPPED,
    STAGE_KEYS,
    Stage,
    TopupTrace,
    money,
)

MARKS = {OK: "✔", BROKEN: "✘", INJECTED: "⚡", SKIPPED: "-", NOT_REACHED: "·"}
LEGEND = "✔ ok   ✘ broken   ⚡ broken on purpose (injected fault)   - skipped   · not reached"
KEY_WIDTH = max(len(key) for key in STAGE_KEYS)
INDENT = " " * (KEY_WIDTH + 7)  # under the detail: "  ✘ <key>   "


def render_trace(trace: TopupTrace) -> str:
    who = trace.email or "no browser"
    lines = [f"Flow trace for {trace.session_id} ({who}, {money(trace.amount_pence)}):"]
    for stage in trace.stages:
        detail = stage.detail
        if stage.status == BROKEN and stage.key == trace.first_broken:
            detail = f"FIRST BROKEN: {detail}"
        elif stage.status == INJECTED:
            detail = f"injected: {detail}"
        lines += _stage_lines(stage, detail)
    said = " ".join(stage.detail for stage in trace.stages)
    lines += [
        f"  unavailable: {source}: {why}"
        for source, why in trace.unavailable.items()
        if why not in said  # already told by the stage it left unjudged
    ]
    return "\n".join(lines)


def _stage_lines(stage: Stage, detail: str) -> list[str]:
    lines = [f"  {MARKS[stage.status]} {stage.key:<{KEY_WIDTH}}   {detail}"]
    lines += [f"{INDENT}{MARKS[INJECTED]} injected: {fault}" for fault in stage.faults]
    if stage.status in (BROKEN, INJECTED):
        lines += [f"{INDENT}evidence: {line}" for line in stage.evidence]
    return lines


def render_all(
    traces: Sequence[TopupTrace],
    footer: Sequence[str] = (),
    own: Stage | None = None,
    injected: Sequence[Stage] = (),
) -> str:
    """``own``: the stage of a failed step outside any top-up's flow (access, billing...);
    ``injected``: faults the scenario injected that no top-up's flow came of (a session that
    was never created)."""
    if not traces:
        blocks = ["Flow trace: the scenario started no top-up, so there is no flow to trace."]
    else:
        blocks = [render_trace(trace) for trace in traces]
    if injected:
        lines = ["Injected outside any top-up's flow:"]
        for stage in injected:
            lines += _stage_lines(stage, f"injected: {stage.detail}")
        blocks.append("\n".join(lines))
    if own is not None:
        blocks.append(
            "\n".join(
                ["The scenario's own check:", *_stage_lines(own, f"FIRST BROKEN: {own.detail}")]
            )
        )
    broken = next((t for t in traces if t.first_broken), None)
    if broken is not None:
        summary = f"First broken stage: {broken.first_broken} (top-up {broken.session_id})"
    elif own is not None:
        summary = f"First broken stage: {own.key} ({own.title})"
    elif traces:
        summary = "First broken stage: none; every stage of the flow held up"
    else:
        summary = "First broken stage: none"
    return "\n\n".join(blocks) + "\n" + "\n".join([summary, *footer, LEGEND])
