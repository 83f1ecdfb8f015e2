"""One pause-and-approve cycle, for each gate, in-process.

A cycle is what a user does: send a message whose turn makes one gated call, read
the pending request back (as a client after a reload would), approve it, and let
the run finish. Both gates run the same offline model, tools and checkpointer.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any, Literal

from langchain_core.runnables import RunnableConfig
from langgraph.graph.state import CompiledStateGraph
from langgraph.types import Checkpointer, Command

from agent.contract import PENDING_HITL, resume_for
from agent.email import NullEmailProvider
from agent.graph import make_graph
from agent.settings import Settings
from bench.graphs import make_builtin
from client.approvals import user_message
from tests.support.scripts import email, script

Gate = Literal["template", "builtin"]
GATES: tuple[Gate, ...] = ("template", "builtin")
Graph = CompiledStateGraph[Any, Any, Any, Any]


def build(gate: Gate, checkpointer: Checkpointer) -> Graph:
    if gate == "template":
        return make_graph(checkpointer=checkpointer, settings=Settings(), email_provider=NullEmailProvider())
    return make_builtin(checkpointer)


def config(thread_id: str) -> RunnableConfig:
    return {"configurable": {"thread_id": thread_id}}


def read_request(gate: Gate, graph: Graph, thread_id: str) -> Any:
    """What a client reads after a reload: the pending request."""
    state = graph.get_state(config(thread_id))
    if gate == "template":
        return state.values[PENDING_HITL]
    return state.tasks[0].interrupts[0].value


def pause(graph: Graph, thread_id: str) -> None:
    graph.invoke(user_message(script(email())), config(thread_id))


def approval(gate: Gate, request: Any) -> dict[str, Any]:
    """The resume value approving `request`'s one call, as each gate takes it."""
    decisions = [{"type": "approve"}]
    return dict(resume_for(request, decisions)) if gate == "template" else {"decisions": decisions}


def approve(gate: Gate, graph: Graph, thread_id: str) -> None:
    resume = approval(gate, read_request(gate, graph, thread_id))
    graph.invoke(Command(resume=resume), config(thread_id))


def cycle(gate: Gate, graph: Graph, thread_id: str | None = None) -> str:
    """One full cycle on `thread_id` (a new thread if none); returns the thread id."""
    thread_id = thread_id or uuid.uuid4().hex
    pause(graph, thread_id)
    approve(gate, graph, thread_id)
    return thread_id


CycleFn = Callable[[Gate, Graph, str | None], str]
