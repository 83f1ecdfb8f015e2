"""The audit trail: every request and what became of it, in the store, outside the thread."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import Any, cast

import pytest
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.store.base import GetOp, Op, Result
from langgraph.store.memory import InMemoryStore

from agent.approval import audit
from agent.approval.abandoned import STOPPED
from agent.approval.audit.records import namespace
from agent.approval.contract import CANCEL, DISMISS, HITL_HISTORY, Pause, resume_for, store_label
from agent.graph import make_graph
from agent.settings import Settings
from harness.scripts import call, email, script
from tests.unit.conftest import Harness


@pytest.fixture(params=["breakpoint", "interrupt"], ids=["agent", "agent_interrupt"])
def audited(tmp_path: Path, request: pytest.FixtureRequest) -> tuple[Harness, InMemoryStore]:
    store = InMemoryStore()
    checkpointer = InMemorySaver()
    log = tmp_path / "emails.jsonl"
    pause: Pause = request.param
    graph = make_graph(checkpointer=checkpointer, store=store, settings=Settings(email_log=log), pause=pause)
    return Harness(graph=graph, checkpointer=checkpointer, email_log=log, pause=pause), store


def trail(store: InMemoryStore, thread: str) -> list[dict[str, Any]]:
    items = store.search(audit.namespace(audit.LOCAL_OWNER), limit=1000)
    return sorted((i.value for i in items if i.value["thread_id"] == thread), key=lambda r: r["at"])


def test_request_refusal_and_answer_are_recorded(audited: tuple[Harness, InMemoryStore]) -> None:
    harness, store = audited
    thread = harness.start(script(email()))
    pending = harness.pending(thread)
    harness.resume(thread, {"decisions": []})  # refused
    error = harness.refusal(thread)
    edited = {**email()["args"], "to": "bob@example.com"}
    harness.answer(thread, {"type": "edit", "edited_action": {"name": "send_email", "args": edited}})
    requested, refused, answered = trail(store, thread)
    assert [r["event"] for r in (requested, refused, answered)] == ["requested", "refused", "answered"]
    assert {r["request_id"] for r in (requested, refused, answered)} == {pending["request_id"]}
    (call_id,) = requested["args_digest"]
    assert requested["args_digest"][call_id] == audit.digest(email()["args"])
    assert answered["args_digest"] == {call_id: audit.digest(edited)}  # the args that ran
    assert answered["decisions"] == ["edit"]
    assert answered["tools"] == ["send_email"]
    assert refused["error"] == error


def test_rejected_dismissed_and_subagent_requests_are_recorded(audited: tuple[Harness, InMemoryStore]) -> None:
    harness, store = audited
    rejected = harness.start(script(email()))
    harness.answer(rejected, {"type": "reject"})
    assert [(r["event"], r["decisions"], r["args_digest"]) for r in trail(store, rejected)[1:]] == [
        ("answered", ["reject"], {})  # nothing ran
    ]
    dismissed = harness.start(script(email()))
    harness.resume(dismissed, {DISMISS: True})
    assert [r["event"] for r in trail(store, dismissed)] == ["requested", "dismissed"]
    delegated = harness.start(script(call("task", description=script(email()), subagent_type="general-purpose")))
    (asked,) = trail(store, delegated)
    assert asked["subagent"] == "general-purpose"
    assert asked["task_call_id"]


def test_the_trail_outlives_the_thread(audited: tuple[Harness, InMemoryStore]) -> None:
    harness, store = audited
    thread = harness.start(script(email()))
    harness.resume(thread, resume_for(harness.pending(thread), [{"type": "approve"}]))
    harness.checkpointer.delete_thread(thread)
    assert harness.graph.get_state(harness.config(thread)).values == {}
    assert [r["event"] for r in trail(store, thread)] == ["requested", "answered"]


def test_subagents_a_new_message_stops_end_their_requests_on_record(audited: tuple[Harness, InMemoryStore]) -> None:
    """Two subagents wait; a new message stops both: each request is closed as cancelled in the
    parent's history and the trail (their own states are never read again), and nothing runs."""
    harness, store = audited
    tasks = [
        call("task", description=script(email(to=to)), subagent_type="general-purpose") for to in ("a@x.y", "b@x.y")
    ]
    thread = harness.start(script(*tasks))
    asked = {r["request_id"]: r for r in trail(store, thread)}
    assert [r["event"] for r in asked.values()] == ["requested", "requested"]
    harness.start("hello", thread_id=thread)
    entries = harness.state(thread).values[HITL_HISTORY]
    assert sorted(e["request_id"] for e in entries) == sorted(asked)
    for entry in entries:
        assert entry["decisions"] == [{"type": CANCEL}]
        assert [o["detail"] for o in entry["outcomes"].values()] == [STOPPED]
        assert (entry["subagent"], entry["task_call_id"]) == (
            "general-purpose",
            asked[entry["request_id"]]["task_call_id"],
        )
    events = sorted((r["request_id"], r["event"]) for r in trail(store, thread))
    assert events == sorted((request_id, event) for request_id in asked for event in ("requested", "cancelled"))
    harness.start("hello again", thread_id=thread)  # (closed once: nothing more on record)
    assert len(harness.state(thread).values[HITL_HISTORY]) == 2
    assert len(trail(store, thread)) == 4
    assert harness.sent() == []


class _CountingStore(InMemoryStore):
    """Counts the reads of each key, so a test sees what an answer costs the store."""

    def __init__(self) -> None:
        super().__init__()
        self.reads: Counter[str] = Counter()

    def batch(self, ops: Iterable[Op]) -> list[Result]:
        ops = list(ops)
        self.reads.update(op.key for op in ops if isinstance(op, GetOp))
        return super().batch(ops)


@pytest.mark.parametrize("pause", ["breakpoint", "interrupt"])
def test_an_answer_reads_its_ending_once(tmp_path: Path, pause: Pause) -> None:
    """The approval node reads whether the request has ended, then writes its ending without reading it again."""
    store, checkpointer = _CountingStore(), InMemorySaver()
    log = tmp_path / "emails.jsonl"
    graph = make_graph(checkpointer=checkpointer, store=store, settings=Settings(email_log=log), pause=pause)
    harness = Harness(graph=graph, checkpointer=checkpointer, email_log=log, pause=pause)
    thread = harness.start(script(email()))
    store.reads.clear()
    harness.answer(thread, {"type": "approve"})
    (answered,) = [r for r in trail(store, thread) if r["event"] == "answered"]
    assert store.reads[audit.key(cast("audit.AuditRecord", answered))] == 1


@pytest.mark.parametrize("name", ["ada", "ada@example.com", "a.b", "a%2Eb", "a%b", "%", "."])
def test_every_users_trail_has_a_label_of_its_own_the_store_takes(name: str) -> None:
    others = {store_label(n) for n in ["ada", "ada@example.com", "a.b", "a%2Eb", "a%b", "%", "."] if n != name}
    label = store_label(name)
    assert "." not in label
    assert label not in others  # (no two names meet)
    assert InMemoryStore().search(namespace(name)) == []  # (a search validates the labels it is given)
