"""A temporary folder owned by a harness run: removed by its own clean-up, left alone while its
run lives, and removed by the next sweep when its run was killed before cleaning up."""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from harness.stack.scratch import OwnedFolder, folders_dir, sweep_leftover_folders

KILLED_RUN = """
import sys
from pathlib import Path
from harness.stack.scratch import OwnedFolder
folder = OwnedFolder("playwright-pytest-", short=sys.argv[1] == "short")
(Path(folder.name) / "video.webm").write_bytes(b"x")
print(folder.name, flush=True)
import os, signal; os.kill(os.getpid(), signal.SIGKILL)
"""


def test_a_live_runs_folder_stays_and_its_clean_up_leaves_nothing() -> None:
    folder = OwnedFolder("playwright-pytest-")
    made = Path(folder.name)
    assert made.parent == folders_dir()
    assert made.is_dir()

    sweep = "from harness.stack.scratch import sweep_leftover_folders as s; print(s())"
    subprocess.run([sys.executable, "-c", sweep], check=True, timeout=60)
    assert made.is_dir()  # its owner (this process) is alive

    folder.cleanup()
    assert not made.exists()
    owner = "-".join(made.name.split("-")[:2])  # "<pid>-<random>", the lock's name
    assert not list(folders_dir().glob(f"{owner}*"))  # nor its lock


@pytest.mark.parametrize("where", ["folders", "short"])
def test_the_folder_of_a_run_killed_outright_is_removed_by_the_next_sweep(where: str) -> None:
    done = subprocess.run(
        [sys.executable, "-c", KILLED_RUN, where], capture_output=True, text=True, timeout=60
    )
    made = Path(done.stdout.strip())
    assert made.is_dir()
    if where == "short":  # in the system's temporary directory, for a socket's short path
        assert made.parent == Path(tempfile.gettempdir())
        assert made.name.startswith("wh-playwright-pytest-")
    assert (made / "video.webm").exists()

    removed = sweep_leftover_folders()

    # (a run starting meanwhile, another test's, may have swept it first)
    assert any(str(made) in line for line in removed) or not made.exists()
    assert not made.exists()
