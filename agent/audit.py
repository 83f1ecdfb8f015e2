"""The audit trail: every request and what became of it, in LangGraph's store.

The gate appends one record per event, keyed so that a step that runs again writes
the same record again instead of a second one:

- `requested`: a request became pending (who asked, the tools, a digest of the args);
- `answered`: decisions applied (who, the decisions, a digest of the args that run);
- `refused`: an answer refused, and why;
- `dismissed`, `expired`: closed without a decision;
- `cancelled`: something came first (a new message, input that changed the waiting
  call, or a request brought back from an earlier checkpoint).

Each request has at most one ending (`answered`, `dismissed`, `expired`, `cancelled`),
and records are written once: a record whose key exists is never written again
(`write`), and the approval node reads a request's ending before it decides
(`ending`), so a request decided once cannot be decided again from any checkpoint.
Refusals are keyed by who was refused and why, at most `MAX_REFUSALS` per request,
so one user's bad answers cannot flood another's trail.

Records live in the store (the server's own persistence: PostgreSQL on a real
deployment), under `("hitl_audit", <thread owner>)`, not in the thread, so deleting
a thread leaves its trail. Through the API a user may read their own records
(`server/auth.py`); nobody may write or delete them. Export with
`python -m client audit`.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from typing import Any, Final, Literal, NotRequired, TypedDict, cast

from langgraph.config import get_config
from langgraph.store.base import BaseStore, GetOp, Item, PutOp, SearchOp

from agent import clock
from agent.approvers import current_user
from agent.binding import ran_args
from agent.contract import (
    AUDIT,
    CANCEL,
    HITL_HISTORY,
    PENDING_HITL,
    SUBAGENT,
    TASK_CALL_ID,
    HistoryEntry,
    PendingRequest,
)

LOCAL_OWNER: Final = "local"
"""The owner recorded when the graph runs without a server's auth (in-process)."""

Event = Literal["requested", "answered", "refused", "dismissed", "expired", "cancelled"]

ENDINGS: Final[tuple[Event, ...]] = ("answered", "dismissed", "expired", "cancelled")
"""The events that end a request: each request has at most one."""

MAX_REFUSALS: Final = 20
"""Refusal records kept per request; later ones are not recorded."""

_EVENT_OF_KIND: Final[Mapping[str, Event]] = {"dismiss": "dismissed", "expire": "expired", "cancel": "cancelled"}


class AuditRecord(TypedDict):
    event: Event
    at: str
    thread_id: str
    owner: str
    request_id: str
    who: str | None
    """Who asked (`requested`) or answered; `None` without a server's auth."""
    tools: list[str]
    args_digest: dict[str, str]
    """Per tool call id: SHA-256 of the arguments asked for (`requested`) or that run (`answered`)."""
    decisions: NotRequired[list[str]]
    error: NotRequired[str]
    run_id: NotRequired[str | None]
    """The server's run that wrote it (`None` in-process): a step run again after a crash is the same run."""
    subagent: NotRequired[str]
    task_call_id: NotRequired[str]
    request: NotRequired[PendingRequest]
    """A subagent's request as it was made (`requested` only): if the subagent is stopped while
    it waits, the parent closes it from here (`agent.abandoned`)."""


def namespace(owner: str) -> tuple[str, str]:
    return (AUDIT, owner)


def digest(args: Mapping[str, Any]) -> str:
    return hashlib.sha256(json.dumps(args, sort_keys=True, default=str).encode()).hexdigest()


def current_run() -> str | None:
    """The id of the server's run this step belongs to (`None` in-process, or outside a run)."""
    try:
        run_id = (get_config().get("configurable") or {}).get("run_id")
    except RuntimeError:
        return None
    return str(run_id) if run_id else None


def _context() -> tuple[str, str, str | None]:
    """The thread, its owner and the signed-in user of the run, from LangGraph's config."""
    try:
        config = get_config()
    except RuntimeError:
        return "", LOCAL_OWNER, None
    identity = current_user().identity
    owner = (config.get("metadata") or {}).get("owner") or identity or LOCAL_OWNER
    return str((config.get("configurable") or {}).get("thread_id", "")), str(owner), identity


def _record(
    event: Event,
    request: PendingRequest,
    args: Mapping[str, Mapping[str, Any]],
    context: tuple[str, str, str | None] | None = None,
) -> AuditRecord:
    thread_id, owner, who = context or _context()
    record = AuditRecord(
        event=event,
        at=clock.now().isoformat(timespec="microseconds"),  # fine enough to order a thread's records
        thread_id=thread_id,
        owner=owner,
        request_id=request["request_id"],
        who=who,
        tools=[action["name"] for action in request["action_requests"]],
        args_digest={call_id: digest(call_args) for call_id, call_args in args.items()},
        run_id=current_run() if context is None else None,
    )
    for key in (SUBAGENT, TASK_CALL_ID):
        if key in request:
            record[key] = request[key]
    return record


def requested(request: PendingRequest) -> list[AuditRecord]:
    """The record of a request the model's step made pending."""
    record = _record("requested", request, {a["tool_call_id"]: a["args"] for a in request["action_requests"]})
    if SUBAGENT in request:
        record["request"] = request
    return [record]


def decided(pending: PendingRequest, update: Mapping[str, Any]) -> list[AuditRecord]:
    """The record of what the approval node did with an answer to `pending`."""
    refused: PendingRequest | None = update.get(PENDING_HITL)
    if refused and refused.get("error"):
        record = _record("refused", pending, {})
        record["error"] = str(refused["error"])
        return [record]
    entries: Sequence[HistoryEntry] = update.get(HITL_HISTORY) or []
    if not entries:
        return []
    entry = entries[0]
    kinds = [str(d.get("type")) for d in entry["decisions"]]
    event = _EVENT_OF_KIND.get(kinds[0], "answered")
    ran = {
        action["tool_call_id"]: ran_args(action, d)
        for action, d in zip(entry["action_requests"], entry["decisions"], strict=True)
        if d.get("type") in ("approve", "edit")
    }
    record = _record(event, pending, ran)
    record["decisions"] = kinds
    return [record]


def cancelled(request: PendingRequest) -> AuditRecord:
    """The record of a request closed as cancelled outside the approval node (`agent.abandoned`)."""
    record = _record("cancelled", request, {})
    record["decisions"] = [CANCEL for _ in request["action_requests"]]
    return record


def refused_by_api(request: PendingRequest, thread_id: str, owner: str, who: str | None, why: str) -> AuditRecord:
    """The record of an answer the API refused before the graph saw it (`server/api_guard.py`)."""
    record = _record("refused", request, {}, (thread_id, owner, who))
    record["error"] = why
    return record


def key(record: AuditRecord) -> str:
    """The record's key in its namespace (`namespace(record["owner"])`).

    A step that runs again writes the same key. A refusal is keyed by who was refused
    and why: the same refusal again is the same record.
    """
    base = f"{record['thread_id']}/{record['request_id']}/{record['event']}"
    if record["event"] != "refused":
        return base
    why = digest({"who": record["who"], "error": record.get("error")})[:16]
    return f"{base}/{why}"


def _ending_ops(request: PendingRequest) -> list[GetOp]:
    thread_id, owner, _ = _context()
    prefix = f"{thread_id}/{request['request_id']}"
    return [GetOp(namespace(owner), f"{prefix}/{event}") for event in ENDINGS]


MAX_PER_TASK: Final = 100
"""Requests read per subagent run (each waits for an answer before the next one)."""


def subagent_ops(task_call_ids: Sequence[str]) -> list[SearchOp]:
    """Reads of the requests the subagents that `task_call_ids` started made, in this thread."""
    thread_id, owner, _ = _context()
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


def unended(requests: Sequence[PendingRequest], found: Sequence[Any]) -> list[PendingRequest]:
    """The requests with no ending in what `ending_ops(requests)` read."""
    width = len(ENDINGS)
    return [r for n, r in enumerate(requests) if _first(found[n * width : (n + 1) * width]) is None]


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


def write(store: BaseStore, records: Sequence[AuditRecord], *, unended: bool = False) -> None:
    """Add `records`, each once (the gate calls it only when the graph has a store: without one, no trail)."""
    puts, rest = _known_new(records, unended)
    if rest:
        puts += _new_puts(rest, store.batch(_reads(rest)))
    if puts:
        store.batch(puts)


async def awrite(store: BaseStore, records: Sequence[AuditRecord], *, unended: bool = False) -> None:
    puts, rest = _known_new(records, unended)
    if rest:
        puts += _new_puts(rest, await store.abatch(_reads(rest)))
    if puts:
        await store.abatch(puts)
