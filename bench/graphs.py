"""The graphs the benchmarks compare, importable by `langgraph dev` too.

- `agent`: this template's gate (`agent.graph.make_graph`).
- `builtin`: the same deep agent, model and tools, gated by deepagents' built-in
  `interrupt_on` (a `HumanInTheLoopMiddleware` that calls `interrupt()`).
- `floor`: a one-node graph, the server's own cost of a run.
"""

from __future__ import annotations

from typing import Any, TypedDict

from deepagents import create_deep_agent
from deepagents.middleware.subagents import GENERAL_PURPOSE_SUBAGENT, SubAgent
from langchain.agents.middleware import AgentMiddleware, TodoListMiddleware
from langgraph.graph import END, START, StateGraph
from langgraph.graph.state import CompiledStateGraph
from langgraph.types import Checkpointer

from agent.email import NullEmailProvider
from agent.models.offline import OfflineChatModel
from agent.policy import INTERRUPT_ON
from agent.prompts import SUBAGENT_PROMPT, SYSTEM_PROMPT
from agent.tools import make_tools


def make_builtin(checkpointer: Checkpointer = None) -> CompiledStateGraph[Any, Any, Any, Any]:
    """deepagents' own gate: `create_deep_agent(interrupt_on=...)`; all else as the template."""
    middleware: list[AgentMiddleware[Any, Any, Any]] = [TodoListMiddleware()]
    general_purpose: SubAgent = {**GENERAL_PURPOSE_SUBAGENT, "system_prompt": SUBAGENT_PROMPT}
    return create_deep_agent(
        model=OfflineChatModel(),
        tools=make_tools(NullEmailProvider()),
        system_prompt=SYSTEM_PROMPT,
        middleware=middleware,
        subagents=[general_purpose],
        interrupt_on=dict(INTERRUPT_ON),
        checkpointer=checkpointer,
    )


class _FloorState(TypedDict, total=False):
    messages: list[Any]


def _noop(state: _FloorState) -> _FloorState:
    return {}


def make_floor(checkpointer: Checkpointer = None) -> CompiledStateGraph[Any, Any, Any, Any]:
    builder = StateGraph(_FloorState)
    builder.add_node("noop", _noop)
    builder.add_edge(START, "noop")
    builder.add_edge("noop", END)
    return builder.compile(checkpointer=checkpointer)


builtin = make_builtin()
floor = make_floor()
