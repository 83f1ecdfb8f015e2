"""Driving a thread over the SDK the way a new user would: `runs.wait`, then a resume."""

from __future__ import annotations

from typing import Any

from langgraph_sdk.client import LangGraphClient
from langgraph_sdk.schema import Command, Durability

from agent.contract import GRAPH_ID, PendingRequest, resume_for
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
