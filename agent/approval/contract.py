"""The approval contract (v2) as code: the names and shapes every client relies on.

The single source of truth for the contract's field names; `docs/contract.md`
states the contract in prose. No heavy imports, so clients (the SDK scripts,
tests, forks) can use it without building the graph.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Final, Literal, NotRequired, TypedDict, TypeVar, cast

GRAPH_ID: Final = "agent"
"""The default graph: pauses at a static breakpoint (`interrupt_before`) on the approval node."""

INTERRUPT_GRAPH_ID: Final = "agent_interrupt"
"""The same agent, pausing with `interrupt(<the pending request>)` in the approval node,
for servers and HITL UIs that only understand interrupt values."""

GRAPH_IDS: Final = (GRAPH_ID, INTERRUPT_GRAPH_ID)

Pause = Literal["breakpoint", "interrupt"]
"""How a graph pauses for a pending request: `agent` at a breakpoint, `agent_interrupt` on an interrupt."""

PAUSE_BY_GRAPH: Final[Mapping[str, Pause]] = {GRAPH_ID: "breakpoint", INTERRUPT_GRAPH_ID: "interrupt"}

REVIEW_TOOL_CALLS: Final = "review_tool_calls"
"""The approval gate middleware; its after-model step is the approval node."""

APPROVAL_NODE: Final = f"{REVIEW_TOOL_CALLS}.after_model"
"""The node a thread waits before while a request is pending (`next` in `get_state`)."""

PENDING_HITL: Final = "pending_hitl"
"""State key: the request awaiting a decision, or `None`."""

HITL_HISTORY: Final = "hitl_history"
"""State key: one entry per answered request, oldest first."""
AUDIT: Final = "hitl_audit"
"""The audit trail's store namespace: `(AUDIT, store_label(<thread owner>))`."""


def store_label(name: str) -> str:
    """A user's name as a store namespace label, which cannot hold a "." (a JWT `sub` may be an
    email address): "." is stored as "%2E", and "%" as "%25" so that no two names meet."""
    return name.replace("%", "%25").replace(".", "%2E")


APPROVALS_NEXT: Final = "X-Pagination-Next"
"""The header of a `GET /approvals` page that is not the last: the next page's `cursor`."""

SUBAGENT: Final = "subagent"
TASK_CALL_ID: Final = "task_call_id"
"""Request keys naming where a subagent's request comes from (see `PendingRequest`)."""

OUTBOX_DIR: Final = "/outbox/"
"""Where `send_email` files each sent email in the virtual filesystem."""

DISMISS: Final = "dismiss"
"""`{"dismiss": true}` closes a request without a decision: what the server makes of
`Command(goto="__end__")` (Agent Chat UI's "Mark as Resolved"). History entries record
it as one `{"type": "dismiss"}` per call."""

EXPIRE: Final = "expire"
"""`{"expire": true}` closes a request whose `expires_at` has passed (what the sweep,
`python -m client sweep`, sends); before then it is refused. History entries record it
as one `{"type": "expire"}` per call."""

CANCEL: Final = "cancel"
"""Not an answer: how a history entry records a request that stopped waiting because
something else came first (a new message, or input that changed the waiting call).
One `{"type": "cancel"}` per call, with `outcomes` saying what cancelled it."""

ANSWER_FOR: Final = "hitl_answer_for"
"""Run config key (`configurable`): the request a resume answers when several wait at
static breakpoints (parallel subagents on `agent`, which have no interrupt ids to key a
resume by). The server sets it from the answer's `request_id`; in process,
`agent.approval.pending.addressed` gives it."""

DecisionType = Literal["approve", "edit", "reject", "respond"]
DECISION_TYPES: Final[tuple[DecisionType, ...]] = ("approve", "edit", "reject", "respond")


class ActionRequest(TypedDict):
    """One gated tool call, as the reviewer sees it (langchain `ActionRequest` + id)."""

    tool_call_id: str
    name: str
    args: dict[str, Any]
    description: str


class ReviewConfig(TypedDict):
    """What a reviewer may decide for one tool (langchain `ReviewConfig`)."""

    action_name: str
    allowed_decisions: list[DecisionType]
    args_schema: NotRequired[dict[str, Any]]
    """JSON schema of the tool's arguments, for an edit form (an extra the contract allows)."""
    approver_roles: NotRequired[list[str]]
    """Who may answer for this tool: users with one of these roles (none: the user who asked)."""
    requester_may_answer: NotRequired[bool]
    """`False`: the user who asked may not answer (separation of duties)."""


class PendingRequest(TypedDict):
    """`values.pending_hitl` while a request waits; shaped like langchain's `HITLRequest`."""

    request_id: str
    message_id: str
    created_at: str
    expires_at: str
    """When the request closes unanswered (per tool in `agent.policy`, else APPROVAL_TTL_SECONDS)."""
    action_requests: list[ActionRequest]
    review_configs: list[ReviewConfig]
    error: NotRequired[str]
    """Only after a refused answer: what was wrong with it. The next valid answer clears it."""
    requested_by: NotRequired[str | None]
    """The signed-in user whose run made the request (`None` without a server's auth)."""
    subagent: NotRequired[str]
    """Only for a request made inside a `task` subagent: the subagent's name."""
    task_call_id: NotRequired[str]
    """Only for a request made inside a `task` subagent: the parent's `task` tool call id."""


Record = TypeVar("Record", bound=Mapping[str, object])


def with_origin(record: Record, request: PendingRequest) -> Record:
    """`record` (a history entry, an audit record, a notice) with the `subagent` and
    `task_call_id` of `request`, where a subagent's request comes from (the main agent's has none)."""
    asked = cast("Mapping[str, Any]", request)
    cast("dict[str, Any]", record).update({key: asked[key] for key in (SUBAGENT, TASK_CALL_ID) if key in asked})
    return record


class Outcome(TypedDict):
    """How one call of an answered request went, when it did not simply run."""

    status: Literal["failed", "interrupted", "rejected", "answered", "dismissed", "expired", "cancelled"]
    """`failed`: approved (or edited), run, and it failed; `interrupted`: approved, and its run was
    cancelled while carrying it out or its subagent stopped before reporting back (it may have
    been carried out); the others: never run."""
    detail: NotRequired[str]
    """For `failed`: the start of the tool's error; for `interrupted` and `cancelled`: what happened."""


class HistoryEntry(TypedDict):
    """One request that stopped waiting, in `values.hitl_history`: answered, dismissed, expired or cancelled."""

    request_id: str
    action_requests: list[ActionRequest]
    decisions: list[dict[str, Any]]
    decided_at: str
    decided_by: NotRequired[str | None]
    """The authenticated user who answered, when the server has auth (extra key)."""
    answer_id: NotRequired[str | None]
    """The `answer_id` the answer carried, so its sender can tell it was theirs (extra key)."""
    outcomes: NotRequired[dict[str, Outcome]]
    """Per tool call id, for calls that did not simply run: rejected or answered (with the
    decision), failed (when the call ended in an error). An approved call without one ran;
    its tool message says what it did (extra key)."""
    subagent: NotRequired[str]
    """As in the request: the subagent that asked, if one did."""
    task_call_id: NotRequired[str]
    """As in the request: the parent's `task` call that started that subagent."""
    seal: NotRequired[str]
    """The approval node's HMAC over this entry (`agent.approval.seal`): only a sealed approval runs (extra key)."""


ANSWER_ID_MAX = 200


class Resume(TypedDict):
    """The value a client sends with `Command(resume=...)`.

    `{"decisions": [...]}` alone is langchain's `HITLResponse` (what HITL UIs send):
    it answers whatever request is pending. With `request_id` it answers only that
    request, so a stale tab or a late retry can never answer a newer one.
    """

    request_id: NotRequired[str]
    decisions: list[dict[str, Any]]
    answer_id: NotRequired[str]
    """Optional, chosen by the client: recorded in the history entry (see HistoryEntry)."""


def resume_for(request: PendingRequest, decisions: Sequence[Mapping[str, Any]], answer_id: str | None = None) -> Resume:
    """The resume value answering `request`: one decision per action request, in order."""
    resume = Resume(request_id=request["request_id"], decisions=[dict(d) for d in decisions])
    if answer_id is not None:
        resume["answer_id"] = answer_id
    return resume
