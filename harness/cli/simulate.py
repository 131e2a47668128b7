"""``wallet-harness simulate``: many top-ups under random webhook and Stripe API faults, the
money checked.

Brings up its own stack (a throwaway PostgreSQL unless ``--db-url``), plays the seeded plan,
prints the figures, and on a violation exits 1 with the seed, the command that replays it and
the smallest failing top-up histories found. A process of the stack that dies mid-run, or its
database gone, ends the run with exit 2 and says which, how, while doing what, and the end of
its log. A run whose every invariant held but whose nemesis could not strike as asked (a kill of
the worker that left no job held) is inconclusive: exit 3, naming the blow.
"""

from __future__ import annotations

import argparse
import shlex

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from harness.cli.options import (
    add_app_option,
    add_db_url_option,
    add_defect_option,
    output_file,
)
from harness.console import make_console, plain
from harness.files import write_output
from harness.profile.loading import default_profile
from harness.profile.model import AppProfile
from harness.profile.placeholders import scalable
from harness.project import artifacts_dir, shown
from harness.simulation.drivers import refuse_what_cannot_split
from harness.simulation.nemesis import parse_nemesis
from harness.simulation.orgs import TooFewOrgs, simulation_orgs
from harness.simulation.plan import DEFAULT_MIX, History, PlanError, parse_mix
from harness.simulation.simulate import Options, Outcome, plan_for, simulate
from harness.stack.services import ServiceLost
from harness.stack.standalone import START_ERRORS, standalone_stack
from harness.stack.wallet_stack import WalletStack

INCONCLUSIVE = 3  # the exit status of a run that held but could not strike as asked
# the least and the most each option may ask for. The plan and the organisations are made
# whole before the run starts (about 0.4 KB and 13 µs a top-up: a million is 13 s; 10**20
# never ended), the concurrency is threads and the drivers are processes of this machine,
# and a restart of the worker comes before a top-up (restarts past the top-ups add none,
# but are counted out)
LIMITS = {
    "topups": (1, 1_000_000),
    "orgs": (1, 100_000),
    "concurrency": (1, 1_000),
    "drivers": (1, 64),
    "worker_restarts": (0, 1_000_000),
}


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser(
        "simulate",
        help="many top-ups through the real API under random webhook and Stripe API faults;"
        " the money checked",
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
        help="chance of each fault on a top-up's webhook and its Stripe calls (api_create,"
        " api_read), and of a sweep's request for a page of events failing (api_list)"
        f" (default {DEFAULT_MIX})",
    )
    parser.add_argument(
        "--landing", type=float, default=0.5, help="share of payers who land back (default 0.5)"
    )
    add_defect_option(parser, "run the app with this defect")
    parser.add_argument("--concurrency", type=int, default=8, help="top-ups at once (default 8)")
    parser.add_argument(
        "--drivers",
        type=int,
        default=1,
        help="processes the top-ups are played from, the --concurrency spread over them, each"
        " organisation's in one (default 1: threads of this process)",
    )
    parser.add_argument(
        "--app-processes",
        metavar="NAME=N,...",
        default="",
        help="run these processes of the app as N processes each, where the app profile lets"
        " them (their command takes {processes}), e.g. web=2,worker=2",
    )
    parser.add_argument(
        "--worker-restarts", type=int, default=3, help="worker restarts during the run (default 3)"
    )
    parser.add_argument(
        "--nemesis",
        metavar="KINDS",
        default="",
        help="while top-ups go on, crash the app's processes and restart its database at"
        " seeded moments: kill-worker, kill-web, restart-db (comma separated)",
    )
    parser.add_argument("--only", metavar="N,N", help="replay only these top-ups of the plan")
    parser.add_argument(
        "--report", type=output_file, metavar="PATH", help="write an HTML report here"
    )
    add_app_option(parser)
    add_db_url_option(parser)
    parser.add_argument(
        "--no-shrink", action="store_true", help="on a violation, do not look for a smaller case"
    )
    parser.set_defaults(handler=run_simulate)


def options_from(args: argparse.Namespace) -> Options:
    only = None
    if args.only:
        try:
            only = frozenset(int(part) for part in args.only.split(",") if part.strip())
        except ValueError:
            raise PlanError(f"--only takes top-up numbers like 3,17: got {args.only!r}") from None
    for name, (least, most) in LIMITS.items():
        if not least <= getattr(args, name) <= most:
            option = "--" + name.replace("_", "-")
            raise PlanError(f"{option} is from {least} to {most:,}, not {getattr(args, name)}")
    outside = sorted(index for index in only or () if not 0 <= index < args.topups)
    if outside:  # replaying none of the plan would pass, and prove nothing
        raise PlanError(
            f"--only {','.join(map(str, outside))}: not in the plan of {args.topups} top-ups,"
            f" numbered 0 to {args.topups - 1} (replay with the --topups the run had)"
        )
    if not 0 <= args.landing <= 1:
        raise PlanError("--landing is a share between 0 and 1")
    nemesis = parse_nemesis(args.nemesis) if args.nemesis else ()
    if "restart-db" in nemesis and args.db_url:
        raise PlanError("--nemesis restart-db restarts a server the harness runs: drop --db-url")
    return Options(
        seed=args.seed,
        orgs=args.orgs,
        topups=args.topups,
        mix=parse_mix(args.faults),
        landing=args.landing,
        concurrency=args.concurrency,
        drivers=args.drivers,
        worker_restarts=args.worker_restarts,
        only=only,
        nemesis=nemesis,
    )


def parse_app_processes(text: str, profile: AppProfile) -> dict[str, int]:
    """``"web=2,worker=2"`` as counts by process, or ``PlanError`` naming what is wrong: a
    process the profile does not have, one it does not let run as several, a count below 1."""
    counts: dict[str, int] = {}
    for part in filter(None, (piece.strip() for piece in text.split(","))):
        name, _, number = part.partition("=")
        name = name.strip()
        if not number.strip().isdigit() or int(number) < 1:
            raise PlanError(f"--app-processes takes NAME=N with N at least 1, not {part!r}")
        if name not in profile.processes:
            known = ", ".join(profile.processes)
            raise PlanError(f"--app-processes: the app has no process {name!r} (it has {known})")
        process = profile.processes[name]
        if not scalable(process.command, process.env):
            raise PlanError(
                f"--app-processes: processes.{name} does not take {{processes}} in its command"
                " or env, so the harness cannot ask it to run as several (docs/app-profile.md)"
            )
        counts[name] = int(number)
    return counts


def replay_command(args: argparse.Namespace, only: list[int] | None = None) -> str:
    parts = ["wallet-harness simulate"]
    if args.app:  # the same app: a replay against another would prove nothing
        parts.append(f"--app {shlex.quote(args.app)}")
    parts += [
        f"--seed {args.seed} --orgs {args.orgs} --topups {args.topups}",
        f"--faults {args.faults} --landing {args.landing}",
    ]
    parts += [f"--defect {name}" for name in args.defect or ()]
    if args.nemesis:
        parts.append(f"--nemesis {args.nemesis}")
    if only:
        parts.append(f"--only {','.join(str(i) for i in only)}")
    return " ".join(parts)


def run_simulate(args: argparse.Namespace) -> int:
    console = make_console()
    try:
        options = options_from(args)
    except PlanError as error:
        plain(console, f"wallet-harness simulate: {error}", style="red")
        return 2
    profile = default_profile().app
    try:
        if profile.capabilities.topup_api is None:
            raise PlanError(
                "the app profile has no capabilities.topup_api: the simulation starts its"
                " top-ups through the app's API (docs/app-profile.md)"
            )
        simulation_orgs(options.seed, options.orgs, profile)
        histories = plan_for(options)
        refuse_what_cannot_split(profile.stripe.creation_org_field, histories, options.drivers)
        processes = parse_app_processes(args.app_processes, profile)
    except (PlanError, TooFewOrgs) as error:
        plain(console, f"wallet-harness simulate: {error}", style="red")
        return 2
    defects = tuple(sorted(args.defect or ()))
    shape = f" from {options.drivers} driver processes" if options.drivers > 1 else ""
    shape += "".join(f"; {name} in {n} processes" for name, n in processes.items())
    plain(
        console,
        f"simulation: seed {options.seed}, {len(histories)} top-ups for {options.orgs} orgs,"
        f" {options.concurrency} at a time{shape}; faults {args.faults}"
        + (f"; defects {', '.join(defects)}" if defects else ""),
    )
    log_dir = artifacts_dir() / "simulate" / ("-".join(defects) or "healthy")
    try:
        with standalone_stack(args.db_url, defects, log_dir, processes=processes) as stack:
            return _simulate_on(console, args, stack, options, histories)
    except START_ERRORS as error:
        plain(console, f"wallet-harness simulate: the stack did not start: {error}", style="red")
        return 2


def _simulate_on(
    console: Console,
    args: argparse.Namespace,
    stack: WalletStack,
    options: Options,
    histories: list[History],
) -> int:
    doing = ["starting the run"]  # what the run is doing, for a report of what broke it
    try:
        return _run_and_report(console, args, stack, options, histories, doing)
    except ServiceLost as lost:  # a process died or the database went: said, never a traceback
        plain(console, f"wallet-harness simulate: {lost.report(doing[0])}", style="red")
    except START_ERRORS as error:  # up, then failed: not "the stack did not start"
        plain(console, f"wallet-harness simulate: the stack failed while {doing[0]}: {error}")
    plain(console, f"the stack's logs: {shown(stack.config.log_dir)}")
    return 2


def _run_and_report(
    console: Console,
    args: argparse.Namespace,
    stack: WalletStack,
    options: Options,
    histories: list[History],
    doing: list[str],
) -> int:
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=not console.is_terminal,
    ) as progress:
        task = progress.add_task(doing[0], total=len(histories))

        def on_phase(name: str) -> None:
            doing[0] = name
            progress.update(task, description=name)

        outcome = simulate(
            stack,
            options,
            histories,
            on_done=lambda played: progress.advance(task),
            on_phase=on_phase,
        )
    from harness.simulation.summary import print_summary

    print_summary(console, outcome)
    unwritten = None
    if args.report:
        from harness.simulation.report import write_report

        replay = replay_command(args)
        unwritten = write_output(
            args.report, lambda path: write_report(path, outcome, replay), "the report"
        )
        if unwritten:
            plain(console, f"wallet-harness simulate: {unwritten}", style="red")
        else:
            plain(console, f"report: {args.report}")
    if not outcome.failed:  # a report asked for and not written fails the command
        return 2 if unwritten else INCONCLUSIVE if outcome.inconclusive else 0
    doing[0] = "shrinking the failure"
    print_failure(console, args, stack, outcome)
    plain(console, f"the stack's logs: {shown(stack.config.log_dir)}")
    return 1


def print_failure(
    console: Console, args: argparse.Namespace, stack: WalletStack, outcome: Outcome
) -> None:
    plain(
        console,
        f"\nFAILED: {len(outcome.violations)} violation(s); seed {args.seed}",
        style="bold red",
    )
    plain(console, f"replay: {replay_command(args)}")
    failing = outcome.failing_histories()
    if args.no_shrink or not failing:
        return
    from harness.simulation.shrink import shrink

    plain(console, f"shrinking {len(failing)} failing histories ...")
    smallest = shrink(stack, outcome.options, failing, outcome.violations)
    if not smallest.violations:
        plain(console, f"no smaller case fails the same way ({smallest.tries} replays)")
        return
    plain(console, f"smallest failing top-up histories ({smallest.tries} replays):", style="bold")
    for history in smallest.histories:
        plain(console, f"  {history}")
    for violation in smallest.violations[:10]:
        plain(console, f"  -> {violation}")
    plain(console, f"replay them: {replay_command(args, [h.index for h in smallest.histories])}")
