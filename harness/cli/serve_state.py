"""Where a running ``wallet-harness serve`` says it is: a small JSON state file.

``serve`` writes it once the stack is up (``artifacts/serve.json`` in the project checkout, or
``--port-file``) and removes it when it stops; ``fault`` and ``clock`` read it to find the
running fake without flags. A serve killed outright cannot remove it: the file names serve's
process id, so a reader can tell a stale file from a live one.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

from harness.pids import process_alive
from harness.project import artifacts_dir

STATE_FILE_NAME = "serve.json"
START_HINT = "start `wallet-harness serve` in another terminal, or pass --fake-url URL"


class FakeNotFound(RuntimeError):
    """No running fake to talk to; the message says how to get one."""


@dataclass(frozen=True)
class ServeState:
    pid: int
    fake_url: str
    control_url: str
    web_url: str
    dashboard_url: str
    database_url: str  # password redacted
    defects: list[str] = field(default_factory=list)
    logs: dict[str, str] = field(default_factory=dict)


def default_state_file() -> Path:
    """``artifacts/serve.json`` in the project checkout (else in the current directory)."""
    return artifacts_dir() / STATE_FILE_NAME


def write_state(path: Path, state: ServeState) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    partial.write_text(json.dumps(asdict(state), indent=2) + "\n")
    partial.replace(path)  # a reader never sees half a file


def remove_state(path: Path, pid: int) -> None:
    """Remove the file if it is still this process's (another serve may have taken it over)."""
    try:
        owner = read_state(path).pid
    except FakeNotFound:
        return
    if owner == pid:
        path.unlink(missing_ok=True)


def read_state(path: Path) -> ServeState:
    try:
        data = json.loads(path.read_text())
        return ServeState(**data)
    except FileNotFoundError:
        raise FakeNotFound(
            f"no running wallet-harness serve ({path} does not exist): {START_HINT}"
        ) from None
    except (OSError, ValueError, TypeError) as error:
        raise FakeNotFound(f"{path} is not a serve state file ({error}): {START_HINT}") from None


def live_state(path: Path) -> ServeState | None:
    """The state file's contents when the serve that wrote it is still running, else None."""
    try:
        state = read_state(path)
    except FakeNotFound:
        return None
    return state if process_alive(state.pid) else None


def find_fake_url(explicit: str | None, state_file: Path | None) -> str:
    """``--fake-url`` when given, else the fake of the running serve named by the state file."""
    if explicit:
        return explicit.rstrip("/")
    path = state_file or default_state_file()
    state = read_state(path)
    if not process_alive(state.pid):
        raise FakeNotFound(
            f"{path} names wallet-harness serve (pid {state.pid}), which is no longer running"
            f" (a serve stopped outright leaves the file behind): {START_HINT}"
        )
    return state.fake_url
