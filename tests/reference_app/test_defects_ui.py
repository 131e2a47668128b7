"""The UI and access defects at their source: the JSON the page's script renders new rows from
(drifting from the server's own rows under live-row-drifts), and the landing check's answer for
another organisation's reference. (The defects that change what the page's script does are
tested in a browser, in test_web_browser.py.)"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.reference_app.evidence import DEMO_TOKEN, OTHER_TOKEN, wait_for_topup
from tests.reference_app.running import app_stack
from tests.reference_app.web_client import log_in, page_client, rows_shown


@pytest.mark.parametrize("defect", [None, "live-row-drifts"])
def test_the_rows_the_script_renders_match_the_servers_unless_they_drift(
    defect: str | None, wallet_ledger_db_url: str, tmp_path: Path
) -> None:
    defects = (defect,) if defect else ()
    with app_stack(wallet_ledger_db_url, tmp_path, defects=defects) as stack:
        with stack.api(DEMO_TOKEN) as api:
            started = api.post("/api/wallet/topups", json={"amount_pence": 5000})
            session_id = started.json()["session_id"]
        stack.control.pay(session_id)
        stack.control.settle()
        assert wait_for_topup(stack, session_id, "credited") == ("credited", "webhook")
        with page_client(stack) as client:
            log_in(client)
            page = client.get("/dashboard/wallet")
            listed = client.get("/dashboard/wallet/transactions").json()

    assert rows_shown(page)[0][-1] == "£50.00"  # the server's row
    for_the_script = listed["transactions"][0]["balance_after"]
    assert for_the_script == ("50.00" if defect else "£50.00")


@pytest.mark.parametrize("defect", [None, "reference-check-ignores-org"])
def test_another_organisations_reference_is_unknown_unless_the_check_ignores_the_org(
    defect: str | None, wallet_ledger_db_url: str, tmp_path: Path
) -> None:
    defects = (defect,) if defect else ()
    with app_stack(wallet_ledger_db_url, tmp_path, defects=defects) as stack:
        with stack.api(OTHER_TOKEN) as api:
            session_id = api.post("/api/wallet/topups", json={"amount_pence": 5000}).json()[
                "session_id"
            ]
        stack.control.pay(session_id)
        stack.control.settle()
        assert wait_for_topup(stack, session_id, "credited") == ("credited", "webhook")
        with stack.api(DEMO_TOKEN) as mine:
            answer = mine.get(f"/api/wallet/topups/{session_id}")

    assert answer.status_code == (200 if defect else 404), answer.text
