"""Lists the requests that waited before the index of waiting requests existed: an upgrade.

The gate writes a request's entry in the index (`agent.approval.waiting`) when the request
starts waiting. A request that started under an earlier version of the template, which kept
no index, has none, so no approver would find it in `GET /approvals`. So once per store,
in the background from the first request a server process serves (`server.approvals`
starts it), this walks the audit trail for requests with a `requested` record and no
ending, reads each one's thread (in-process, as the approvals routes do), writes the entry
of each request its thread still waits on, and then marks the store (`DONE`), so that it
never walks again. Cut short by a crash before the mark, it walks again: its writes are
the gate's own, under the same keys.

A request the graph ends meanwhile writes its ending and drops its entry; to not bring
back an entry the graph dropped just before this wrote it, this reads each written
request's ending afterwards and drops the entry of one that ended.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Sequence
from datetime import UTC, datetime
from typing import Final

from langgraph.store.base import BaseStore, GetOp, Item, PutOp, SearchItem
from starlette.types import ASGIApp

from agent.approval.approvers import User
from agent.approval.audit import ENDINGS, AuditRecord, namespace, unended
from agent.approval.contract import AUDIT, GRAPH_ID
from agent.approval.pending import pending_requests
from agent.approval.waiting import ENTRIES, REQUESTS, key, opened
from server.on_behalf import on_behalf
from server.waiting import served_store

DONE: Final = (("hitl_waiting_backfill",), "done")
"""Where the store says it was walked (namespace, key): nobody else reads or writes it."""
READER: Final = User("hitl-backfill", frozenset())
"""Whom the thread reads are on behalf of (the approvals routes' permission reads any thread)."""
PAGE: Final = 1000
DONE_LOG: Final = "approvers' index: walked the audit trail once; requests from before the index now listed: %d"

log = logging.getLogger(__name__)


async def _trail(store: BaseStore) -> AsyncIterator[SearchItem]:
    """Every record of every owner's trail, `PAGE` at a time (records are never deleted, and a new
    one comes first or last: an offset skips none)."""
    offset = 0
    while True:
        found = await store.asearch((AUDIT,), limit=PAGE, offset=offset)
        for item in found:
            yield item
        if len(found) < PAGE:
            return
        offset += len(found)


async def _unended(store: BaseStore) -> list[AuditRecord]:
    return unended([item.value async for item in _trail(store)])


def _entry_gets(records: Sequence[AuditRecord]) -> list[GetOp]:
    return [GetOp(ENTRIES, key(r["thread_id"], r["request_id"])) for r in records]


def _ending_gets(records: Sequence[AuditRecord]) -> list[GetOp]:
    return [
        GetOp(namespace(r["owner"]), f"{r['thread_id']}/{r['request_id']}/{event}")
        for r in records
        for event in ENDINGS
    ]


def _drops(records: Sequence[AuditRecord]) -> list[PutOp]:
    return [PutOp(where, key(r["thread_id"], r["request_id"]), None) for r in records for where in (ENTRIES, REQUESTS)]


async def _waiting_in(app: ASGIApp, records: Sequence[AuditRecord]) -> list[PutOp]:
    """The index's writes for those of `records` (one thread's) that its thread still waits on."""
    first = records[0]
    async with on_behalf(app, READER, first["owner"]) as api:
        state = await api.get(f"/threads/{first['thread_id']}/state", params={"subgraphs": "true"})
        thread = await api.get(f"/threads/{first['thread_id']}")
    if state.status_code != 200 or thread.status_code != 200:
        return []  # (a thread deleted: its requests wait no more)
    graph_id = str((thread.json().get("metadata") or {}).get("graph_id") or GRAPH_ID)
    pending = {request["request_id"]: request for request in pending_requests(state.json())}
    return [op for r in records if (request := pending.get(r["request_id"])) for op in opened(r, request, graph_id)]


async def backfill(app: ASGIApp, store: BaseStore) -> int | None:
    """Write the index's entries of the requests that wait without one, once per store (see the
    module doc); how many were written (`None`: the store was walked before)."""
    if await store.aget(*DONE) is not None:
        return None
    records = await _unended(store)
    found = await store.abatch(_entry_gets(records))
    missing = [record for record, entry in zip(records, found, strict=True) if entry is None]
    by_thread: dict[str, list[AuditRecord]] = {}
    for record in missing:
        by_thread.setdefault(record["thread_id"], []).append(record)
    written: list[AuditRecord] = []
    for same_thread in by_thread.values():
        if ops := await _waiting_in(app, same_thread):
            await store.abatch(ops)
            listed = {str(op.key) for op in ops}
            written += [r for r in same_thread if key(r["thread_id"], r["request_id"]) in listed]
    endings = await store.abatch(_ending_gets(written)) if written else []
    width = len(ENDINGS)
    ended = [r for n, r in enumerate(written) if any(isinstance(e, Item) for e in endings[n * width : (n + 1) * width])]
    if ended:
        await store.abatch(_drops(ended))
    await store.aput(*DONE, {"at": datetime.now(UTC).isoformat(), "listed": len(written) - len(ended)})
    return len(written) - len(ended)


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
            log.info(DONE_LOG, listed)
