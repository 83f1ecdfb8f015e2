"""The approval node: the gate's after-model step reads the answer, checks it and applies it.

Tool messages for rejected and answered calls, an entry in `hitl_history` (sealed:
`agent.approval.seal`), `pending_hitl` cleared; the agent loop then sends the approved calls to
the tools. A dismissal, an expiry or a request decided before closes it without a
decision and ends the run. A refused answer changes nothing but `pending_hitl.error`.
On `agent_interrupt` it also routes turns with nothing pending (`agent.approval.planning.route`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from langchain.agents.middleware import hook_config
from langgraph.config import get_config
from langgraph.errors import GraphInterrupt
from langgraph.runtime import Runtime
from langgraph.types import Command, interrupt

from agent.approval import audit
from agent.approval.approvers import User, current_user
from agent.approval.base import NO_ANSWER, GateBase
from agent.approval.binding import changed, waiting_message
from agent.approval.contract import (
    ANSWER_FOR,
    CANCEL,
    DISMISS,
    EXPIRE,
    HITL_HISTORY,
    PENDING_HITL,
    Outcome,
    PendingRequest,
)
from agent.approval.decisions import NOT_EXPIRED, DecisionRefused, answer_id_of, check_answer
from agent.approval.fanout import each_in_own_task
from agent.approval.messages import answer_message, last_ai_message, not_run
from agent.approval.pending import has_expired
from agent.approval.planning import route
from agent.approval.state import ApprovalState


def is_dismissal(answer: object, pending: PendingRequest) -> bool:
    """`{"dismiss": true}` (and, if given, this request's id): what `Command(goto="__end__")` becomes."""
    return (
        isinstance(answer, Mapping)
        and answer.get(DISMISS) is True
        and answer.get("request_id", pending["request_id"]) == pending["request_id"]
    )


def _closed_already(ended: audit.AuditRecord | None) -> str | None:
    """Why a request whose ending is on record (`agent.approval.audit.ending`) cannot be answered again,
    unless that ending is this very run's (the step ran again after a crash)."""
    if ended is None or ended.get("run_id") in (None, audit.current_run()):
        return None
    return f"the request was already {ended['event']} at {ended['at']}; a request is decided once."


def _going_on(state: ApprovalState, update: dict[str, Any]) -> dict[str, Any] | Command[Any]:
    """An applied answer goes on to the tools, each call in a task of its own when the
    reply starts several subagents; a refused or closed one goes where it says."""
    return update if "jump_to" in update else (each_in_own_task(state, update) or update)


def _refused(pending: PendingRequest, why: str) -> dict[str, Any]:
    """A refused answer changes nothing but the request's `error`. Round again: the model
    step does nothing while the request waits, and the turn stops here once more, now
    with the error in state."""
    refused_request: PendingRequest = {**pending, "error": why}
    return {PENDING_HITL: refused_request, "jump_to": "model"}


class ApprovalNode(GateBase):
    """The gate's `after_model` hook: the node the graph pauses at (`agent.approval.contract.APPROVAL_NODE`).

    It returns a `Command` where langchain's hook type says a dict: a node may (see `agent.approval.fanout`)."""

    def _answer(self, pending: PendingRequest) -> object:
        """The answer the client resumed with: `interrupt()` returns it.

        With `pause="interrupt"` this is the pause itself. At a breakpoint the pause
        has already happened; a run that continues without an answer gets `NO_ANSWER`.
        """
        if self.pause == "interrupt":
            return interrupt(pending)
        named = get_config().get("configurable", {}).get(ANSWER_FOR)
        if self._one_of_several() and named is not None and named != pending["request_id"]:
            return None  # for a sibling subagent, which takes it (reading it here would use it up)
        try:
            return interrupt(pending)
        except GraphInterrupt:
            return None

    @hook_config(can_jump_to=["tools", "model", "end"])
    def after_model(self, state: ApprovalState, runtime: Runtime[Any]) -> dict[str, Any] | Command[Any] | None:
        """Apply the answer to the pending request, or record why it was refused."""
        pending = state.get(PENDING_HITL)
        if not pending:
            return route(state)  # nothing waits: the agent loop goes on (and the tool guard stays on)
        # (a graph without a store keeps no trail, and has no memory beyond the thread)
        ended = audit.ending(runtime.store, pending) if runtime.store is not None else None
        update = self._decide(state, pending, ended)
        if runtime.store is not None and ended is None:
            audit.write(runtime.store, audit.decided(pending, update), unended=True)
        return _going_on(state, update)

    @hook_config(can_jump_to=["tools", "model", "end"])
    async def aafter_model(self, state: ApprovalState, runtime: Runtime[Any]) -> dict[str, Any] | Command[Any] | None:
        pending = state.get(PENDING_HITL)
        if not pending:
            return route(state)
        ended = await audit.aending(runtime.store, pending) if runtime.store is not None else None
        update = self._decide(state, pending, ended)
        if runtime.store is not None and ended is None:
            await audit.awrite(runtime.store, audit.decided(pending, update), unended=True)
        return _going_on(state, update)

    def _decide(
        self, state: ApprovalState, pending: PendingRequest, ended: audit.AuditRecord | None = None
    ) -> dict[str, Any]:
        if why := _closed_already(ended) or changed(state["messages"], pending):
            # Decided once, ever (a fork brought it back), or not the call it showed: it ends here.
            return self._close(state, pending, CANCEL, Outcome(status="cancelled", detail=why), why)
        answer = self._answer(pending)
        if has_expired(pending):  # whatever the answer: too late
            why = f"the request expired at {pending['expires_at']} without an answer."
            return self._close(state, pending, EXPIRE, Outcome(status="expired"), why, answer_id=answer_id_of(answer))
        if answer is None and self._one_of_several():
            return {"jump_to": "model"}  # the answer was for a sibling subagent: wait on, unchanged
        return self._answered(state, pending, answer)

    def _answered(self, state: ApprovalState, pending: PendingRequest, answer: object) -> dict[str, Any]:
        """The answer applied, or refused (`pending_hitl.error`), or the request dismissed."""
        user = current_user()
        if refusal := self._refusal(answer, pending, user):
            return _refused(pending, refusal)
        if is_dismissal(answer, pending):
            by = f" by {user.identity}" if user.identity else ""
            why = f"the request was dismissed{by} without a decision."
            dismissed = Outcome(status="dismissed")
            return self._close(state, pending, DISMISS, dismissed, why, answer_id=answer_id_of(answer))
        try:
            decisions = check_answer(answer, pending, self.tools_by_name)
        except DecisionRefused as refused:
            return _refused(pending, str(refused))
        return self._apply(state, pending, decisions, answer_id_of(answer))

    def _refusal(self, answer: object, pending: PendingRequest, user: User) -> str | None:
        """Why `answer` is refused before its decisions are read: none given, an early
        `expire`, or a user who may not answer this request."""
        if answer is None:
            return NO_ANSWER
        if isinstance(answer, Mapping) and answer.get(EXPIRE) is True:  # (it has not expired: see _decide)
            return NOT_EXPIRED.format(expires_at=pending["expires_at"])
        return self.who.refusal(user, pending)

    def _apply(
        self,
        state: ApprovalState,
        pending: PendingRequest,
        decisions: Sequence[Mapping[str, Any]],
        answer_id: str | None,
    ) -> dict[str, Any]:
        by_call = {req["tool_call_id"]: d for req, d in zip(pending["action_requests"], decisions, strict=True)}
        message = waiting_message(state["messages"], pending)
        # Rejected and answered calls get their result now; approved ones go to the tools,
        # whose guard records how each went.
        answers = [
            answer_message(call, by_call[call["id"] or ""])
            for call in (message.tool_calls if message else [])
            if by_call.get(call["id"] or "", {}).get("type") in ("reject", "respond")
        ]
        outcomes = {m.tool_call_id: Outcome(status="rejected" if m.status == "error" else "answered") for m in answers}
        entry = self._entry(pending, [dict(d) for d in decisions], answer_id, outcomes)
        update: dict[str, Any] = {PENDING_HITL: None, HITL_HISTORY: [entry]}
        if answers:  # an empty write would still cost the messages channel a new version
            update["messages"] = answers
        return update

    def _close(
        self,
        state: ApprovalState,
        pending: PendingRequest,
        kind: str,
        outcome: Outcome,
        why: str,
        *,
        answer_id: str | None = None,
    ) -> dict[str, Any]:
        """Close the request without a decision: dismissed (Agent Chat UI's "Mark as
        Resolved"), expired, or cancelled (decided once before, or its call changed).
        Nothing runs, the run ends."""
        ids = {action["tool_call_id"] for action in pending["action_requests"]}
        message = last_ai_message(state["messages"])
        calls = message.tool_calls if message else []
        closed = [not_run(call["name"], call["id"], why) for call in calls if call["id"] in ids]
        entry = self._ending(pending, kind, outcome, answer_id)
        # The model hears of it on the next turn, from these tool messages.
        return {PENDING_HITL: None, HITL_HISTORY: [entry], "messages": closed, "jump_to": "end"}
