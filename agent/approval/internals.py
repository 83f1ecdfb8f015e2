"""Every touch of langgraph / langchain / deepagents beyond their public API, in one place.

Each says why it is needed; `tests/unit/gate/test_internals.py` fails on an upgrade that breaks one.
"""

from __future__ import annotations

from typing import Any

from langchain_core.tools import BaseTool
from langgraph.prebuilt import ToolNode

# Two names langchain's middleware module defines and uses but does not export, imported
# where they are used (`agent/approval/state.py`, `agent/approval/planning.py`: this package imports those, so
# a re-export here would be an import cycle); `tests/unit/gate/test_internals.py` checks both:
# `OmitFromInput` keeps a state key out of the graph's input schema (a client cannot send
# `pending_hitl` or `hitl_history` as input); `JumpTo` is the type of a hook's `jump_to`.


def tool_node_tools(graph: Any) -> list[BaseTool]:
    """The tools of an agent graph's `tools` node, for `ApprovalGate.register_tools`."""
    tool_node = graph.nodes["tools"].bound
    if not isinstance(tool_node, ToolNode):
        raise TypeError("the agent no longer has a ToolNode named 'tools'; update agent/approval/internals.py")
    return list(tool_node.tools_by_name.values())


def show_subagents(agent: Any, subagent: Any) -> None:
    """Name a subagent's graph as the `tools` node's subgraph.

    Subagents run inside `task` calls of the tools node, where LangGraph cannot see
    them; naming the graph lets `get_state(..., subgraphs=True)` show their state. All
    subagents share one state schema (`agent.approval.state`), so any one reads them all.
    (`PregelNode.subgraphs` has no public setter.)"""
    agent.nodes["tools"].subgraphs = [subagent]


def pause_before(agent: Any, node: str) -> Any:
    """The compiled `agent` with a static breakpoint before `node`.

    `create_deep_agent` takes no `interrupt_before`; `Pregel.copy` with the compiled
    graph's `interrupt_before_nodes` is how `compile(interrupt_before=...)` sets it."""
    return agent.copy(update={"interrupt_before_nodes": [node]})
