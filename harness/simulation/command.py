"""``wallet-harness simulate``: many top-ups under random webhook faults, the money checked.

Brings up its own stack (a throwaway PostgreSQL unless ``--db-url``), plays the seeded plan,
prints the figures, and on a violation exits 1 with the seed, the command that replays it and
the smallest failing top-up histories found.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from harness.simulation.plan import DEFAULT_MIX, PlanError, parse_mix
from harness.simulation.simulate import Options, Outcome, plan_for, simulate
from harness.stack import WalletStack

if TYPE_CHECKING:
    from harness.postgres import PostgresServer


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser(
        "simulate",
        help="many top-ups through the real API under random webhook faults; the money checked",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--seed", type=int, default=1, help="decides every history (default 1)")
    parser.add_argument("--orgs", type=int, default=20, help="organisations (default 20)")
    parser.add_argument("--topups", type=int, default=1000, help="top-ups (default 1000)")
    parser.add_argument(
        "--faults",
        default=DEFAULT_MIX,
        metavar="MIX",
        help=f"chance of each fault on a top-up's webhook (default {DEFAULT_MIX})",
    )
    parser.add_argument(
        "--landing", type=float, default=0.5, help="share of payers who land back (default 0.5)"
    )
    parser.add_argument("--defect", action="append", metavar="NAME", help="run the app with it")
    parser.add_argument("--concurrency", type=int, default=8, help="top-ups at once (default 8)")
    parser.add_argument(
        "--worker-restarts", type=int, default=3, help="worker restarts during the run (default 3)"
    )
    parser.add_argument("--only", metavar="N,N", help="replay only these top-ups of the plan")
    parser.add_argument("--report", metavar="PATH", help="write an HTML report here")
    parser.add_argument("--db-url", metavar="URL", help="PostgreSQL server (default: throwaway)")
    parser.add_argument(
        "--no-shrink", action="store_true", help="on a violation, do not look for a smaller case"
    )


def options_from(args: argparse.Namespace) -> Options:
    only = None
    if args.only:
        try:
            only = frozenset(int(part) for part in args.only.split(",") if part.strip())
        except ValueError:
            raise PlanError(f"--only takes top-up numbers like 3,17: got {args.only!r}") from None
    if args.topups < 1 or args.orgs < 1 or args.concurrency < 1:
        raise PlanError("--topups, --orgs and --concurrency must be at least 1")
    if not 0 <= args.landing <= 1:
        raise PlanError("--landing is a share between 0 and 1")
    return Options(
        seed=args.seed,
        orgs=args.orgs,
        topups=args.topups,
        mix=parse_mix(args.faults),
        landing=args.landing,
        concurrency=args.concurrency,
        worker_restarts=max(0, args.worker_restarts),
        only=only,
    )


def replay_command(args: argparse.Namespace, only: list[int] | None = None) -> str:
    parts = [
        "wallet-harness simulate",
        f"--seed {args.seed} --orgs {args.orgs} --topups {args.topups}",
        f"--faults {args.faults} --landing {args.landing}",
    ]
    parts += [f"--defect {name}" for name in args.defect or ()]
    if only:
        parts.append(f"--only {','.join(str(i) for i in only)}")
    return " ".join(parts)


@contextmanager
def simulation_stack(
    db_url: str | None, defects: tuple[str, ...]
) -> Iterator[tuple[WalletStack, PostgresServer]]:
    """A stack with ``defects`` on a new database of the server at ``db_url`` (default: a
    throwaway server), and that server."""
    from harness.postgres import postgres_server
    from harness.stack_pool import StackPool

    with (
        tempfile.TemporaryDirectory(prefix="wallet-sim-") as logs,
        postgres_server(db_url) as server,
        StackPool(server, Path(logs)) as pool,
    ):
        yield pool.get(defects), server


def run_simulate(args: argparse.Namespace) -> int:
    console = Console(highlight=False)
    try:
        options = options_from(args)
    except PlanError as error:
        console.print(f"wallet-harness simulate: {error}", style="red")
        return 2
    defects = tuple(sorted(args.defect or ()))
    histories = plan_for(options)
    console.print(
        f"simulation: seed {options.seed}, {len(histories)} top-ups for {options.orgs} orgs,"
        f" {options.concurrency} at a time; faults {args.faults}"
        + (f"; defects {', '.join(defects)}" if defects else "")
    )
    with simulation_stack(args.db_url, defects) as (stack, _):
        with Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console,
            transient=not console.is_terminal,
        ) as progress:
            task = progress.add_task("playing the top-ups", total=len(histories))
            outcome = simulate(
                stack,
                options,
                histories,
                on_done=lambda played: progress.advance(task),
                on_phase=lambda name: progress.update(task, description=name),
            )
        from harness.simulation.summary import print_summary

        print_summary(console, outcome)
        if args.report:
            from harness.simulation.report import write_report

            write_report(Path(args.report), outcome, replay_command(args))
            console.print(f"report: {args.report}")
        if not outcome.failed:
            return 0
        print_failure(console, args, stack, outcome)
    return 1


def print_failure(
    console: Console, args: argparse.Namespace, stack: WalletStack, outcome: Outcome
) -> None:
    console.print(
        f"\nFAILED: {len(outcome.violations)} violation(s); seed {args.seed}", style="bold red"
    )
    console.print(f"replay: {replay_command(args)}")
    failing = outcome.failing_histories()
    if args.no_shrink or not failing:
        return
    from harness.simulation.shrink import shrink

    console.print(f"shrinking {len(failing)} failing histories ...")
    smallest = shrink(stack, outcome.options, failing, outcome.violations)
    if not smallest.violations:
        console.print(f"no smaller case fails the same way ({smallest.tries} replays)")
        return
    console.print(f"smallest failing top-up histories ({smallest.tries} replays):", style="bold")
    for history in smallest.histories:
        console.print(f"  {history}")
    for violation in smallest.violations[:10]:
        console.print(f"  -> {violation}")
    console.print(f"replay them: {replay_command(args, [h.index for h in smallest.histories])}")


def main(argv: list[str] | None = None) -> int:  # for `python -m harness.simulation.command`
    parser = argparse.ArgumentParser(prog="wallet-harness")
    add_parser(parser.add_subparsers(dest="command", required=True))
    return run_simulate(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
