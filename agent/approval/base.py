"""What every part of the gate shares: its settings, the subagent it serves, and the history entries it writes.

`ApprovalGate` (`agent.approval.gate`) is made of three parts, each a mixin on `GateBase`:
the model step (`model_step`), the approval node (`node`) and the tool guard (`tool_guard`).
"""

from __future__ import annotations

from collections.abc import Mapping
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Final, Protocol

from langchain.agents.middleware import ToolCallRequest
from langchain_core.tools import BaseTool
from langgraph.config import get_config
from langgraph.store.base import BaseStore

from agent.approval import clock
from agent.approval.approvers import WhoMayAnswer, current_user
from agent.approval.contract import CANCEL, HistoryEntry, Outcome, Pause, PendingRequest, with_origin
from agent.approval.policy import ToolPolicy
from agent.approval.seal import SEAL, seal


@dataclass(frozen=True)
class TaskCall:
    """The parent's `task` call a subagent runs under."""

    call_id: str
    parallel: bool
    """Whether the parent's model started other subagents in the same reply."""


task_call_var: ContextVar[TaskCall | None] = ContextVar("task_call", default=None)
"""Set by the parent's gate around each `task` call, read by the subagent's gate (the
subagent's graph runs inside the call, so it sees the value)."""


class WaitingObserver(Protocol):
    """Told of each request that starts waiting, once its step is written (`agent.notify.Notifier`
    sends a signed notice). It must return at once and never raise: it is called in the run."""

    def waiting(
        self, request: PendingRequest, thread_id: str, show_args: frozenset[str], store: BaseStore | None
    ) -> None:
        """`request` waits on `thread_id`; `show_args`: the tools whose argument values it may pass on."""


NO_APPROVAL: Final = "it needs a human's approval and none was given for this call."


NO_ANSWER: Final = (
    "No answer was given: resume with Command(resume={'request_id': ..., 'decisions': [...]}), "
    "one decision per action request."
)


def stamp_now() -> str:
    return clock.stamp(clock.now())


def thread_of(config: Mapping[str, Any]) -> str:
    return str((config.get("configurable") or {}).get("thread_id", ""))


class GateBase:
    """The gate's settings (set by `ApprovalGate.__init__`) and the parts' shared steps."""

    policy: dict[str, ToolPolicy]
    pause: Pause
    seal_key: bytes
    subagent: str | None
    """The subagent this gate serves (its requests say so), or `None` for the main agent."""
    ttl: timedelta
    """How long a request waits before it expires, for tools whose policy does not say."""
    observer: WaitingObserver | None
    """Told of each new request (notices), if any."""
    who: WhoMayAnswer
    """Who may answer this gate's requests (`agent.approval.approvers`)."""
    tools_by_name: dict[str, BaseTool]
    args_schemas: dict[str, dict[str, Any]]

    def _gated(self, request: ToolCallRequest) -> bool:
        config = self.policy.get(request.tool_call["name"])
        when = config.get("when") if config else None
        return config is not None and (when is None or when(request))

    def _one_of_several(self) -> bool:
        """Whether this gate is a subagent's started together with others (`agent.approval.fanout`)."""
        task_call = task_call_var.get()
        return task_call is not None and task_call.parallel

    def _cancelled(self, pending: PendingRequest, why: str) -> HistoryEntry:
        """The history entry of a request that something else came before: it never runs."""
        return self._ending(pending, CANCEL, Outcome(status="cancelled", detail=why))

    def _ending(
        self, pending: PendingRequest, kind: str, outcome: Outcome, answer_id: str | None = None
    ) -> HistoryEntry:
        """The history entry of a request closed without a decision: `kind` and `outcome` for each
        call, and the `answer_id` of the answer that closed it, if one did."""
        outcomes = {action["tool_call_id"]: outcome for action in pending["action_requests"]}
        return self._entry(pending, [{"type": kind} for _ in pending["action_requests"]], answer_id, outcomes)

    def _entry(
        self,
        pending: PendingRequest,
        decisions: list[dict[str, Any]],
        answer_id: str | None,
        outcomes: Mapping[str, Outcome],
    ) -> HistoryEntry:
        """The history entry for an answered request, sealed as the approval node's own."""
        entry = HistoryEntry(
            request_id=pending["request_id"],
            action_requests=pending["action_requests"],
            decisions=decisions,
            decided_at=stamp_now(),
            decided_by=current_user().identity,
            answer_id=answer_id,
        )
        with_origin(entry, pending)
        entry[SEAL] = seal(entry, thread_of(get_config()), self.seal_key)
        if outcomes:
            entry["outcomes"] = dict(outcomes)
        return entry
