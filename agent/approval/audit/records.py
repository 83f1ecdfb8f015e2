"""The audit trail's records: what each event says, and the key it is written under.

What the records are and how they are kept: `agent.approval.audit`. Made here from the
request and the run (`requested`, `decided`, `cancelled`, `refused_by_api`);
written and read by `agent.approval.audit.trail`.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Final, Literal, NotRequired, TypedDict, cast

from langgraph.config import get_config

from agent.approval import clock
from agent.approval.approvers import current_user, requester
from agent.approval.binding import ran_args
from agent.approval.contract import (
    AUDIT,
    CANCEL,
    HITL_HISTORY,
    PENDING_HITL,
    SUBAGENT,
    HistoryEntry,
    PendingRequest,
    store_label,
    with_origin,
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
    it waits, the parent closes it from here (`agent.approval.abandoned`)."""
    entry: NotRequired[HistoryEntry]
    """A subagent's request's history entry as its gate wrote it (its ending only): if the subagent
    is stopped before it reports back, the parent records the entry from here."""


def namespace(owner: str) -> tuple[str, str]:
    """The namespace of `owner`'s trail (a "." in the name is stored as "%2E": `store_label`)."""
    return (AUDIT, store_label(owner))


def digest(args: Mapping[str, Any]) -> str:
    return hashlib.sha256(json.dumps(args, sort_keys=True, default=str).encode()).hexdigest()


def current_run() -> str | None:
    """The id of the server's run this step belongs to (`None` in-process, or outside a run)."""
    try:
        run_id = (get_config().get("configurable") or {}).get("run_id")
    except RuntimeError:
        return None
    return str(run_id) if run_id else None


def context() -> tuple[str, str, str | None]:
    """The thread, its owner and the signed-in user of the run, from LangGraph's config."""
    try:
        config = get_config()
    except RuntimeError:
        return "", LOCAL_OWNER, None
    owner = requester() or LOCAL_OWNER  # (the thread's owner: whoever answers)
    return str((config.get("configurable") or {}).get("thread_id", "")), owner, current_user().identity


def _record(
    event: Event,
    request: PendingRequest,
    args: Mapping[str, Mapping[str, Any]],
    given: tuple[str, str, str | None] | None = None,
) -> AuditRecord:
    thread_id, owner, who = given or context()
    record = AuditRecord(
        event=event,
        at=clock.now().isoformat(timespec="microseconds"),  # fine enough to order a thread's records
        thread_id=thread_id,
        owner=owner,
        request_id=request["request_id"],
        who=who,
        tools=[action["name"] for action in request["action_requests"]],
        args_digest={call_id: digest(call_args) for call_id, call_args in args.items()},
        run_id=current_run() if given is None else None,
    )
    return with_origin(record, request)


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
    if SUBAGENT in pending:
        record["entry"] = entry
    return [record]


def cancelled(request: PendingRequest) -> AuditRecord:
    """The record of a request closed as cancelled outside the approval node (`agent.approval.abandoned`)."""
    record = _record("cancelled", request, {})
    record["decisions"] = [CANCEL for _ in request["action_requests"]]
    return record


THREAD_DELETED: Final = "its thread was deleted while it waited"


def thread_deleted(requested: AuditRecord, who: str | None) -> AuditRecord:
    """The ending of a request whose thread was deleted while it waited (`server/deleted_threads.py`),
    made from its `requested` record (the thread, and so the request, is gone)."""
    record = AuditRecord(
        event="cancelled",
        at=clock.now().isoformat(timespec="microseconds"),
        thread_id=requested["thread_id"],
        owner=requested["owner"],
        request_id=requested["request_id"],
        who=who,
        tools=list(requested["tools"]),
        args_digest={},
        run_id=None,
    )
    record["decisions"] = [CANCEL for _ in requested["tools"]]
    record["error"] = THREAD_DELETED
    return with_origin(record, cast("PendingRequest", requested))  # (a subagent's: the same origin keys)


def unended(records: Iterable[Mapping[str, Any]]) -> list[AuditRecord]:
    """Of `records` (a trail's, in any order), the `requested` ones of requests with no ending among them."""
    asked: dict[tuple[str, str], AuditRecord] = {}
    ended: set[tuple[str, str]] = set()
    for record in records:
        where = (str(record.get("thread_id")), str(record.get("request_id")))
        if record.get("event") == "requested":
            asked[where] = cast("AuditRecord", record)
        elif record.get("event") in ENDINGS:
            ended.add(where)
    return [record for where, record in asked.items() if where not in ended]


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
