"""The audit trail in LangGraph's store: each record written once, a request's ending read back.

A record whose key exists is never written again (`write`); the approval node reads
a request's ending before it decides (`ending`); refusals stop at `MAX_REFUSALS` per
request. Records and keys: `agent.approval.audit.records`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final, cast

from langgraph.store.base import BaseStore, GetOp, Item, PutOp, SearchOp

from agent.approval import waiting
from agent.approval.audit.records import ENDINGS, MAX_REFUSALS, AuditRecord, context, key, namespace
from agent.approval.contract import PendingRequest


def ending_keys(owner: str, thread_id: str, request_id: str) -> list[GetOp]:
    """Reads of each ending a request of `owner`'s thread may have (`len(ENDINGS)` of them)."""
    return [GetOp(namespace(owner), f"{thread_id}/{request_id}/{event}") for event in ENDINGS]


def _ending_ops(request: PendingRequest) -> list[GetOp]:
    thread_id, owner, _ = context()
    return ending_keys(owner, thread_id, request["request_id"])


MAX_PER_TASK: Final = 100
"""Requests read per subagent run (each waits for an answer before the next one)."""


def subagent_ops(task_call_ids: Sequence[str]) -> list[SearchOp]:
    """Reads of the requests the subagents that `task_call_ids` started made, in this thread."""
    thread_id, owner, _ = context()
    where = {"thread_id": thread_id, "event": "requested"}
    return [
        SearchOp(namespace(owner), filter={**where, "task_call_id": call_id}, limit=MAX_PER_TASK)
        for call_id in task_call_ids
    ]


def subagent_requests(found: Sequence[Any]) -> list[PendingRequest]:
    """The requests in what `subagent_ops` read."""
    return [item.value["request"] for items in found for item in items if "request" in item.value]


def ending_ops(requests: Sequence[PendingRequest]) -> list[GetOp]:
    """Reads of each request's ending, `len(ENDINGS)` per request."""
    return [op for request in requests for op in _ending_ops(request)]


def endings(requests: Sequence[object], found: Sequence[Any]) -> list[AuditRecord | None]:
    """Each request's ending in what `ending_ops(requests)` (or `ending_keys` for each) read (`None`: it has none)."""
    width = len(ENDINGS)
    return [_first(found[n * width : (n + 1) * width]) for n in range(len(requests))]


async def aunended(store: BaseStore, records: Sequence[AuditRecord]) -> list[AuditRecord]:
    """Those of `records` (`requested` ones) whose request has no ending in `store` now."""
    reads = [op for r in records for op in ending_keys(r["owner"], r["thread_id"], r["request_id"])]
    found = await store.abatch(reads) if reads else []
    return [r for r, ending in zip(records, endings(records, found), strict=True) if ending is None]


def _first(items: Sequence[Any]) -> AuditRecord | None:
    found = next((item for item in items if isinstance(item, Item)), None)
    return cast("AuditRecord", found.value) if found is not None else None


def ending(store: BaseStore, request: PendingRequest) -> AuditRecord | None:
    """How `request` ended, if its ending is on record (in the thread's run)."""
    return _first(store.batch(_ending_ops(request)))


async def aending(store: BaseStore, request: PendingRequest) -> AuditRecord | None:
    return _first(await store.abatch(_ending_ops(request)))


def _refusal_count_op(record: AuditRecord) -> SearchOp:
    where = {"thread_id": record["thread_id"], "request_id": record["request_id"], "event": "refused"}
    return SearchOp(namespace(record["owner"]), filter=where, limit=MAX_REFUSALS)


def _reads(records: Sequence[AuditRecord]) -> list[GetOp | SearchOp]:
    """Per record: whether its key is taken, and for a refusal how many its request has."""
    ops: list[GetOp | SearchOp] = [GetOp(namespace(r["owner"]), key(r)) for r in records]
    return ops + [_refusal_count_op(r) for r in records if r["event"] == "refused"]


def _put(record: AuditRecord) -> PutOp:
    return PutOp(namespace(record["owner"]), key(record), dict(record), index=False)


def _new_puts(records: Sequence[AuditRecord], found: Sequence[Any]) -> list[PutOp]:
    """The records not written yet, as puts (a refusal only while its request has fewer than MAX_REFUSALS)."""
    counts = iter(found[len(records) :])
    puts = []
    for record, existing in zip(records, found[: len(records)], strict=True):
        full = record["event"] == "refused" and len(next(counts)) >= MAX_REFUSALS
        if existing is None and not full:
            puts.append(_put(record))
    return puts


def _known_new(records: Sequence[AuditRecord], unended: bool) -> tuple[list[PutOp], list[AuditRecord]]:
    """With `unended` (the request's endings were just read, and none is written), its ending as a
    put with no second read of its key; and the records still to check."""
    if not unended:
        return [], list(records)
    return [_put(r) for r in records if r["event"] in ENDINGS], [r for r in records if r["event"] not in ENDINGS]


def _with_index(puts: list[PutOp], made: PendingRequest | None) -> list[PutOp]:
    """`puts` and, in the same batch, the index of waiting requests kept in step with them."""
    written = [cast("AuditRecord", put.value) for put in puts]
    return puts + waiting.index_ops(written, [made] if made else [])


def write(
    store: BaseStore, records: Sequence[AuditRecord], *, unended: bool = False, made: PendingRequest | None = None
) -> None:
    """Add `records`, each once (the gate calls it only when the graph has a store: without one, no trail);
    `made`: the request a `requested` record among them is of (for `agent.approval.waiting`)."""
    puts, rest = _known_new(records, unended)
    if rest:
        puts += _new_puts(rest, store.batch(_reads(rest)))
    if puts:
        store.batch(_with_index(puts, made))


async def awrite(
    store: BaseStore, records: Sequence[AuditRecord], *, unended: bool = False, made: PendingRequest | None = None
) -> None:
    puts, rest = _known_new(records, unended)
    if rest:
        puts += _new_puts(rest, await store.abatch(_reads(rest)))
    if puts:
        await store.abatch(_with_index(puts, made))
