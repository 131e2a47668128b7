"""The import contracts in pyproject.toml (``tox -e lint`` runs ``lint-imports``) fail on an
import the design forbids, naming the contract, and pass on the tree as it is.

Each case copies the packages to a scratch checkout, adds one bad import, and runs the linter
there."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
COPIED = ("harness", "fake_stripe", "reference_app", "steps", "scripts")


def checkout(tmp_path: Path) -> Path:
    for name in COPIED:
        shutil.copytree(ROOT / name, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    return tmp_path


def lint_imports(where: Path) -> subprocess.CompletedProcess[str]:
    command = [
        sys.executable,
        "-c",
        "from importlinter.cli import lint_imports_command; lint_imports_command()",
        "--no-cache",
    ]
    return subprocess.run(command, cwd=where, capture_output=True, text=True, timeout=120)


def test_the_tree_as_it_is_keeps_every_contract(tmp_path: Path) -> None:
    done = lint_imports(checkout(tmp_path))

    assert done.returncode == 0, done.stdout + done.stderr
    assert "0 broken" in done.stdout


@pytest.mark.parametrize(
    ("module", "bad_import", "contract"),
    [
        (  # a read-only view reaching up to the scenario that uses it
            "harness/records/ledger.py",
            "from harness.scenario import Scenario",
            "harness: rooms import only the rooms below them",
        ),
        (  # a package and a module inside it importing each other
            "harness/diagnosis/render.py",
            "from harness.diagnosis import Diagnosis",
            "no import circle anywhere",
        ),
        (  # two commands importing each other (api-fault takes fault's vocabulary)
            "harness/cli/fault.py",
            "from harness.cli import api_fault",
            "no import circle anywhere",
        ),
        (
            "fake_stripe/objects/ids.py",
            "from harness.money import format_money",
            "fake_stripe stands alone",
        ),
        (  # a resource reaching up to the HTTP skin that calls it
            "fake_stripe/resources/catalog.py",
            "from fake_stripe.http import api",
            "fake_stripe: each part imports only the parts below it",
        ),
        (  # the control client pulling in the server (and with it starlette)
            "fake_stripe/client.py",
            "from fake_stripe.service import FakeStripe",
            "fake_stripe's control client needs none of the server's code",
        ),
        (
            "harness/drivers/customer.py",
            "from fake_stripe.service import FakeStripe",
            "through its control client only",
        ),
        (
            "harness/records/app_records.py",
            "from reference_app import topups",
            "knows an app under test only through its profile",
        ),
    ],
)
def test_a_forbidden_import_fails_the_lint_naming_its_contract(
    tmp_path: Path, module: str, bad_import: str, contract: str
) -> None:
    tree = checkout(tmp_path)
    with (tree / module).open("a") as source:
        source.write(f"\n{bad_import}  # noqa\n")

    done = lint_imports(tree)

    assert done.returncode == 1, done.stdout + done.stderr
    broken = done.stdout.split("Broken contracts", 1)[-1]
    assert contract in broken, done.stdout
