"""`make dev` says the address it really serves and how to sign in, and restarts on the agent's
own source only (issue 22, items 1, 2 and 6)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import httpx

from harness.server import REPO, START_TIMEOUT_S, free_port, wait_until_up
from tests.support.make import running_make


def test_a_busy_port_is_refused_in_one_line_and_nothing_is_served(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with running_make("dev", {"PORT": str(port)}, tmp_path / "log") as process:
            out, _ = process.communicate(timeout=120)
    err = (tmp_path / "log").read_text()
    assert process.returncode != 0
    errors = [line for line in err.splitlines() if line.startswith("error:")]
    assert errors == [f"error: PORT={port} is busy: stop what serves it, or choose another PORT."], err
    assert b"Serving on" not in out
    assert b"/inbox" not in out


def test_it_serves_where_it_says_and_names_the_sign_in_the_users_have(tmp_path: Path) -> None:
    port = free_port()
    with running_make("dev", {"PORT": str(port), "AUTH_USERS": "ada:ada-token"}, tmp_path / "log") as process:
        assert process.stdout is not None
        said = [process.stdout.readline().decode().strip() for _ in range(3)]
        assert wait_until_up(f"http://127.0.0.1:{port}", process)
        search = f"http://127.0.0.1:{port}/threads/search"
        ada = httpx.post(search, json={}, headers={"x-api-key": "ada-token"}, timeout=10)
        demo = httpx.post(search, json={}, headers={"x-api-key": "demo-token"}, timeout=10)
    assert said[1:] == [
        f"Serving on port {port} (PORT). For the client: export LANGGRAPH_URL=http://127.0.0.1:{port}",
        f"The inbox: http://127.0.0.1:{port}/inbox (sign in with a token from AUTH_USERS or a JWT)",
    ], said
    assert said[0].startswith("settings: "), said
    assert "demo-token" not in " ".join(said)
    assert (ada.status_code, demo.status_code) == (200, 401), (ada.text, demo.text)


def _lines_when(logs: list[Path], done: Callable[[list[str]], bool]) -> list[str]:
    """The logs' lines once `done` holds for them (a TimeoutError after START_TIMEOUT_S)."""
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        lines = [line for log in logs for line in log.read_text(errors="replace").splitlines()]
        if done(lines):
            return lines
        time.sleep(0.2)
    raise TimeoutError(f"make dev's log never got there:\n{logs[0].read_text(errors='replace')[-3000:]}")


def _copy(process: subprocess.Popen[bytes], out: Path) -> None:
    """`process`'s stdout into `out` as it comes, until it closes."""
    assert process.stdout is not None
    source = os.fdopen(os.dup(process.stdout.fileno()), "rb", buffering=0)  # (unbuffered: each read returns what came)
    with source, out.open("wb", buffering=0) as sink:
        for chunk in iter(lambda: source.read(65536), b""):
            sink.write(chunk)


def _restarted(lines: list[str]) -> bool:
    """A second start of the server, or langgraph dev's own reloader at work."""
    return sum("Welcome to" in line for line in lines) >= 2 or any("Reloading" in line for line in lines)


def test_it_restarts_on_the_agents_source_only_and_keeps_what_it_holds(tmp_path: Path) -> None:
    """Building a venv or `npm ci` in the checkout wrote .py files that restarted the server; now
    only the packages langgraph.json loads count, and the restarted server has the same threads."""
    port, log, out = free_port(), tmp_path / "log", tmp_path / "out"
    url, token = f"http://127.0.0.1:{port}", {"x-api-key": "demo-token"}
    not_source = [REPO / f".venv-probe-{uuid.uuid4().hex[:8]}", REPO / f"node_modules-probe-{uuid.uuid4().hex[:8]}"]
    source = REPO / "agent" / "prompts.py"
    try:
        with running_make("dev", {"PORT": str(port)}, log) as process:
            assert wait_until_up(url, process), log.read_text()
            copy = threading.Thread(target=_copy, args=(process, out))
            copy.start()  # (langgraph-api logs to stdout; its own reloader's lines would be there)
            thread = httpx.post(f"{url}/threads", json={}, headers=token, timeout=10).json()["thread_id"]
            for folder in not_source:
                folder.mkdir()
                (folder / "built.py").write_text("BUILT = True\n")
            source.write_bytes(source.read_bytes())  # (a save without a change: what an editor does)
            lines = _lines_when([log, out], _restarted)
            assert wait_until_up(url, process)
            kept = httpx.get(f"{url}/threads/{thread}", headers=token, timeout=10)
        copy.join(timeout=60)
    finally:
        for folder in not_source:
            shutil.rmtree(folder, ignore_errors=True)
    restarts = [line for line in lines if "restarting" in line.lower() or "reloading" in line.lower()]
    assert restarts == ["agent/prompts.py changed: restarting the server"], restarts
    assert not [line for line in lines if "changes detected" in line], "watchfiles' chatter reached the log"
    assert kept.status_code == 200, kept.text
