"""The `task` subagents: each asks for approval like the main agent, from its own state.

A subagent is a graph of its own, run inside the parent's `task` tool call. It gets
the same gate as the main agent, so a gated call there waits for a human too: the
request is written in the subagent's state (found with `get_state(thread_id,
subgraphs=True)`), carries `subagent` and `task_call_id`, and the parent thread
pauses with it, at the subagent's own static breakpoint (`agent`) or on its
interrupt (`agent_interrupt`). The same resume answers it.

To add a subagent, add a spec to `SUBAGENTS` (deepagents' `SubAgent` shape); its
approval policy is `agent.policy.SUBAGENT_INTERRUPT_ON[name]`, or the main agent's.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from deepagents.backends import StateBackend
from deepagents.middleware import CompiledSubAgent, FilesystemMiddleware, SubAgent
from deepagents.middleware.patch_tool_calls import PatchToolCallsMiddleware
from deepagents.middleware.subagents import GENERAL_PURPOSE_SUBAGENT
from deepagents.middleware.summarization import create_summarization_middleware
from langchain.agents import create_agent
from langchain_core.language_models import BaseChatModel
from langchain_core.tools import BaseTool
from langgraph.graph.state import CompiledStateGraph

from agent.approval import ApprovalGate, tool_node_tools
from agent.contract import APPROVAL_NODE, Pause
from agent.notify import Notifier
from agent.planning import router
from agent.policy import INTERRUPT_ON, SUBAGENT_INTERRUPT_ON
from agent.prompts import SUBAGENT_PROMPT
from agent.settings import Settings

SUBAGENTS: list[SubAgent] = [
    {**GENERAL_PURPOSE_SUBAGENT, "system_prompt": SUBAGENT_PROMPT},
]
"""The subagents the main agent can delegate to with `task`."""


def compile_subagent(
    spec: SubAgent,
    *,
    model: BaseChatModel,
    tools: Sequence[BaseTool],
    pause: Pause,
    settings: Settings,
    notifier: Notifier | None = None,
) -> tuple[CompiledSubAgent, CompiledStateGraph[Any, Any, Any, Any]]:
    """A subagent as deepagents would build it (filesystem, summarization, patched tool
    calls), plus the gate, pausing the way the main agent does."""
    gate = ApprovalGate.from_settings(
        spec.get("interrupt_on") or SUBAGENT_INTERRUPT_ON.get(spec["name"], INTERRUPT_ON),
        settings,
        pause=pause,
        notifier=notifier,
        subagent=spec["name"],
    )
    backend = StateBackend()
    graph: CompiledStateGraph[Any, Any, Any, Any] = create_agent(
        model,
        tools=[*tools, *spec.get("tools", [])],
        system_prompt=spec["system_prompt"],
        middleware=[
            gate,
            *router(pause),
            FilesystemMiddleware(backend=backend),
            create_summarization_middleware(model, backend),
            PatchToolCallsMiddleware(),
            *spec.get("middleware", []),
        ],
        name=spec["name"],
        interrupt_before=[APPROVAL_NODE] if pause == "breakpoint" else None,
    )
    gate.register_tools(tool_node_tools(graph))
    return CompiledSubAgent(name=spec["name"], description=spec["description"], runnable=graph), graph
