"""Edited arguments as HITL UIs send them (every value a string), coerced to the tool's schema."""

from __future__ import annotations

from typing import Any

import pytest
from langchain_core.tools import BaseTool, tool

from agent.approval.contract import PendingRequest
from agent.approval.decisions import DecisionRefused, check_answer


@tool
def schedule(title: str, attendees: list[str], minutes: int, remote: bool, extra: dict[str, Any]) -> str:
    """Schedule a meeting."""
    return title


TOOLS: dict[str, BaseTool] = {"schedule": schedule}
ARGS = {"title": "Sync", "attendees": ["ada"], "minutes": 30, "remote": True, "extra": {"room": "A"}}
PENDING = PendingRequest(
    request_id="r1",
    message_id="m1",
    created_at="2026-11-25T00:00:00+00:00",
    expires_at="2026-11-26T00:00:00+00:00",
    action_requests=[{"tool_call_id": "c1", "name": "schedule", "args": ARGS, "description": "Schedule it."}],
    review_configs=[{"action_name": "schedule", "allowed_decisions": ["approve", "edit", "reject"]}],
)


def _edit(**args: Any) -> dict[str, Any]:
    return {"decisions": [{"type": "edit", "edited_action": {"name": "schedule", "args": {**ARGS, **args}}}]}


def test_strings_are_coerced_where_they_parse() -> None:
    sent = _edit(title="42", attendees='["ada", "grace"]', minutes="45", remote="false", extra='{"room": "B"}')
    (decision,) = check_answer(sent, PENDING, TOOLS)
    assert decision["edited_action"]["args"] == {  # type: ignore[typeddict-item]
        "title": "42",  # a string argument stays a string, even when it looks like a number
        "attendees": ["ada", "grace"],
        "minutes": 45,
        "remote": False,
        "extra": {"room": "B"},
    }


@pytest.mark.parametrize(
    ("args", "phrase"),
    [
        ({"minutes": "soon"}, "minutes: Input should be a valid integer"),
        ({"attendees": "ada, grace"}, "attendees: Input should be a valid list"),
        ({"extra": "room B"}, "extra: Input should be a valid dictionary"),
        ({"remote": "perhaps"}, "remote: Input should be a valid boolean"),
    ],
)
def test_strings_that_do_not_parse_are_refused_clearly(args: dict[str, str], phrase: str) -> None:
    with pytest.raises(DecisionRefused) as refused:
        check_answer(_edit(**args), PENDING, TOOLS)
    assert "do not fit `schedule`" in str(refused.value)
    assert phrase in str(refused.value)  # (the field, and why: the reviewer can fix it)
    assert phrase in str(refused.value)
