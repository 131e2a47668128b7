"""A simulation's HTML report: the settings and seed, the figures, the verdict, and a plot of
deliveries and credits over simulated time (an SVG, no plotting library).

This module works out what to show, the plot's coordinates included; the markup is the Jinja2
template ``templates/report.html``, which escapes every value it is given. Simulated time runs
from the first top-up through the clock's jump over the retry schedule to the reconciliation,
seconds to days, so the time axis is logarithmic.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

from jinja2 import Environment, PackageLoader, select_autoescape

from harness.simulation.invariants import INVARIANTS
from harness.simulation.nemesis import blows_line
from harness.simulation.simulate import Outcome, counts

WIDTH, HEIGHT, MARGIN = 900, 340, 50
TICKS = {
    "1 s": 1,
    "10 s": 10,
    "1 min": 60,
    "10 min": 600,
    "1 h": 3600,
    "6 h": 21600,
    "1 day": 86400,
    "3 days": 259200,
}
SERIES = {"delivery attempts": "#3b6fd1", "answered 2xx": "#3aa35b", "credits": "#d97a1e"}


def timelines(outcome: Outcome) -> dict[str, list[float]]:
    """Seconds of simulated time since the run began at which each thing happened."""
    start = outcome.clock_start
    attempts = sorted(a.sent_at - start for a in outcome.attempts)
    answered = sorted(a.sent_at - start for a in outcome.attempts if a.succeeded)
    first_answer: dict[str, float] = {}
    for attempt in outcome.attempts:
        if attempt.succeeded and attempt.object_id:
            first_answer.setdefault(attempt.object_id, attempt.sent_at - start)
    landed = {
        p.session_id: p.landed_at - start for p in outcome.played if p.session_id and p.landed_at
    }
    credits = []
    for session_id, path in outcome.paths.items():
        if path == "webhook" and session_id in first_answer:
            credits.append(first_answer[session_id])
        elif path == "landing" and session_id in landed:
            credits.append(landed[session_id])
        else:
            credits.append(outcome.reconciled_at - start)
    return {"delivery attempts": attempts, "answered 2xx": answered, "credits": sorted(credits)}


@dataclass(frozen=True)
class Tick:
    label: str
    x: float


@dataclass(frozen=True)
class Line:
    name: str
    colour: str
    count: int
    points: str  # the SVG polyline's "x,y x,y ..."


@dataclass(frozen=True)
class Plot:
    width: int
    height: int
    margin: int
    top: int  # the largest count, at the top of the y axis
    ticks: list[Tick]
    lines: list[Line]


def plot(lines: dict[str, list[float]]) -> Plot:
    """Each series as a cumulative count over log-scaled simulated time."""
    end = max([max(v) for v in lines.values() if v] + [10.0])
    top = max([len(v) for v in lines.values()] + [1])

    def x(seconds: float) -> float:
        return MARGIN + (WIDTH - 2 * MARGIN) * math.log10(1 + max(0.0, seconds)) / math.log10(
            1 + end
        )

    def y(count: int) -> float:
        return HEIGHT - MARGIN - (HEIGHT - 2 * MARGIN) * count / top

    ticks = [Tick(label, x(seconds)) for label, seconds in TICKS.items() if seconds <= end]
    drawn = []
    for name, times in lines.items():
        points = [f"{x(0):.1f},{y(0):.1f}"]
        points += [f"{x(t):.1f},{y(n):.1f}" for n, t in enumerate(times, start=1)]
        drawn.append(Line(name, SERIES[name], len(times), " ".join(points)))
    return Plot(WIDTH, HEIGHT, MARGIN, top, ticks, drawn)


_TEMPLATES = Environment(
    loader=PackageLoader("harness.simulation", "templates"),
    autoescape=select_autoescape(["html"]),
    trim_blocks=True,
    lstrip_blocks=True,
)


def render_report(outcome: Outcome, replay: str) -> str:
    figures = {**counts(outcome), "injected faults": outcome.injected}
    api_answers = figures.pop("api answers")
    shown = {
        name: ", ".join(f"{k} {v}" for k, v in sorted(values.items()) if v)
        for name, values in figures.items()
    }
    if shown["api faults"]:
        shown["api faults"] += (
            " (" + ", ".join(f"{k} {v}" for k, v in sorted(api_answers.items()) if v) + ")"
        )
    if outcome.nemesis:
        shown["nemesis"] = blows_line(outcome.nemesis)
    return _TEMPLATES.get_template("report.html").render(
        outcome=outcome,
        options=outcome.options,
        replay=replay,
        figures=shown,
        timing=", ".join(f"{name} {seconds:.1f} s" for name, seconds in outcome.timings.items()),
        violations=outcome.violations[:200],
        failing_histories=outcome.failing_histories()[:50] if outcome.violations else [],
        invariants=INVARIANTS,
        plot=plot(timelines(outcome)),
    )


def write_report(path: Path, outcome: Outcome, replay: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_report(outcome, replay), encoding="utf-8")
