"""The audit trail: every request and what became of it, in LangGraph's store.

The gate appends one record per event, keyed so that a step that runs again writes
the same record again instead of a second one:

- `requested`: a request became pending (who asked, the tools, a digest of the args);
- `answered`: decisions applied (who, the decisions, a digest of the args that run);
- `refused`: an answer refused, and why;
- `dismissed`, `expired`: closed without a decision.

Records live in the store (the server's own persistence: PostgreSQL on a real
deployment), under `("hitl_audit", <thread owner>)`, not in the thread, so deleting
a thread leaves its trail. Through the API a user may read their own records
(`agent/auth.py`); nobody may write or delete them. Export with
`python -m client audit`.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Mapping, Sequence
from typing import Any, Final, Literal, NotRequired, TypedDict

from langgraph.config import get_config
from langgraph.store.base import BaseStore

from agent import clock
from agent.approvers import current_user
from agent.contract import HITL_HISTORY, PENDING_HITL, SUBAGENT, TASK_CALL_ID, HistoryEntry, PendingRequest

AUDIT: Final = "hitl_audit"
"""The store namespace's first part; the second is the thread owner."""

LOCAL_OWNER: Final = "local"
"""The owner recorded when the graph runs without a server's auth (in-process)."""

Event = Literal["requested", "answered", "refused", "dismissed", "expired"]


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
    subagent: NotRequired[str]
    task_call_id: NotRequired[str]


def namespace(owner: str) -> tuple[str, str]:
    return (AUDIT, owner)


def digest(args: Mapping[str, Any]) -> str:
    return hashlib.sha256(json.dumps(args, sort_keys=True, default=str).encode()).hexdigest()


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
    )
    for key in (SUBAGENT, TASK_CALL_ID):
        if key in request:
            record[key] = request[key]
    return record


def requested(request: PendingRequest) -> list[AuditRecord]:
    """The record of a request the model's step made pending."""
    return [_record("requested", request, {a["tool_call_id"]: a["args"] for a in request["action_requests"]})]


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
    event: Event = "dismissed" if kinds[0] == "dismiss" else "expired" if kinds[0] == "expire" else "answered"
    ran = {
        action["tool_call_id"]: (d.get("edited_action") or {}).get("args", action["args"])
        for action, d in zip(entry["action_requests"], entry["decisions"], strict=True)
        if d.get("type") in ("approve", "edit")
    }
    record = _record(event, pending, ran)
    record["decisions"] = kinds
    return [record]


def refused_by_api(request: PendingRequest, thread_id: str, owner: str, who: str | None, why: str) -> AuditRecord:
    """The record of an answer the API refused before the graph saw it (`agent/api_guard.py`)."""
    record = _record("refused", request, {}, (thread_id, owner, who))
    record["error"] = why
    return record


def key(record: AuditRecord) -> str:
    """The record's key in its namespace (`namespace(record["owner"])`).

    A step that runs again writes the same key; refusals can repeat, so each is its own.
    """
    repeat = f"/{uuid.uuid4().hex[:8]}" if record["event"] == "refused" else ""
    return f"{record['thread_id']}/{record['request_id']}/{record['event']}{repeat}"


def write(store: BaseStore, records: Sequence[AuditRecord]) -> None:
    """Append `records` (the gate calls it only when the graph has a store: without one, no trail)."""
    for record in records:
        store.put(namespace(record["owner"]), key(record), dict(record), index=False)


async def awrite(store: BaseStore, records: Sequence[AuditRecord]) -> None:
    for record in records:
        await store.aput(namespace(record["owner"]), key(record), dict(record), index=False)
