"""`make dev` says the address it really serves, and how to sign in (issue 22, items 1 and 2)."""

from __future__ import annotations

import socket
from pathlib import Path

import httpx

from harness.server import free_port, wait_until_up
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
