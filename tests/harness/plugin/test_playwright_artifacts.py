"""pytest-playwright's artifacts folder, as the harness makes it, outlives the last test: a
session whose last test used a page ends without a teardown error (the folder used to be removed
with the session's fixtures, before pytest-playwright deleted that test's screenshot from it),
and the folder is gone once pytest ends."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.postgres.cluster_registry import TMP_ROOT_ENV, harness_tmp_dir

pytestmark = pytest.mark.slow  # a pytest of its own, with Chromium

LAST_TEST_USES_A_PAGE = """
def test_a_page(page):
    page.set_content("<p>hello</p>")
    assert page.inner_text("p") == "hello"
"""


def test_a_session_whose_last_test_used_a_page_ends_clean(
    pytester: pytest.Pytester, tmp_root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TMPDIR", str(tmp_root))  # the run's folders apart from other workers'
    monkeypatch.delenv(TMP_ROOT_ENV, raising=False)
    pytester.makepyfile(test_last=LAST_TEST_USES_A_PAGE)

    result = pytester.runpytest_subprocess("-p", "no:xdist", "-p", "no:cacheprovider")

    result.assert_outcomes(passed=1, errors=0)
    folders = harness_tmp_dir(tmp_root) / "folders"
    assert folders.is_dir()  # the run made its folders here
    assert sorted(path.name for path in folders.glob("*playwright-pytest-*")) == []
