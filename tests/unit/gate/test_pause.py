"""When the graph pauses, what it saves, and when it does not pause at all."""

from __future__ import annotations

from typing import Any, TypedDict

import pytest
from deepagents import create_deep_agent
from langchain_core.runnables import RunnableConfig
from langgraph._internal._constants import CONFIG_KEY_SEND
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.graph import END, START, StateGraph
from langgraph.graph.state import CompiledStateGraph
from langgraph.types import Command, Durability, interrupt

from agent.approval import ApprovalGate, tool_node_tools, wire_gate
from agent.approval.contract import APPROVAL_NODE, PENDING_HITL, Pause
from agent.approval.planning import ROUTE_TURNS, router
from agent.email import NullEmailProvider
from agent.models.offline import OfflineChatModel
from agent.policy import INTERRUPT_ON
from agent.settings import Settings
from agent.tools import EMAIL_PATTERN, make_tools
from client.approvals import user_message
from harness.scripts import call, email, script
from tests.unit.conftest import Harness

MODES: list[Durability] = ["sync", "async", "exit"]
ROUTER_NODE = f"{ROUTE_TURNS}.after_model"


def _latest_checkpoint_values(harness: Harness, thread_id: str) -> dict[str, Any]:
    saved = harness.checkpointer.get_tuple(harness.config(thread_id))
    assert saved is not None
    return dict(saved.checkpoint["channel_values"])


@pytest.mark.parametrize("mode", MODES)
def test_pending_request_is_checkpointed_and_cleared(harness: Harness, mode: Durability) -> None:
    thread = harness.start(script(email()), durability=mode)
    saved = _latest_checkpoint_values(harness, thread)[PENDING_HITL]
    state = harness.state(thread)
    assert state.next == (APPROVAL_NODE,)
    assert saved == state.values[PENDING_HITL]
    (action,) = saved["action_requests"]
    assert action["name"] == "send_email"
    assert action["args"] == email()["args"]
    assert action["description"] == "Send an email to ada@example.com with the subject 'Launch'."
    (review,) = saved["review_configs"]
    assert review["action_name"] == "send_email"
    assert review["allowed_decisions"] == ["approve", "edit", "reject", "respond"]
    # The tool's argument schema, for edit forms: constraints kept, prose and titles dropped.
    assert review["args_schema"]["required"] == ["to", "subject", "body"]
    assert review["args_schema"]["properties"]["to"]["pattern"] == EMAIL_PATTERN
    assert "title" not in review["args_schema"]["properties"]["to"]
    ai = [m for m in state.values["messages"] if m.type == "ai"][-1]
    assert saved["message_id"] == ai.id
    assert action["tool_call_id"] == ai.tool_calls[0]["id"]
    assert harness.sent() == []

    harness.answer(thread, {"type": "approve"}, durability=mode)
    assert _latest_checkpoint_values(harness, thread).get(PENDING_HITL) is None
    assert harness.state(thread).next == ()
    assert len(harness.sent()) == 1


class _PlainState(TypedDict, total=False):
    note: str
    answer: str


@pytest.mark.parametrize("mode", MODES)
def test_plain_interrupt_loses_what_the_node_wrote(mode: Durability) -> None:
    """The problem this template solves, shown: writes before interrupt() are not saved."""

    def ask(state: _PlainState, config: RunnableConfig) -> dict[str, str]:
        # The node records its request in state (LangGraph's own write channel), then waits.
        config["configurable"][CONFIG_KEY_SEND]([("note", "request details")])
        return {"answer": interrupt("approve?")}

    builder = StateGraph(_PlainState)
    builder.add_node("ask", ask)
    builder.add_edge(START, "ask")
    builder.add_edge("ask", END)
    graph = builder.compile(checkpointer=InMemorySaver())
    config: Any = {"configurable": {"thread_id": "plain"}}
    graph.invoke({}, config, durability=mode)
    state = graph.get_state(config)
    assert state.next == ("ask",)
    assert state.tasks[0].interrupts[0].value == "approve?"
    assert "note" not in state.values


@pytest.mark.parametrize(
    "text",
    ["hello there", "list files", "plan the launch", script(call("ls", path="/"), call("read_file", file_path="/x"))],
)
def test_turns_without_a_gated_call_never_pause(harness: Harness, text: str) -> None:
    thread = harness.start(text)
    state = harness.state(thread)
    assert state.next == ()
    assert PENDING_HITL in state.values
    assert state.values[PENDING_HITL] is None
    assert state.values["messages"][-1].type == "ai"
    assert not state.values["messages"][-1].tool_calls


def test_two_gated_calls_in_one_turn(harness: Harness) -> None:
    thread = harness.start(
        script(email(to="a@example.com"), email(to="b@example.com"), call("write_file", file_path="/n.md", content="x"))
    )
    pending = harness.pending(thread)
    assert [a["args"].get("to") for a in pending["action_requests"]] == ["a@example.com", "b@example.com", None]
    assert [c["action_name"] for c in pending["review_configs"]] == ["send_email", "write_file"]
    harness.answer(thread, {"type": "approve"}, {"type": "reject", "message": "not b"}, {"type": "approve"})
    assert [r["to"] for r in harness.sent()] == ["a@example.com"]
    files = harness.state(thread).values["files"]
    assert "/n.md" in files


def test_gated_and_free_calls_wait_together(harness: Harness) -> None:
    thread = harness.start(script(call("write_file", file_path="/n.md", content="x"), call("ls", path="/")))
    pending = harness.pending(thread)
    assert [a["name"] for a in pending["action_requests"]] == ["write_file"]
    # The free call waits with the turn: nothing of it has run yet.
    assert not [m for m in harness.state(thread).values["messages"] if m.type == "tool"]
    harness.answer(thread, {"type": "approve"})
    tools = [m.name for m in harness.state(thread).values["messages"] if m.type == "tool"]
    assert sorted(tools) == ["ls", "write_file"]


def test_parallel_plans_are_refused_and_the_gated_call_still_waits(harness: Harness) -> None:
    plan = call("write_todos", todos=[{"content": "a", "status": "pending"}])
    thread = harness.start(script(plan, plan, email()))
    assert [a["name"] for a in harness.pending(thread)["action_requests"]] == ["send_email"]
    harness.answer(thread, {"type": "approve"})
    tools = [m for m in harness.state(thread).values["messages"] if m.type == "tool"]
    refused = [m for m in tools if m.status == "error"]
    assert len(refused) == 2
    assert all("write_todos" in m.text for m in refused)
    assert len(tools) == 3  # each call answered once: two refusals and the email
    assert len(harness.sent()) == 1


def test_parallel_plans_alone_are_refused_and_the_run_ends(harness: Harness) -> None:
    """Planning's own check, with no gated call in the turn: an error per call, no crash."""
    plan = call("write_todos", todos=[{"content": "a", "status": "pending"}])
    thread = harness.start(script(plan, plan))
    state = harness.state(thread)
    assert state.next == ()
    tools = [m for m in state.values["messages"] if m.type == "tool"]
    assert [m.status for m in tools] == ["error", "error"]
    assert all("write_todos" in m.text for m in tools)
    assert not state.values.get("todos")
    assert "write_todos (failed)" in state.values["messages"][-1].text


def test_a_plan_and_a_gated_call_wait_together_and_both_run(harness: Harness) -> None:
    plan = call("write_todos", todos=[{"content": "send it", "status": "in_progress"}])
    thread = harness.start(script(plan, email()))
    assert [a["name"] for a in harness.assert_paused(thread)["action_requests"]] == ["send_email"]
    assert not harness.state(thread).values.get("todos")
    harness.answer(thread, {"type": "approve"})
    values = harness.state(thread).values
    assert values["todos"] == [{"content": "send it", "status": "in_progress"}]
    assert len(harness.sent()) == 1


@pytest.mark.parametrize("pause", ["breakpoint", "interrupt"])
def test_the_gate_in_an_agent_without_planning(pause: Pause) -> None:
    """The gate and its router (`RouteTurns` at a breakpoint) need no `write_todos`."""
    gate = ApprovalGate(INTERRUPT_ON, pause=pause, seal_key=Settings().seal_key)
    built: CompiledStateGraph[Any, Any, Any, Any] = create_deep_agent(
        model=OfflineChatModel(),
        tools=make_tools(NullEmailProvider()),
        middleware=[gate, *router(pause)],
        checkpointer=InMemorySaver(),
    )
    agent = wire_gate(built, gate, pause)
    assert "write_todos" not in {tool.name for tool in tool_node_tools(agent)}
    config: RunnableConfig = {"configurable": {"thread_id": "plain"}}
    agent.invoke(user_message("list files"), config)
    assert agent.get_state(config).next == ()
    agent.invoke(user_message(script(email())), config)
    state = agent.get_state(config)
    assert state.next == (APPROVAL_NODE,)
    request_id = state.values[PENDING_HITL]["request_id"]
    agent.invoke(Command(resume={"request_id": request_id, "decisions": [{"type": "reject"}]}), config)
    assert agent.get_state(config).values[PENDING_HITL] is None
    assert agent.get_state(config).next == ()


def test_turns_without_a_request_cost_no_superstep(harness: Harness) -> None:
    """One step after the model routes them: the router at a breakpoint (never the
    approval node, whose breakpoint would pause), the approval node on an interrupt."""
    routes = ROUTER_NODE if harness.pause == "breakpoint" else APPROVAL_NODE
    config = harness.config("quiet")
    steps = [
        node
        for update in harness.graph.stream(user_message(script(call("ls", path="/"))), config, stream_mode="updates")
        for node in update
    ]
    assert steps == [
        "PatchToolCallsMiddleware.before_agent",
        "model",
        routes,
        "tools",
        "model",
        routes,
        "_ParentNotifierMiddleware.after_agent",
    ]
