"""Gated calls inside `task` subagents wait for approval like the main agent's, on both graphs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from langchain_core.messages import AIMessage
from langchain_core.runnables import RunnableConfig
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.types import Command, Durability

from agent.approval import tool_node_tools
from agent.approval.contract import APPROVAL_NODE, HITL_HISTORY, PENDING_HITL, SUBAGENT, PendingRequest, resume_for
from agent.approval.pending import AmbiguousAnswer, addressed, pending_requests, snapshot_dict
from agent.graph import make_graph
from agent.policy import INTERRUPT_ON, SUBAGENT_INTERRUPT_ON
from agent.settings import Settings
from agent.subagents import SUBAGENTS
from client.approvals import user_message
from harness.scripts import call, email, script
from tests.support.samples import sample_args
from tests.unit.conftest import Harness

GENERAL = "general-purpose"


def delegate(*subagent_calls: dict[str, Any], subagent: str = GENERAL) -> dict[str, Any]:
    """A `task` call whose subagent makes exactly `subagent_calls`."""
    return call("task", description=script(*subagent_calls), subagent_type=subagent)


def state_json(harness: Harness, thread: str) -> dict[str, Any]:
    return snapshot_dict(harness.graph.get_state(harness.config(thread), subgraphs=True))


def only_request(harness: Harness, thread: str) -> PendingRequest:
    (request,) = pending_requests(state_json(harness, thread))
    return request


def answer(harness: Harness, thread: str, request: PendingRequest, *decisions: dict[str, Any]) -> None:
    delivery = addressed(state_json(harness, thread), resume_for(request, decisions))
    harness.graph.invoke(Command(resume=delivery.resume), delivery.config(harness.config(thread)))


def outbox(harness: Harness, thread: str) -> list[str]:
    return sorted(path for path in harness.state(thread).values.get("files", {}) if path.startswith("/outbox/"))


def test_a_subagent_request_waits_in_the_subagents_state(harness: Harness) -> None:
    thread = harness.start(script(delegate(email())))
    parent = harness.graph.get_state(harness.config(thread), subgraphs=True)
    (task_call,) = parent.values["messages"][-1].tool_calls
    assert parent.next == ("tools",)
    assert parent.values[PENDING_HITL] is None
    # No leak (deepagents#2781): the parent holds its own messages only, and no email yet.
    assert [m.type for m in parent.values["messages"]] == ["human", "ai"]
    assert outbox(harness, thread) == []
    (task,) = parent.tasks
    assert task.state.next == (APPROVAL_NODE,)  # type: ignore[union-attr]
    request = only_request(harness, thread)
    assert (request["subagent"], request["task_call_id"]) == (GENERAL, task_call["id"])
    assert [a["args"] for a in request["action_requests"]] == [email()["args"]]
    interrupts = [i.value for i in task.interrupts]
    assert interrupts == ([] if harness.pause == "breakpoint" else [request])


def test_approved_in_a_subagent_runs_once_and_the_subagent_reports(harness: Harness) -> None:
    thread = harness.start(script(delegate(email())))
    request = only_request(harness, thread)
    answer(harness, thread, request, {"type": "approve"})
    answer(harness, thread, request, {"type": "approve"})  # a second answer changes nothing
    state = harness.state(thread)
    assert state.next == ()
    assert len(harness.sent()) == 1
    assert len(outbox(harness, thread)) == 1
    report = next(m for m in state.values["messages"] if m.type == "tool")
    assert report.name == "task"
    assert "send_email (done)" in report.text
    (entry,) = state.values[HITL_HISTORY]
    assert (entry["request_id"], entry["subagent"], entry["task_call_id"]) == (
        request["request_id"],
        GENERAL,
        request["task_call_id"],
    )


@pytest.mark.parametrize("decision", ["reject", "respond"])
def test_rejected_or_answered_in_a_subagent_never_runs(harness: Harness, decision: str) -> None:
    thread = harness.start(script(delegate(email())))
    answer(harness, thread, only_request(harness, thread), {"type": decision, "message": "Not now."})
    assert harness.state(thread).next == ()
    assert harness.sent() == []
    assert outbox(harness, thread) == []


def test_edited_in_a_subagent_runs_the_edited_call(harness: Harness) -> None:
    thread = harness.start(script(delegate(email(to="ada@example.com"))))
    edited = {**email()["args"], "to": "bob@example.com"}
    edit = {"type": "edit", "edited_action": {"name": "send_email", "args": edited}}
    answer(harness, thread, only_request(harness, thread), edit)
    assert [record["to"] for record in harness.sent()] == ["bob@example.com"]


def test_a_refused_answer_in_a_subagent_leaves_it_waiting_then_a_valid_one_completes(harness: Harness) -> None:
    thread = harness.start(script(delegate(email())))
    request = only_request(harness, thread)
    answer(harness, thread, request, {"type": "approve"}, {"type": "approve"})  # two decisions, one call
    refused = only_request(harness, thread)
    assert refused["request_id"] == request["request_id"]
    assert "1" in refused.get("error", "")
    assert harness.state(thread).next == ("tools",)
    assert harness.sent() == []
    answer(harness, thread, refused, {"type": "approve"})
    assert len(harness.sent()) == 1
    assert pending_requests(state_json(harness, thread)) == []


@pytest.mark.parametrize("durability", ["sync", "async", "exit"])
def test_a_subagent_request_is_durable_and_answered_from_a_new_process(
    harness: Harness, durability: Durability
) -> None:
    thread = harness.start(script(delegate(email())), durability=durability)
    # A new process: a new graph over the same checkpointer.
    again = make_graph(
        checkpointer=harness.checkpointer, settings=Settings(email_log=harness.email_log), pause=harness.pause
    )
    config = harness.config(thread)
    (request,) = pending_requests(snapshot_dict(again.get_state(config, subgraphs=True)))
    again.invoke(Command(resume=resume_for(request, [{"type": "approve"}])), config, durability=durability)
    assert len(harness.sent()) == 1
    assert again.get_state(config).next == ()


def test_parallel_subagents_wait_together(harness: Harness) -> None:
    thread = harness.start(script(delegate(email(to="a@example.com")), delegate(email(to="b@example.com"))))
    assert harness.state(thread).next == ("tools", "tools")  # a task each
    first, second = pending_requests(state_json(harness, thread))
    with pytest.raises(AmbiguousAnswer, match=first["request_id"]):
        addressed(state_json(harness, thread), {"decisions": [{"type": "approve"}]})
    answer(harness, thread, second, {"type": "approve"})  # in either order, each on its own
    assert [r["to"] for r in harness.sent()] == ["b@example.com"]
    assert [r["request_id"] for r in pending_requests(state_json(harness, thread))] == [first["request_id"]]
    answer(harness, thread, first, {"type": "reject"})
    assert [r["to"] for r in harness.sent()] == ["b@example.com"]
    state = harness.state(thread)
    assert state.next == ()
    assert isinstance(state.values["messages"][-1], AIMessage)
    assert {e["request_id"] for e in state.values[HITL_HISTORY]} == {first["request_id"], second["request_id"]}


def test_subagents_started_beside_a_gated_call_start_once_it_is_approved(harness: Harness) -> None:
    """The approval node sends the reply on, each subagent in a task of its own (`agent.approval.fanout`)."""
    turn = script(email(to="c@example.com"), delegate(email(to="a@example.com")), delegate(email(to="b@example.com")))
    thread = harness.start(turn)
    (own,) = pending_requests(state_json(harness, thread))
    assert SUBAGENT not in own
    answer(harness, thread, own, {"type": "approve"})
    assert [r["to"] for r in harness.sent()] == ["c@example.com"]
    assert harness.state(thread).next == ("tools", "tools")
    for request in reversed(pending_requests(state_json(harness, thread))):
        answer(harness, thread, request, {"type": "approve"})
    assert sorted(r["to"] for r in harness.sent()) == ["a@example.com", "b@example.com", "c@example.com"]
    state = harness.state(thread)
    assert state.next == ()
    assert len(state.values[HITL_HISTORY]) == 3


def test_a_subagent_still_runs_free_tools(harness: Harness) -> None:
    thread = harness.start(script(delegate(call("ls", path="/"))))
    (task,) = [m for m in harness.state(thread).values["messages"] if m.type == "tool"]
    assert "ls (done)" in task.text


@pytest.mark.parametrize(
    ("subagent", "tool"),
    [
        (spec["name"], tool)
        for spec in SUBAGENTS
        for tool in spec.get("interrupt_on") or SUBAGENT_INTERRUPT_ON.get(spec["name"], INTERRUPT_ON)
    ],
)
def test_every_gated_tool_of_every_subagent_waits(tmp_path: Path, subagent: str, tool: str) -> None:
    """Driven by `agent.policy` and `agent.subagents`, the arguments made from the tool's schema:
    a new subagent or gated tool is covered as is (one whose schema gives no arguments fails here, named)."""
    log = tmp_path / "emails.jsonl"
    graph = make_graph(checkpointer=InMemorySaver(), settings=Settings(email_log=log), pause="interrupt")
    (subagent_graph,) = graph.nodes["tools"].subgraphs
    tools = {t.name: t for t in tool_node_tools(subagent_graph)}
    assert tool in tools, f"{tool!r} is gated for {subagent!r}, which has no such tool ({sorted(tools)})"
    config: RunnableConfig = {"configurable": {"thread_id": "t"}}
    graph.invoke(user_message(script(delegate(call(tool, **sample_args(tools[tool])), subagent=subagent))), config)
    (request,) = pending_requests(snapshot_dict(graph.get_state(config, subgraphs=True)))
    assert request["subagent"] == subagent
    assert [a["name"] for a in request["action_requests"]] == [tool]
