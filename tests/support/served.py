"""A running server (langgraph dev or aegra) with its email log, and helpers to drive it."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from langgraph_sdk.client import LangGraphClient

from agent.email import read_log
from agent.settings import LOCAL_TOKEN
from client.approvals import Timeouts, connect
from tests.support.aegra import AegraServer
from tests.support.server import REPO, DevServer, server_env

CLI_TIMEOUT_S = 120


@dataclass
class Served:
    """A running server (langgraph dev or aegra), and where its emails go."""

    server: DevServer | AegraServer
    email_log: Path

    def sent(self, thread_id: str) -> list[dict[str, Any]]:
        """Emails really sent from one thread (the log is shared by the whole session)."""
        return [r for r in read_log(self.email_log) if r["sent"] and str(r["idempotency_key"]).startswith(thread_id)]

    def attempts(self, thread_id: str) -> list[dict[str, Any]]:
        """Every send attempt from one thread, duplicates included."""
        return [r for r in read_log(self.email_log) if str(r["idempotency_key"]).startswith(thread_id)]

    def client(self, token: str = LOCAL_TOKEN, timeout: Timeouts | None = None) -> LangGraphClient:
        """An SDK client signed in as `token` (the local user by default)."""
        return connect(self.server.url, token, timeout)

    def cli(self, *argv: str, url: str | None = None, token: str = LOCAL_TOKEN) -> subprocess.CompletedProcess[str]:
        """Run `python -m client` in a new process, as a user would."""
        return subprocess.run(
            [sys.executable, "-m", "client", *argv],
            cwd=REPO,
            env=server_env({"LANGGRAPH_URL": url or self.server.url, "LANGGRAPH_TOKEN": token}),
            capture_output=True,
            text=True,
            timeout=CLI_TIMEOUT_S,
            check=False,
        )


def serve(workdir: Path, extra_env: dict[str, str] | None = None) -> Served:
    email_log = workdir / "emails.jsonl"
    server = DevServer(workdir=workdir, env={"EMAIL_LOG": str(email_log), **(extra_env or {})})
    return Served(server=server.start(), email_log=email_log)
