"""What a simulation prints: throughput and where the time went, the outcomes, the faults the
fake injected (on the webhooks and on the app's own Stripe calls), the deliveries and retries,
the top-ups refused while Stripe failed, the sweeps, which path fulfilled each top-up, the
nemesis's blows, the verdict (inconclusive when a blow did not test what it was struck for)."""

from __future__ import annotations

from collections import Counter

from rich.console import Console
from rich.table import Table

from harness.console import plain
from harness.simulation.invariants import INVARIANTS
from harness.simulation.nemesis import blows_line
from harness.simulation.simulate import Outcome, counts


def print_summary(console: Console, outcome: Outcome) -> None:
    figures = counts(outcome)
    total = sum(outcome.timings.values())
    plain(
        console,
        f"{len(outcome.played)} top-ups in {total:.1f} s: {outcome.throughput:.0f} top-ups/s end"
        " to end (" + ", ".join(f"{name} {s:.1f} s" for name, s in outcome.timings.items()) + ")",
    )
    table = Table(show_header=False, box=None, pad_edge=False)
    table.add_column(style="bold")
    table.add_column()
    table.add_row("outcomes", _line(figures["outcomes"]))
    faulted = figures["faulted top-ups"]["with a fault"]
    share = faulted / len(outcome.played) if outcome.played else 0.0
    on_calls = figures["faulted top-ups"]["on their Stripe calls"]
    table.add_row(
        "faulted",
        f"{faulted} top-ups ({share:.0%}) on their webhook, {on_calls} on their Stripe calls",
    )
    table.add_row("injected", _line(outcome.injected) or "none")
    table.add_row("api faults", api_faults_line(figures) or "none")
    table.add_row("deliveries", _line(figures["deliveries"]))
    refused = figures["refused"]["at creation"]
    if refused:
        table.add_row("refused", f"{refused} top-ups at creation (Stripe failing; told, not paid)")
    if outcome.sweeps:
        failed = figures["sweeps"]["failed"]
        table.add_row("sweeps", f"{len(outcome.sweeps)} run, {failed} failed and run again")
    table.add_row("fulfilled by", _line(figures["paths"]) or "nothing")
    table.add_row("worker", f"restarted {outcome.worker_restarts} time(s) during the run")
    if outcome.nemesis:
        table.add_row("nemesis", blows_line(outcome.nemesis))
    console.print(table)
    if not outcome.violations:
        _print_held(console, outcome)
        return
    by_invariant: dict[str, int] = {}
    for violation in outcome.violations:
        by_invariant[violation.invariant] = by_invariant.get(violation.invariant, 0) + 1
    for name, number in by_invariant.items():
        plain(console, f"VIOLATED: {name} ({number}x): {INVARIANTS.get(name, '')}", style="red")
    for violation in outcome.violations[:10]:
        plain(console, f"  {violation}")
    if len(outcome.violations) > 10:
        plain(console, f"  ... and {len(outcome.violations) - 10} more")


def _print_held(console: Console, outcome: Outcome) -> None:
    """Every invariant held: ok, or inconclusive, naming each blow that tested nothing."""
    if not outcome.inconclusive:
        plain(
            console,
            f"ok: all {len(INVARIANTS)} invariants hold ({'; '.join(INVARIANTS)})",
            style="green",
        )
        return
    plain(
        console,
        f"INCONCLUSIVE: all {len(INVARIANTS)} invariants hold, but not every blow tested what"
        " it was struck for:",
        style="yellow",
    )
    for blow in outcome.inconclusive:
        plain(console, f"  {blow}")


def api_faults_line(figures: dict[str, Counter[str]]) -> str:
    """``create 41, list 9, read 84 (error 429 30, reset 35, ...)``: the app's faulted Stripe
    requests by call, then by what was answered instead."""
    calls = _line(figures["api faults"])
    return f"{calls} ({_line(figures['api answers'])})" if calls else ""


def _line(values: dict[str, int]) -> str:
    return ", ".join(f"{name} {number}" for name, number in sorted(values.items()) if number)
