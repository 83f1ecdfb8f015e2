"""A running server (langgraph dev or aegra) with its email log, and helpers to drive it."""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from langgraph_sdk.client import LangGraphClient

from agent.approval.contract import GRAPH_ID, INTERRUPT_GRAPH_ID
from agent.email import read_log
from agent.settings import LOCAL_TOKEN
from client.approvals import Timeouts, connect
from harness.server import REPO, DevServer, run_in_repo
from tests.support.aegra import AegraServer

CLI_TIMEOUT_S = 120
STARTED = re.compile(r"^Thread ([0-9a-f-]{36})", re.M)
"""The line `python -m client start` opens with."""


def attempts_in(email_log: Path, thread_id: str) -> list[dict[str, Any]]:
    """Every send attempt from one thread in a provider's log, duplicates included."""
    return [r for r in read_log(email_log) if str(r["idempotency_key"]).startswith(thread_id)]


def sent_in(email_log: Path, thread_id: str) -> list[dict[str, Any]]:
    """Emails really sent from one thread (a log may be shared by many threads)."""
    return [r for r in attempts_in(email_log, thread_id) if r["sent"]]


@dataclass
class Served:
    """A running server (langgraph dev or aegra), and where its emails go."""

    server: DevServer | AegraServer
    email_log: Path
    graph_id: str = GRAPH_ID
    """The graph clients run: `agent`, or on servers that only understand interrupt values, `agent_interrupt`."""

    def sent(self, thread_id: str) -> list[dict[str, Any]]:
        return sent_in(self.email_log, thread_id)

    def attempts(self, thread_id: str) -> list[dict[str, Any]]:
        return attempts_in(self.email_log, thread_id)

    def client(self, token: str = LOCAL_TOKEN, timeout: Timeouts | None = None) -> LangGraphClient:
        """An SDK client signed in as `token` (the local user by default)."""
        return connect(self.server.url, token, timeout)

    def cli(self, *argv: str, url: str | None = None, token: str = LOCAL_TOKEN) -> subprocess.CompletedProcess[str]:
        """Run `python -m client` in a new process, as a user would."""
        env = {"LANGGRAPH_URL": url or self.server.url, "LANGGRAPH_TOKEN": token, "LANGGRAPH_GRAPH": self.graph_id}
        return run_in_repo(sys.executable, "-m", "client", *argv, env=env, timeout=CLI_TIMEOUT_S)

    def cli_start(self, text: str, token: str = LOCAL_TOKEN) -> str:
        """`python -m client start text`, which must succeed; the new thread's id."""
        started = self.cli("start", text, token=token)
        assert started.returncode == 0, started.stderr
        match = STARTED.search(started.stdout)
        assert match, started.stdout
        return match[1]


@contextmanager
def serve(
    workdir: Path,
    extra_env: dict[str, str] | None = None,
    http_app: bool = True,
    extra_graphs: dict[str, str] | None = None,
    root: Path = REPO,
) -> Iterator[Served]:
    """`langgraph dev` on a free port, stopped on the way out (like Ctrl-C: it saves its state).

    `http_app=False`: without `langgraph.json`'s `http.app` (the page and the API guard).
    `extra_graphs`: more graphs to serve, as `DevServer.extra_graphs`. `root`: the checkout
    served (a fork's copy: `tests.support.fork`)."""
    email_log = workdir / "emails.jsonl"
    env = {"EMAIL_LOG": str(email_log), **(extra_env or {})}
    server = DevServer(workdir=workdir, env=env, http_app=http_app, extra_graphs=extra_graphs or {}, root=root)
    served = Served(server=server.start(), email_log=email_log)
    try:
        yield served
    finally:
        server.stop()


@contextmanager
def serve_aegra(workdir: Path, database_url: str, extra_env: dict[str, str] | None = None) -> Iterator[Served]:
    """aegra on `database_url`, its clients on `agent_interrupt` (it serves interrupt values), stopped
    on the way out. The same workdir and database again: the same server, restarted."""
    email_log = workdir / "emails.jsonl"
    env = {"EMAIL_LOG": str(email_log), **(extra_env or {})}
    server = AegraServer(workdir=workdir, database_url=database_url, name="aegra", env=env)
    try:
        yield Served(server=server.start(), email_log=email_log, graph_id=INTERRUPT_GRAPH_ID)
    finally:
        server.stop()
