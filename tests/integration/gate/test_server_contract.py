"""The contract, through a real `langgraph dev` and the SDK, on both graph ids.

`agent` pauses at a static breakpoint (no interrupt value); `agent_interrupt`
pauses on an interrupt whose value is the request. Everything else is the same.
"""

from __future__ import annotations

import asyncio
from typing import Any, cast

import httpx
import pytest
from langgraph_sdk.client import LangGraphClient
from langgraph_sdk.schema import Durability

from agent.approval.contract import APPROVAL_NODE, GRAPH_ID, GRAPH_IDS, HITL_HISTORY, PENDING_HITL, PendingRequest
from client.approvals import get_pending, inbox
from harness.scripts import email, script
from tests.support.runs import pause, resume_command
from tests.support.served import Served


@pytest.fixture(params=GRAPH_IDS)
def graph_id(request: pytest.FixtureRequest) -> str:
    return str(request.param)


async def _assert_paused(client: LangGraphClient, thread_id: str, graph_id: str) -> PendingRequest:
    """The thread waits at the approval node, in its graph's kind of pause; its request."""
    assert (await client.threads.get(thread_id))["status"] == "interrupted"
    state = cast("dict[str, Any]", await client.threads.get_state(thread_id))
    assert state["next"] == [APPROVAL_NODE]
    pending: PendingRequest = state["values"][PENDING_HITL]
    interrupts = [i["value"] for task in state["tasks"] for i in task["interrupts"]]
    assert interrupts == ([] if graph_id == GRAPH_ID else [pending])
    return pending


@pytest.mark.parametrize("durability", ["sync", "async", "exit"])
async def test_pause_and_approve_under_each_durability_mode(
    served: Served, client: LangGraphClient, graph_id: str, durability: Durability
) -> None:
    thread_id = await pause(client, script(email()), durability, graph_id)
    pending = await _assert_paused(client, thread_id, graph_id)
    assert pending["action_requests"][0]["args"] == email()["args"]
    assert "error" not in pending
    interrupted = [t.thread_id async for t in inbox(client)]
    assert thread_id in interrupted
    assert served.sent(thread_id) == []

    await client.runs.wait(
        thread_id, graph_id, command=resume_command(pending, {"type": "approve"}), durability=durability
    )
    state = await client.threads.get_state(thread_id)
    assert state["values"][PENDING_HITL] is None  # type: ignore[call-overload]
    assert len(state["values"][HITL_HISTORY]) == 1  # type: ignore[call-overload]
    assert (await client.threads.get(thread_id))["status"] == "idle"
    assert len(served.sent(thread_id)) == 1


async def test_a_turn_without_gated_calls_ends_idle(client: LangGraphClient, graph_id: str) -> None:
    thread_id = await pause(client, "list files", graph_id=graph_id)
    assert (await client.threads.get(thread_id))["status"] == "idle"
    assert (await client.threads.get_state(thread_id))["values"][PENDING_HITL] is None  # type: ignore[call-overload]


async def test_refused_answers_keep_the_same_pause_until_a_valid_one(
    served: Served, client: LangGraphClient, graph_id: str
) -> None:
    thread_id = await pause(client, script(email()), graph_id=graph_id)
    first = await _assert_paused(client, thread_id, graph_id)
    # (what only the graph can judge, its tools' schemas: an answer of the wrong shape, or for no
    # pending request, is a 4xx before it runs: tests/integration/server/test_http_errors.py)
    args = first["action_requests"][0]["args"]

    def edit(**changed: Any) -> dict[str, Any]:
        return {"type": "edit", "edited_action": {"name": "send_email", "args": {**args, **changed}}}

    refusals = [
        ({"request_id": first["request_id"], "decisions": [edit(bcc="eve@example.com")]}, "takes no argument 'bcc'"),
        ({"request_id": first["request_id"], "decisions": [edit(to=5)]}, "to: Input should be a valid string"),
    ]
    for bad, phrase in refusals:
        await client.runs.wait(thread_id, graph_id, command={"resume": bad})
        after = await _assert_paused(client, thread_id, graph_id)  # same node, same kind of pause
        assert after["request_id"] == first["request_id"]
        assert phrase in after["error"]  # each refusal replaces the last one's error
        assert (await client.threads.get_state(thread_id))["values"][HITL_HISTORY] == []  # type: ignore[call-overload]
        assert thread_id in [t.thread_id async for t in inbox(client)]
    assert served.attempts(thread_id) == []

    await client.runs.wait(thread_id, graph_id, command=resume_command(first, {"type": "approve"}))
    values = (await client.threads.get_state(thread_id))["values"]
    assert values[PENDING_HITL] is None  # type: ignore[call-overload]
    assert len(served.sent(thread_id)) == 1


async def test_decisions_alone_answer_the_pending_request(
    served: Served, client: LangGraphClient, graph_id: str
) -> None:
    """langchain's HITLResponse, `{"decisions": [...]}`, what HITL UIs send."""
    thread_id = await pause(client, script(email()), graph_id=graph_id)
    await client.runs.wait(thread_id, graph_id, command={"resume": {"decisions": [{"type": "approve"}]}})
    assert (await client.threads.get(thread_id))["status"] == "idle"
    assert len(served.sent(thread_id)) == 1


async def test_two_answers_at_once_send_the_email_once(served: Served, client: LangGraphClient, graph_id: str) -> None:
    thread_id = await pause(client, script(email()), graph_id=graph_id)
    pending = (await get_pending(client, thread_id)).request  # type: ignore[union-attr]
    command = resume_command(pending, {"type": "approve"})

    async def submit() -> object:
        return await client.runs.wait(thread_id, graph_id, command=command, multitask_strategy="reject")

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


async def test_answering_again_later_sends_nothing_more(served: Served, client: LangGraphClient, graph_id: str) -> None:
    thread_id = await pause(client, script(email()), graph_id=graph_id)
    pending = (await get_pending(client, thread_id)).request  # type: ignore[union-attr]
    command = resume_command(pending, {"type": "approve"})
    await client.runs.wait(thread_id, graph_id, command=command)
    with pytest.raises(httpx.HTTPStatusError) as refused:  # nothing is pending any more: said in one line
        await client.runs.wait(thread_id, graph_id, command=command)
    assert refused.value.response.status_code == 409
    assert "Nothing is pending" in refused.value.response.json()["detail"]
    assert len(served.attempts(thread_id)) == 1
    assert len((await client.threads.get_state(thread_id))["values"][HITL_HISTORY]) == 1  # type: ignore[call-overload]
    assert (await client.threads.get(thread_id))["status"] == "idle"


async def test_inbox_pages_through_every_waiting_thread(client: LangGraphClient, graph_id: str) -> None:
    waiting = {await pause(client, script(email(to=f"p{i}@example.com")), graph_id=graph_id) for i in range(3)}
    idle = await pause(client, "hello", graph_id=graph_id)
    listed = [t.thread_id async for t in inbox(client, page_size=2)]
    assert waiting <= set(listed)
    assert idle not in listed
    assert len(listed) == len(set(listed))
