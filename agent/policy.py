"""The approval policy: which tools wait for a human, what they may decide, what they see.

The template's own tools say how they are gated next to where they are defined
(`agent.tools.TOOL_POLICY`); this module adds deepagents' tools that change things,
and the subagents' own policies. It has the shape of deepagents' / langchain's
`interrupt_on` (`{tool name: InterruptOnConfig}`, plus the gate's own keys:
`agent.approval.ToolPolicy`), so a fork can move it to the built-in
`HumanInTheLoopMiddleware` or back without rewriting it. A tool that is not listed
runs without asking; keep read-only tools off the list.
"""

from __future__ import annotations

from agent.approval import ToolPolicy, describe
from agent.approval.contract import DECISION_TYPES
from agent.tools import TOOL_POLICY

DEEPAGENTS_POLICY: dict[str, ToolPolicy] = {
    "write_file": {
        "allowed_decisions": list(DECISION_TYPES),
        "description": describe("Write the file {file_path} in the agent's filesystem."),
    },
    "edit_file": {
        "allowed_decisions": list(DECISION_TYPES),
        "description": describe("Edit {file_path}: replace {old_string!r} with {new_string!r}."),
    },
    # Not in the contract's list, but they change things just as much: gate them too.
    "delete": {
        "allowed_decisions": ["approve", "reject", "respond"],
        "description": describe("Delete the file {file_path} from the agent's filesystem."),
    },
    "execute": {
        "allowed_decisions": list(DECISION_TYPES),
        "description": describe("Run the shell command {command!r}."),
    },
}
"""deepagents' own tools that change things. Its others (ls, read_file, glob, grep,
write_todos, task) run freely."""

INTERRUPT_ON: dict[str, ToolPolicy] = {**TOOL_POLICY, **DEEPAGENTS_POLICY}
"""Every gated tool of the main agent."""


SUBAGENT_INTERRUPT_ON: dict[str, dict[str, ToolPolicy]] = {}
"""A subagent's own policy, by subagent name (deepagents' per-subagent `interrupt_on`).
A subagent not listed asks for exactly what the main agent asks for (`INTERRUPT_ON`).
For example, a researcher that may write notes freely but never email unasked:

    SUBAGENT_INTERRUPT_ON["researcher"] = {"send_email": INTERRUPT_ON["send_email"]}
"""
