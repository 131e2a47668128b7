"""Splitting tests into shards (harness/sharding.py): every test in exactly one shard, the same
split every time, balanced by recorded durations, and the durations file."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path

import pytest

from harness.sharding import Shard, hash_shard, load_durations, parse_shard, split, store_durations

IDS = [f"tests/test_area_{n // 10}.py::test_case_{n}" for n in range(90)]


def loads(shards: Sequence[Sequence[str]], durations: Mapping[str, float]) -> list[float]:
    return [sum(durations[test] for test in shard) for shard in shards]


def test_a_shard_is_written_k_slash_n() -> None:
    assert parse_shard("2/4") == Shard(index=2, total=4)
    assert parse_shard(" 1/1 ") == Shard(index=1, total=1)
    assert str(parse_shard("3/5")) == "3/5"


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("0/4", "from 1 to 4, not 0"),
        ("5/4", "from 1 to 4, not 5"),
        ("x", "written K/N"),
        ("2/0", "at least 1, not 0"),
        ("a/b", "whole numbers"),
        ("", "written K/N"),
    ],
)
def test_a_bad_shard_says_why(text: str, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        parse_shard(text)


@pytest.mark.parametrize("total", [1, 2, 3, 4, 7, 100])
@pytest.mark.parametrize("with_durations", [False, True])
def test_every_id_lands_in_exactly_one_shard(total: int, with_durations: bool) -> None:
    durations = (
        {test: float(n % 13) for n, test in enumerate(IDS) if n % 3} if with_durations else None
    )

    shards = split(IDS, total, durations)

    assert len(shards) == total
    assert sorted(test for shard in shards for test in shard) == sorted(IDS)
    for shard in shards:  # each shard keeps the collection order
        assert shard == [test for test in IDS if test in shard]


def test_the_split_is_the_same_every_time_and_in_any_input_order() -> None:
    durations = {test: float(len(test) % 7) for test in IDS[:40]}

    for given in (None, durations):
        first = split(IDS, 4, given)
        again = split(list(reversed(IDS)), 4, given)
        assert first == split(IDS, 4, given)
        assert [sorted(shard) for shard in first] == [sorted(shard) for shard in again]


def test_by_hash_a_new_test_moves_no_other() -> None:
    before = split(IDS, 4)
    after = split([*IDS, "tests/test_new.py::test_added"], 4)

    for old, new in zip(before, after, strict=True):
        assert [test for test in new if test != "tests/test_new.py::test_added"] == old
    assert hash_shard("tests/test_new.py::test_added", 4) in range(4)


def test_durations_balance_a_skewed_set_better_than_the_hash() -> None:
    # a few slow tests among many quick ones: the hash lets slow ones share a shard
    durations = {test: 30.0 if n % 15 == 0 else 0.5 for n, test in enumerate(IDS)}

    by_duration = loads(split(IDS, 3, durations), durations)
    by_hash = loads(split(IDS, 3), durations)

    assert max(by_duration) - min(by_duration) <= 1.0
    assert max(by_duration) - min(by_duration) < max(by_hash) - min(by_hash)
    assert max(by_duration) < max(by_hash)


def test_longest_first_fills_the_lightest_shard_lower_index_on_a_tie() -> None:
    durations = {"a": 5.0, "b": 4.0, "c": 3.0, "d": 3.0, "e": 2.0}

    shards = split(["e", "d", "c", "b", "a"], 2, durations)

    # a -> 0 (5); b -> 1 (4); c -> 1 (7); d -> 0 (8); e -> 1 (9)
    assert shards == [["d", "a"], ["e", "c", "b"]]


def test_a_test_with_no_recorded_duration_counts_as_the_median() -> None:
    # known: 1, 2, 9 -> the median is 2; "new" counts 2, not 0 and not the mean 4
    durations = {"t1": 1.0, "t2": 2.0, "t9": 9.0}

    shards = split(["t1", "t2", "t9", "new"], 2, durations)

    # t9 -> 0 (9); new (2) and t2 (2), by id: new -> 1 (2), t2 -> 1 (4); t1 -> 1 (5)
    assert shards == [["t9"], ["t1", "t2", "new"]]


def test_durations_of_other_tests_only_mean_the_hash() -> None:
    assert split(IDS, 3, {"tests/gone.py::test_old": 4.0}) == split(IDS, 3)


def test_more_shards_than_tests_leaves_some_empty() -> None:
    shards = split(["a", "b"], 4, {"a": 1.0, "b": 2.0})

    assert shards == [["b"], ["a"], [], []]


def test_the_durations_file_merges_and_sorts(tmp_path: Path) -> None:
    path = tmp_path / "ci" / "test-durations.json"
    assert load_durations(path) == {}

    store_durations(path, {"z::test": 1.5, "a::test": 2.0})
    held = store_durations(path, {"a::test": 3.0, "m::test": 0.25})

    assert held == {"a::test": 3.0, "m::test": 0.25, "z::test": 1.5}
    assert load_durations(path) == held
    assert list(json.loads(path.read_text())) == ["a::test", "m::test", "z::test"]
    assert [each.name for each in path.parent.iterdir()] == ["test-durations.json"]


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("{", "not JSON"),
        ("[1, 2]", "not a JSON object"),
        ('{"t": "1"}', "not a number"),
        ('{"t": -1}', "the duration of 't' is not seconds >= 0: -1"),
        ('{"t": NaN}', "the duration of 't' is not seconds >= 0: nan"),
        # each was a traceback: an int too big for a float, and a decoder out of stack
        ('{"t": 1' + "0" * 400 + "}", "the duration of 't' is not seconds >= 0: 1000"),
        ("[" * 100_000, "nested too deeply"),
    ],
)
def test_a_bad_durations_file_is_named(tmp_path: Path, text: str, reason: str) -> None:
    path = tmp_path / "test-durations.json"
    path.write_text(text)

    with pytest.raises(ValueError, match=reason) as raised:
        load_durations(path)
    assert str(path) in str(raised.value)


def test_a_durations_path_that_cannot_be_read_is_named(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=f"^{tmp_path}: a folder, not a file$"):
        load_durations(tmp_path)
    path = tmp_path / "test-durations.json"
    path.write_bytes(b'{"t": 1.0}\xff')
    with pytest.raises(ValueError, match=r"test-durations\.json: not UTF-8 text"):
        load_durations(path)
