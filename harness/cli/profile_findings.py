"""What ``wallet-harness profile check`` finds, one ``Check`` per part of the profile: its name,
how it came out (ok, failed, not run because a check it needs did not pass, or not set), what
was tried, what was found, the evidence (a log's last lines) and, for a failure, the fix.

A check's code raises ``CheckFailed`` with what it found and the fix; the doctor
(``harness.cli.profile_doctor``) turns that into a failed ``Check`` and goes on with the checks
that do not need it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Any

OK, FAILED, NOT_RUN, NOT_SET = "ok", "failed", "not run", "not set"
MARKS = {OK: "✓", FAILED: "✗", NOT_RUN: "-", NOT_SET: "·"}
EVIDENCE_LINES = 12  # of a log or a command's output, the last ones


class CheckFailed(Exception):
    """What a check found wrong (``detail``), the lines that show it and how to fix it."""

    def __init__(self, detail: str, fix: str = "", evidence: Iterable[str] = ()) -> None:
        super().__init__(detail)
        self.detail = detail
        self.fix = fix
        self.evidence = tuple(evidence)


@dataclass(frozen=True)
class Check:
    name: str  # "processes", "login test@demo.com", "capabilities.worker", ...
    outcome: str  # OK | FAILED | NOT_RUN | NOT_SET
    tried: str  # what was tried
    detail: str = ""  # what was found
    fix: str = ""  # for a failure: what to change
    evidence: tuple[str, ...] = ()  # e.g. the last lines of a process's log
    seconds: float = 0.0  # how long it took

    @property
    def headline(self) -> str:
        said = f"{self.tried}: {self.detail}" if self.tried and self.detail else self.tried
        return f"{MARKS[self.outcome]} {self.name}: {said or self.detail}"

    def lines(self) -> list[str]:
        """The check as printed: its headline, then for a failure the evidence and the fix."""
        lines = [self.headline]
        lines += [f"    | {line}" for line in self.evidence]
        if self.fix:
            lines.append(f"    fix: {self.fix}")
        return lines

    def as_json(self) -> dict[str, Any]:
        found = asdict(self)
        found["evidence"] = list(self.evidence)
        return found


def short_id(stripe_id: str) -> str:
    """``cs_test_gIRHYH7L…``: enough of a Stripe id to find it in a log."""
    return stripe_id if len(stripe_id) <= 24 else stripe_id[:16] + "…"


def last_lines(text: str, count: int = EVIDENCE_LINES) -> list[str]:
    """The last ``count`` non-empty lines of ``text``, as evidence."""
    lines = [line.rstrip() for line in text.splitlines() if line.strip()]
    return lines[-count:]


def summary(checks: list[Check]) -> str:
    counts = {outcome: sum(c.outcome == outcome for c in checks) for outcome in MARKS}
    said = f"{counts[OK]} passed, {counts[FAILED]} failed"
    if counts[NOT_RUN]:
        said += f", {counts[NOT_RUN]} not run"
    if counts[NOT_SET]:
        said += f", {counts[NOT_SET]} not set"
    if counts[FAILED]:
        said += "; fix the first ✗ and run the check again"
    return said
