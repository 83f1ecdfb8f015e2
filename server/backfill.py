"""Lists the requests that waited before the index of waiting requests existed: an upgrade.

The gate writes a request's entry in the index (`agent.approval.waiting`) when the request
starts waiting. A request that started under an earlier version of the template, which kept
no index, has none, so no approver would find it in `GET /approvals`. So once per store,
in the background from the first request a server process serves (`server.approvals`
starts it), this walks the audit trail for requests with a `requested` record and no
ending, reads each one's thread (in-process, as the approvals routes do), writes the entry
of each request its thread still waits on, and then marks the store (`DONE`), so that it
never walks again. A thread that cannot be read (any answer but 404, which is a thread
deleted) is logged and left for the next process, which walks again, as after a crash before
the mark: its writes are the gate's own, under the same keys. It reads every `requested`
record at once, and two reads per thread of a request with no entry and no ending.

A request the graph ends meanwhile writes its ending and drops its entry; to not bring
back an entry the graph dropped just before this wrote it, this reads each written
request's ending afterwards and drops the entry of one that ended.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Final, cast
from urllib.parse import quote

from langgraph.store.base import BaseStore, GetOp, PutOp
from starlette.types import ASGIApp

from agent.approval.approvers import User
from agent.approval.audit import AuditRecord, aunended
from agent.approval.contract import AUDIT, GRAPH_ID
from agent.approval.pending import pending_requests
from agent.approval.waiting import ENTRIES, key, opened
from server.on_behalf import on_behalf
from server.waiting import MAX_WAITING, forget, served_store

DONE: Final = (("hitl_waiting_backfill",), "done")
"""Where the store says it was walked (namespace, key): nobody else reads or writes it."""
READER: Final = User("hitl-backfill", frozenset())
"""Whom the thread reads are on behalf of (the approvals routes' permission reads any thread)."""
DONE_LOG: Final = (
    "approvers' index: walked the audit trail; requests from before the index now listed: %d; threads not read: %d"
)

UNREAD_LOG: Final = "approvers' index: could not read thread %s (%s); the next process tries again"

log = logging.getLogger(__name__)


async def _asked(store: BaseStore) -> list[AuditRecord]:
    """Every `requested` record of every owner's trail, in one read (a store that orders by the
    time of writing, as PostgreSQL's does, could skip some between pages read by offset)."""
    found = await store.asearch((AUDIT,), filter={"event": "requested"}, limit=MAX_WAITING)
    return [cast("AuditRecord", item.value) for item in found]


def _where(record: AuditRecord) -> str:
    """The index's key of the request `record` is of."""
    return key(record["thread_id"], record["request_id"])


class Unread(Exception):
    """A thread that could not be read (not one that is gone: that one's requests wait no more)."""


async def _waiting_in(app: ASGIApp, records: Sequence[AuditRecord]) -> list[PutOp]:
    """The index's writes for those of `records` (one thread's) that its thread still waits on;
    raises `Unread`."""
    thread_id = records[0]["thread_id"]
    where = quote(thread_id, safe="")
    async with on_behalf(app, READER, records[0]["owner"]) as api:
        state = await api.get(f"/threads/{where}/state", params={"subgraphs": "true"})
        if state.status_code == 404:
            return []  # (deleted: its requests wait no more)
        thread = await api.get(f"/threads/{where}")
    if state.status_code != 200 or thread.status_code != 200:
        raise Unread(f"thread {thread_id}: {state.status_code} {state.text[:200]}")
    graph_id = str((thread.json().get("metadata") or {}).get("graph_id") or GRAPH_ID)
    pending = {request["request_id"]: request for request in pending_requests(state.json())}
    return [op for r in records if (request := pending.get(r["request_id"])) for op in opened(r, request, graph_id)]


async def backfill(app: ASGIApp, store: BaseStore) -> tuple[int, int] | None:
    """Write the index's entries of the requests that wait without one, once per store (see the
    module doc): how many were written, and how many threads could not be read (the store is
    marked walked only when none); `None`: the store was walked before."""
    if await store.aget(*DONE) is not None:
        return None
    asked = await _asked(store)
    entries = await store.abatch([GetOp(ENTRIES, _where(r)) for r in asked])
    by_thread: dict[str, list[AuditRecord]] = {}
    for record in await aunended(store, [r for r, entry in zip(asked, entries, strict=True) if entry is None]):
        by_thread.setdefault(record["thread_id"], []).append(record)
    written: list[AuditRecord] = []
    unread = 0
    for thread_id, same_thread in by_thread.items():
        try:
            ops = await _waiting_in(app, same_thread)
        except Exception as failed:  # (one thread's failure stops no other's)
            log.warning(UNREAD_LOG, thread_id, failed)
            unread += 1
            continue
        if ops:
            await store.abatch(ops)
            listed = {str(op.key) for op in ops}
            written += [r for r in same_thread if _where(r) in listed]
    still = {_where(r) for r in await aunended(store, written)}
    ended = [r for r in written if _where(r) not in still]
    for record in ended:
        await forget(record["thread_id"], record["request_id"])  # (the graph ended it meanwhile)
    if not unread:
        await store.aput(*DONE, {"at": datetime.now(UTC).isoformat(), "listed": len(written) - len(ended)})
    return len(written) - len(ended), unread


class Backfill:
    """Runs `backfill` once in this process, in the background (`start` is called per request)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.task: asyncio.Task[None] | None = None

    def start(self) -> None:
        if self.task is None:
            self.task = asyncio.create_task(self._run(), name="hitl-backfill")

    async def _run(self) -> None:
        try:
            listed = await backfill(self.app, await served_store())
        except Exception:  # the routes go on without it; the next process tries again
            log.exception("could not list the requests that waited before the approvers' index")
            return
        if listed is not None:  # (once per store: a store walked before says nothing)
            log.info(DONE_LOG, *listed)
