"""The mutation run's mutants stay in step with the code they mutate: each semantic mutant's text
is found exactly once (a stale one would be reported, not run), and each mechanical operator
yields code that still parses and differs from the original."""

from __future__ import annotations

import ast
import shutil
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "bench"))
from mutants import MECHANICAL_FILES, SEMANTIC, Mutant, apply_mechanical, mechanical  # noqa: E402


@pytest.mark.parametrize("mutant", SEMANTIC, ids=lambda m: m.name)
def test_each_semantic_mutant_applies_to_the_code_as_it_is(mutant: Mutant, tmp_path: Path) -> None:
    source = ROOT / mutant.path
    target = tmp_path / mutant.path
    target.parent.mkdir(parents=True)
    shutil.copy2(source, target)
    assert mutant.apply(tmp_path) is None
    assert target.read_text() != source.read_text()


def test_mechanical_mutants_parse_and_change_the_code(tmp_path: Path) -> None:
    for path in MECHANICAL_FILES:
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / path, tmp_path / path)
    drawn = mechanical(tmp_path, 12, seed=7)
    assert len(drawn) == 12
    assert drawn == mechanical(tmp_path, 12, seed=7)  # the seed decides the draw
    for site, index in drawn:
        original = (ROOT / site.path).read_text()
        apply_mechanical(tmp_path, site, index)
        mutated = (tmp_path / site.path).read_text()
        assert ast.dump(ast.parse(mutated)) != ast.dump(ast.parse(original)), site
        shutil.copy2(ROOT / site.path, tmp_path / site.path)
