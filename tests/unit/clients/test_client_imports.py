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


def test_the_gates_surface_is_lazy_and_complete() -> None:
    """The contract and the request readers come without langgraph; each public name resolves."""
    program = (
        "import sys, agent.approval, agent.approval.contract, agent.approval.pending\n"
        f"print(sorted({{m.split('.')[0] for m in sys.modules}} & set({HEAVY!r})))\n"
        "print(all(getattr(agent.approval, name) is not None for name in agent.approval.__all__))\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'langgraph', 'deepagents'}))\n"
    )
    run = subprocess.run(
        [sys.executable, "-c", program], cwd=REPO, capture_output=True, text=True, timeout=60, check=False
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.split("\n")[:3] == ["[]", "True", "['deepagents', 'langgraph']"]
