"""On a real PostgreSQL: a process killed with SIGKILL loses no request and sends no email twice."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from tests.support.killed import finish, pause_then_kill, run_worker
from tests.support.served import attempts_in, sent_in

MODES = ["sync", "async", "exit"]


@pytest.mark.parametrize("durability", MODES)
def test_killed_while_paused_then_answered_by_a_new_process(database_uri: str, tmp_path: Path, durability: str) -> None:
    log, thread_id = tmp_path / "emails.jsonl", uuid.uuid4().hex
    request_id = pause_then_kill(database_uri, log, thread_id, durability)

    summary = finish(database_uri, log, thread_id)
    assert summary["pending"] is None
    assert summary["next"] == []
    assert summary["history"] == 1
    assert len(summary["outbox"]) == 1
    (email,) = sent_in(log, thread_id)
    assert email["to"] == "ada@example.com"
    assert request_id


@pytest.mark.parametrize("durability", MODES)
def test_killed_after_the_decision_never_sends_twice(database_uri: str, tmp_path: Path, durability: str) -> None:
    log, thread_id = tmp_path / "emails.jsonl", uuid.uuid4().hex
    paused = run_worker(database_uri, log, "pause", thread_id, durability)
    assert paused.returncode == 0, paused.stderr
    crashed = run_worker(database_uri, log, "approve", thread_id, durability, "--die-after-send")
    assert crashed.returncode == -9, crashed.stderr  # killed itself right after the send
    assert len(sent_in(log, thread_id)) == 1

    summary = finish(database_uri, log, thread_id)
    assert summary["pending"] is None
    assert summary["next"] == []
    assert len(summary["outbox"]) == 1
    assert len(sent_in(log, thread_id)) == 1  # the replayed call was refused by its idempotency key
    attempts = attempts_in(log, thread_id)
    assert len(attempts) == 2
    assert attempts[1]["idempotency_key"] == attempts[0]["idempotency_key"]
