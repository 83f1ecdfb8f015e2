"""The approval gate: reload-safe human approval of a deep agent's tool calls.

    from agent.approval import ApprovalGate

    agent = gated_deep_agent(model, tools, interrupt_on=..., options=GateOptions(seal_key=...))

`gated_deep_agent` is `create_deep_agent` with the gate installed in the agent and in
each subagent, either pause kind (`agent.approval.install`); `ApprovalGate` is the one
langchain `AgentMiddleware` it installs (`agent.approval.gate`).
"""

from agent.approval.base import NO_ANSWER, NO_APPROVAL, TaskCall, WaitingObserver
from agent.approval.gate import ApprovalGate, GateOptions, compact_schema
from agent.approval.install import gated_deep_agent, gated_subagent, wire_gate
from agent.approval.internals import tool_node_tools
from agent.approval.model_step import request_is_waiting
from agent.approval.node import is_dismissal
from agent.approval.policy import ToolPolicy, describe, resolve_policy
from agent.pending import has_expired

__all__ = [
    "NO_ANSWER",
    "NO_APPROVAL",
    "ApprovalGate",
    "GateOptions",
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
