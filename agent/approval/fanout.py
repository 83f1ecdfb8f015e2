"""Subagents started together: each `task` call of a reply runs in a tools task of its own.

A reply's calls reach the tools node in one of two ways. The agent loop's own edge
sends each call to a task of its own (a LangGraph `Send`); a middleware's
`jump_to: "tools"` runs them all in ONE task. Subagents sharing one task share its
checkpoint namespace: LangGraph numbers their checkpoints in whatever order they
start, so a resume could reach the wrong one, and `get_state(subgraphs=True)` shows
only the first. Each subagent needs a task of its own.

The router (agent/approval/planning.py) must jump, though: it sends turns with nothing
pending past the approval node, whose static breakpoint would otherwise pause every
turn. So when a reply starts several subagents, the step that sends it on to the
tools (the router, or the approval node once an answer is applied) also sends each
pending call to a task of its own, marked `OWN_TASK`. LangGraph still runs the
jump's task; the tool guard there sees the calls unmarked and leaves each to its
own task (`left_to_own_task`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Final

from langchain.agents.middleware import ToolCallRequest
from langchain_core.messages import BaseMessage, ToolMessage
from langgraph.types import Command, Send

from agent.approval.messages import answered_call_ids, last_ai_message

TASK_TOOL: Final = "task"
"""deepagents' tool that runs a subagent."""

OWN_TASK: Final = "own_task"
"""Marks a call sent to a tools task of its own (a key of the sent tool call)."""

TOOLS_NODE: Final = "tools"


def starts_subagents_together(messages: Sequence[BaseMessage]) -> bool:
    """Whether the latest reply has several `task` calls."""
    message = last_ai_message(messages)
    return message is not None and sum(call["name"] == TASK_TOOL for call in message.tool_calls) > 1


def each_in_own_task(state: Mapping[str, Any], update: Mapping[str, Any]) -> Command[Any] | None:
    """`update`, going on to the tools with each pending call in a task of its own,
    if the latest reply starts several subagents (else `None`)."""
    messages = state["messages"]
    if not starts_subagents_together(messages):
        return None
    message = last_ai_message(messages)
    new_results: Sequence[ToolMessage] = update.get("messages") or []
    done = answered_call_ids(messages) | {m.tool_call_id for m in new_results}
    calls = [call for call in (message.tool_calls if message else []) if call["id"] not in done]
    sends = [Send(TOOLS_NODE, [{**call, OWN_TASK: True}]) for call in calls]
    return Command(update={**update, "jump_to": TOOLS_NODE}, goto=sends)


def left_to_own_task(request: ToolCallRequest) -> bool:
    """Whether this is the jump's run of a call that runs in a task of its own."""
    return not request.tool_call.get(OWN_TASK) and starts_subagents_together(request.state.get("messages") or [])
