"""Unit tests: the graph in-process, with an in-memory checkpointer and no sockets."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import pytest_socket
from langchain_core.runnables import RunnableConfig
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.graph.state import CompiledStateGraph
from langgraph.types import Command, Durability, StateSnapshot

from agent.approval.contract import APPROVAL_NODE, PENDING_HITL, Pause, PendingRequest, resume_for
from agent.email import read_log
from agent.graph import make_graph
from agent.settings import Settings
from client.approvals import user_message


@pytest.fixture(autouse=True)
def _no_network() -> Iterator[None]:
    # Unix sockets stay allowed: asyncio's event loop uses a socketpair.
    pytest_socket.disable_socket(allow_unix_socket=True)
    yield
    pytest_socket.enable_socket()


@dataclass
class Harness:
    """A graph with its own checkpointer and email log, and helpers to drive threads."""

    graph: CompiledStateGraph[Any, Any, Any, Any]
    checkpointer: InMemorySaver
    email_log: Path
    pause: Pause

    def config(self, thread_id: str) -> RunnableConfig:
        return {"configurable": {"thread_id": thread_id}}

    def start(self, text: str, durability: Durability = "sync", thread_id: str | None = None) -> str:
        thread_id = thread_id or uuid.uuid4().hex
        self.graph.invoke(user_message(text), self.config(thread_id), durability=durability)
        return thread_id

    def resume(self, thread_id: str, value: Any, durability: Durability = "sync") -> None:
        self.graph.invoke(Command(resume=value), self.config(thread_id), durability=durability)

    def state(self, thread_id: str) -> StateSnapshot:
        return self.graph.get_state(self.config(thread_id))

    def pending(self, thread_id: str) -> PendingRequest:
        pending = self.state(thread_id).values.get(PENDING_HITL)
        assert pending, f"thread {thread_id} has no pending request"
        return pending  # type: ignore[no-any-return]

    def answer(self, thread_id: str, *decisions: dict[str, Any], durability: Durability = "sync") -> None:
        self.resume(thread_id, resume_for(self.pending(thread_id), decisions), durability)

    def assert_paused(self, thread_id: str) -> PendingRequest:
        """The thread waits at the approval node, in its graph's kind of pause; its request."""
        state = self.state(thread_id)
        assert state.next == (APPROVAL_NODE,)
        pending: PendingRequest = state.values[PENDING_HITL]
        interrupts = [i.value for t in state.tasks for i in t.interrupts]
        # `agent`: a static breakpoint, no interrupt value. `agent_interrupt`: the request is the value.
        assert interrupts == ([] if self.pause == "breakpoint" else [pending])
        return pending

    def refusal(self, thread_id: str) -> str | None:
        """Why the last answer was refused (`pending_hitl.error`), checking the pause is unchanged."""
        return self.assert_paused(thread_id).get("error")

    def sent(self) -> list[dict[str, Any]]:
        """Emails the provider actually sent (not refused duplicates)."""
        return [record for record in read_log(self.email_log) if record["sent"]]


@pytest.fixture(params=["breakpoint", "interrupt"], ids=["agent", "agent_interrupt"])
def harness(tmp_path: Path, request: pytest.FixtureRequest) -> Harness:
    """Every graph test runs on both graphs: paused at a static breakpoint, and on an interrupt."""
    checkpointer = InMemorySaver()
    log = tmp_path / "emails.jsonl"
    graph = make_graph(checkpointer=checkpointer, settings=Settings(email_log=log), pause=request.param)
    return Harness(graph=graph, checkpointer=checkpointer, email_log=log, pause=request.param)
