"""The layout docs/architecture.md states for tests/: it mirrors the project's folders. Each
folder under tests/ is named after a folder of the project (tests/harness/cli/ tests
harness/cli/), and no test module lies loose at tests/ root, where nobody would look for it."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TESTS = ROOT / "tests"
SKIPPED = {"__pycache__", "node_modules"}
# folders that test a part from outside, named for what they use rather than a folder of the part
FROM_OUTSIDE = {
    "fake_stripe/node_sdk": "the fake driven by Stripe's Node SDK, a project of its own"
}


def test_no_test_module_lies_loose_at_the_root() -> None:
    assert sorted(path.name for path in TESTS.glob("test_*.py")) == []


def test_every_test_folder_mirrors_a_project_folder() -> None:
    unmirrored = []
    for folder in sorted(TESTS.rglob("*")):
        relative = folder.relative_to(TESTS)
        if not folder.is_dir() or SKIPPED & set(relative.parts):
            continue
        if not any(folder.glob("test_*.py")) or relative.as_posix() in FROM_OUTSIDE:
            continue
        if not (ROOT / relative).is_dir():
            unmirrored.append(f"tests/{relative.as_posix()}")
    assert unmirrored == [], f"test folders with no project folder of that name: {unmirrored}"
