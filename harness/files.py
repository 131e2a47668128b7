"""Reading a file a person named (an app profile, a durations file, a defect matrix): what
cannot be read, or is not TOML where TOML is wanted, is said plainly, with the path, never as a
traceback. Writing one (a report): what cannot be written is said the same way.

A missing file is left to the caller (``FileNotFoundError``): for one it is an error, for
another the empty default."""

from __future__ import annotations

import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any


class UnreadableFile(ValueError):
    """The path names a folder, a file this user may not read, bytes that are not UTF-8, or
    (``read_toml_file``) text that is not TOML."""


def read_text_file(path: Path) -> str:
    """The file's text, read as UTF-8; ``UnreadableFile`` naming the path and why not."""
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise
    except IsADirectoryError:
        raise UnreadableFile(f"{path}: a folder, not a file") from None
    except OSError as error:
        raise UnreadableFile(f"{path}: cannot be read ({error.strerror or error})") from None
    except UnicodeDecodeError as error:
        raise UnreadableFile(
            f"{path}: not UTF-8 text (byte {error.start} is {error.object[error.start]:#04x})"
        ) from None


def read_toml_file(path: Path) -> dict[str, Any]:
    """The file's TOML as a table; ``UnreadableFile`` also for text that is not TOML."""
    try:
        return tomllib.loads(read_text_file(path))
    except tomllib.TOMLDecodeError as error:
        raise UnreadableFile(f"{path}: not TOML: {error}") from None


def write_output(path: Path, write: Callable[[Path], object], what: str) -> str | None:
    """``write(path)``, making its folder first; None when done, else why not, so that the
    command can say so beside a result that stands (a full disk, a folder it may not make)."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        return f"cannot write {what} to {path}: cannot make {path.parent} ({error.strerror})"
    try:
        write(path)
    except OSError as error:
        return f"cannot write {what} to {path} ({error.strerror or error})"
    return None
