"""Replays of the exact HTTP requests langchain's Agent Chat UI sends, against a real `langgraph dev`.

The bodies and headers are the ones the UI's source builds (`src/providers/Stream.tsx`,
`src/components/thread/agent-inbox/`, through `@langchain/langgraph-sdk`'s `useStream`,
SDK 1.8.10 as its lockfile pins): the API key as `X-Api-Key`, `HITLResponse` answers
with no `request_id`, every edited argument a string, "Mark as Resolved" as
`Command(goto="__end__")`, and "Successfully handled tool call." for a waiting call
before a new message. Agent Chat UI renders only interrupt values, so it is pointed at
`agent_interrupt`; the same requests are replayed on `agent` too.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from agent.approval.contract import GRAPH_IDS, HITL_HISTORY, INTERRUPT_GRAPH_ID, PENDING_HITL
from agent.settings import LOCAL_TOKEN
from harness.scripts import call, email, script
from tests.support.served import Served
from tests.support.ui_replay import ReplayedUI, interrupts

EMAIL = email(to="ada@example.com")["args"]


@pytest.fixture(params=GRAPH_IDS)
def ui(served: Served, request: pytest.FixtureRequest) -> Iterator[AgentChatUI]:
    with httpx.Client(base_url=served.server.url, headers={"x-api-key": LOCAL_TOKEN}, timeout=120) as http:
        yield AgentChatUI(http, str(request.param))


class AgentChatUI(ReplayedUI):
    """The requests the UI makes, one method each, with its bodies."""

    def send(self, thread_id: str, text: str, *before: dict[str, Any]) -> list[tuple[str, Any]]:
        """A new human message (after `before`, the messages the UI adds for open calls)."""
        human = {"id": str(uuid.uuid4()), "type": "human", "content": [{"type": "text", "text": text}]}
        body = {
            "input": {"messages": [*before, human]},
            "stream_mode": ["values", "messages-tuple", "custom"],
            "stream_subgraphs": True,
            "stream_resumable": True,
            "assistant_id": self.graph_id,
            "on_disconnect": "continue",
        }
        return self.stream(thread_id, body)

    def head(self, thread_id: str) -> dict[str, Any]:
        response = self.http.post(f"/threads/{thread_id}/history", json={"limit": 10})
        response.raise_for_status()
        return dict(response.json()[0])

    def resume(self, thread_id: str, command: dict[str, Any]) -> list[tuple[str, Any]]:
        """An answer from the approval card: the head checkpoint rides along (SDK 1.8)."""
        checkpoint = {k: v for k, v in self.head(thread_id)["checkpoint"].items() if k != "thread_id"}
        body = {
            "input": {},
            "command": command,
            "stream_mode": ["messages-tuple", "values", "custom"],
            "stream_resumable": False,
            "assistant_id": self.graph_id,
            "checkpoint": checkpoint,
            "on_disconnect": "cancel",
        }
        return self.stream(thread_id, body)

    def decide(self, thread_id: str, *decisions: dict[str, Any]) -> list[tuple[str, Any]]:
        return self.resume(thread_id, {"resume": {"decisions": list(decisions)}})


def _paused(ui: AgentChatUI, text: str) -> tuple[str, dict[str, Any]]:
    thread_id = ui.new_thread()
    ui.send(thread_id, text)
    pending = ui.values(thread_id)[PENDING_HITL]
    assert pending is not None
    return thread_id, pending


def _tool_results(ui: AgentChatUI, thread_id: str) -> list[dict[str, Any]]:
    return [m for m in ui.values(thread_id)["messages"] if m["type"] == "tool"]


def test_approve(served: Served, ui: AgentChatUI) -> None:
    thread_id, _ = _paused(ui, "email ada@example.com about the launch")
    ui.decide(thread_id, {"type": "approve"})
    values = ui.values(thread_id)
    assert values[PENDING_HITL] is None
    assert len(values[HITL_HISTORY]) == 1
    assert [e["to"] for e in served.sent(thread_id)] == ["ada@example.com"]


def test_edit_with_every_argument_a_string(served: Served, ui: AgentChatUI) -> None:
    thread_id, _ = _paused(ui, "email ada@example.com about the launch")
    args = {"to": "grace@example.com", "subject": "The launch, moved", "body": "Next week."}
    ui.decide(thread_id, {"type": "edit", "edited_action": {"name": "send_email", "args": args}})
    assert [(e["to"], e["subject"]) for e in served.sent(thread_id)] == [("grace@example.com", "The launch, moved")]

    # A boolean argument, typed in the UI's text box: "true", coerced to the tool's schema.
    write = call("write_file", file_path="/notes.md", content="milk milk")
    edit = call("edit_file", file_path="/notes.md", old_string="milk", new_string="bread", replace_all=False)
    thread_id, _ = _paused(ui, script(write))
    ui.decide(thread_id, {"type": "approve"})
    ui.send(thread_id, script(edit))
    strings = {"file_path": "/notes.md", "old_string": "milk", "new_string": "bread", "replace_all": "true"}
    ui.decide(thread_id, {"type": "edit", "edited_action": {"name": "edit_file", "args": strings}})
    values = ui.values(thread_id)
    assert values["files"]["/notes.md"]["content"] == "bread bread"
    assert values[HITL_HISTORY][-1]["decisions"][0]["edited_action"]["args"]["replace_all"] is True


def test_an_edit_that_does_not_parse_is_refused_clearly(served: Served, ui: AgentChatUI) -> None:
    write = call("write_file", file_path="/notes.md", content="milk")
    thread_id, _ = _paused(ui, script(write))
    ui.decide(thread_id, {"type": "approve"})
    ui.send(thread_id, script(call("edit_file", file_path="/notes.md", old_string="milk", new_string="bread")))
    strings = {"file_path": "/notes.md", "old_string": "milk", "new_string": "bread", "replace_all": "maybe"}
    ui.decide(thread_id, {"type": "edit", "edited_action": {"name": "edit_file", "args": strings}})
    pending = ui.values(thread_id)[PENDING_HITL]
    assert "replace_all: Input should be a valid boolean" in pending["error"]
    assert ui.values(thread_id)["files"]["/notes.md"]["content"] == "milk"


def test_reject_with_a_reason(served: Served, ui: AgentChatUI) -> None:
    thread_id, _ = _paused(ui, "email ada@example.com about the launch")
    ui.decide(thread_id, {"type": "reject", "message": "not before Monday"})
    (result,) = _tool_results(ui, thread_id)
    assert result["status"] == "error"
    assert "not before Monday" in result["content"]
    assert served.attempts(thread_id) == []


def test_mark_as_resolved_dismisses_the_request(served: Served, ui: AgentChatUI) -> None:
    thread_id, pending = _paused(ui, "email ada@example.com about the launch")
    ui.resume(thread_id, {"goto": "__end__"})
    values = ui.values(thread_id)
    assert values[PENDING_HITL] is None
    (entry,) = values[HITL_HISTORY]
    assert entry["request_id"] == pending["request_id"]
    assert entry["decisions"] == [{"type": "dismiss"}]
    assert entry["decided_by"] == "demo"  # who dismissed it
    assert "dismissed by demo" in _tool_results(ui, thread_id)[0]["content"]
    assert ui.http.get(f"/threads/{thread_id}").json()["status"] == "idle"
    assert served.attempts(thread_id) == []
    # The next turn goes on; the model has been told the call did not run.
    ui.send(thread_id, "list files")
    assert ui.values(thread_id)[PENDING_HITL] is None


def test_a_new_message_while_a_request_waits(served: Served, ui: AgentChatUI) -> None:
    thread_id, pending = _paused(ui, "email ada@example.com about the launch")
    (action,) = pending["action_requests"]
    made_up = {
        "type": "tool",
        "tool_call_id": action["tool_call_id"],
        "id": f"do-not-render-{uuid.uuid4()}",
        "name": "send_email",
        "content": "Successfully handled tool call.",
    }
    ui.send(thread_id, "list files", made_up)
    results = {m["tool_call_id"]: m for m in _tool_results(ui, thread_id)}
    assert results[action["tool_call_id"]]["status"] == "error"
    assert "was not run" in results[action["tool_call_id"]]["content"]
    assert "Successfully handled" not in json.dumps(ui.values(thread_id)["messages"])
    assert ui.values(thread_id)[PENDING_HITL] is None
    assert served.attempts(thread_id) == []


def test_a_late_answer_with_nothing_pending_runs_nothing(served: Served, ui: AgentChatUI) -> None:
    thread_id, _ = _paused(ui, "email ada@example.com about the launch")
    ui.decide(thread_id, {"type": "approve"})
    with pytest.raises(httpx.HTTPStatusError) as refused:
        ui.decide(thread_id, {"type": "approve"})
    assert refused.value.response.status_code == 409
    assert len(served.attempts(thread_id)) == 1
    ui.send(thread_id, "list files")  # the thread stays usable
    assert ui.http.get(f"/threads/{thread_id}").json()["status"] == "idle"


def test_no_key_or_a_wrong_one_is_refused(served: Served) -> None:
    for headers in ({}, {"x-api-key": "wrong"}):
        response = httpx.post(f"{served.server.url}/threads", json={"metadata": {}}, headers=headers)
        assert response.status_code == 401
        assert response.json()["detail"] in (
            "Missing token: send Authorization: Bearer <token> or X-Api-Key: <token>",
            "Unknown or expired token",
        )


def test_a_subagent_request_shows_as_an_interrupt_and_is_approved(served: Served, ui: AgentChatUI) -> None:
    delegate = call("task", description=script(call("send_email", **EMAIL)), subagent_type="general-purpose")
    thread_id = ui.new_thread()
    events = ui.send(thread_id, script(delegate))
    shown = interrupts(events)
    if ui.graph_id == INTERRUPT_GRAPH_ID:  # the card the UI renders: the subagent's request
        (request,) = {json.dumps(value, sort_keys=True): value for value in shown}.values()
        assert request["subagent"] == "general-purpose"
        assert [a["args"] for a in request["action_requests"]] == [EMAIL]
    else:
        assert shown == []  # a static breakpoint: nothing for the UI to render
    assert ui.values(thread_id)[PENDING_HITL] is None  # the thread's own: the request is the subagent's
    ui.decide(thread_id, {"type": "approve"})
    assert [e["to"] for e in served.sent(thread_id)] == [EMAIL["to"]]
    assert ui.http.get(f"/threads/{thread_id}").json()["status"] == "idle"
