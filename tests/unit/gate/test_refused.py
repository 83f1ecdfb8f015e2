"""Refused decisions change nothing, say what was wrong, and never wedge the thread."""

from __future__ import annotations

from typing import Any

import pytest

from agent.approval.contract import APPROVAL_NODE, HITL_HISTORY
from harness.scripts import call, email, script
from tests.unit.conftest import Harness

GOOD_ARGS = email()["args"]


def _bad_answers(request_id: str) -> dict[str, tuple[Any, str]]:
    """Each refused case: the resume value and a phrase its error must contain."""

    def with_decisions(*decisions: Any) -> dict[str, Any]:
        return {"request_id": request_id, "decisions": list(decisions)}

    return {
        "another request": ({"request_id": "stale", "decisions": [{"type": "approve"}]}, "is not the pending request"),
        "too few": (with_decisions(), "Expected 1 decision(s)"),
        "too many": (with_decisions({"type": "approve"}, {"type": "approve"}), "Expected 1 decision(s)"),
        "decisions not a list": ({"request_id": request_id, "decisions": {"type": "approve"}}, "must be a list"),
        "unknown type": (with_decisions({"type": "maybe"}), "unknown type 'maybe'"),
        "decision not an object": (with_decisions("approve"), "must be an object"),
        "edit renames the tool": (
            with_decisions({"type": "edit", "edited_action": {"name": "write_file", "args": GOOD_ARGS}}),
            "not the tool",
        ),
        "edit args fail the schema": (
            with_decisions({"type": "edit", "edited_action": {"name": "send_email", "args": {**GOOD_ARGS, "to": 7}}}),
            "do not fit `send_email`",
        ),
        "edit adds an argument": (
            with_decisions(
                {"type": "edit", "edited_action": {"name": "send_email", "args": {**GOOD_ARGS, "bcc": "x@example.com"}}}
            ),
            "takes no argument 'bcc'",
        ),
        "edit without args": (with_decisions({"type": "edit", "edited_action": {"name": "send_email"}}), "args"),
        "respond without text": (with_decisions({"type": "respond"}), "needs a `message`"),
        "reject reason not text": (with_decisions({"type": "reject", "message": 3}), "must be a string"),
        "value is a string": ("approve", "got str"),
        "value is a list": ([{"type": "approve"}], "got list"),
        "value is a number": (1, "got int"),
        "answer id not text": ({**with_decisions({"type": "approve"}), "answer_id": 5}, "`answer_id` must be a string"),
    }


CASES = list(_bad_answers("x"))


def _snapshot(harness: Harness, thread: str) -> tuple[Any, ...]:
    state = harness.state(thread)
    return (state.next, harness.pending(thread)["request_id"], list(state.values.get(HITL_HISTORY, [])))


@pytest.mark.parametrize("case", CASES)
def test_refused_answer_changes_nothing_then_a_valid_one_completes(harness: Harness, case: str) -> None:
    thread = harness.start(script(email()))
    before = _snapshot(harness, thread)
    value, phrase = _bad_answers(harness.pending(thread)["request_id"])[case]

    harness.resume(thread, value)

    assert _snapshot(harness, thread) == before
    assert before[0] == (APPROVAL_NODE,)
    error = harness.refusal(thread)
    assert error is not None
    assert phrase in error
    assert harness.sent() == []
    assert not [m for m in harness.state(thread).values["messages"] if m.type == "tool"]

    harness.answer(thread, {"type": "approve"})
    assert harness.state(thread).next == ()
    assert len(harness.sent()) == 1
    assert len(harness.state(thread).values[HITL_HISTORY]) == 1


def test_decision_the_tool_does_not_allow_is_refused(harness: Harness) -> None:
    thread = harness.start(script(call("delete", file_path="/notes.md")))
    harness.answer(thread, {"type": "edit", "edited_action": {"name": "delete", "args": {"file_path": "/x"}}})
    assert "'edit' is not allowed for `delete`" in (harness.refusal(thread) or "")
    harness.answer(thread, {"type": "reject"})
    assert harness.state(thread).next == ()


def test_many_refusals_in_a_row_do_not_wedge_the_thread(harness: Harness) -> None:
    """Earlier resume values are replayed into the approval node; each is refused again."""
    thread = harness.start(script(email()))
    request_id = harness.pending(thread)["request_id"]
    for bad in ["no", {"request_id": request_id, "decisions": []}, {"request_id": "old", "decisions": []}]:
        harness.resume(thread, bad)
        assert harness.refusal(thread) is not None
    harness.answer(thread, {"type": "edit", "edited_action": {"name": "send_email", "args": {**GOOD_ARGS, "to": "x"}}})
    assert "do not fit" in (harness.refusal(thread) or "")
    harness.answer(thread, {"type": "respond", "message": "done by hand"})
    assert harness.state(thread).next == ()
    assert harness.state(thread).values["pending_hitl"] is None
    history = harness.state(thread).values[HITL_HISTORY]
    assert history[0]["decisions"] == [{"type": "respond", "message": "done by hand"}]
    assert harness.sent() == []


def test_a_second_refusal_replaces_the_error_and_a_valid_answer_clears_it(harness: Harness) -> None:
    thread = harness.start(script(email()))
    harness.resume(thread, "approve")
    assert "got str" in (harness.refusal(thread) or "")
    harness.resume(thread, {"decisions": []})
    error = harness.refusal(thread) or ""
    assert "Expected 1 decision(s)" in error
    assert "got str" not in error
    harness.answer(thread, {"type": "approve"})
    state = harness.state(thread)
    assert state.values["pending_hitl"] is None
    assert len(harness.sent()) == 1
    assert "error" not in state.values["hitl_history"][0]


def test_decisions_alone_answer_the_pending_request(harness: Harness) -> None:
    """langchain's HITLResponse, `{"decisions": [...]}`, is what HITL UIs send."""
    thread = harness.start(script(email()))
    harness.resume(thread, {"decisions": [{"type": "approve"}]})
    assert harness.state(thread).next == ()
    assert len(harness.sent()) == 1


def test_continuing_without_an_answer_is_refused_and_pauses_again(harness: Harness) -> None:
    """A run with no resume value on a paused thread answers nothing."""
    thread = harness.start(script(email()))
    request_id = harness.pending(thread)["request_id"]
    harness.graph.invoke(None, harness.config(thread))
    pending = harness.assert_paused(thread)
    assert pending["request_id"] == request_id
    assert harness.sent() == []
    if harness.pause == "breakpoint":  # an interrupt simply stays in place
        assert "No answer was given" in pending.get("error", "")
