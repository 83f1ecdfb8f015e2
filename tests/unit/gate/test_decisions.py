"""Each decision type, applied to a gated call, and the history it leaves."""

from __future__ import annotations

from datetime import datetime

from agent.approval.contract import HITL_HISTORY, PENDING_HITL
from agent.email import Email, EmailNotSent, LoggingEmailProvider
from agent.graph import make_graph
from agent.settings import Settings
from agent.tools import outbox_path
from harness.scripts import call, email, script
from tests.unit.conftest import Harness


def _tool_messages(harness: Harness, thread: str) -> list[object]:
    return [m for m in harness.state(thread).values["messages"] if m.type == "tool"]


def test_approve_runs_the_call_once_as_made(harness: Harness) -> None:
    thread = harness.start(script(email()))
    call_id = harness.pending(thread)["action_requests"][0]["tool_call_id"]
    harness.answer(thread, {"type": "approve"})
    values = harness.state(thread).values
    content = values["files"][outbox_path(call_id)]["content"]
    assert "To: ada@example.com\nSubject: Launch\n" in content
    assert [(r["to"], r["subject"]) for r in harness.sent()] == [("ada@example.com", "Launch")]
    assert values[PENDING_HITL] is None
    assert "send_email (done): Email sent to ada@example.com" in values["messages"][-1].text


def test_edit_runs_the_call_once_with_the_edited_args(harness: Harness) -> None:
    thread = harness.start(script(email()))
    edited = {"name": "send_email", "args": {"to": "grace@example.com", "subject": "Edited", "body": "New body"}}
    harness.answer(thread, {"type": "edit", "edited_action": edited})
    assert [(r["to"], r["subject"]) for r in harness.sent()] == [("grace@example.com", "Edited")]
    (outbox,) = [f for path, f in harness.state(thread).values["files"].items() if path.startswith("/outbox/")]
    assert "To: grace@example.com" in outbox["content"]
    assert "New body" in outbox["content"]
    assert "edited by the reviewer" in harness.state(thread).values["messages"][-1].text


def test_reject_never_runs_the_call_and_tells_the_model_why(harness: Harness) -> None:
    thread = harness.start(script(email()))
    harness.answer(thread, {"type": "reject", "message": "not before Monday"})
    (tool,) = _tool_messages(harness, thread)
    assert tool.status == "error"  # type: ignore[attr-defined]
    assert "rejected" in tool.content  # type: ignore[attr-defined]
    assert "not before Monday" in tool.content  # type: ignore[attr-defined]
    assert harness.sent() == []
    assert not any(p.startswith("/outbox/") for p in harness.state(thread).values.get("files", {}))
    final = harness.state(thread).values["messages"][-1].text
    assert "send_email (rejected)" in final
    assert "not before Monday" in final


def test_respond_never_runs_the_call_and_gives_the_model_the_text(harness: Harness) -> None:
    thread = harness.start(script(email()))
    harness.answer(thread, {"type": "respond", "message": "Ada already knows; I told her."})
    (tool,) = _tool_messages(harness, thread)
    assert tool.content == "Ada already knows; I told her."  # type: ignore[attr-defined]
    assert tool.status == "success"  # type: ignore[attr-defined]
    assert harness.sent() == []
    assert "Ada already knows" in harness.state(thread).values["messages"][-1].text


def test_write_and_edit_file_are_gated_too(harness: Harness) -> None:
    thread = harness.start(script(call("write_file", file_path="/notes.md", content="buy milk\n")))
    assert harness.pending(thread)["action_requests"][0]["name"] == "write_file"
    assert "/notes.md" not in harness.state(thread).values.get("files", {})
    harness.answer(thread, {"type": "approve"})
    assert harness.state(thread).values["files"]["/notes.md"]["content"] == "buy milk\n"

    harness.start("edit /notes.md replacing milk with bread", thread_id=thread)
    assert harness.pending(thread)["action_requests"][0]["name"] == "edit_file"
    harness.answer(thread, {"type": "approve"})
    assert harness.state(thread).values["files"]["/notes.md"]["content"] == "buy bread\n"


def test_history_gains_one_entry_per_answered_request(harness: Harness) -> None:
    thread = harness.start(script(email(to="a@example.com")))
    first = harness.pending(thread)
    harness.answer(thread, {"type": "approve"})
    harness.start(script(email(to="b@example.com"), call("write_file", file_path="/x", content="y")), thread_id=thread)
    second = harness.pending(thread)
    harness.answer(thread, {"type": "reject"}, {"type": "respond", "message": "skip"})

    history = harness.state(thread).values[HITL_HISTORY]
    assert [h["request_id"] for h in history] == [first["request_id"], second["request_id"]]
    assert history[0]["action_requests"] == first["action_requests"]
    assert history[1]["decisions"] == [{"type": "reject"}, {"type": "respond", "message": "skip"}]
    for entry in history:
        assert datetime.fromisoformat(entry["decided_at"]).tzinfo is not None
        assert entry["decided_by"] is None  # no auth in-process
        assert entry["answer_id"] is None
    assert first["request_id"] != second["request_id"]


def test_history_records_the_answer_id_the_client_chose(harness: Harness) -> None:
    thread = harness.start(script(email()))
    request_id = harness.pending(thread)["request_id"]
    harness.resume(thread, {"request_id": request_id, "decisions": [{"type": "approve"}], "answer_id": "tab-1"})
    assert harness.state(thread).values[HITL_HISTORY][-1]["answer_id"] == "tab-1"


class RefusingProvider:
    """A provider that refuses every email, as a real one does for a bad address or an outage."""

    def send(self, email: Email) -> bool:
        raise EmailNotSent("the provider refused the address (550 mailbox unavailable)")


def test_a_refused_send_is_reported_as_failed(harness: Harness) -> None:
    harness.graph = make_graph(
        checkpointer=harness.checkpointer, settings=Settings(), email_provider=RefusingProvider(), pause=harness.pause
    )
    thread = harness.start(script(email()))
    call_id = harness.pending(thread)["action_requests"][0]["tool_call_id"]
    harness.answer(thread, {"type": "approve"})
    values = harness.state(thread).values
    (tool,) = _tool_messages(harness, thread)
    assert tool.status == "error"  # type: ignore[attr-defined]
    assert "was not sent: the provider refused the address" in tool.content  # type: ignore[attr-defined]
    assert not any(path.startswith("/outbox/") for path in values.get("files", {}))
    (entry,) = values[HITL_HISTORY]
    assert entry["outcomes"][call_id]["status"] == "failed"
    assert "550 mailbox unavailable" in entry["outcomes"][call_id]["detail"]
    assert "send_email (failed)" in values["messages"][-1].text


def test_outcomes_record_what_did_not_simply_run(harness: Harness) -> None:
    thread = harness.start(script(email(to="a@example.com"), email(to="b@example.com"), email(to="c@example.com")))
    ids = [a["tool_call_id"] for a in harness.pending(thread)["action_requests"]]
    harness.answer(thread, {"type": "approve"}, {"type": "reject"}, {"type": "respond", "message": "done"})
    (entry,) = harness.state(thread).values[HITL_HISTORY]
    assert entry["outcomes"] == {ids[1]: {"status": "rejected"}, ids[2]: {"status": "answered"}}
    assert [r["to"] for r in harness.sent()] == ["a@example.com"]


def test_a_send_the_provider_already_made_says_so(harness: Harness) -> None:
    thread = harness.start(script(email()))
    call_id = harness.pending(thread)["action_requests"][0]["tool_call_id"]
    # The provider has this key already: a run that died after sending, replayed.
    LoggingEmailProvider(harness.email_log).send(
        Email(to="ada@example.com", subject="Launch", body="x", idempotency_key=f"{thread}/{call_id}")
    )
    harness.answer(thread, {"type": "approve"})
    (tool,) = _tool_messages(harness, thread)
    assert "had already been sent" in tool.content  # type: ignore[attr-defined]
    assert "not sent again" in tool.content  # type: ignore[attr-defined]
    assert len(harness.sent()) == 1
