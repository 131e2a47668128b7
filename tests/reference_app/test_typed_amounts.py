"""The dashboard's custom amount as people type it, parsed to pence by its digits
(``reference_app.web.dashboard.chosen_amount_pence``); and the ``pounds-as-float`` defect, which
goes through a float and loses a penny where a float cannot hold the amount."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reference_app.topup_flow import TopupRefused
from reference_app.web.dashboard import CUSTOM, chosen_amount_pence
from tests.reference_app.running import app_stack
from tests.reference_app.web_client import log_in, page_client


@pytest.mark.parametrize(
    ("typed", "pence"),
    [
        ("10.99", 1099),
        ("19.99", 1999),
        ("8.07", 807),
        ("£7.5", 750),
        ("£ 7.50", 750),
        ("1,000", 100000),
        ("£1,000.00", 100000),
        ("999.99", 99999),
        ("5", 500),
        ("0.29", 29),  # in pence; the range is start_topup's to refuse
    ],
)
def test_a_typed_amount_is_read_penny_for_penny(typed: str, pence: int) -> None:
    assert chosen_amount_pence(CUSTOM, typed) == pence


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("abc", "'abc' is not an amount"),
        ("10.999", "'10.999' is not an amount"),
        ("-5", "'-5' is not an amount"),
        ("1,00", "'1,00' is not an amount"),
        ("1.000,50", "is not an amount"),
        ("\u0665\u0660", "is not an amount"),  # Arabic-Indic digits: int() would take them
        ("", "Enter a custom amount in pounds, like 12.50."),
    ],
)
def test_what_is_not_an_amount_is_refused_with_the_app_message(typed: str, message: str) -> None:
    with pytest.raises(TopupRefused, match=message):
        chosen_amount_pence(CUSTOM, typed)


def _written(pence: int, pound_sign: bool, commas: bool, decimals: int) -> str:
    pounds, rest = divmod(pence, 100)
    whole = f"{pounds:,}" if commas else str(pounds)
    tail = {0: "", 1: f".{rest // 10}", 2: f".{rest:02d}"}[decimals]
    return ("£" if pound_sign else "") + whole + tail


@settings(max_examples=300, derandomize=True)
@given(
    pence=st.integers(min_value=0, max_value=10_000_000),
    pound_sign=st.booleans(),
    commas=st.booleans(),
    decimals=st.sampled_from([0, 1, 2]),
)
def test_every_form_of_an_amount_reads_back_to_its_pence(
    pence: int, pound_sign: bool, commas: bool, decimals: int
) -> None:
    # a form with fewer decimals only writes amounts it can hold
    pence -= pence % {0: 100, 1: 10, 2: 1}[decimals]
    typed = _written(pence, pound_sign, commas, decimals)
    assert chosen_amount_pence(CUSTOM, typed) == pence


def test_the_pounds_as_float_defect_loses_a_penny() -> None:
    assert chosen_amount_pence(CUSTOM, "19.99", as_float=True) == 1998
    assert chosen_amount_pence(CUSTOM, "64.35", as_float=True) == 6434
    assert chosen_amount_pence(CUSTOM, "10.99", as_float=True) == 1099  # not every amount


@pytest.mark.parametrize(("defect", "charged"), [(None, 1999), ("pounds-as-float", 1998)])
def test_the_form_charges_what_was_typed_unless_pounds_go_through_a_float(
    defect: str | None, charged: int, wallet_ledger_db_url: str, tmp_path: Path
) -> None:
    defects = (defect,) if defect else ()
    with app_stack(wallet_ledger_db_url, tmp_path, defects=defects) as stack:
        with page_client(stack) as client:
            token = log_in(client)
            answer = client.post(
                "/dashboard/wallet/topup",
                data={"amount": CUSTOM, "custom_amount": "£19.99", "csrf_token": token},
            )
        assert answer.status_code == 303, answer.text
        session_id = answer.headers["location"].rsplit("/", 1)[-1]
        session = stack.stripe.v1.checkout.sessions.retrieve(session_id)

    assert session.amount_total == charged
