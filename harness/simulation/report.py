"""A simulation's HTML report: the settings and seed, the figures, the verdict, and a plot of
deliveries and credits over simulated time (an SVG drawn here, no plotting library).

Simulated time runs from the first top-up through the clock's jump over the retry schedule to
the reconciliation, seconds to days, so the time axis is logarithmic.
"""

from __future__ import annotations

import html
import math
from pathlib import Path

from harness.simulation.invariants import INVARIANTS
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


def plot_svg(lines: dict[str, list[float]]) -> str:
    end = max([max(v) for v in lines.values() if v] + [10.0])
    top = max([len(v) for v in lines.values()] + [1])

    def x(seconds: float) -> float:
        return MARGIN + (WIDTH - 2 * MARGIN) * math.log10(1 + max(0.0, seconds)) / math.log10(
            1 + end
        )

    def y(count: int) -> float:
        return HEIGHT - MARGIN - (HEIGHT - 2 * MARGIN) * count / top

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}"'
        ' font-family="sans-serif" font-size="11">'
    ]
    parts.append(
        f'<line x1="{MARGIN}" y1="{HEIGHT - MARGIN}" x2="{WIDTH - MARGIN}"'
        f' y2="{HEIGHT - MARGIN}" stroke="#888"/>'
    )
    for label, seconds in TICKS.items():
        if seconds <= end:
            px = x(seconds)
            parts.append(
                f'<line x1="{px:.1f}" y1="{MARGIN}" x2="{px:.1f}" y2="{HEIGHT - MARGIN}"'
                ' stroke="#eee"/>'
            )
            parts.append(
                f'<text x="{px:.1f}" y="{HEIGHT - MARGIN + 15}" text-anchor="middle">{label}</text>'
            )
    parts.append(f'<text x="{MARGIN}" y="{MARGIN - 10}">cumulative count (max {top})</text>')
    parts.append(
        f'<text x="{WIDTH - MARGIN}" y="{HEIGHT - 12}" text-anchor="end">'
        "simulated time since the first top-up (log scale)</text>"
    )
    for row, (name, times) in enumerate(lines.items()):
        colour = SERIES[name]
        points = [f"{x(0):.1f},{y(0):.1f}"]
        points += [f"{x(t):.1f},{y(n):.1f}" for n, t in enumerate(times, start=1)]
        parts.append(
            f'<polyline fill="none" stroke="{colour}" stroke-width="2"'
            f' points="{" ".join(points)}"/>'
        )
        parts.append(
            f'<text x="{MARGIN + 10}" y="{MARGIN + 15 * (row + 1)}" fill="{colour}">'
            f"{html.escape(name)}: {len(times)}</text>"
        )
    parts.append("</svg>")
    return "".join(parts)


def write_report(path: Path, outcome: Outcome, replay: str) -> None:
    options = outcome.options
    figures = counts(outcome)
    rows = "".join(
        f"<tr><th>{html.escape(name)}</th><td>"
        + html.escape(", ".join(f"{k} {v}" for k, v in sorted(values.items()) if v))
        + "</td></tr>"
        for name, values in [*figures.items(), ("injected faults", outcome.injected)]
    )
    timing = ", ".join(f"{name} {seconds:.1f} s" for name, seconds in outcome.timings.items())
    if outcome.violations:
        verdict = (
            f'<p class="bad">{len(outcome.violations)} violation(s)</p><ul>'
            + "".join(f"<li>{html.escape(str(v))}</li>" for v in outcome.violations[:200])
            + "</ul>"
        )
        verdict += (
            "<h3>Failing top-up histories</h3><ul>"
            + "".join(f"<li>{html.escape(str(h))}</li>" for h in outcome.failing_histories()[:50])
            + "</ul>"
        )
    else:
        verdict = '<p class="good">every invariant holds</p>'
    invariants = "".join(
        f"<li><b>{html.escape(name)}</b>: {html.escape(text)}</li>"
        for name, text in INVARIANTS.items()
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        f"""<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>Simulation, seed {options.seed}</title>
<style>body{{font-family:sans-serif;max-width:960px;margin:2em auto}}th{{text-align:left;
padding-right:1em}}.bad{{color:#b00;font-weight:bold}}.good{{color:#070;font-weight:bold}}
code{{background:#f3f3f3;padding:2px 4px}}</style></head><body>
<h1>Simulation: {len(outcome.played)} top-ups, seed {options.seed}</h1>
<p>{options.orgs} organisations, {options.concurrency} at a time, landing share {options.landing},
faults {html.escape(str(options.mix))}. Replay: <code>{html.escape(replay)}</code></p>
<p>{outcome.throughput:.1f} top-ups/s end to end ({html.escape(timing)}); the worker was restarted
{outcome.worker_restarts} time(s).</p>
<h2>Verdict</h2>{verdict}
<h2>Deliveries and credits over simulated time</h2>{plot_svg(timelines(outcome))}
<h2>Figures</h2><table>{rows}</table>
<h2>Invariants checked</h2><ul>{invariants}</ul>
</body></html>
""",
        encoding="utf-8",
    )
