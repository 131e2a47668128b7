"""``wallet-harness`` imports only the module of the command it runs: a quick command such as
``clock show`` does not pay for the simulation's and the stack's imports, and ``--help`` still
lists every command."""

from __future__ import annotations

import argparse
import subprocess
import sys

import pytest

from harness.cli.main import COMMAND_MODULES, build_parser, command_named


@pytest.mark.parametrize(
    ("arguments", "named"),
    [
        (["clock", "show"], "clock"),
        (["--app", "examples/express-wallet/wallet-harness.toml", "fault", "list"], "fault"),
        (["simulate", "--app", "clock", "--seed", "7"], "simulate"),
        (["run", "--tags", "ledger"], "run"),
        (["matrix", "--jobs", "3"], "matrix"),
        (["profile", "check"], "profile"),
        (["nonsense", "clock"], None),
        (["--help"], None),
        ([], None),
    ],
)
def test_the_command_is_the_first_word_that_is_not_an_option(
    arguments: list[str], named: str | None
) -> None:
    assert command_named(arguments) == named


def _commands(parser: argparse.ArgumentParser) -> set[str]:
    actions = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    return set(actions[0].choices)


def test_a_parser_for_one_command_holds_it_beside_run_and_matrix() -> None:
    assert _commands(build_parser(only="clock")) == {"run", "matrix", "clock"}
    assert _commands(build_parser(only="run")) == {"run", "matrix"}
    args = build_parser(only="clock").parse_args(["clock", "advance", "2h"])
    assert args.command == "clock"
    assert callable(args.handler)


def test_the_whole_parser_holds_every_command() -> None:
    assert _commands(build_parser()) == {"run", "matrix", *COMMAND_MODULES}


def _imported_after(arguments: list[str]) -> set[str]:
    """The harness's modules a fresh interpreter holds after ``main(arguments)``."""
    script = (
        "import contextlib, io, sys\n"
        "from harness.cli.main import main\n"
        "with contextlib.redirect_stdout(io.StringIO()), contextlib.suppress(SystemExit):\n"
        f"    main({arguments!r})\n"
        "print('\\n'.join(m for m in sys.modules if m.startswith(('harness', 'pytest'))))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=60
    )
    return set(done.stdout.split())


def test_a_quick_command_leaves_the_simulation_the_stack_and_pytest_unimported() -> None:
    held = _imported_after(["clock", "--help"])

    assert "harness.cli.clock" in held
    for heavy in ("harness.simulation.simulate", "harness.stack.wallet_stack", "pytest"):
        assert heavy not in held, f"{heavy} imported for clock --help"


def test_the_list_of_commands_still_names_every_one() -> None:
    held = _imported_after(["--help"])

    assert {"harness.cli.clock", "harness.cli.simulate", "harness.cli.serve"} <= held
