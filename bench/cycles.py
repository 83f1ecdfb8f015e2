"""One pause-and-approve cycle, for each gate, in-process.

A cycle is what a user does: send a message whose turn makes one gated call, read
the pending request back (as a client after a reload would), approve it, and let
the run finish. Every gate runs the same offline model, tools and checkpointer:
the template's two graphs (`agent`, paused at a breakpoint; `agent_interrupt`,
paused on an interrupt) and deepagents' built-in `interrupt_on`.
"""

from __future__ import annotations

import uuid
from typing import Any, Literal

from langchain_core.runnables import RunnableConfig
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.graph.state import CompiledStateGraph
from langgraph.types import Checkpointer, Command

from agent.approval.contract import GRAPH_ID, INTERRUPT_GRAPH_ID, PAUSE_BY_GRAPH, PENDING_HITL, resume_for
from agent.email import NullEmailProvider
from agent.graph import make_graph
from agent.settings import Settings
from bench.graphs import make_builtin
from client.approvals import user_message
from harness.scripts import email, script

Gate = Literal["agent", "agent_interrupt", "builtin"]
BUILTIN: Gate = "builtin"
TEMPLATE_GATES: tuple[Gate, ...] = (GRAPH_ID, INTERRUPT_GRAPH_ID)
GATES: tuple[Gate, ...] = (*TEMPLATE_GATES, BUILTIN)
Graph = CompiledStateGraph[Any, Any, Any, Any]


def build(gate: Gate, checkpointer: Checkpointer) -> Graph:
    if gate == BUILTIN:
        return make_builtin(checkpointer)
    settings = Settings()
    return make_graph(
        checkpointer=checkpointer, settings=settings, email_provider=NullEmailProvider(), pause=PAUSE_BY_GRAPH[gate]
    )


def config(thread_id: str) -> RunnableConfig:
    return {"configurable": {"thread_id": thread_id}}


def read_request(gate: Gate, graph: Graph, thread_id: str) -> Any:
    """What a client reads after a reload: the pending request."""
    state = graph.get_state(config(thread_id))
    if gate == BUILTIN:
        return state.tasks[0].interrupts[0].value
    return state.values[PENDING_HITL]


def pause(graph: Graph, thread_id: str) -> None:
    graph.invoke(user_message(script(email())), config(thread_id))


def approval(gate: Gate, request: Any) -> dict[str, Any]:
    """The resume value approving `request`'s one call, as each gate takes it."""
    decisions = [{"type": "approve"}]
    return {"decisions": decisions} if gate == BUILTIN else dict(resume_for(request, decisions))


def approve(gate: Gate, graph: Graph, thread_id: str) -> None:
    resume = approval(gate, read_request(gate, graph, thread_id))
    graph.invoke(Command(resume=resume), config(thread_id))


def cycle(gate: Gate, graph: Graph, thread_id: str | None = None) -> str:
    """One full cycle on `thread_id` (a new thread if none); returns the thread id."""
    thread_id = thread_id or uuid.uuid4().hex
    pause(graph, thread_id)
    approve(gate, graph, thread_id)
    return thread_id


def supersteps(gate: Gate) -> int:
    """Supersteps of one cycle on a new thread (its pausing run and its resuming run).

    Each superstep writes one checkpoint whose metadata says it came from the loop.
    """
    saver = InMemorySaver()
    thread_id = cycle(gate, build(gate, saver))
    return sum(1 for saved in saver.list(config(thread_id)) if saved.metadata.get("source") == "loop")
