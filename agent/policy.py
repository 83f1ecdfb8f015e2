"""The approval policy: which tools wait for a human, what they may decide, what they see.

This is the one place to change it. It has the shape of deepagents' / langchain's
`interrupt_on` (`{tool name: InterruptOnConfig}`), so a fork can move it to the
built-in `HumanInTheLoopMiddleware` or back without rewriting it. A tool that is
not listed runs without asking; keep read-only tools off the list.

Our own keys (`ToolPolicy`), each optional, with its default from `.env`:

    "send_email": {
        "allowed_decisions": [...], "description": ...,
        "approver_roles": ["approver"],      # who may answer (APPROVER_ROLES; none: the owner)
        "requester_may_answer": False,       # separation of duties (REQUESTER_MAY_ANSWER)
        "ttl_seconds": 3600,                 # when the request expires (APPROVAL_TTL_SECONDS)
        "notify_args": True,                 # argument values in the notice (default: not)
    }
"""

from __future__ import annotations

from typing import Any

from langchain.agents.middleware import InterruptOnConfig
from langchain_core.messages import ToolCall
from langgraph.runtime import Runtime

from agent.contract import DECISION_TYPES


class ToolPolicy(InterruptOnConfig, total=False):
    """A gated tool's policy: langchain's `InterruptOnConfig` plus the template's own keys."""

    ttl_seconds: int
    """How long a request for this tool waits before it expires (default: APPROVAL_TTL_SECONDS)."""
    notify_args: bool
    """Whether the notice that a request waits (`agent.notify`) shows this tool's argument values."""
    approver_roles: list[str]
    """Who may answer requests for this tool (`agent.approvers`; default: APPROVER_ROLES)."""
    requester_may_answer: bool
    """`False`: the user who asked may not answer (default: REQUESTER_MAY_ANSWER)."""


def _describe(template: str) -> Any:
    """A description factory that fills `template` from the call's args."""

    def describe(tool_call: ToolCall, state: Any, runtime: Runtime[Any]) -> str:
        args = {key: value for key, value in tool_call["args"].items() if isinstance(value, str | int | bool)}
        try:
            return template.format_map(args)
        except (KeyError, ValueError):
            return f"Run {tool_call['name']} with the arguments shown."

    return describe


INTERRUPT_ON: dict[str, ToolPolicy] = {
    "send_email": {
        "allowed_decisions": list(DECISION_TYPES),
        "description": _describe("Send an email to {to} with the subject {subject!r}."),
    },
    "write_file": {
        "allowed_decisions": list(DECISION_TYPES),
        "description": _describe("Write the file {file_path} in the agent's filesystem."),
    },
    "edit_file": {
        "allowed_decisions": list(DECISION_TYPES),
        "description": _describe("Edit {file_path}: replace {old_string!r} with {new_string!r}."),
    },
    # Not in the contract's list, but they change things just as much: gate them too.
    "delete": {
        "allowed_decisions": ["approve", "reject", "respond"],
        "description": _describe("Delete the file {file_path} from the agent's filesystem."),
    },
    "execute": {
        "allowed_decisions": list(DECISION_TYPES),
        "description": _describe("Run the shell command {command!r}."),
    },
}
"""Gated tools. Every other tool (ls, read_file, glob, grep, write_todos, task) runs freely."""


SUBAGENT_INTERRUPT_ON: dict[str, dict[str, ToolPolicy]] = {}
"""A subagent's own policy, by subagent name (deepagents' per-subagent `interrupt_on`).
A subagent not listed asks for exactly what the main agent asks for (`INTERRUPT_ON`).
For example, a researcher that may write notes freely but never email unasked:

    SUBAGENT_INTERRUPT_ON["researcher"] = {"send_email": INTERRUPT_ON["send_email"]}
"""
