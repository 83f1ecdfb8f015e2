"""`make serve` says in one line when Redis is not there, and a SIGTERM stops all of it
(issue 22, items 4 and 5: aegra's uvicorn used to outlive it, still on the port)."""

from __future__ import annotations

import os
import signal
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from harness.server import free_port, wait_until_up
from tests.support.aegra import aegra_bin
from tests.support.make import running_make
from tests.support.postgres import database_for_tests


@pytest.fixture
def database_url() -> Iterator[str]:
    aegra_bin()  # (a skip, or a failure under CI, without `make aegra`)
    with database_for_tests() as url:
        yield url


def _serves(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


def test_no_redis_is_one_line_and_nothing_is_served(database_url: str, tmp_path: Path) -> None:
    port, closed = free_port(), free_port()
    env = {"PORT": str(port), "SERVE_DATABASE_URL": database_url, "SERVE_REDIS_URL": f"redis://127.0.0.1:{closed}/0"}
    with running_make("serve", env, tmp_path / "log") as process:
        out, _ = process.communicate(timeout=120)
    log = (tmp_path / "log").read_text()
    errors = [line for line in log.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, log
    assert errors[0].startswith(f"error: Redis does not answer at 127.0.0.1:{closed} "), log
    assert "Traceback" not in log
    assert process.returncode != 0
    assert b"Serving on" not in out
    assert not _serves(port)


def test_a_sigterm_to_make_serve_stops_the_server_and_frees_the_port(database_url: str, tmp_path: Path) -> None:
    port = free_port()
    redis = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/3")
    env = {"PORT": str(port), "SERVE_DATABASE_URL": database_url, "SERVE_REDIS_URL": redis}
    with running_make("serve", env, tmp_path / "log") as process:
        assert wait_until_up(f"http://127.0.0.1:{port}", process, "/health"), (tmp_path / "log").read_text()
        process.send_signal(signal.SIGTERM)  # to make only, as a process manager would
        process.wait(timeout=60)
        serving_after = _serves(port)
    assert not serving_after, "a server outlived make serve and still listens on its port"
