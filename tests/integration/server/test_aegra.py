"""The same langgraph.json on aegra: Postgres-backed, several instances on one database.

aegra runs from its own venv (`make aegra`). These tests run the twin graph,
`agent_interrupt`, with `runs.wait`, what a new user of the SDK would write: on the
default `agent`, paused at a static breakpoint by `runs.wait`, aegra leaves the thread
"idle" and refuses its resume with 400 (the last test); paused by a streamed run, it
takes a streamed answer (the CLI's test).
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from langgraph_sdk.schema import Durability

from agent.approval.contract import (
    APPROVAL_NODE,
    GRAPH_ID,
    GRAPH_IDS,
    HITL_HISTORY,
    INTERRUPT_GRAPH_ID,
    PENDING_HITL,
)
from client.approvals import get_pending, inbox
from tests.integration.gate.test_load import load_round
from tests.support.aegra import SHARED_KEY, AegraServer, aegra_bin
from tests.support.postgres import database_for_tests
from tests.support.runs import answer, pause
from tests.support.served import Served


@pytest.fixture(scope="module")
def database() -> Iterator[str]:
    aegra_bin()  # skip early (before creating a database) when aegra is not installed
    with database_for_tests() as url:
        yield url


def _start(workdir: Path, database: str, name: str) -> Served:
    log = workdir / "emails.jsonl"
    server = AegraServer(workdir=workdir, database_url=database, name=name, env={**SHARED_KEY, "EMAIL_LOG": str(log)})
    return Served(server=server.start(), email_log=log, graph_id=INTERRUPT_GRAPH_ID)


@pytest.fixture(scope="module")
def aegra(tmp_path_factory: pytest.TempPathFactory, database: str) -> Iterator[Served]:
    served = _start(tmp_path_factory.mktemp("aegra"), database, "a")
    yield served
    served.server.stop()


@pytest.mark.parametrize("durability", ["sync", "async", "exit"])
async def test_runs_wait_pauses_and_resumes(aegra: Served, durability: Durability) -> None:
    client = aegra.client()
    try:
        thread_id = await pause(client, durability=durability, graph_id=INTERRUPT_GRAPH_ID)
        assert (await client.threads.get(thread_id))["status"] == "interrupted"
        state = await client.threads.get_state(thread_id)
        assert state["next"] == [APPROVAL_NODE]
        assert state["values"][PENDING_HITL]["action_requests"][0]["name"] == "send_email"  # type: ignore[call-overload]
        assert thread_id in [t.thread_id async for t in inbox(client)]
        await answer(client, thread_id, graph_id=INTERRUPT_GRAPH_ID)
        state = await client.threads.get_state(thread_id)
        assert state["values"][PENDING_HITL] is None  # type: ignore[call-overload]
        assert len(state["values"][HITL_HISTORY]) == 1  # type: ignore[call-overload]
        assert (await client.threads.get(thread_id))["status"] == "idle"
        assert len(aegra.sent(thread_id)) == 1
    finally:
        await client.aclose()


@pytest.mark.parametrize("graph_id", GRAPH_IDS)
def test_the_command_line_client_works_on_aegra(aegra: Served, graph_id: str) -> None:
    """On both graphs: the CLI streams its runs (`runs.stream`), and paused by a streamed run
    even `agent`'s thread is `interrupted` there (listed by `inbox`), and a streamed answer
    resumes it (docs/production.md's table; paused by `runs.wait` it is not: the last test)."""
    cli = dataclasses.replace(aegra, graph_id=graph_id)
    thread_id = cli.cli_start("email ada@example.com about the launch")
    assert thread_id in cli.cli("inbox").stdout
    assert "waits for approval" in cli.cli("show", thread_id).stdout
    approved = cli.cli("approve", thread_id)
    assert approved.returncode == 0, approved.stderr
    assert "Email sent to ada@example.com" in approved.stdout
    assert len(aegra.sent(thread_id)) == 1


async def test_two_answers_at_once_send_one_email(aegra: Served) -> None:
    client = aegra.client()
    try:
        thread_id = await pause(client, graph_id=INTERRUPT_GRAPH_ID)
        results = await asyncio.gather(
            answer(client, thread_id, graph_id=INTERRUPT_GRAPH_ID),
            answer(client, thread_id, graph_id=INTERRUPT_GRAPH_ID),
            return_exceptions=True,
        )
        # aegra lets both resumes run, one after the other (the second finds nothing
        # pending), or refuses one with 400; either way, one email.
        assert any(r is None for r in results), results
        assert len(aegra.sent(thread_id)) == 1
        assert len((await client.threads.get_state(thread_id))["values"][HITL_HISTORY]) == 1  # type: ignore[call-overload]
    finally:
        await client.aclose()


async def test_paused_on_one_instance_answered_on_another_after_a_kill(
    tmp_path: Path, database: str, aegra: Served
) -> None:
    other = _start(tmp_path, database, "b")
    client_a, client_b = aegra.client(), other.client()
    doomed = _start(tmp_path / "doomed", database, "c")
    client_c = doomed.client()
    try:
        first = await pause(client_a, graph_id=INTERRUPT_GRAPH_ID)
        pending = await get_pending(client_b, first)
        assert pending is not None
        assert first in [t.thread_id async for t in inbox(client_b)]
        await answer(client_b, first, graph_id=INTERRUPT_GRAPH_ID)

        waiting = [await pause(client_c, graph_id=INTERRUPT_GRAPH_ID) for _ in range(5)]
        doomed.server.stop(graceful=False)  # SIGKILL with five requests pending
        for thread_id in waiting:
            await answer(client_b, thread_id, graph_id=INTERRUPT_GRAPH_ID)
        for thread_id in [first, *waiting]:
            assert (await client_b.threads.get(thread_id))["status"] == "idle"
        assert [len(aegra.sent(t)) + len(other.sent(t)) for t in [first, *waiting]] == [1] * 6
        assert all(doomed.sent(t) == [] for t in waiting)
    finally:
        for client in (client_a, client_b, client_c):
            await client.aclose()
        other.server.stop()
        doomed.server.stop(graceful=False)


async def test_200_pending_then_200_answers_on_aegra(tmp_path: Path) -> None:
    # A database of its own: the load round checks that no thread in it is left busy,
    # and the double-answer test above can leave one busy on aegra (see README).
    with database_for_tests() as database:
        served = _start(tmp_path, database, "load")
        try:
            await load_round(served)
        finally:
            served.server.stop()


async def test_per_user_access_holds_on_aegra(tmp_path: Path, database: str) -> None:
    log = tmp_path / "emails.jsonl"
    env = {"EMAIL_LOG": str(log), "AUTH_USERS": "ada:ada-token,bob:bob-token"}
    server = AegraServer(workdir=tmp_path, database_url=database, name="auth", env=env)
    served = Served(server=server.start(), email_log=log, graph_id=INTERRUPT_GRAPH_ID)
    ada, bob = served.client("ada-token"), served.client("bob-token")
    try:
        thread_id = await pause(ada, graph_id=INTERRUPT_GRAPH_ID)
        assert await get_pending(ada, thread_id) is not None
        for attempt in (bob.threads.get(thread_id), bob.threads.get_state(thread_id)):
            with pytest.raises(httpx.HTTPStatusError) as refused:
                await attempt
            assert refused.value.response.status_code == 404
        assert thread_id not in [t.thread_id async for t in inbox(bob)]
        async with httpx.AsyncClient() as anonymous:
            assert (await anonymous.post(f"{served.server.url}/threads/search", json={})).status_code == 401
        await answer(ada, thread_id, graph_id=INTERRUPT_GRAPH_ID)
        history = (await ada.threads.get_state(thread_id))["values"][HITL_HISTORY]  # type: ignore[call-overload]
        assert history[-1]["decided_by"] == "ada"
    finally:
        await ada.aclose()
        await bob.aclose()
        served.server.stop()


async def test_the_breakpoint_graph_on_aegra(aegra: Served) -> None:
    """What aegra 0.11 does with `agent`, paused at a static breakpoint (README, "Other servers").

    The request is saved and readable, but aegra records the thread as idle rather
    than interrupted, and refuses to resume it, so `agent_interrupt` is the graph to
    serve there. If this test fails, an aegra release handles breakpoints: serve
    `agent` there too, and update the README.
    """
    client = aegra.client()
    try:
        thread_id = await pause(client, graph_id=GRAPH_ID)
        state = await client.threads.get_state(thread_id)
        assert state["next"] == [APPROVAL_NODE]
        assert state["values"][PENDING_HITL]["action_requests"][0]["name"] == "send_email"  # type: ignore[call-overload]
        assert (await client.threads.get(thread_id))["status"] == "idle"
        with pytest.raises(httpx.HTTPStatusError) as refused:
            await answer(client, thread_id, graph_id=GRAPH_ID)
        assert refused.value.response.status_code == 400
        assert aegra.sent(thread_id) == []
    finally:
        await client.aclose()
