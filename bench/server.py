"""Measures through a real `langgraph dev`: pause, resume and concurrent approvals.

The server serves three graphs side by side (`bench/graphs.py`): the template's
`agent`, the same agent with deepagents' built-in gate (`builtin`), and a
one-node `floor`, the server's own cost of a run. Ratios divide by one of them.
"""

from __future__ import annotations

import asyncio
import functools
import statistics
import time
from collections.abc import Awaitable, Callable

from langgraph_sdk.client import LangGraphClient
from langgraph_sdk.schema import Command

from agent.contract import GRAPH_ID, PENDING_HITL
from agent.settings import LOCAL_TOKEN
from bench.cycles import Gate, approval
from client.approvals import connect, user_message
from tests.support.scripts import email, script

POLL_S = 0.005
WAIT_S = 60.0
BUILTIN, FLOOR = "builtin", "floor"
EXTRA_GRAPHS = {BUILTIN: "bench/graphs.py:builtin", FLOOR: "bench/graphs.py:floor"}
GRAPH_IDS: dict[Gate, str] = {"template": GRAPH_ID, "builtin": BUILTIN}


async def _until(check: Callable[[], Awaitable[bool]]) -> None:
    async with asyncio.timeout(WAIT_S):
        # Polling is the point: this is how a fresh client notices a change on the server.
        while not await check():  # noqa: ASYNC110
            await asyncio.sleep(POLL_S)


async def _status_is(client: LangGraphClient, thread_id: str, status: str) -> bool:
    return (await client.threads.get(thread_id))["status"] == status


async def _pending(client: LangGraphClient, thread_id: str) -> bool:
    values = (await client.threads.get_state(thread_id))["values"]
    return isinstance(values, dict) and bool(values.get(PENDING_HITL))


async def _approval(client: LangGraphClient, gate: Gate, thread_id: str) -> Command:
    """The command approving the thread's pending call; the template's names its request."""
    state = await client.threads.get_state(thread_id) if gate == "template" else None
    request = state["values"][PENDING_HITL] if state and isinstance(state["values"], dict) else None
    return {"resume": approval(gate, request)}


async def pause_and_resume(url: str, rounds: int) -> dict[str, float]:
    """Median ms: a floor run; until a fresh client sees the request; resume until idle."""
    writer, fresh = connect(url, LOCAL_TOKEN), connect(url, LOCAL_TOKEN)
    floor, paused, resumed = [], [], []
    try:
        for _ in range(rounds):
            thread_id = (await writer.threads.create())["thread_id"]
            started = time.perf_counter()
            await writer.runs.create(thread_id, FLOOR, input={})
            await _until(functools.partial(_status_is, fresh, thread_id, "idle"))
            floor.append(time.perf_counter() - started)

            thread_id = (await writer.threads.create())["thread_id"]
            started = time.perf_counter()
            await writer.runs.create(thread_id, GRAPH_ID, input=user_message(script(email())))
            await _until(functools.partial(_pending, fresh, thread_id))
            paused.append(time.perf_counter() - started)
            await _until(functools.partial(_status_is, fresh, thread_id, "interrupted"))

            command = await _approval(fresh, "template", thread_id)
            started = time.perf_counter()
            await writer.runs.create(thread_id, GRAPH_ID, command=command)
            await _until(functools.partial(_status_is, fresh, thread_id, "idle"))
            resumed.append(time.perf_counter() - started)
    finally:
        await writer.aclose()
        await fresh.aclose()
    return {
        "floor_ms": statistics.median(floor) * 1000,
        "pause_ms": statistics.median(paused) * 1000,
        "resume_ms": statistics.median(resumed) * 1000,
    }


async def approvals_per_second(url: str, gate: Gate, threads: int) -> float:
    """Pause `threads` threads, then approve them all at once: approvals per second."""
    graph_id = GRAPH_IDS[gate]
    # More requests in flight than the SDK's 100 connections: let them wait for one.
    client = connect(url, LOCAL_TOKEN, timeout=(10, 600, 60, 600))
    try:
        ids = [str((await client.threads.create())["thread_id"]) for _ in range(threads)]
        await asyncio.gather(*(client.runs.wait(t, graph_id, input=user_message(script(email()))) for t in ids))
        commands = [await _approval(client, gate, t) for t in ids]
        started = time.perf_counter()
        await asyncio.gather(*(client.runs.wait(t, graph_id, command=c) for t, c in zip(ids, commands, strict=True)))
        elapsed = time.perf_counter() - started
        statuses = {(await client.threads.get(t))["status"] for t in ids}
        if statuses != {"idle"}:
            raise RuntimeError(f"after the approvals some threads are {statuses - {'idle'}}")
        return threads / elapsed
    finally:
        await client.aclose()
