"""The index of waiting requests (`agent.approval.waiting`): written with the request, gone with its end."""

from __future__ import annotations

from typing import Any

import pytest
from langchain_core.runnables import RunnableConfig
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.store.memory import InMemoryStore
from langgraph.types import Command

from agent.approval.approvers import AUTH_USER_KEY
from agent.approval.contract import PENDING_HITL, Pause, resume_for
from agent.approval.waiting import ENTRIES, REQUESTS, ROLE_FLAG
from agent.email import NullEmailProvider
from agent.graph import make_graph
from agent.settings import Settings
from client.approvals import user_message
from harness.scripts import email, script


def as_user(thread: str, identity: str, *roles: str) -> RunnableConfig:
    user = {"identity": identity, "permissions": list(roles)}
    return {"configurable": {"thread_id": thread, AUTH_USER_KEY: user}, "metadata": {"owner": "ada"}}


def team_graph(store: InMemoryStore, pause: Pause, roles: tuple[str, ...] = ("approver",)) -> Any:
    settings = Settings(approver_roles=roles, requester_may_answer=not roles)
    return make_graph(
        checkpointer=InMemorySaver(), store=store, settings=settings, email_provider=NullEmailProvider(), pause=pause
    )


@pytest.mark.parametrize("pause", ["breakpoint", "interrupt"])
@pytest.mark.parametrize("answer", ["approve", "reject"])
def test_an_entry_while_it_waits_and_none_once_answered(pause: Pause, answer: str) -> None:
    store = InMemoryStore()
    graph = team_graph(store, pause)
    graph.invoke(user_message(script(email())), as_user("t1", "ada"))
    request = graph.get_state(as_user("t1", "ada")).values[PENDING_HITL]

    [entry] = store.search(ENTRIES)
    assert entry.key == f"t1/{request['request_id']}"
    assert {k: entry.value[k] for k in ("thread_id", "owner", "requested_by", "needs", "requester_may_answer")} == {
        "thread_id": "t1",
        "owner": "ada",
        "requested_by": "ada",
        "needs": [["approver"]],
        "requester_may_answer": False,
    }
    assert entry.value[f"{ROLE_FLAG}approver"] is True
    assert store.get(REQUESTS, entry.key).value == request  # type: ignore[union-attr]

    graph.invoke(Command(resume=dict(resume_for(request, [{"type": answer}]))), as_user("t1", "bob", "approver"))
    assert graph.get_state(as_user("t1", "bob")).values[PENDING_HITL] is None
    assert store.search(ENTRIES) == []
    assert store.search(REQUESTS) == []


def test_a_request_only_its_owner_may_answer_is_not_indexed() -> None:
    store = InMemoryStore()
    graph = team_graph(store, "breakpoint", roles=())
    graph.invoke(user_message(script(email())), as_user("t2", "ada"))
    assert graph.get_state(as_user("t2", "ada")).values[PENDING_HITL] is not None
    assert store.search(ENTRIES) == []


def test_a_new_message_ends_the_request_and_its_entry() -> None:
    store = InMemoryStore()
    graph = team_graph(store, "breakpoint")
    graph.invoke(user_message(script(email())), as_user("t3", "ada"))
    assert len(store.search(ENTRIES)) == 1
    graph.invoke(user_message("never mind"), as_user("t3", "ada"))  # cancels the waiting request
    entries = store.search(ENTRIES)
    pending = graph.get_state(as_user("t3", "ada")).values[PENDING_HITL]
    assert [e.value["request_id"] for e in entries] == ([pending["request_id"]] if pending else [])
