"""Roles, expiry, the audit trail and the notice outbox on PostgreSQL: the checkpointer and the store a
self-hosted deployment uses (`PostgresSaver`, `PostgresStore`), in-process."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from langgraph.checkpoint.postgres import PostgresSaver
from langgraph.store.postgres import PostgresStore
from langgraph.types import Command

from agent import notify
from agent.approval import audit, clock
from agent.approval.contract import EXPIRE, HITL_HISTORY, PENDING_HITL, resume_for
from agent.email import read_log
from agent.graph import make_graph
from agent.settings import Settings
from client.approvals import user_message
from harness.scripts import email, script
from harness.server import free_port
from tests.support.webhook import Receiver, receiving
from tests.unit.gate.test_approvers import as_user


@pytest.fixture
def team(database_uri: str, tmp_path: Path) -> Iterator[tuple[Any, PostgresSaver, PostgresStore, Path]]:
    log = tmp_path / "emails.jsonl"
    settings = Settings(email_log=log, approver_roles=("approver",), requester_may_answer=False)
    with PostgresSaver.from_conn_string(database_uri) as saver, PostgresStore.from_conn_string(database_uri) as store:
        saver.setup()
        store.setup()
        yield make_graph(checkpointer=saver, store=store, settings=settings), saver, store, log


def _story(store: PostgresStore, owner: str, thread: str) -> list[tuple[str, str | None]]:
    records = [i.value for i in store.search(audit.namespace(owner), limit=100) if i.value["thread_id"] == thread]
    return [(r["event"], r["who"]) for r in sorted(records, key=lambda r: r["at"])]


def test_roles_and_the_trail_after_the_thread_is_deleted(team: tuple[Any, PostgresSaver, PostgresStore, Path]) -> None:
    graph, saver, store, log = team
    graph.invoke(user_message(script(email())), as_user("pg-roles", "ada"))
    pending = graph.get_state(as_user("pg-roles", "ada")).values[PENDING_HITL]
    approve: Command[Any] = Command(resume=resume_for(pending, [{"type": "approve"}]))
    graph.invoke(approve, as_user("pg-roles", "ada", "approver"))  # her own: refused
    assert graph.get_state(as_user("pg-roles", "ada")).values[PENDING_HITL]["error"].startswith("Separation")
    graph.invoke(approve, as_user("pg-roles", "bob", "approver", owner="ada"))
    assert graph.get_state(as_user("pg-roles", "ada")).values[HITL_HISTORY][0]["decided_by"] == "bob"
    assert [r["sent"] for r in read_log(log)] == [True]

    saver.delete_thread("pg-roles")
    assert graph.get_state(as_user("pg-roles", "ada")).values == {}
    assert _story(store, "ada", "pg-roles") == [("requested", "ada"), ("refused", "ada"), ("answered", "bob")]


def test_an_expired_request_closes_on_postgres(
    team: tuple[Any, PostgresSaver, PostgresStore, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    graph, _, store, log = team
    graph.invoke(user_message(script(email())), as_user("pg-expiry", "ada"))
    later = datetime.fromisoformat(graph.get_state(as_user("pg-expiry", "ada")).values[PENDING_HITL]["expires_at"])
    monkeypatch.setattr(clock, "now", lambda: later + timedelta(seconds=1))
    graph.invoke(Command(resume={EXPIRE: True}), as_user("pg-expiry", "sweeper", owner="ada"))
    state = graph.get_state(as_user("pg-expiry", "ada"))
    assert state.next == ()
    assert state.values[HITL_HISTORY][0]["decisions"] == [{"type": EXPIRE}]
    assert read_log(log) == []
    assert [event for event, _ in _story(store, "ada", "pg-expiry")] == ["requested", "expired"]


def test_notices_are_filed_and_resent_from_postgres(database_uri: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """The notice outbox in the PostgreSQL store: what one process left undelivered, the next sends."""
    with PostgresStore.from_conn_string(database_uri) as store, receiving(Receiver(free_port())) as receiver:
        store.setup()
        left = {"type": notify.EVENT, "request_id": "pg-earlier", "thread_id": "t0"}
        store.put(notify.NOTICES, "pg-earlier", {"notice": left, "delivered": False}, index=False)
        monkeypatch.setattr(notify.Notifier, "first_delay_s", 0.05)
        notifier = notify.Notifier(receiver.url, b"s" * 40)
        notifier.submit({"type": notify.EVENT, "request_id": "pg-now", "thread_id": "t1"}, store)
        got = receiver.accepted(2)
        notifier.submit({"type": notify.EVENT, "request_id": "pg-later", "thread_id": "t2"}, None)
        receiver.accepted(3)  # one worker, in order: the two before are marked by now
        assert sorted(r.headers["webhook-id"] for r in got[:2]) == ["pg-earlier", "pg-now"]
        marked = {key: store.get(notify.NOTICES, key) for key in ("pg-earlier", "pg-now")}
        assert {key: item.value["delivered"] for key, item in marked.items() if item} == {
            "pg-earlier": True,
            "pg-now": True,
        }
