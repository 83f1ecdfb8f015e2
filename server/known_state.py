"""A thread's state the approvals route has just read, handed to the API guard for the one run it sends next.

`POST /approvals/{thread}` reads the thread's state to refuse a bad answer before anything
runs, then sends the answer to the LangGraph API in-process, where `server.api_guard`
would read the same state again to check it. Within `known(thread_id, state)` the guard
takes that state instead. It is a context variable: the in-process client runs the API
in the route's own task, and every request from outside has a context of its own, so no
client can hand the guard a state.

    with known(thread_id, state):
        await api.post(f"/threads/{thread_id}/runs/wait", json=run)
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

_KNOWN: ContextVar[tuple[str, dict[str, Any]] | None] = ContextVar("known_state", default=None)


@contextmanager
def known(thread_id: str, state: dict[str, Any]) -> Iterator[None]:
    """Hand `state` (of `thread_id`, read a moment ago) to the API guard for the requests sent within."""
    token = _KNOWN.set((thread_id, state))
    try:
        yield
    finally:
        _KNOWN.reset(token)


def taken(thread_id: str) -> dict[str, Any] | None:
    """The state handed over for `thread_id`, once: a second request within reads its own."""
    held = _KNOWN.get()
    if held is None or held[0] != thread_id:
        return None
    _KNOWN.set(None)
    return held[1]
