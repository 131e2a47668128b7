"""The harness drives apps through their profiles only: no source file under ``harness/`` names
the reference app's own routes, tables, markup or queue library. The reference app's names are
read from the app itself (its route decorators, migrations and templates), so a route or table
added to it is covered without touching this test. The bug report's names (``organizations``,
``credit_transactions``, ``/api/webhooks/stripe``, ``/dashboard/wallet``, ...) are the
profile's documented defaults and may appear."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
APP = ROOT / "reference_app"

# what the bug report itself names: the defaults an app built like the report's relies on
REPORT_TABLES = {"organizations", "users", "credit_transactions"}
REPORT_ROUTES = {
    "/",
    "/login",
    "/logout",
    "/dashboard/wallet",
    "/api/webhooks/stripe",
    "/api/webhooks/stripe/",
    "/api/webhook-metrics/queue-health",
    "/api/webhook-metrics/recent-failures",
}
SQL_BEFORE_A_TABLE = r"(?:from|join|into|update|table|truncate)"


def app_routes() -> set[str]:
    found = set()
    for source in (APP / "web").glob("*.py"):
        routes = re.findall(r"@\w+\.(?:get|post|put|delete)\(\s*\"(/[^\"]*)\"", source.read_text())
        found |= set(routes)
    return found - REPORT_ROUTES


def app_tables() -> set[str]:
    found = set()
    for migration in sorted((APP / "migrations").glob("*.*")):  # .sql and .py, no caches
        text = migration.read_text()
        found |= set(re.findall(r"create table (?:if not exists )?(\w+)", text, re.IGNORECASE))
    return found - REPORT_TABLES


def app_markup() -> set[str]:
    found = set()
    for template in (APP / "web" / "templates").rglob("*.html"):
        text = template.read_text()
        found |= set(re.findall(r'data-testid="([^"{]+)"', text))
        found |= {label.strip() for label in re.findall(r"<label[^>]*>([^<{]+)", text)}
    return found - {"Email", "Password"}  # the login form's defaults, as any login form says


def harness_sources() -> dict[Path, str]:
    return {path: path.read_text() for path in (ROOT / "harness").rglob("*.py")}


def test_the_reference_app_has_names_of_its_own_to_look_for() -> None:
    # if these came back empty the test below would pass without looking at anything
    assert {"/api/wallet/topups", "/sms"} <= app_routes()
    assert {"topups", "stripe_event_inbox", "webhook_rejections"} <= app_tables()
    assert {"wallet-balance", "transaction-row", "Custom amount in pounds"} <= app_markup()


def test_no_harness_source_names_the_reference_apps_routes_tables_or_markup() -> None:
    patterns = {
        **{f"route {r}": re.escape(f'"{r}') for r in app_routes()},
        **{f"table {t}": rf"\b{SQL_BEFORE_A_TABLE}\s+{re.escape(t)}\b" for t in app_tables()},
        **{f"markup {m!r}": re.escape(f'"{m}"') for m in app_markup()},
        "its queue library": r"\bprocrastinate\b",
        "its package": r"\breference_app\b",
    }
    found = [
        f"{path.relative_to(ROOT)}:{text.count(chr(10), 0, match.start()) + 1}: {what}"
        for path, text in harness_sources().items()
        for what, pattern in patterns.items()
        for match in re.finditer(pattern, text, re.IGNORECASE)
    ]

    assert found == [], "the harness names the reference app; say it in its profile:\n" + "\n".join(
        found
    )
