"""Measures through a real `langgraph dev`: pause, resume and concurrent approvals.

The server serves four graphs side by side: the template's `agent` and
`agent_interrupt`, the same agent with deepagents' built-in gate (`builtin`,
`bench/graphs.py`), and a one-node `floor`, the server's own cost of a run.
Ratios divide by one of them.
"""

from __future__ import annotations

import asyncio
import functools
import statistics
import time
from collections.abc import Awaitable, Callable

from langgraph_sdk.client import LangGraphClient
from langgraph_sdk.schema import Command

from agent.approval.contract import PENDING_HITL
from agent.settings import LOCAL_TOKEN
from bench.cycles import BUILTIN, TEMPLATE_GATES, Gate, approval
from client.approvals import connect, user_message
from harness.scripts import email, script

POLL_S = 0.005
WAIT_S = 60.0
FLOOR = "floor"
EXTRA_GRAPHS = {BUILTIN: "bench/graphs.py:builtin", FLOOR: "bench/graphs.py:floor"}


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
    state = await client.threads.get_state(thread_id) if gate != BUILTIN else None
    request = state["values"][PENDING_HITL] if state and isinstance(state["values"], dict) else None
    return {"resume": approval(gate, request)}


async def pause_and_resume(url: str, rounds: int) -> dict[str, float]:
    """Median ms: a floor run; per template graph, until a fresh client sees the request, and resume until idle."""
    writer, fresh = connect(url, LOCAL_TOKEN), connect(url, LOCAL_TOKEN)
    floor: list[float] = []
    paused: dict[Gate, list[float]] = {gate: [] for gate in TEMPLATE_GATES}
    resumed: dict[Gate, list[float]] = {gate: [] for gate in TEMPLATE_GATES}
    try:
        for _ in range(rounds):
            thread_id = (await writer.threads.create())["thread_id"]
            started = time.perf_counter()
            await writer.runs.create(thread_id, FLOOR, input={})
            await _until(functools.partial(_status_is, fresh, thread_id, "idle"))
            floor.append(time.perf_counter() - started)

            for gate in TEMPLATE_GATES:
                thread_id = (await writer.threads.create())["thread_id"]
                started = time.perf_counter()
                await writer.runs.create(thread_id, gate, input=user_message(script(email())))
                await _until(functools.partial(_pending, fresh, thread_id))
                paused[gate].append(time.perf_counter() - started)
                await _until(functools.partial(_status_is, fresh, thread_id, "interrupted"))

                command = await _approval(fresh, gate, thread_id)
                started = time.perf_counter()
                await writer.runs.create(thread_id, gate, command=command)
                await _until(functools.partial(_status_is, fresh, thread_id, "idle"))
                resumed[gate].append(time.perf_counter() - started)
    finally:
        await writer.aclose()
        await fresh.aclose()
    result = {"floor_ms": statistics.median(floor) * 1000}
    for gate in TEMPLATE_GATES:
        result[f"pause_ms[{gate}]"] = statistics.median(paused[gate]) * 1000
        result[f"resume_ms[{gate}]"] = statistics.median(resumed[gate]) * 1000
    return result


async def approvals_per_second(url: str, gate: Gate, threads: int) -> float:
    """Pause `threads` threads, then approve them all at once: approvals per second."""
    graph_id: str = gate  # the gates are served under their own names
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
