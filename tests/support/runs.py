"""Driving a thread over the SDK the way a new user would: `runs.wait`, then a resume."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest
from langgraph_sdk.client import LangGraphClient
from langgraph_sdk.schema import Command, Durability

from agent.approval.contract import GRAPH_ID, PendingRequest, resume_for
from client.approvals import create_thread, get_pending, user_message
from harness.scripts import email, script

APPROVE: dict[str, Any] = {"type": "approve"}


async def pause(
    client: LangGraphClient, text: str | None = None, durability: Durability = "sync", graph_id: str = GRAPH_ID
) -> str:
    """A new thread, run on `text` (default: one scripted email) until it waits or ends; its id."""
    thread_id = await create_thread(client, graph_id)
    message = user_message(text or script(email()))
    await client.runs.wait(thread_id, graph_id, input=message, durability=durability)
    return thread_id


async def waiting(
    client: LangGraphClient, graph_id: str = GRAPH_ID, text: str | None = None
) -> tuple[str, PendingRequest]:
    """A new thread paused on `text` (default: one scripted email): its id and its pending request."""
    thread_id = await pause(client, text, graph_id=graph_id)
    pending = await get_pending(client, thread_id)
    assert pending is not None, f"nothing pending on {thread_id}"
    return thread_id, pending.request


def resume_command(request: PendingRequest, *decisions: dict[str, Any]) -> Command:
    """The command that answers `request` with `decisions` (default: approve its one call)."""
    return {"resume": resume_for(request, decisions or [APPROVE])}


async def answer(
    client: LangGraphClient,
    thread_id: str,
    *decisions: dict[str, Any],
    durability: Durability | None = None,
    graph_id: str = GRAPH_ID,
) -> None:
    """Answer the thread's pending request, which it must have, and wait for the run."""
    pending = await get_pending(client, thread_id)
    assert pending is not None, f"thread {thread_id} has no pending request"
    command = resume_command(pending.request, *decisions)
    await client.runs.wait(thread_id, graph_id, command=command, durability=durability)


Attempt = Callable[[], Awaitable[Any]]


def thread_endpoints(
    client: LangGraphClient, thread_id: str, run_id: str, graph_id: str, command: Any
) -> dict[str, Attempt]:
    """Every SDK call on one thread and its run, as `client` makes it (`command` for the runs)."""
    return {
        "get": lambda: client.threads.get(thread_id),
        "get_state": lambda: client.threads.get_state(thread_id, subgraphs=True),
        "get_history": lambda: client.threads.get_history(thread_id),
        "update": lambda: client.threads.update(thread_id, metadata={"x": 1}),
        "delete": lambda: client.threads.delete(thread_id),
        "copy": lambda: client.threads.copy(thread_id),
        "update_state": lambda: client.threads.update_state(thread_id, {"messages": []}),
        "runs.list": lambda: client.runs.list(thread_id),
        "runs.get": lambda: client.runs.get(thread_id, run_id),
        "runs.cancel": lambda: client.runs.cancel(thread_id, run_id),
        "runs.join": lambda: client.runs.join(thread_id, run_id),
        "runs.wait": lambda: client.runs.wait(thread_id, graph_id, command=command),
        "runs.create": lambda: client.runs.create(thread_id, graph_id, command=command),
    }


async def assert_refused(attempts: dict[str, Attempt]) -> None:
    """Each attempt is refused: 403, or 404 as if the thread did not exist."""
    for name, attempt in attempts.items():
        with pytest.raises(httpx.HTTPStatusError) as refused:
            await attempt()
        assert refused.value.response.status_code in (403, 404), name
