"""Whether an answer applied, as the thread's state after its run says (`POST /approvals/{thread}`).

An answer the route sends can fail to apply without an HTTP error: the graph refused it (the
request still waits, with `error`), the request had expired (the answer closed it instead),
a run cancelled it, or another answer applied first (two approvers at once). The route gives
each answer an `answer_id` and looks for it in the request's history entry.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from agent.approval.contract import CANCEL, EXPIRE, PendingRequest
from agent.approval.pending import history_of, pending_requests
from server.asgi import Refused, flattened

NOT_APPLIED: Final = "Request {request_id} still waits: this answer was not applied. Read it again, and answer it."
EXPIRED: Final = "Request {request_id} had expired (at {expires_at}): it is closed instead, and nothing ran."
CANCELLED: Final = "Request {request_id} is closed instead of answered, and nothing ran: {why}"
SUPERSEDED: Final = (
    "Request {request_id} was answered by another answer first (by {by}, at {at}): this one was not applied."
)


def applied_entry(state: dict[str, Any], request: PendingRequest, resume: dict[str, Any]) -> Mapping[str, Any]:
    """The history entry of the answer `resume` to `request`; raises `Refused` when it did not apply, as
    the thread's state after its run says: still waiting, closed instead, or answered by another first."""
    request_id = request["request_id"]
    if waiting := next((r for r in pending_requests(state) if r["request_id"] == request_id), None):
        if error := waiting.get("error"):  # refused by the graph, which says why
            raise Refused(422, flattened(str(error)))
        raise Refused(409, NOT_APPLIED.format(request_id=request_id))
    entries = history_of(state, request_id)
    kinds = {d.get("type") for d in entries[-1].get("decisions") or [] if isinstance(d, dict)} if entries else set()
    if EXPIRE in kinds and resume.get(EXPIRE) is not True:  # (closing it was what the sweep asked)
        raise Refused(409, EXPIRED.format(request_id=request_id, expires_at=request.get("expires_at")))
    if CANCEL in kinds:
        outcomes = entries[-1].get("outcomes") or {}
        why = next((str(o["detail"]) for o in outcomes.values() if isinstance(o, dict) and o.get("detail")), "")
        raise Refused(409, CANCELLED.format(request_id=request_id, why=flattened(why) or "cancelled."))
    if not entries or entries[-1].get("answer_id") != resume["answer_id"]:
        last = entries[-1] if entries else {}
        by, at = last.get("decided_by") or "someone", last.get("decided_at") or "an unknown time"
        raise Refused(409, SUPERSEDED.format(request_id=request_id, by=by, at=at))
    return entries[-1]
