"""The simulation's HTML report, rendered from its Jinja2 template: every value escaped, the
verdict and the plot there, without running a simulation."""

from __future__ import annotations

from harness.simulation.invariants import Violation
from harness.simulation.report import plot, render_report
from harness.simulation.simulate import Options, Outcome


def outcome(violations: list[Violation]) -> Outcome:
    options = Options(seed=7, orgs=2, topups=0, mix={"drop": 0.05})
    return Outcome(options, [], [], violations, [], {"drop": 1}, {}, {}, 0, timings={"play": 2.0})


def test_a_clean_run_reads_every_invariant_holds() -> None:
    page = render_report(outcome([]), "wallet-harness simulate --seed 7")

    assert "every invariant holds" in page
    assert "<code>wallet-harness simulate --seed 7</code>" in page
    assert "<svg" in page
    assert "</svg>" in page
    assert "<tr><th>injected faults</th><td>drop 1</td></tr>" in page


def test_violations_are_listed_and_text_from_the_app_is_escaped() -> None:
    broken = Violation("ledger sound", "org <b>1</b>", "balance <script>alert(1)</script>")

    page = render_report(outcome([broken]), "replay & more")

    assert "1 violation(s)" in page
    assert "<script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "replay &amp; more" in page


def test_the_plot_counts_each_series_on_a_log_time_axis() -> None:
    drawn = plot({"delivery attempts": [1.0, 10.0, 3600.0], "answered 2xx": [], "credits": [5.0]})

    assert [(line.name, line.count) for line in drawn.lines] == [
        ("delivery attempts", 3),
        ("answered 2xx", 0),
        ("credits", 1),
    ]
    assert drawn.top == 3
    assert [tick.label for tick in drawn.ticks] == ["1 s", "10 s", "1 min", "10 min", "1 h"]
    xs = [tick.x for tick in drawn.ticks]
    assert xs == sorted(xs)
    assert xs[-1] == drawn.width - drawn.margin  # 1 h is the last time drawn
