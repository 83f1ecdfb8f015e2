"""The clients import nothing of the server or the agent's runtime: `langgraph_sdk` and the contract."""

from __future__ import annotations

import subprocess
import sys

from harness.server import REPO

HEAVY = ("langgraph", "langchain", "deepagents", "jwt", "starlette", "fastapi", "openai")
"""Top-level packages a client must not load (`langgraph_sdk` is not `langgraph`)."""

PROGRAM = f"""
import sys
import client.cli, client.team, client.approvals, client.render
print(sorted({{m.split(".")[0] for m in sys.modules}} & set({HEAVY!r})))
"""


def test_the_clients_load_no_server_or_agent_runtime() -> None:
    run = subprocess.run(
        [sys.executable, "-c", PROGRAM], cwd=REPO, capture_output=True, text=True, timeout=60, check=False
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "[]"
