"""The approval gate: reload-safe human approval of a deep agent's tool calls.

    from agent.approval import GateOptions, gated_deep_agent

    agent = gated_deep_agent(model, tools, interrupt_on=..., options=GateOptions(seal_key=...))

`gated_deep_agent` is `create_deep_agent` with the gate installed in the agent and in
each subagent, either pause kind (`agent.approval.install`); `ApprovalGate` is the one
langchain `AgentMiddleware` it installs (`agent.approval.gate`). What clients read of it
is `agent.approval.contract` (names and shapes) and `agent.approval.pending` (finding
requests): importing those, or this package, loads no langgraph, so the names below are
imported when first used (PEP 562, as langchain's own packages do).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from agent.approval.approvers import Rule
    from agent.approval.base import NO_ANSWER, NO_APPROVAL, TaskCall, WaitingObserver
    from agent.approval.gate import ApprovalGate, GateOptions, compact_schema
    from agent.approval.install import gated_deep_agent, gated_subagent, wire_gate
    from agent.approval.internals import tool_node_tools
    from agent.approval.model_step import request_is_waiting
    from agent.approval.node import is_dismissal
    from agent.approval.pending import has_expired
    from agent.approval.policy import ToolPolicy, describe, resolve_policy

_HOME: dict[str, str] = {
    "Rule": "approvers",
    "NO_ANSWER": "base",
    "NO_APPROVAL": "base",
    "TaskCall": "base",
    "WaitingObserver": "base",
    "ApprovalGate": "gate",
    "GateOptions": "gate",
    "compact_schema": "gate",
    "gated_deep_agent": "install",
    "gated_subagent": "install",
    "wire_gate": "install",
    "tool_node_tools": "internals",
    "request_is_waiting": "model_step",
    "is_dismissal": "node",
    "has_expired": "pending",
    "ToolPolicy": "policy",
    "describe": "policy",
    "resolve_policy": "policy",
}

__all__ = [
    "NO_ANSWER",
    "NO_APPROVAL",
    "ApprovalGate",
    "GateOptions",
    "Rule",
    "TaskCall",
    "ToolPolicy",
    "WaitingObserver",
    "compact_schema",
    "describe",
    "gated_deep_agent",
    "gated_subagent",
    "has_expired",
    "is_dismissal",
    "request_is_waiting",
    "resolve_policy",
    "tool_node_tools",
    "wire_gate",
]


if not TYPE_CHECKING:  # mypy reads the imports above, so a name not in them is still an error

    def __getattr__(name: str) -> Any:
        if name not in _HOME:  # a submodule (`from agent.approval import clock`) is imported as usual
            raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
        return getattr(importlib.import_module(f"{__name__}.{_HOME[name]}"), name)


def __dir__() -> list[str]:
    return __all__
