"""The gate's touches of langgraph beyond its public API (`agent/approval/internals.py`):
each fails here, by name, on an upgrade that changes what it relies on."""

from __future__ import annotations

from typing import get_args

from langchain.agents.middleware.types import JumpTo
from langgraph.checkpoint.memory import InMemorySaver

from agent.approval.contract import APPROVAL_NODE, HITL_HISTORY, PENDING_HITL
from agent.approval.internals import pause_before, show_subagents, tool_node_tools
from agent.email import NullEmailProvider
from agent.graph import make_graph
from agent.settings import Settings
from agent.tools import make_tools


def test_tool_node_tools_are_the_agents_tools() -> None:
    agent = make_graph(settings=Settings())
    names = {tool.name for tool in tool_node_tools(agent)}
    assert {tool.name for tool in make_tools(NullEmailProvider())} <= names
    assert "task" in names  # (deepagents' own tools are there too)


def test_show_subagents_makes_their_graph_the_tools_nodes_subgraph() -> None:
    agent = make_graph(settings=Settings())
    (subagent,) = agent.nodes["tools"].subgraphs
    show_subagents(agent, subagent)
    assert [graph for _, graph in agent.get_subgraphs()] == [subagent]


def test_omit_from_input_keeps_the_gates_keys_out_of_the_input() -> None:
    inputs = make_graph(settings=Settings()).get_input_jsonschema()["properties"]
    assert "messages" in inputs
    assert PENDING_HITL not in inputs
    assert HITL_HISTORY not in inputs


def test_jump_to_names_the_places_the_router_jumps() -> None:
    assert {"model", "tools", "end"} <= set(get_args(JumpTo))


def test_pause_before_sets_the_static_breakpoint() -> None:
    agent = make_graph(settings=Settings(), pause="interrupt", checkpointer=InMemorySaver())
    assert agent.interrupt_before_nodes == []
    paused = pause_before(agent, APPROVAL_NODE)
    assert paused.interrupt_before_nodes == [APPROVAL_NODE]
    assert agent.interrupt_before_nodes == []  # (a copy: the graph it came from is unchanged)
