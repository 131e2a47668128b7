"""Where the simulation's organisations come from: made by the profile's ``create_org_sql``
(the same ids and tokens for the same seed), or, without it, the profile's accounts with a
token, and a clear refusal when those are too few."""

from __future__ import annotations

import hashlib
from typing import Any

import psycopg
import pytest

from harness.profile.loading import default_profile
from harness.simulation.orgs import TooFewOrgs, create_orgs, simulation_orgs


def test_the_profile_sql_makes_each_org_with_its_token(conn: psycopg.Connection[Any]) -> None:
    profile = default_profile().app  # the reference app's: create_org_sql inserts both rows
    orgs = simulation_orgs(7, 3, profile)

    create_orgs(conn, orgs, profile)

    for org in orgs:
        digest = hashlib.sha256(org.token.encode()).hexdigest()
        row = conn.execute(
            "select o.name from api_tokens t join organizations o on o.id = t.org_id"
            " where t.token_sha256 = %s",
            (digest,),
        ).fetchone()
        assert row == (f"Simulated org {org.number}",)
    assert simulation_orgs(7, 3, profile) == orgs  # a replay uses the same ones
    assert simulation_orgs(8, 3, profile) != orgs


def test_a_percent_sign_in_the_sql_is_kept(
    conn: psycopg.Connection[Any],
) -> None:
    profile = default_profile().app
    sneaky = profile.model_copy(
        update={
            "capabilities": profile.capabilities.model_copy(
                update={
                    "create_org_sql": [
                        "insert into organizations (id, name, email)"
                        " values ({org_id}, {org_name} || ' 100%', {org_email})"
                    ]
                }
            )
        }
    )
    [org] = simulation_orgs(1, 1, sneaky)

    create_orgs(conn, [org], sneaky)

    row = conn.execute("select name from organizations where id = %s", (org.org_id,)).fetchone()
    assert row == ("Simulated org 0 100%",)


def test_without_create_org_sql_the_accounts_with_a_token_are_the_orgs() -> None:
    profile = default_profile().app
    bare = profile.model_copy(
        update={"capabilities": profile.capabilities.model_copy(update={"create_org_sql": []})}
    )
    tokens = {a.org_id: a.api_token for a in profile.accounts.values() if a.api_token}

    orgs = simulation_orgs(3, len(tokens), bare)

    assert {org.org_id: org.token for org in orgs} == tokens
    with pytest.raises(TooFewOrgs, match=r"no capabilities\.create_org_sql") as refused:
        simulation_orgs(3, len(tokens) + 1, bare)
    assert f"--orgs {len(tokens)}" in str(refused.value)
