"""A gated tool's policy: langchain's `interrupt_on` shape plus the gate's own keys.

"send_email": {
    "allowed_decisions": [...], "description": describe("Send an email to {to}."),
    "approver_roles": ["approver"],      # who may answer (default: the gate's rule)
    "requester_may_answer": False,       # separation of duties
    "ttl_seconds": 3600,                 # when the request expires
    "notify_args": True,                 # argument values in the notice (default: not)
}
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, cast

from langchain.agents.middleware import InterruptOnConfig
from langchain_core.messages import ToolCall
from langgraph.runtime import Runtime

from agent.approval.contract import DECISION_TYPES


class ToolPolicy(InterruptOnConfig, total=False):
    """A gated tool's policy: langchain's `InterruptOnConfig` plus the template's own keys."""

    ttl_seconds: int
    """How long a request for this tool waits before it expires (default: APPROVAL_TTL_SECONDS)."""
    notify_args: bool
    """Whether the notice that a request waits (`agent.notify`) shows this tool's argument values."""
    approver_roles: list[str]
    """Who may answer requests for this tool (`agent.approval.approvers`; default: APPROVER_ROLES)."""
    requester_may_answer: bool
    """`False`: the user who asked may not answer (default: REQUESTER_MAY_ANSWER)."""


def describe(template: str) -> Any:
    """A description factory that fills `template` from the call's args."""

    def describe(tool_call: ToolCall, state: Any, runtime: Runtime[Any]) -> str:
        args = {key: value for key, value in tool_call["args"].items() if isinstance(value, str | int | bool)}
        try:
            return template.format_map(args)
        except (KeyError, ValueError):
            return f"Run {tool_call['name']} with the arguments shown."

    return describe


def resolve_policy(interrupt_on: Mapping[str, bool | InterruptOnConfig]) -> dict[str, ToolPolicy]:
    """The `interrupt_on` shape (deepagents', langchain's) with `True` spelled out and `False` dropped."""
    policy: dict[str, ToolPolicy] = {}
    for name, config in interrupt_on.items():
        if config is True:
            policy[name] = ToolPolicy(allowed_decisions=list(DECISION_TYPES))
        elif isinstance(config, Mapping):
            if not config.get("allowed_decisions"):
                raise ValueError(f"interrupt_on[{name!r}] needs a non-empty `allowed_decisions` list.")
            policy[name] = cast("ToolPolicy", config)
    return policy
