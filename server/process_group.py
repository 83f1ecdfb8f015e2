"""A server run in a process group of its own, so that stopping it stops everything it started.

Stopping only the process we started is not enough: aegra's uvicorn, and `langgraph dev`'s
worker, outlive their parent and keep listening on the port. `make serve` (server/serve.py)
and `make dev`'s reloads (server/reload.py) start their server with `start` and end it with
`stop`.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time

STOP_TIMEOUT_S = 20.0
STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)
"""What tells `make dev` and `make serve` to stop their server: a process manager, Ctrl-C, a closed terminal."""


def start(command: list[str]) -> subprocess.Popen[bytes]:
    """`command` as the leader of a new process group (and session: a terminal's Ctrl-C is ours to pass on)."""
    return subprocess.Popen(command, start_new_session=True)  # our own venv's commands


def send(process: subprocess.Popen[bytes], signum: int) -> None:
    """`signum` to every process in `process`'s group (none left: nothing to do)."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signum)


def stop(process: subprocess.Popen[bytes], timeout_s: float = STOP_TIMEOUT_S) -> None:
    """SIGTERM to the whole group; SIGKILL to what is left of it after `timeout_s`."""
    send(process, signal.SIGTERM)
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        process.poll()  # (reaps the leader: a group holding only its zombie counts as empty)
        if not _has_members(process):
            return
        time.sleep(0.1)
    send(process, signal.SIGKILL)
    process.wait()


def _has_members(process: subprocess.Popen[bytes]) -> bool:
    try:
        os.killpg(process.pid, 0)
    except ProcessLookupError:
        return False
    return True
