"""A file a person named that cannot be read is refused with its path and why (a folder, a
name the system refuses, bytes that are not UTF-8), never with a traceback; a missing one is
the caller's to judge. One that cannot be written is said the same way, and raises nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.files import UnreadableFile, read_text_file, read_toml_file, write_output


def test_a_text_file_is_read_as_utf8(tmp_path: Path) -> None:
    path = tmp_path / "app.toml"
    path.write_bytes('name = "Caf\u00e9 wallet"\n'.encode())

    assert read_text_file(path) == 'name = "Caf\u00e9 wallet"\n'


def test_a_folder_is_named_as_one(tmp_path: Path) -> None:
    with pytest.raises(UnreadableFile, match=f"^{tmp_path}: a folder, not a file$"):
        read_text_file(tmp_path)


def test_bytes_that_are_not_utf8_are_named_with_where_they_start(tmp_path: Path) -> None:
    path = tmp_path / "app.toml"
    path.write_bytes(b'name = "x"\n\xff\xfe')

    with pytest.raises(UnreadableFile, match=r"app\.toml: not UTF-8 text \(byte 11 is 0xff\)$"):
        read_text_file(path)


def test_any_other_failure_to_read_is_named_with_the_systems_reason(tmp_path: Path) -> None:
    path = tmp_path / ("x" * 300)  # longer than a file name may be

    with pytest.raises(UnreadableFile, match=r"x: cannot be read \(File name too long\)$"):
        read_text_file(path)


def test_a_missing_file_is_left_to_the_caller(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        read_text_file(tmp_path / "missing.toml")


def test_toml_is_read_as_a_table_and_anything_else_is_named(tmp_path: Path) -> None:
    path = tmp_path / "app.toml"
    path.write_text('name = "wallet"\n[processes.web]\ncommand = ["node"]\n')

    assert read_toml_file(path) == {"name": "wallet", "processes": {"web": {"command": ["node"]}}}
    path.write_text("[processes.web\n")
    with pytest.raises(UnreadableFile, match=r"app\.toml: not TOML: Expected '\]'"):
        read_toml_file(path)
    with pytest.raises(UnreadableFile, match="a folder, not a file"):
        read_toml_file(tmp_path)


def test_an_output_that_cannot_be_written_is_said_and_nothing_is_raised(tmp_path: Path) -> None:
    (tmp_path / "taken").write_text("a file where the folder would go")
    written: list[Path] = []

    why = write_output(tmp_path / "taken" / "report.html", written.append, "the report")

    report = tmp_path / "taken" / "report.html"
    assert why == f"cannot write the report to {report}: cannot make {report.parent} (File exists)"
    assert written == []

    def write_into(path: Path) -> None:
        path.write_text("<html>")

    (tmp_path / "made-a-folder-since").mkdir()
    why = write_output(tmp_path / "made-a-folder-since", write_into, "the report")
    assert why == f"cannot write the report to {tmp_path}/made-a-folder-since (Is a directory)"
    assert write_output(tmp_path / "new" / "report.html", written.append, "the report") is None
    assert written == [tmp_path / "new" / "report.html"]
    assert (tmp_path / "new").is_dir()  # its folder made first
