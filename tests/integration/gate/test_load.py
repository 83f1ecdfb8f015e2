"""Load: 200 threads paused at once, then all answered at once, on a fresh `langgraph dev`.

`load_round` is shared with the aegra tests (`test_aegra.py`).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest
from langgraph_sdk.client import LangGraphClient

from client.approvals import inbox
from harness.scripts import email, script
from tests.support.runs import answer, pause
from tests.support.served import Served, serve

THREADS = 200
PAGE = 50  # the inbox pages; some servers refuse `limit` over 100


@pytest.fixture(scope="module")
def fresh(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    with serve(tmp_path_factory.mktemp("load")) as running:
        yield running


async def _pause_all(client: LangGraphClient, graph_id: str) -> list[str]:
    texts = [script(email(to=f"u{i}@example.com")) for i in range(THREADS)]
    return list(await asyncio.gather(*(pause(client, text, graph_id=graph_id) for text in texts)))


async def _answer(client: LangGraphClient, thread_id: str, approve: bool, graph_id: str) -> None:
    decision = {"type": "approve"} if approve else {"type": "reject", "message": "load test"}
    await answer(client, thread_id, decision, graph_id=graph_id)


async def load_round(fresh: Served) -> None:
    """Pause 200 threads at once, check the inbox, answer all at once, check every effect."""
    # 200 requests in flight: more than the SDK's 100 connections, so allow waiting for one.
    client = fresh.client(timeout=(10, 600, 60, 600))
    try:
        ids = await _pause_all(client, fresh.graph_id)
        listed = [t.thread_id async for t in inbox(client, page_size=PAGE)]
        assert sorted(listed) == sorted(ids)  # every pending thread, each once, across pages

        approved = set(ids[::2])
        await asyncio.gather(*(_answer(client, t, t in approved, fresh.graph_id) for t in ids))

        for thread_id in ids:
            sent = fresh.sent(thread_id)
            assert len(sent) == (1 if thread_id in approved else 0), thread_id
        assert len(fresh.attempts("")) == len(approved)  # no duplicate attempt anywhere
        assert [t async for t in inbox(client, page_size=PAGE)] == []
        for status in ("busy", "error", "interrupted"):
            assert await client.threads.search(status=status, limit=PAGE) == [], status
        runs = await asyncio.gather(*(client.runs.list(t, limit=10) for t in ids))
        # The pausing run ends "success" (langgraph dev) or "interrupted" (aegra); none failed or hangs.
        assert {run["status"] for thread_runs in runs for run in thread_runs} <= {"success", "interrupted"}
        latest = [max(thread_runs, key=lambda run: run["created_at"]) for thread_runs in runs]
        assert {run["status"] for run in latest} == {"success"}
    finally:
        await client.aclose()


async def test_200_pending_then_200_answers_at_once(fresh: Served) -> None:
    await load_round(fresh)
