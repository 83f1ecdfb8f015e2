"""Gated tools inside `task` subagents: refused, so a subagent never runs one unapproved."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Collection
from typing import Any

from langchain.agents.middleware import AgentMiddleware, AgentState, ToolCallRequest
from langchain_core.messages import ToolMessage
from langgraph.types import Command

from agent.approval import not_run

ToolResult = ToolMessage | Command[Any]


class RefuseGatedTools(AgentMiddleware[AgentState[Any], Any, Any]):
    """For subagents: a gated tool never runs there; the subagent reports back instead."""

    def __init__(self, gated: Collection[str]) -> None:
        super().__init__()
        self.gated = frozenset(gated)

    def _refusal(self, request: ToolCallRequest) -> ToolMessage | None:
        call = request.tool_call
        if call["name"] not in self.gated:
            return None
        why = (
            "it needs a human's approval, which a subagent cannot ask for. "
            "Report back what should be done, and the main agent will ask for approval."
        )
        return not_run(call["name"], call["id"], why)

    def wrap_tool_call(self, request: ToolCallRequest, handler: Callable[[ToolCallRequest], ToolResult]) -> ToolResult:
        return self._refusal(request) or handler(request)

    async def awrap_tool_call(
        self, request: ToolCallRequest, handler: Callable[[ToolCallRequest], Awaitable[ToolResult]]
    ) -> ToolResult:
        return self._refusal(request) or await handler(request)
