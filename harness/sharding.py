"""Splitting a run's tests across CI runners (``--shard K/N``, as Playwright's ``--shard``), and
the durations file that balances the split. Pure functions: no pytest here, so the plugin
(``harness.plugin.sharding``) and anything else can use them.

``split`` is deterministic. It depends only on the ids and the durations it is given, so every
runner, and every pytest-xdist worker, that collects the same tests picks the same shard.

- With recorded durations, it packs greedily, longest first (LPT): ids by known duration
  descending, then by id; each goes to the shard with the least time so far, the lower index on
  a tie. An id with no recorded duration counts as the median of the known ones.
- Without, each id's shard is a stable hash of the id (sha256, mod the shard count): adding a
  test moves no other test.

The durations file is a JSON object, node id -> seconds, written with sorted keys.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import statistics
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from harness.files import read_text_file

DURATIONS_FILE = "test-durations.json"


@dataclass(frozen=True)
class Shard:
    """One shard of a run: ``index`` of ``total``, counted from 1."""

    index: int
    total: int

    def __str__(self) -> str:
        return f"{self.index}/{self.total}"


def parse_shard(text: str) -> Shard:
    """``"2/4"`` -> ``Shard(index=2, total=4)``; a ValueError says what is wrong."""
    index_text, slash, total_text = text.strip().partition("/")
    if not slash:
        raise ValueError(f"a shard is written K/N, like 2/4, not {text!r}")
    try:
        index, total = int(index_text), int(total_text)
    except ValueError:
        raise ValueError(
            f"a shard is written K/N with whole numbers, like 2/4, not {text!r}"
        ) from None
    if total < 1:
        raise ValueError(f"the shard count N must be at least 1, not {total} (in {text!r})")
    if not 1 <= index <= total:
        raise ValueError(
            f"the shard K must be from 1 to {total}, not {index} (in {text!r}; shards count from 1)"
        )
    return Shard(index, total)


def hash_shard(test_id: str, total: int) -> int:
    """The shard (0-based) a test's id hashes to: the same on every machine and Python."""
    digest = hashlib.sha256(test_id.encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") % total


def known_durations(ids: Sequence[str], durations: Mapping[str, float] | None) -> dict[str, float]:
    """The recorded durations of these ids (those the mapping holds)."""
    if not durations:
        return {}
    return {test_id: float(durations[test_id]) for test_id in ids if test_id in durations}


def split(
    ids: Sequence[str], total: int, durations: Mapping[str, float] | None = None
) -> list[list[str]]:
    """The ids in ``total`` shards (0-based list), each shard in the ids' own order: by recorded
    durations when any id has one, else by a stable hash of each id."""
    if total < 1:
        raise ValueError(f"the shard count must be at least 1, not {total}")
    known = known_durations(ids, durations)
    if known:
        shard_of = _pack_by_duration(ids, total, known)
    else:
        shard_of = {test_id: hash_shard(test_id, total) for test_id in ids}
    shards: list[list[str]] = [[] for _ in range(total)]
    for test_id in ids:
        shards[shard_of[test_id]].append(test_id)
    return shards


def _pack_by_duration(ids: Sequence[str], total: int, known: Mapping[str, float]) -> dict[str, int]:
    median = statistics.median(known.values())
    cost = {test_id: known.get(test_id, median) for test_id in ids}
    loads = [0.0] * total
    shard_of: dict[str, int] = {}
    for test_id in sorted(set(ids), key=lambda each: (-cost[each], each)):
        lightest = min(range(total), key=lambda index: (loads[index], index))
        shard_of[test_id] = lightest
        loads[lightest] += cost[test_id]
    return shard_of


def load_durations(path: Path) -> dict[str, float]:
    """A durations file's node id -> seconds; ``{}`` when there is no file. A ValueError names a
    file that is not such a JSON object."""
    try:
        text = read_text_file(path)  # UnreadableFile is a ValueError naming the file
    except FileNotFoundError:
        return {}
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise ValueError(f"{path}: not JSON ({error})") from None
    except RecursionError:
        raise ValueError(f"{path}: not JSON of node id -> seconds (nested too deeply)") from None
    if not isinstance(data, dict):
        raise ValueError(f"{path}: not a JSON object of node id -> seconds")
    durations: dict[str, float] = {}
    for test_id, seconds in data.items():
        if isinstance(seconds, bool) or not isinstance(seconds, int | float):
            raise ValueError(f"{path}: the duration of {test_id!r} is not a number: {seconds!r}")
        try:
            number = float(seconds)
        except OverflowError:  # a whole number past a float's range
            number = math.inf
        if not math.isfinite(number) or number < 0:
            shown = f"{seconds!r}"[:40]
            raise ValueError(f"{path}: the duration of {test_id!r} is not seconds >= 0: {shown}")
        durations[test_id] = number
    return durations


def store_durations(path: Path, durations: Mapping[str, float]) -> dict[str, float]:
    """Write these durations into the file, over what it held for the same ids and keeping the
    rest; returns what the file now holds. The file is replaced at once, never half written."""
    merged = load_durations(path)
    merged.update({test_id: round(float(seconds), 4) for test_id, seconds in durations.items()})
    path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(merged, indent=2, sort_keys=True) + "\n"
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as file:
            file.write(text)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return dict(sorted(merged.items()))
