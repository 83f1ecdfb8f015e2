"""Driving `tests.support.pg_worker` in processes of its own, to kill them: the SIGKILL tests' steps."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from harness.server import REPO, run_in_repo, server_env
from tests.support.pg_worker import READY

WORKER_TIMEOUT_S = 120


def _argv(*argv: str) -> list[str]:
    return [sys.executable, "-m", "tests.support.pg_worker", *argv]


def _env(database_uri: str, log: Path) -> dict[str, str]:
    return {"DATABASE_URI": database_uri, "EMAIL_LOG": str(log)}


def run_worker(database_uri: str, log: Path, *argv: str) -> subprocess.CompletedProcess[str]:
    """One worker step to its end (a paused worker reads stdin; it gets an empty one, so it exits)."""
    return run_in_repo(*_argv(*argv), env=_env(database_uri, log), timeout=WORKER_TIMEOUT_S)


def pause_then_kill(database_uri: str, log: Path, thread_id: str, durability: str, *options: str) -> str:
    """A worker pauses the thread, says so, and is SIGKILLed there; the id of the request it paused on."""
    with subprocess.Popen(
        _argv("pause", thread_id, durability, *options),
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
    return line.split()[1]


def finish(database_uri: str, log: Path, thread_id: str, *options: str) -> dict[str, Any]:
    """`finish` in a new process: answers or continues whatever the killed one left; its summary."""
    finished = run_worker(database_uri, log, "finish", thread_id, *options)
    assert finished.returncode == 0, finished.stderr
    return json.loads(finished.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]
