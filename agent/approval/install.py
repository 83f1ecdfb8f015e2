"""The gate in a deep agent, in one call: `gated_deep_agent`.

    agent = gated_deep_agent(
        model, tools, interrupt_on=INTERRUPT_ON, options=GateOptions(seal_key=key),
        pause="breakpoint", subagents=SUBAGENTS, system_prompt=SYSTEM_PROMPT, checkpointer=saver,
    )

It makes a gate for the agent and one for each subagent (each with its policy),
puts each first in its middleware with the router and planning (`agent.approval.planning`:
their after-model steps then run before the approval node's), and wires what
`create_deep_agent` leaves out (`wire_gate`): the tools the gate checks edits
against, the subagents' state in `get_state(subgraphs=True)`, and with
`pause="breakpoint"` the static breakpoint before the approval node.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from deepagents import create_deep_agent
from deepagents.backends import StateBackend
from deepagents.middleware import CompiledSubAgent, FilesystemMiddleware, SubAgent
from deepagents.middleware.patch_tool_calls import PatchToolCallsMiddleware
from deepagents.middleware.summarization import create_summarization_middleware
from langchain.agents import create_agent
from langchain.agents.middleware import AgentMiddleware, InterruptOnConfig
from langchain_core.language_models import BaseChatModel
from langchain_core.tools import BaseTool
from langgraph.graph.state import CompiledStateGraph

from agent.approval.contract import APPROVAL_NODE, Pause
from agent.approval.gate import ApprovalGate, GateOptions
from agent.approval.internals import pause_before, show_subagents, tool_node_tools
from agent.approval.planning import Planning, router

Graph = CompiledStateGraph[Any, Any, Any, Any]
Policy = Mapping[str, bool | InterruptOnConfig]


def gated_deep_agent(
    model: BaseChatModel,
    tools: Sequence[BaseTool],
    *,
    interrupt_on: Policy,
    options: GateOptions,
    pause: Pause = "breakpoint",
    subagents: Sequence[SubAgent] = (),
    subagent_interrupt_on: Mapping[str, Policy] | None = None,
    middleware: Sequence[AgentMiddleware[Any, Any, Any]] = (),
    **deep_agent: Any,
) -> Graph:
    """`create_deep_agent(model, tools, ...)` whose gated calls wait for a human.

    A subagent's policy is its spec's `interrupt_on`, else `subagent_interrupt_on[name]`,
    else the agent's. `middleware` runs after the gate's and planning's (their after-model
    steps before its); `deep_agent` is the rest of `create_deep_agent`'s arguments."""
    policies = subagent_interrupt_on or {}
    built = [
        gated_subagent(
            spec,
            model=model,
            tools=tools,
            interrupt_on=spec.get("interrupt_on") or policies.get(spec["name"], interrupt_on),
            options=options,
            pause=pause,
        )
        for spec in subagents
    ]
    gate = options.gate(interrupt_on, pause=pause)
    agent: Graph = create_deep_agent(
        model=model,
        tools=tools,
        middleware=[gate, *router(pause), Planning(), *middleware],
        subagents=[subagent for subagent, _ in built],
        **deep_agent,
    )
    return wire_gate(agent, gate, pause, [graph for _, graph in built])


def gated_subagent(
    spec: SubAgent,
    *,
    model: BaseChatModel,
    tools: Sequence[BaseTool],
    interrupt_on: Policy,
    options: GateOptions,
    pause: Pause,
) -> tuple[CompiledSubAgent, Graph]:
    """A subagent as deepagents would build it (filesystem, summarization, patched tool
    calls), plus a gate of its own, pausing the way the main agent does."""
    gate = options.gate(interrupt_on, pause=pause, subagent=spec["name"])
    backend = StateBackend()
    graph: Graph = create_agent(
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


def wire_gate(agent: Graph, gate: ApprovalGate, pause: Pause, subagent_graphs: Sequence[Graph] = ()) -> Graph:
    """What an agent built with `gate` in its middleware needs besides: the gate gets the
    agent's tools, `get_state(subgraphs=True)` shows the subagents' state, and with
    `pause="breakpoint"` the graph pauses before the approval node. Returns the agent to serve."""
    gate.register_tools(tool_node_tools(agent))
    if subagent_graphs:
        show_subagents(agent, subagent_graphs[0])
    return pause_before(agent, APPROVAL_NODE) if pause == "breakpoint" else agent
