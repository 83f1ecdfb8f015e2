"""The official JS SDK (`@langchain/langgraph-sdk`) does what a frontend does after a reload.

`client/js/approvals.mjs` runs under node against a real `langgraph dev`, each step
a new process: it finds the pending request in state, shows it and answers it.
Its dependencies come from `client/js/package-lock.json` (`make test` runs `npm ci`).
"""

from __future__ import annotations

import re
import subprocess

import pytest

from agent.approval.contract import GRAPH_IDS
from agent.settings import LOCAL_TOKEN
from harness.scripts import call, email, script
from harness.server import REPO, server_env
from tests.support.node import node_for
from tests.support.served import Served

JS = REPO / "client" / "js"


def _node() -> str:
    return node_for(JS, "@langchain/langgraph-sdk")


def _js(served: Served, graph_id: str, *argv: str, token: str = LOCAL_TOKEN) -> subprocess.CompletedProcess[str]:
    env = server_env({"LANGGRAPH_URL": served.server.url, "LANGGRAPH_GRAPH": graph_id, "LANGGRAPH_TOKEN": token})
    return subprocess.run(
        [_node(), "approvals.mjs", *argv], cwd=JS, env=env, capture_output=True, text=True, timeout=120, check=False
    )


@pytest.mark.parametrize("graph_id", GRAPH_IDS)
def test_the_js_sdk_finds_and_answers_a_pending_request(served: Served, graph_id: str) -> None:
    started = _js(served, graph_id, "start", script(email()))
    assert started.returncode == 0, started.stderr
    thread_id = re.search(r"^Thread ([0-9a-f-]{36})$", started.stdout, re.M)[1]  # type: ignore[index]
    assert "waits for approval" in started.stdout

    shown = _js(served, graph_id, "show", thread_id)  # a new process: the request comes from state
    assert shown.returncode == 0, shown.stderr
    assert "send_email: Send an email to ada@example.com with the subject 'Launch'." in shown.stdout
    assert served.sent(thread_id) == []

    approved = _js(served, graph_id, "approve", thread_id)
    assert approved.returncode == 0, approved.stderr
    assert "Email sent to ada@example.com" in approved.stdout
    assert "nothing waits for approval" in approved.stdout
    assert len(served.sent(thread_id)) == 1

    again = _js(served, graph_id, "approve", thread_id)
    assert again.returncode == 1
    assert again.stderr.strip() == f"error: thread {thread_id} has no request awaiting approval"


def test_the_js_sdk_rejects_with_a_reason(served: Served) -> None:
    started = _js(served, "agent", "start", script(email()))
    thread_id = re.search(r"^Thread ([0-9a-f-]{36})$", started.stdout, re.M)[1]  # type: ignore[index]
    rejected = _js(served, "agent", "reject", thread_id, "not", "today")
    assert rejected.returncode == 0, rejected.stderr
    assert "with reason: not today" in rejected.stdout
    assert served.sent(thread_id) == []


@pytest.mark.parametrize("graph_id", GRAPH_IDS)
def test_the_js_sdk_finds_and_answers_a_subagent_request(served: Served, graph_id: str) -> None:
    delegate = call("task", description=script(email()), subagent_type="general-purpose")
    started = _js(served, graph_id, "start", script(delegate))
    assert started.returncode == 0, started.stderr
    thread_id = re.search(r"^Thread ([0-9a-f-]{36})", started.stdout, re.M)[1]  # type: ignore[index]
    shown = _js(served, graph_id, "show", thread_id)
    assert f"Thread {thread_id} waits for approval from the general-purpose subagent" in shown.stdout
    approved = _js(served, graph_id, "approve", thread_id)
    assert approved.returncode == 0, approved.stderr
    assert "nothing waits for approval" in approved.stdout
    assert len(served.sent(thread_id)) == 1


def test_the_js_client_says_what_the_server_refused_in_one_line(served: Served) -> None:
    """The server's own `detail`, as the Python CLI prints it, not the SDK's `HTTP 404: {"detail": ...}`."""
    missing = "00000000-0000-4000-8000-000000000000"
    for argv, token, start in [
        (("show", missing), LOCAL_TOKEN, "error: not found on the server (404): "),
        (("show", missing), "not-a-token", "error: not signed in: set LANGGRAPH_TOKEN (401): "),
    ]:
        said = _js(served, "agent", *argv, token=token)
        assert said.returncode == 1, said
        line = said.stderr.strip()
        assert line.startswith(start), line
        assert "\n" not in line, line
        assert "{" not in line, line
        assert "HTTP" not in line, line
