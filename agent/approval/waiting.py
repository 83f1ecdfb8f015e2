"""The index of waiting requests, in LangGraph's store: what approvers' lists read instead of every thread.

An approver's list (`GET /approvals`) would otherwise read the state of every interrupted
thread on each call. The gate keeps one entry per waiting request that an approver role
may answer (a request only its owner may answer is theirs to find with `threads.search`),
written in the same store batch as the request's audit record (`agent.approval.audit.trail`):

- when the request starts waiting (its `requested` record is new): a small entry in
  `ENTRIES`, which lists are read from (who asked, the roles each tool needs, when), and
  the request itself in `REQUESTS`, read only for the requests on the page;
- when it ends (its ending record: answered, dismissed, expired, cancelled): both go, and if
  another user than its owner answered it, a small entry in `answered_by(who)`, the answerer's
  record of it (`GET /approvals/answered` reads it: an approver cannot read the thread).

Keys are `<thread_id>/<request_id>`, so a step that runs again writes the same entry. Both
namespaces are written by the graph only: `server/auth.py` lets no client write them.
Requests that waited before the index existed (an upgrade) are listed by `server/backfill.py`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Final, TypedDict

from langgraph.config import get_config
from langgraph.store.base import PutOp

from agent.approval.approvers import carried_rules
from agent.approval.audit.records import ENDINGS, AuditRecord
from agent.approval.contract import GRAPH_ID, PendingRequest, store_label

ENTRIES: Final = ("hitl_waiting",)
REQUESTS: Final = ("hitl_waiting_requests",)
ANSWERED: Final = "hitl_answered"
ROLE_FLAG: Final = "role:"
"""An entry carries `role:<name>: true` for each role that may answer one of its tools, so a
store search can pick an approver's entries by an exact-match filter."""


class Entry(TypedDict):
    """One waiting request in `ENTRIES` (plus its `role:<name>` flags)."""

    thread_id: str
    request_id: str
    owner: str
    requested_by: str | None
    graph_id: str
    at: str
    """When it started waiting (the `requested` record's time): lists are newest first by it."""
    needs: list[list[str]]
    """Per tool, the roles one of which the answerer must have."""
    requester_may_answer: bool


def answered_by(who: str) -> tuple[str, str]:
    """The namespace of the requests `who` answered on other users' threads (a store's labels hold no ".")."""
    return (ANSWERED, store_label(who))


def key(thread_id: str, request_id: str) -> str:
    return f"{thread_id}/{request_id}"


def order(entry: Mapping[str, Any]) -> str:
    """The entry's place in a list (newest first when sorted in reverse), unique per entry."""
    return f"{entry['at']}|{key(entry['thread_id'], entry['request_id'])}"


def _graph_id() -> str:
    try:
        metadata = get_config().get("metadata") or {}
    except RuntimeError:
        return GRAPH_ID
    return str(metadata.get("graph_id") or GRAPH_ID)


def opened(record: AuditRecord, request: PendingRequest, graph_id: str | None = None) -> list[PutOp]:
    """The index's writes for `request` starting to wait (`record`: its `requested` record), none if
    only its requester may answer it; `graph_id`: its thread's graph (by default the running one)."""
    rules = carried_rules(request)
    if rules is None:
        return []
    tools = list(dict.fromkeys(action["name"] for action in request["action_requests"]))
    needs = [list(rules.rule(tool).approver_roles) for tool in tools]
    if not all(needs):  # some tool only its requester may answer: nobody else could
        return []
    entry = Entry(
        thread_id=record["thread_id"],
        request_id=record["request_id"],
        owner=record["owner"],
        requested_by=request.get("requested_by"),
        graph_id=graph_id or _graph_id(),
        at=record["at"],
        needs=needs,
        requester_may_answer=all(rules.rule(tool).requester_may_answer for tool in tools),
    )
    flags = {f"{ROLE_FLAG}{role}": True for roles in needs for role in roles}
    where = key(record["thread_id"], record["request_id"])
    return [PutOp(ENTRIES, where, {**entry, **flags}, index=False), PutOp(REQUESTS, where, dict(request), index=False)]


def _closed(record: AuditRecord) -> list[PutOp]:
    where = key(record["thread_id"], record["request_id"])
    ops = [PutOp(ENTRIES, where, None), PutOp(REQUESTS, where, None)]
    who = record["who"]
    if who and who != record["owner"] and record["event"] in ("answered", "dismissed"):
        answered = {
            "thread_id": record["thread_id"],
            "request_id": record["request_id"],
            "owner": record["owner"],
            "graph_id": _graph_id(),
            "at": record["at"],
        }
        ops.append(PutOp(answered_by(who), where, answered, index=False))
    return ops


def index_ops(written: Sequence[AuditRecord], requests: Sequence[PendingRequest]) -> list[PutOp]:
    """The index's writes for the audit records just written: an entry for each new `requested`
    record (of one of `requests`), none left for each ending."""
    by_id = {request["request_id"]: request for request in requests}
    ops: list[PutOp] = []
    for record in written:
        if record["event"] == "requested" and (request := by_id.get(record["request_id"])):
            ops += opened(record, request)
        elif record["event"] in ENDINGS:
            ops += _closed(record)
    return ops
