"""On a real PostgreSQL: a process killed with SIGKILL loses no request and sends no email twice."""

from __future__ import annotations

import json
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from harness.server import REPO, run_in_repo, server_env
from tests.support.pg_worker import READY
from tests.support.postgres import postgres_for_tests
from tests.support.served import attempts_in, sent_in

MODES = ["sync", "async", "exit"]
WORKER_TIMEOUT_S = 120


@pytest.fixture(scope="module")
def database_uri() -> Iterator[str]:
    with postgres_for_tests() as uri:
        yield uri


def _worker(*argv: str) -> list[str]:
    return [sys.executable, "-m", "tests.support.pg_worker", *argv]


def _env(database_uri: str, log: Path) -> dict[str, str]:
    return {"DATABASE_URI": database_uri, "EMAIL_LOG": str(log)}


def _run(database_uri: str, log: Path, *argv: str) -> subprocess.CompletedProcess[str]:
    # A paused worker reads stdin; run_in_repo gives it an empty one, so it exits.
    return run_in_repo(*_worker(*argv), env=_env(database_uri, log), timeout=WORKER_TIMEOUT_S)


def _finish(database_uri: str, log: Path, thread_id: str) -> dict[str, Any]:
    finished = _run(database_uri, log, "finish", thread_id)
    assert finished.returncode == 0, finished.stderr
    return json.loads(finished.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


@pytest.mark.parametrize("durability", MODES)
def test_killed_while_paused_then_answered_by_a_new_process(database_uri: str, tmp_path: Path, durability: str) -> None:
    log, thread_id = tmp_path / "emails.jsonl", uuid.uuid4().hex
    with subprocess.Popen(
        _worker("pause", thread_id, durability),
        cwd=REPO,
        env=server_env(_env(database_uri, log)),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    ) as paused:
        assert paused.stdout is not None
        assert paused.stderr is not None
        line = paused.stdout.readline()  # the worker says so once the pause is saved
        paused.kill()  # SIGKILL: no cleanup, no flush
        paused.wait(timeout=WORKER_TIMEOUT_S)
        assert line.startswith(READY), paused.stderr.read()
    request_id = line.split()[1]

    summary = _finish(database_uri, log, thread_id)
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
    paused = _run(database_uri, log, "pause", thread_id, durability)
    assert paused.returncode == 0, paused.stderr
    crashed = _run(database_uri, log, "approve", thread_id, durability, "--die-after-send")
    assert crashed.returncode == -9, crashed.stderr  # killed itself right after the send
    assert len(sent_in(log, thread_id)) == 1

    summary = _finish(database_uri, log, thread_id)
    assert summary["pending"] is None
    assert summary["next"] == []
    assert len(summary["outbox"]) == 1
    assert len(sent_in(log, thread_id)) == 1  # the replayed call was refused by its idempotency key
    attempts = attempts_in(log, thread_id)
    assert len(attempts) == 2
    assert attempts[1]["idempotency_key"] == attempts[0]["idempotency_key"]
