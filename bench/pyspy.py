"""Sampling profiles of the stack's processes while a bench runs, read with py-spy (attached
from outside, so the processes run their normal code), and a summary of where each spent its CPU.

``Profiles(dir).attach(name, pid)`` starts ``py-spy record`` on a process (and its children) in
the collapsed-stack format; ``stop()`` ends the recordings; ``summary(name, top)`` gives the
functions that held the CPU most, by their own samples ("self") and with what they called
("total"), as shares of the process's samples. py-spy records only the thread that holds the GIL
(``--gil``), so the shares are of the CPU Python code spent, not wall time; time in C code that
lets the GIL go (libpq, the kernel) is not in them.
"""

from __future__ import annotations

import re
import shutil
import signal
import subprocess
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

RATE = 67  # samples per second: enough over minutes, light on the process (py-spy's default is 100)
REPOSITORY = str(Path(__file__).resolve().parents[1])
FRAME = re.compile(r"^(?P<function>.*) \((?P<file>[^()]*?)(?::\d+)?\)$")


def available() -> bool:
    return shutil.which("py-spy") is not None


@dataclass(frozen=True)
class Summary:
    samples: int
    own: list[tuple[str, float]]  # (function, share of samples run in it)
    total: list[tuple[str, float]]  # (function, share of samples with it on the stack)


class Profiles:
    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._running: dict[str, subprocess.Popen[bytes]] = {}

    def attach(self, name: str, pid: int) -> None:
        out = self.directory / f"{name}.txt"
        self._running[name] = subprocess.Popen(
            [
                "py-spy",
                "record",
                "--pid",
                str(pid),
                "--subprocesses",
                "--nonblocking",
                "--function",
                "--gil",  # the thread holding the GIL: Python's own CPU, not threads waiting
                "--rate",
                str(RATE),
                "--format",
                "raw",
                "--output",
                str(out),
            ],
            stdout=subprocess.DEVNULL,
            stderr=(self.directory / f"{name}.log").open("wb"),
        )

    def stop(self) -> None:
        for recorder in self._running.values():
            recorder.send_signal(signal.SIGINT)  # py-spy writes its file on SIGINT
        for recorder in self._running.values():
            recorder.wait(timeout=60)

    def summary(self, name: str, top: int = 12) -> Summary:
        own: Counter[str] = Counter()
        total: Counter[str] = Counter()
        samples = 0
        path = self.directory / f"{name}.txt"
        lines = path.read_text().splitlines() if path.exists() else []
        for line in lines:
            stack, _, count = line.rpartition(" ")
            if not stack or not count.isdigit():
                continue
            frames = [_short(frame) for frame in stack.split(";")]
            frames = [
                f for f in frames if not f.startswith("process ") and not f.startswith("thread ")
            ]
            if not frames:
                continue
            samples += int(count)
            own[frames[-1]] += int(count)
            for frame in set(frames):
                total[frame] += int(count)

        def shares(counter: Counter[str]) -> list[tuple[str, float]]:
            return [(f, n / samples) for f, n in counter.most_common(top)] if samples else []

        return Summary(samples, shares(own), shares(total))


def _short(frame: str) -> str:
    """``handle (fake_stripe/http/api.py)`` from ``handle (/.../fake_stripe/http/api.py:12)``."""
    match = FRAME.match(frame.strip())
    if match is None:
        return frame.strip()
    file = match["file"]
    for marker in ("site-packages/", "lib/python3.11/", f"{REPOSITORY}/"):
        if marker in file:
            file = file.split(marker, 1)[1]
    return f"{match['function']} ({file})"
