"""No path runs a gated tool without a decision, and no decision runs a call twice."""

from __future__ import annotations

from langchain_core.messages import AIMessage

from agent.contract import HITL_HISTORY, PENDING_HITL, resume_for
from tests.support.scripts import email, script
from tests.unit.conftest import Harness


def test_a_subagent_cannot_run_a_gated_tool(harness: Harness) -> None:
    thread = harness.start("delegate: " + script(email()))
    state = harness.state(thread)
    assert state.next == ()
    assert state.values.get(PENDING_HITL) is None
    assert harness.sent() == []
    (task,) = [m for m in state.values["messages"] if m.type == "tool"]
    assert task.name == "task"
    assert "send_email" in task.text
    assert "needs a human's approval" in task.text


def test_a_subagent_still_runs_free_tools(harness: Harness) -> None:
    thread = harness.start("delegate: list files")
    (task,) = [m for m in harness.state(thread).values["messages"] if m.type == "tool"]
    assert "ls (done)" in task.text


def test_answering_twice_in_a_row_runs_the_call_once(harness: Harness) -> None:
    thread = harness.start(script(email()))
    answer = resume_for(harness.pending(thread), [{"type": "approve"}])
    harness.resume(thread, answer)
    harness.resume(thread, answer)
    assert len(harness.sent()) == 1
    assert len(harness.state(thread).values[HITL_HISTORY]) == 1
    assert len([m for m in harness.state(thread).values["messages"] if m.type == "tool"]) == 1


def test_a_stale_answer_cannot_approve_the_next_request(harness: Harness) -> None:
    thread = harness.start(script(email(to="a@example.com")))
    stale = resume_for(harness.pending(thread), [{"type": "approve"}])
    harness.resume(thread, stale)
    harness.start(script(email(to="b@example.com")), thread_id=thread)
    harness.resume(thread, stale)
    assert "is not the pending request" in (harness.refusal(thread) or "")
    assert [r["to"] for r in harness.sent()] == ["a@example.com"]


def test_a_new_message_cancels_the_pending_request(harness: Harness) -> None:
    thread = harness.start(script(email()))
    harness.start("list files", thread_id=thread)
    state = harness.state(thread)
    assert state.next == ()
    assert state.values[PENDING_HITL] is None
    assert harness.sent() == []
    assert "ls (done)" in state.values["messages"][-1].text


def test_a_gated_call_that_skipped_the_request_step_is_not_run(harness: Harness) -> None:
    """Defence in depth: a gated call written into state past the model's step still cannot run."""
    thread = harness.start("hello")
    sneaky = AIMessage(content="", tool_calls=[{"name": "send_email", "args": email()["args"], "id": "sneaky"}])
    harness.graph.update_state(harness.config(thread), {"messages": [sneaky]}, as_node="model")
    harness.graph.invoke(None, harness.config(thread))
    messages = harness.state(thread).values["messages"]
    (refusal,) = [m for m in messages if m.type == "tool"]
    assert refusal.status == "error"
    assert "needs a human's approval" in refusal.text
    assert harness.sent() == []
