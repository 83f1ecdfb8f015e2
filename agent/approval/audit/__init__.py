"""The audit trail: every request and what became of it, in LangGraph's store.

The gate appends one record per event, keyed so that a step that runs again writes
the same record again instead of a second one:

- `requested`: a request became pending (who asked, the tools, a digest of the args);
- `answered`: decisions applied (who, the decisions, a digest of the args that run);
- `refused`: an answer refused, and why;
- `dismissed`, `expired`: closed without a decision;
- `cancelled`: something came first (a new message, input that changed the waiting
  call, or a request brought back from an earlier checkpoint), or its thread was deleted
  while it waited (`who` deleted it; `error` says so).

Each request has at most one ending (`answered`, `dismissed`, `expired`, `cancelled`),
and records are written once: a record whose key exists is never written again
(`write`), and the approval node reads a request's ending before it decides
(`ending`), so a request decided once cannot be decided again from any checkpoint.
Refusals are keyed by who was refused and why, at most `MAX_REFUSALS` per request,
so one user's bad answers cannot flood another's trail.

Records live in the store (the server's own persistence: PostgreSQL on a real
deployment), under `("hitl_audit", <thread owner>)` (the owner's name as a store label:
`agent.approval.contract.store_label`), not in the thread, so deleting
a thread leaves its trail. Through the API a user may read their own records
(`server/auth.py`); nobody may write or delete them. Export with
`python -m client audit`.
"""

from __future__ import annotations

from agent.approval.audit.records import (
    ENDINGS,
    LOCAL_OWNER,
    MAX_REFUSALS,
    AuditRecord,
    Event,
    cancelled,
    current_run,
    decided,
    digest,
    key,
    namespace,
    refused_by_api,
    requested,
    thread_deleted,
    unended,
)
from agent.approval.audit.trail import (
    MAX_PER_TASK,
    aending,
    aunended,
    awrite,
    ending,
    ending_keys,
    ending_ops,
    endings,
    subagent_ops,
    subagent_requests,
    write,
)

__all__ = [
    "ENDINGS",
    "LOCAL_OWNER",
    "MAX_PER_TASK",
    "MAX_REFUSALS",
    "AuditRecord",
    "Event",
    "aending",
    "aunended",
    "awrite",
    "cancelled",
    "current_run",
    "decided",
    "digest",
    "ending",
    "ending_keys",
    "ending_ops",
    "endings",
    "key",
    "namespace",
    "refused_by_api",
    "requested",
    "subagent_ops",
    "subagent_requests",
    "thread_deleted",
    "unended",
    "write",
]
