"""The approval policy: which tools wait for a human, what they may decide, what they see.

This is the one place to change it. It has the shape of deepagents' / langchain's
`interrupt_on` (`{tool name: InterruptOnConfig}`), so a fork can move it to the
built-in `HumanInTheLoopMiddleware` or back without rewriting it. A tool that is
not listed runs without asking; keep read-only tools off the list.
"""

from __future__ import annotations

from typing import Any

from langchain.agents.middleware import InterruptOnConfig
from langchain_core.messages import ToolCall
from langgraph.runtime import Runtime

from agent.contract import DECISION_TYPES


def _describe(template: str) -> Any:
    """A description factory that fills `template` from the call's args."""

    def describe(tool_call: ToolCall, state: Any, runtime: Runtime[Any]) -> str:
        args = {key: value for key, value in tool_call["args"].items() if isinstance(value, str | int | bool)}
        try:
            return template.format_map(args)
        except (KeyError, ValueError):
            return f"Run {tool_call['name']} with the arguments shown."

    return describe


INTERRUPT_ON: dict[str, InterruptOnConfig] = {
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


SUBAGENT_INTERRUPT_ON: dict[str, dict[str, InterruptOnConfig]] = {}
"""A subagent's own policy, by subagent name (deepagents' per-subagent `interrupt_on`).
A subagent not listed asks for exactly what the main agent asks for (`INTERRUPT_ON`).
For example, a researcher that may write notes freely but never email unasked:

    SUBAGENT_INTERRUPT_ON["researcher"] = {"send_email": INTERRUPT_ON["send_email"]}
"""
