"""Replays of the HTTP requests langchain's deep-agents-ui sends, against a real `langgraph dev`:
what docs/clients.md says it can and cannot do with each graph.

The bodies are the ones its source builds (`src/app/hooks/useChat.ts`,
`src/app/components/ToolApprovalInterrupt.tsx`, through `@langchain/langgraph-sdk`'s
`useStream`): a message with `recursion_limit: 100`; answers `{"decisions": [one decision]}`
with no `request_id` (it keys requests by tool name, so one decision whatever the count);
an edit whose arguments are strings as typed; a reject whose message may be empty; "Mark as
Resolved" as `Command(goto="__end__", update=None)`; its step-by-step mode with
`interrupt_before: ["tools"]`; its file editor with `threads.update_state`.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from agent.approval.contract import GRAPH_IDS, HITL_HISTORY, INTERRUPT_GRAPH_ID, PENDING_HITL
from agent.settings import LOCAL_TOKEN
from harness.scripts import email, script
from server.steering import OWN_BREAKPOINTS
from tests.support.served import Served
from tests.support.ui_replay import ReplayedUI, interrupts

ADA, BOB = email(to="ada@example.com"), email(to="bob@example.com")


class DeepAgentsUI(ReplayedUI):
    """The requests the UI makes, one method each, with its bodies."""

    def _run(self, thread_id: str, **fields: Any) -> list[tuple[str, Any]]:
        body = {
            "assistant_id": self.graph_id,
            "config": {"recursion_limit": 100},
            "stream_mode": ["values", "messages-tuple", "updates"],
            "stream_resumable": True,  # (`reconnectOnMount: true`)
            "on_disconnect": "continue",
            **fields,
        }
        return self.stream(thread_id, body)

    def send(self, thread_id: str, text: str) -> list[tuple[str, Any]]:
        return self._run(thread_id, input={"messages": [{"id": str(uuid.uuid4()), "type": "human", "content": text}]})

    def resume(self, thread_id: str, command: dict[str, Any]) -> list[tuple[str, Any]]:
        return self._run(thread_id, input=None, command=command)

    def decide(self, thread_id: str, decision: dict[str, Any]) -> list[tuple[str, Any]]:
        return self.resume(thread_id, {"resume": {"decisions": [decision]}})

    def step(self, thread_id: str, text: str) -> list[tuple[str, Any]]:
        """Its debug mode: one step at a time."""
        message = {"id": str(uuid.uuid4()), "type": "human", "content": text}
        return self._run(thread_id, input={"messages": [message]}, interrupt_before=["tools"])


@pytest.fixture(params=GRAPH_IDS)
def ui(served: Served, request: pytest.FixtureRequest) -> Iterator[DeepAgentsUI]:
    headers = {"X-Api-Key": LOCAL_TOKEN, "x-auth-scheme": "langsmith"}
    with httpx.Client(base_url=served.server.url, headers=headers, timeout=120) as http:
        yield DeepAgentsUI(http, str(request.param))


def _shown(ui: DeepAgentsUI, *calls: dict[str, Any]) -> tuple[str, list[Any]]:
    """A new conversation that pauses: its thread, and the interrupt values the UI renders."""
    thread_id = ui.new_thread()
    shown = interrupts(ui.send(thread_id, script(*calls)))
    assert ui.values(thread_id)[PENDING_HITL] is not None
    return thread_id, shown


def test_it_shows_and_answers_a_request_with_one_call_on_agent_interrupt_only(served: Served, ui: DeepAgentsUI) -> None:
    thread_id, shown = _shown(ui, ADA)
    if ui.graph_id != INTERRUPT_GRAPH_ID:
        assert shown == []  # a static breakpoint: nothing for the UI to render
        return
    (request,) = {value["request_id"]: value for value in shown}.values()
    assert [a["args"] for a in request["action_requests"]] == [ADA["args"]]
    ui.decide(thread_id, {"type": "approve"})
    assert [e["to"] for e in served.sent(thread_id)] == ["ada@example.com"]


def test_edit_reject_and_mark_as_resolved(served: Served, ui: DeepAgentsUI) -> None:
    thread_id, _ = _shown(ui, ADA)
    typed = {"to": "grace@example.com", "subject": "Moved", "body": "Next week."}  # (as typed: strings)
    ui.decide(thread_id, {"type": "edit", "edited_action": {"name": "send_email", "args": typed}})
    assert [e["to"] for e in served.sent(thread_id)] == ["grace@example.com"]

    thread_id, _ = _shown(ui, ADA)
    ui.decide(thread_id, {"type": "reject", "message": ""})  # (its reason box, left empty)
    assert served.attempts(thread_id) == []
    assert ui.values(thread_id)[HITL_HISTORY][0]["decisions"][0]["type"] == "reject"

    thread_id, _ = _shown(ui, ADA)
    ui.resume(thread_id, {"goto": "__end__", "update": None})
    assert ui.values(thread_id)[HITL_HISTORY][0]["decisions"] == [{"type": "dismiss"}]
    assert served.attempts(thread_id) == []


def test_what_it_cannot_do_here_is_refused_in_one_line(served: Served, ui: DeepAgentsUI) -> None:
    thread_id, _ = _shown(ui, ADA, BOB)  # two calls: it sends one decision
    with pytest.raises(httpx.HTTPStatusError) as refused:
        ui.decide(thread_id, {"type": "approve"})
    assert refused.value.response.status_code == 422
    assert refused.value.response.json()["detail"].startswith("Expected 2 decision(s)")

    with pytest.raises(httpx.HTTPStatusError) as refused:  # its step-by-step mode
        ui.step(ui.new_thread(), script(ADA))
    assert refused.value.response.status_code == 403
    assert refused.value.response.json()["detail"] == OWN_BREAKPOINTS.format(field="interrupt_before")

    edited = ui.http.post(f"/threads/{thread_id}/state", json={"values": {"files": {}}})  # its file editor
    assert edited.status_code == 403, edited.text
    assert served.attempts(thread_id) == []
    assert ui.values(thread_id)[PENDING_HITL] is not None
