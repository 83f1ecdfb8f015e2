"""What the API guard (`server/api_guard.py`) judges of an answer (`command.resume`) from the
thread's state, before it runs: so that a client hears in the HTTP status, with one line,
that its answer did not apply. The graph judges every answer again, for any route or server
without the guard; what needs its tools (an edit's arguments) only the graph judges.

- `misfit`: an answer to no pending request (a `request_id` or interrupt id that is not
  one: 409), or of the wrong shape for the request it is for (422: not an object, not one
  decision per call, a decision the tool does not allow: `agent.approval.decisions.check_shape`).
- `not_theirs`: a user who may not answer the request (403: roles, separation of duties).
- `expired`: a request past its `expires_at`, which an answer closes instead.
- `is_dismissal`: Agent Chat UI's "Mark as Resolved", `Command(goto="__end__")`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final, NamedTuple

from langgraph.constants import END

from agent.approval.approvers import User
from agent.approval.contract import EXPIRE, HITL_HISTORY, PENDING_HITL, PendingRequest
from agent.approval.decisions import NOT_AN_ANSWER, DecisionRefused, check_shape
from agent.approval.pending import answered, has_expired, interrupt_ids, is_resume_map, pending_requests, targets
from server.asgi import flattened, shown
from server.http_body import kind_of
from server.identity import signed_in
from server.who_answers import who_may_answer

NOT_PENDING: Final = (
    "Request {named} is not pending on thread {thread_id} (it may have been answered already); "
    "pending now: {ids}. Read the thread again before answering."
)
NOT_AN_INTERRUPT: Final = (
    "`command.resume` is keyed by interrupt ids, and {key} is none of this thread's pending ones "
    "({ids}): name the request with `request_id` instead."
)


class Misfit(NamedTuple):
    """Why an answer is refused before it runs: the status, the line, and the request it was for."""

    status: int
    why: str
    request: PendingRequest | None


def gated(state: Mapping[str, Any]) -> bool:
    """A thread of a graph with this gate (a fork may serve others beside it)."""
    values = state.get("values")
    return isinstance(values, dict) and (PENDING_HITL in values or HITL_HISTORY in values)


def misfit(state: Mapping[str, Any], thread_id: str, resume: Any) -> Misfit | None:
    """Why `resume` cannot apply to what the thread waits on; `None` if it may (or the thread is
    not gated: a fork's own interrupts take any answer)."""
    if not gated(state):
        return None
    pending = pending_requests(state)
    ids = ", ".join(str(r["request_id"]) for r in pending) or "none"
    if not isinstance(resume, dict):
        return Misfit(422, NOT_AN_ANSWER.format(got=kind_of(resume)), pending[0] if len(pending) == 1 else None)
    pairs = answered(state, resume)
    if is_resume_map(resume) and len(pairs) < len(resume):
        known = set(interrupt_ids(state).values())
        key = next(k for k in resume if k not in known)
        return Misfit(409, NOT_AN_INTERRUPT.format(key=shown(key), ids=ids), None)
    if not pairs and "request_id" in resume:
        return Misfit(409, NOT_PENDING.format(named=shown(resume["request_id"]), thread_id=thread_id, ids=ids), None)
    for request, answer in pairs:
        try:
            check_shape(answer, request)
        except DecisionRefused as refused:
            return Misfit(422, flattened(str(refused)), request)
    return None


def expired(state: Mapping[str, Any], resume: Any) -> PendingRequest | None:
    """The request `resume` is for, if it has expired and `resume` does not close it as such."""
    if isinstance(resume, dict) and resume.get(EXPIRE) is True:
        return None
    found = targets(state, resume)
    return found[0] if len(found) == 1 and has_expired(found[0]) else None


def not_theirs(headers: dict[bytes, bytes], state: Mapping[str, Any], resume: Any) -> Misfit | None:
    """Why the caller may not answer the request `resume` is for (403: roles, separation of duties)."""
    if isinstance(resume, dict) and resume.get(EXPIRE) is True:
        return None  # closing an expired request: whoever may resume the thread
    try:
        user = signed_in(headers)
    except Exception:  # no or a bad token: the API answers 401 itself
        return None
    # Nothing definite to judge (no such request): `misfit` or the graph refuses it.
    for request in targets(state, resume):
        if why := who_may_answer(request).refusal(User(user.identity, user.roles), request):
            return Misfit(403, why, request)
    return None


def is_dismissal(command: Mapping[str, Any]) -> bool:
    """`Command(goto="__end__")` and nothing else."""
    goto = command.get("goto")
    only_end = goto in (END, [END])
    return only_end and command.get("resume") is None and command.get("update") is None
