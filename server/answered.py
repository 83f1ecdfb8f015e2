"""An approver's record of their answers: `GET /approvals/answered`.

An approver answers requests on other users' threads, which they cannot read, so after a
reload nothing would tell them what they decided and what became of it. The gate keeps
an entry for each request another user than its owner answered
(`agent.approval.waiting.answered_by`); this route lists the caller's newest `limit`
(default 10, at most 50), each with the request's history entry (who decided, when, what)
and what each call it let run returned, read from the thread in-process as
`POST /approvals/{thread}` answers:

    [{"thread_id", "owner", "graph_id", "request_id", "decided": <hitl_history entry>,
      "results": {tool_call_id: text}}]

Older entries than the newest `KEEP` are dropped when the list is read (the audit trail keeps
every record).
"""

from __future__ import annotations

import asyncio
import heapq
import json
from collections.abc import Mapping
from typing import Any, Final

from langgraph.store.base import PutOp, SearchItem
from starlette.types import ASGIApp

from agent.approval.approvers import User
from agent.approval.pending import history_of, tool_results
from agent.approval.waiting import answered_by, order
from server.http_body import off_the_loop
from server.on_behalf import on_behalf
from server.waiting import MAX_WAITING, limit_param, served_store

ROUTE: Final = "/approvals/answered"
DEFAULT_LIMIT: Final = 10
MAX_LIMIT: Final = 50
KEEP: Final = 200
"""Entries kept per approver: older ones are dropped when the list is read."""
READS_AT_ONCE: Final = 5
"""Threads' states read at the same time for one list."""


def limit_of(query: Mapping[str, str]) -> int:
    return limit_param(query, DEFAULT_LIMIT, MAX_LIMIT)


async def answered(app: ASGIApp, user: User, limit: int) -> list[dict[str, Any]]:
    """The newest `limit` requests `user` answered on other users' threads, each with its record."""
    if user.identity is None:
        return []
    store = await served_store()
    namespace = answered_by(user.identity)
    # All of them: the store API has no ordered read (the in-memory store lists the oldest first).
    found = [item for item in await store.asearch(namespace, limit=MAX_WAITING) if isinstance(item, SearchItem)]
    newest = heapq.nlargest(KEEP, found, key=lambda item: order(item.value))
    kept = {item.key for item in newest}
    gone = [item.key for item in found if item.key not in kept]
    limiter = asyncio.Semaphore(READS_AT_ONCE)

    async def record(entry: Mapping[str, Any]) -> dict[str, Any] | None:
        async with limiter:
            return await _record(app, user, entry)

    records = await asyncio.gather(*(record(item.value) for item in newest[:limit]), return_exceptions=True)
    listed = []
    for item, result in zip(newest[:limit], records, strict=True):
        if isinstance(result, LookupError):  # (its thread is gone)
            gone.append(item.key)
        elif isinstance(result, BaseException):
            raise result
        elif result is not None:
            listed.append(result)
    if gone:
        await store.abatch([PutOp(namespace, key, None) for key in gone])
    return listed


async def _record(app: ASGIApp, user: User, entry: Mapping[str, Any]) -> dict[str, Any] | None:
    """The entry's request's history entry and results; raises `LookupError` if its thread is gone."""
    thread_id, request_id = entry["thread_id"], entry["request_id"]
    async with on_behalf(app, user, entry["owner"]) as api:
        response = await api.get(f"/threads/{thread_id}/state", params={"subgraphs": "true"})
    if response.status_code == 404:
        raise LookupError(thread_id)
    state = await off_the_loop(json.loads, response.content) if response.status_code == 200 else {}
    entries = history_of(state, request_id)
    if not entries:
        return None
    return {
        "thread_id": thread_id,
        "owner": entry["owner"],
        "graph_id": entry["graph_id"],
        "request_id": request_id,
        "decided": entries[-1],
        "results": results_of(state, entries[-1]),
    }


def results_of(state: Mapping[str, Any], decided: Mapping[str, Any]) -> dict[str, str]:
    """What each call the answer `decided` (a history entry) let run returned, by tool call id."""
    calls = [a.get("tool_call_id") for a in decided.get("action_requests") or []] + [decided.get("task_call_id")]
    return tool_results(state, {str(call) for call in calls if call})
