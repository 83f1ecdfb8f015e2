"""The contract, through a real `langgraph dev` and the SDK."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from langgraph_sdk.client import LangGraphClient
from langgraph_sdk.schema import Durability

from agent.contract import APPROVAL_NODE, GRAPH_ID, HITL_HISTORY, PENDING_HITL
from client.approvals import get_pending, inbox
from tests.support.runs import pause, resume_command
from tests.support.scripts import email, script
from tests.support.served import Served


@pytest.mark.parametrize("durability", ["sync", "async", "exit"])
async def test_pause_and_approve_under_each_durability_mode(
    served: Served, client: LangGraphClient, durability: Durability
) -> None:
    thread_id = await pause(client, script(email()), durability)
    thread = await client.threads.get(thread_id)
    assert thread["status"] == "interrupted"
    state = await client.threads.get_state(thread_id)
    assert state["next"] == [APPROVAL_NODE]
    pending = state["values"][PENDING_HITL]  # type: ignore[call-overload]
    assert pending["action_requests"][0]["args"] == email()["args"]
    interrupted = [t.thread_id async for t in inbox(client)]
    assert thread_id in interrupted
    assert served.sent(thread_id) == []

    await client.runs.wait(
        thread_id, GRAPH_ID, command=resume_command(pending, {"type": "approve"}), durability=durability
    )
    state = await client.threads.get_state(thread_id)
    assert state["values"][PENDING_HITL] is None  # type: ignore[call-overload]
    assert len(state["values"][HITL_HISTORY]) == 1  # type: ignore[call-overload]
    assert (await client.threads.get(thread_id))["status"] == "idle"
    assert len(served.sent(thread_id)) == 1


async def test_a_turn_without_gated_calls_ends_idle(client: LangGraphClient) -> None:
    thread_id = await pause(client, "list files")
    assert (await client.threads.get(thread_id))["status"] == "idle"
    assert (await client.threads.get_state(thread_id))["values"][PENDING_HITL] is None  # type: ignore[call-overload]


async def test_refused_answer_keeps_the_thread_waiting(served: Served, client: LangGraphClient) -> None:
    thread_id = await pause(client, script(email()))
    pending = await get_pending(client, thread_id)
    assert pending is not None
    await client.runs.wait(thread_id, GRAPH_ID, command={"resume": {"request_id": "stale", "decisions": []}})
    after = await get_pending(client, thread_id)
    assert after is not None
    assert after.request["request_id"] == pending.request["request_id"]
    assert after.error is not None
    assert "is not the pending request" in after.error
    assert (await client.threads.get(thread_id))["status"] == "interrupted"
    assert (await client.threads.get_state(thread_id))["next"] == [APPROVAL_NODE]
    assert thread_id in [t.thread_id async for t in inbox(client)]

    await client.runs.wait(thread_id, GRAPH_ID, command=resume_command(pending.request, {"type": "approve"}))
    assert len(served.sent(thread_id)) == 1


async def test_two_answers_at_once_send_the_email_once(served: Served, client: LangGraphClient) -> None:
    thread_id = await pause(client, script(email()))
    pending = (await get_pending(client, thread_id)).request  # type: ignore[union-attr]
    command = resume_command(pending, {"type": "approve"})

    async def submit() -> object:
        return await client.runs.wait(thread_id, GRAPH_ID, command=command, multitask_strategy="reject")

    results = await asyncio.gather(submit(), submit(), return_exceptions=True)
    # The server refuses a second run on a busy thread (409); one that comes late finds no request.
    conflicts = [r for r in results if isinstance(r, httpx.HTTPStatusError) and r.response.status_code == 409]
    assert len(conflicts) <= 1, results
    assert not [r for r in results if isinstance(r, BaseException) and r not in conflicts], results
    state = await client.threads.get_state(thread_id)
    tool_messages = [m for m in state["values"]["messages"] if m["type"] == "tool"]  # type: ignore[call-overload]
    assert len(tool_messages) == 1
    assert len(state["values"][HITL_HISTORY]) == 1  # type: ignore[call-overload]
    assert len(served.attempts(thread_id)) == 1


async def test_answering_again_later_sends_nothing_more(served: Served, client: LangGraphClient) -> None:
    thread_id = await pause(client, script(email()))
    pending = (await get_pending(client, thread_id)).request  # type: ignore[union-attr]
    command = resume_command(pending, {"type": "approve"})
    await client.runs.wait(thread_id, GRAPH_ID, command=command)
    await client.runs.wait(thread_id, GRAPH_ID, command=command)
    assert len(served.attempts(thread_id)) == 1
    assert len((await client.threads.get_state(thread_id))["values"][HITL_HISTORY]) == 1  # type: ignore[call-overload]


async def test_inbox_pages_through_every_waiting_thread(client: LangGraphClient) -> None:
    waiting = {await pause(client, script(email(to=f"p{i}@example.com"))) for i in range(3)}
    idle = await pause(client, "hello")
    listed = [t.thread_id async for t in inbox(client, page_size=2)]
    assert waiting <= set(listed)
    assert idle not in listed
    assert len(listed) == len(set(listed))
