"""kill -9 of the crash-safe local server (`make serve`: aegra on PostgreSQL, Redis queue).

`make dev` keeps checkpoints in memory and writes them on a clean shutdown only,
so a kill -9 loses its pending requests (docs/production.md says so); this is the
local command that loses nothing. Killed with requests pending, or between an
approval and the end of its run (after the email went out): a new server process
on the same database finds every request answerable, finishes the cut-short run,
leaves nothing busy, and sends no email twice.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from langgraph_sdk.client import LangGraphClient

from agent.approval.contract import HITL_HISTORY, INTERRUPT_GRAPH_ID, PENDING_HITL
from client.approvals import get_pending
from harness.server import REPO
from tests.support.aegra import SHARED_KEY, AegraServer, aegra_bin
from tests.support.postgres import database_for_tests
from tests.support.runs import answer, pause
from tests.support.served import Served, sent_in

CRASHING = "crashing"
RECOVERY_S = 90.0
# A short lease, so that a run cut short is taken up again within seconds, not a minute.
FAST_RECOVERY = {"LEASE_DURATION_SECONDS": "6", "HEARTBEAT_INTERVAL_SECONDS": "2", "REAPER_INTERVAL_SECONDS": "2"}


@pytest.fixture(scope="module")
def database() -> Iterator[str]:
    aegra_bin()
    with database_for_tests() as url:
        yield url


def _serve(workdir: Path, database: str, log: Path, name: str) -> Served:
    redis_db = 1 + (os.getpid() % 14)  # a database of its own, away from other runs
    env = {
        **SHARED_KEY,
        "EMAIL_LOG": str(log),
        "REDIS_BROKER_ENABLED": "true",
        "REDIS_URL": os.environ.get("REDIS_URL", f"redis://127.0.0.1:6379/{redis_db}"),
        **FAST_RECOVERY,
    }
    graphs = {CRASHING: str(REPO / "tests/support/crashing_graph.py") + ":graph"}
    server = AegraServer(workdir=workdir, database_url=database, name=name, env=env, extra_graphs=graphs)
    return Served(server=server.start(), email_log=log, graph_id=INTERRUPT_GRAPH_ID)


async def _settled(client: LangGraphClient, thread_id: str) -> str:
    """The thread's status once no run is busy on it any more."""
    async with asyncio.timeout(RECOVERY_S):
        while (status := (await client.threads.get(thread_id))["status"]) == "busy":  # noqa: ASYNC110
            await asyncio.sleep(0.5)  # polling is how a client sees a recovery on the server
    return str(status)


async def test_killed_with_requests_pending(tmp_path: Path, database: str) -> None:
    log = tmp_path / "emails.jsonl"
    first = _serve(tmp_path / "a", database, log, "a")
    client = first.client()
    try:
        waiting = [await pause(client, graph_id=INTERRUPT_GRAPH_ID) for _ in range(3)]
    finally:
        await client.aclose()
        first.server.stop(graceful=False)  # kill -9
    second = _serve(tmp_path / "b", database, log, "b")
    client = second.client()
    try:
        for thread_id in waiting:
            assert await get_pending(client, thread_id) is not None
            await answer(client, thread_id, graph_id=INTERRUPT_GRAPH_ID)
            assert await _settled(client, thread_id) == "idle"
            assert len(sent_in(log, thread_id)) == 1
    finally:
        await client.aclose()
        second.server.stop()


async def test_killed_between_the_approval_and_the_end_of_its_run(tmp_path: Path, database: str) -> None:
    log = tmp_path / "emails.jsonl"
    first = _serve(tmp_path / "a", database, log, "a")
    client = first.client()
    try:
        thread_id = await pause(client, graph_id=CRASHING)
        pending = await get_pending(client, thread_id)
        assert pending is not None
        # The provider sends the email, then kills this server before the run can finish.
        await client.runs.create(thread_id, CRASHING, command={"resume": {"decisions": [{"type": "approve"}]}})
        assert first.server.process is not None
        await asyncio.wait_for(asyncio.to_thread(first.server.process.wait), RECOVERY_S)
    finally:
        await client.aclose()
    assert len(sent_in(log, thread_id)) == 1

    second = _serve(tmp_path / "b", database, log, "b")
    client = second.client()
    try:
        assert await _settled(client, thread_id) == "idle"  # the cut-short run, finished by the survivor
        values = (await client.threads.get_state(thread_id))["values"]
        assert values[PENDING_HITL] is None  # type: ignore[call-overload]
        assert len(values[HITL_HISTORY]) == 1  # type: ignore[call-overload]
        (result,) = [m for m in values["messages"] if m["type"] == "tool"]  # type: ignore[call-overload]
        assert "had already been sent" in result["content"]  # the replayed call, refused by its key
        assert len(sent_in(log, thread_id)) == 1
    finally:
        await client.aclose()
        second.server.stop()
