"""A team on aegra (PostgreSQL): a requester (ada) and two approvers (bob, carol), separation of
duties on; the approvals routes as on `langgraph dev` (`test_approvals_pages.py`, `test_approvers.py`)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import psycopg
import pytest
from langgraph_sdk.schema import Command

from agent.approval.contract import INTERRUPT_GRAPH_ID
from client.approvals import get_pending
from tests.support.aegra import AegraServer, aegra_bin
from tests.support.pages import assert_answers_recorded, assert_pages_hold
from tests.support.postgres import database_for_tests
from tests.support.runs import pause, resume_command
from tests.support.served import Served


@pytest.fixture(scope="module")
def database() -> Iterator[str]:
    aegra_bin()  # skip early (before creating a database) when aegra is not installed
    with database_for_tests() as url:
        yield url


@pytest.fixture
def team_on_aegra(tmp_path: Path, database: str) -> Iterator[Served]:
    """aegra with a requester (ada) and two approvers (bob, carol), separation of duties on."""
    log = tmp_path / "emails.jsonl"
    team = {"APPROVER_ROLES": "approver", "REQUESTER_MAY_ANSWER": "false"}
    users = "ada:ada-token,bob:bob-token:approver,carol:carol-token:approver"
    env = {"EMAIL_LOG": str(log), "AUTH_USERS": users, **team}
    server = AegraServer(workdir=tmp_path, database_url=database, name="team", env=env)
    try:
        yield Served(server=server.start(), email_log=log, graph_id=INTERRUPT_GRAPH_ID)
    finally:
        server.stop()


async def _waiting_for_bob(team: Served) -> tuple[str, Command]:
    """A request of ada's, and the answer that approves it."""
    async with team.client("ada-token") as ada:
        thread_id = await pause(ada, graph_id=INTERRUPT_GRAPH_ID)
        pending = await get_pending(ada, thread_id)
    assert pending is not None
    return thread_id, resume_command(pending.request)


async def test_the_guard_refuses_the_requesters_own_answer_on_aegra(team_on_aegra: Served) -> None:
    """As on langgraph dev: separation of duties, refused with 403 before anything runs."""
    thread_id, approve = await _waiting_for_bob(team_on_aegra)
    async with team_on_aegra.client("ada-token") as ada:
        with pytest.raises(httpx.HTTPStatusError) as refused:
            await ada.runs.wait(thread_id, INTERRUPT_GRAPH_ID, command=approve)
    assert refused.value.response.status_code == 403, refused.value.response.text
    assert "Separation of duties" in refused.value.response.json()["detail"]
    assert team_on_aegra.attempts(thread_id) == []


async def test_an_approver_lists_and_answers_another_users_request_on_aegra(team_on_aegra: Served) -> None:
    thread_id, approve = await _waiting_for_bob(team_on_aegra)
    async with team_on_aegra.client("bob-token") as bob:
        listed = [item["thread_id"] for item in await bob.http.get("/approvals")]
        assert thread_id in listed
        only = await bob.http.get("/approvals", params={"thread_id": thread_id})
        assert [item["thread_id"] for item in only] == [thread_id]
        answered = await bob.http.post(f"/approvals/{thread_id}", json=dict(approve))
    assert (answered["thread_id"], answered["status"], answered["pending"]) == (thread_id, "idle", [])
    assert answered["decided"]["decided_by"] == "bob"  # (the server saw the owner; the graph, the approver)
    assert len(team_on_aegra.sent(thread_id)) == 1


async def test_an_approvers_pages_hold_on_aegra(team_on_aegra: Served, database: str) -> None:
    """As on langgraph dev (`test_approvals_pages.py`): newest first, each once, while requests come and go;
    read in SQL along the index (`server.waiting_sql`), as on any PostgreSQL store."""
    await assert_pages_hold(team_on_aegra, "ada-token", "bob-token", "carol-token", count=5)
    with psycopg.connect(database) as conn:
        found = conn.execute("SELECT indexname FROM pg_indexes WHERE indexname = 'store_hitl_waiting_order'")
        assert found.fetchall() == [("store_hitl_waiting_order",)]


async def test_an_approver_reads_their_own_answers_back_on_aegra(team_on_aegra: Served) -> None:
    """As on langgraph dev (`test_approvals_pages.py`)."""
    await assert_answers_recorded(team_on_aegra, "ada-token", ("bob", "bob-token"), "carol-token")


async def test_a_refused_answer_is_on_the_owners_trail_on_aegra(team_on_aegra: Served, database: str) -> None:
    """aegra keeps the owner out of the thread's metadata: the refusal still lands in ada's trail."""
    thread_id, approve = await _waiting_for_bob(team_on_aegra)
    resume = dict(approve["resume"])
    wrong = {**resume, "decisions": [*resume["decisions"], {"type": "approve"}]}  # one decision too many
    async with team_on_aegra.client("bob-token") as bob:
        with pytest.raises(httpx.HTTPStatusError) as refused:
            await bob.http.post(f"/approvals/{thread_id}", json={"resume": wrong})
    assert refused.value.response.status_code == 422, refused.value.response.text
    with psycopg.connect(database) as conn:
        rows = conn.execute(
            "SELECT prefix, value->>'who' FROM store WHERE key LIKE %s AND value->>'event' = 'refused'",
            (f"{thread_id}/%",),
        ).fetchall()
    assert rows == [("hitl_audit.ada", "bob")]
