"""The gate around every tool call: the last line of defence.

A call that already has a result never runs again, and a gated call runs only if the
request answered last, sealed, approved or edited that very call (with the reviewer's
arguments); an approved call that fails is recorded in the history entry's `outcomes`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

from langchain.agents.middleware import ToolCallRequest
from langchain_core.messages import ToolCall, ToolMessage
from langgraph.types import Command

from agent.approval.base import NO_APPROVAL, GateBase, TaskCall, task_call_var, thread_of
from agent.approval.binding import NOT_THE_APPROVED_CALL, same_call
from agent.approval.contract import HITL_HISTORY, ActionRequest, HistoryEntry, Outcome
from agent.approval.fanout import TASK_TOOL, left_to_own_task, starts_subagents_together
from agent.approval.messages import ToolResult, existing_result, not_run, result_message, short, with_edit_notice
from agent.approval.seal import is_sealed


@dataclass(frozen=True)
class Allowed:
    """A call the tool guard lets run: as the model made it, or as a reviewer edited it."""

    request: ToolCallRequest
    request_id: str | None = None
    """The answered request that approved it, for a gated call."""
    edited: bool = False

    @property
    def runs_subagent(self) -> bool:
        return self.request.tool_call["name"] == TASK_TOOL

    def task_call(self) -> TaskCall:
        together = starts_subagents_together(self.request.state.get("messages") or [])
        return TaskCall(call_id=self.request.tool_call["id"] or "", parallel=together)

    def reported(self, result: ToolResult) -> ToolResult:
        """The tool's result, telling the model what a reviewer changed, and the history when an approved call failed.

        A call that ran as it should costs no write of its own: its tool message says
        what it did. (Recording every outcome measured 1 % slower per cycle.)
        """
        call = self.request.tool_call
        if self.edited:
            result = with_edit_notice(result, call)
        message = result_message(result, call["id"] or "")
        if self.request_id is None or message is None or message.status != "error":
            return result
        failed = {
            "request_id": self.request_id,
            "outcomes": {call["id"] or "": Outcome(status="failed", detail=short(message.text))},
        }
        if isinstance(result, ToolMessage):
            return Command(update={"messages": [result], HITL_HISTORY: [failed]})
        if isinstance(result.update, dict):
            return Command(graph=result.graph, update={**result.update, HITL_HISTORY: [failed]}, goto=result.goto)
        return result


class ToolGuard(GateBase):
    """The gate's `wrap_tool_call`."""

    def _decided(self, request: ToolCallRequest) -> tuple[str, ActionRequest, Mapping[str, Any]] | None:
        """The request answered last, the call it showed and its decision, for this call id, if the
        approval node sealed it."""
        history: list[HistoryEntry] = request.state.get(HITL_HISTORY) or []
        if not history or not is_sealed(history[-1], thread_of(request.runtime.config), self.seal_key):
            return None
        last = history[-1]
        call_id = request.tool_call["id"]
        decisions = zip(last["action_requests"], last["decisions"], strict=False)
        found = next(((a, d) for a, d in decisions if a["tool_call_id"] == call_id), None)
        return (last["request_id"], *found) if found is not None else None

    def _guard(self, request: ToolCallRequest) -> ToolResult | Allowed:
        """A result in place of running the call, or how to run it."""
        if left_to_own_task(request):
            return Command()  # it runs in a task of its own (`agent.approval.fanout`): no result here
        if done := existing_result(request.state.get("messages") or [], request.tool_call["id"]):
            return done  # the same message again (same id): nothing changes, nothing runs twice
        return self._approved(request) if self._gated(request) else Allowed(request)

    def _approved(self, request: ToolCallRequest) -> ToolResult | Allowed:
        """A gated call runs only as the sealed decision for exactly this call says."""
        call = request.tool_call
        decided = self._decided(request)
        request_id, action, decision = decided or ("", None, {})
        if action is not None and not same_call(call, action):  # bound to the call as shown, nothing else
            return not_run(call["name"], call["id"], NOT_THE_APPROVED_CALL)
        if decision.get("type") == "approve":
            return Allowed(request, request_id)
        if decision.get("type") == "edit":
            edited = ToolCall(**{**call, "args": decision["edited_action"]["args"]})
            return Allowed(request.override(tool_call=edited), request_id, edited=True)
        return not_run(call["name"], call["id"], NO_APPROVAL)

    def wrap_tool_call(self, request: ToolCallRequest, handler: Callable[[ToolCallRequest], ToolResult]) -> ToolResult:
        allowed = self._guard(request)
        if not isinstance(allowed, Allowed):
            return allowed
        token = task_call_var.set(allowed.task_call()) if allowed.runs_subagent else None
        try:
            return allowed.reported(handler(allowed.request))
        finally:
            if token is not None:
                task_call_var.reset(token)

    async def awrap_tool_call(
        self, request: ToolCallRequest, handler: Callable[[ToolCallRequest], Awaitable[ToolResult]]
    ) -> ToolResult:
        allowed = self._guard(request)
        if not isinstance(allowed, Allowed):
            return allowed
        token = task_call_var.set(allowed.task_call()) if allowed.runs_subagent else None
        try:
            return allowed.reported(await handler(allowed.request))
        finally:
            if token is not None:
                task_call_var.reset(token)
