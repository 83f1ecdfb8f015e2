"""The approvals route's state handed to the API guard: for that thread, once, within the block only."""

from __future__ import annotations

import asyncio

from server.known_state import known, taken

STATE = {"values": {}, "next": ["approval"]}


def test_the_guard_takes_the_routes_state_once_for_its_thread_only() -> None:
    assert taken("t1") is None
    with known("t1", STATE):
        assert taken("t2") is None  # another thread's run reads its own
        assert taken("t1") is STATE
        assert taken("t1") is None  # any second request within reads the state itself
    with known("t1", STATE):
        pass
    assert taken("t1") is None


async def test_a_request_in_a_task_of_its_own_sees_no_state() -> None:
    """Each request from outside runs in a task with a context of its own (as the server's are)."""
    started = asyncio.Event()

    async def another_request() -> object:
        await started.wait()
        return taken("t1")

    other = asyncio.create_task(another_request())  # (created before the route hands its state over)
    with known("t1", STATE):
        started.set()
        assert await other is None
        assert taken("t1") is STATE
