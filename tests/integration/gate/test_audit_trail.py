"""The audit trail through a real `langgraph dev`: kept in its store, readable by its owner,
unchangeable through the API, and still there after the thread is deleted."""

from __future__ import annotations

import httpx
import pytest
from langgraph_sdk.client import LangGraphClient

from agent.approval.contract import AUDIT, resume_for
from client.approvals import create_thread, get_pending, stream_run, user_message
from harness.scripts import email, script
from tests.support.served import Served


async def _approved_thread(client: LangGraphClient) -> str:
    thread_id = await create_thread(client)
    async for _ in stream_run(client, thread_id, input=user_message(script(email()))):
        pass
    pending = await get_pending(client, thread_id)
    assert pending is not None
    resume = resume_for(pending.request, [{"type": "approve"}])
    async for _ in stream_run(client, thread_id, command={"resume": resume}):
        pass
    return thread_id


async def _trail(client: LangGraphClient, thread_id: str) -> list[str]:
    found = await client.store.search_items((AUDIT,), limit=100)
    records = sorted(
        (i["value"] for i in found["items"] if i["value"]["thread_id"] == thread_id), key=lambda r: r["at"]
    )
    return [r["event"] for r in records]


async def test_the_trail_outlives_the_thread(users_server: Served, ada: LangGraphClient) -> None:
    thread_id = await _approved_thread(ada)
    await ada.threads.delete(thread_id)
    with pytest.raises(httpx.HTTPStatusError):
        await ada.threads.get(thread_id)
    assert await _trail(ada, thread_id) == ["requested", "answered"]


async def test_a_user_reads_only_their_own_trail(
    users_server: Served, ada: LangGraphClient, bob: LangGraphClient
) -> None:
    thread_id = await _approved_thread(ada)
    assert await _trail(bob, thread_id) == []
    # Naming ada's namespace changes nothing: reads go to one's own records.
    found = await bob.store.search_items((AUDIT, "ada"), limit=100)
    assert [i for i in found["items"] if i["value"]["thread_id"] == thread_id] == []


async def test_nobody_writes_or_deletes_the_trail(users_server: Served, ada: LangGraphClient) -> None:
    thread_id = await _approved_thread(ada)
    (item,) = [
        i for i in (await ada.store.search_items((AUDIT,), limit=100))["items"] if i["value"]["thread_id"] == thread_id
    ][:1]
    for attempt in (
        ada.store.put_item(tuple(item["namespace"]), item["key"], {"event": "forged"}),
        ada.store.delete_item(tuple(item["namespace"]), item["key"]),
        ada.store.put_item((AUDIT, "ada"), "new", {"event": "forged"}),
    ):
        with pytest.raises(httpx.HTTPStatusError) as refused:
            await attempt
        assert refused.value.response.status_code == 403
    assert await _trail(ada, thread_id) == ["requested", "answered"]
