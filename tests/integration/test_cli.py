"""The command-line client, run as separate processes against a real server."""

from __future__ import annotations

import sys

from harness.scripts import email, script
from harness.server import free_port, run_in_repo
from tests.support.served import Served


def test_reload_in_a_new_process_then_approve(served: Served) -> None:
    thread_id = served.cli_start("email ada@example.com about the launch")

    shown = served.cli("show", thread_id)  # a new process: nothing but the thread id carries over
    assert shown.returncode == 0, shown.stderr
    assert "send_email — Send an email to ada@example.com with the subject 'The launch'." in shown.stdout
    assert "allowed: approve, edit, reject, respond" in shown.stdout

    listed = served.cli("inbox")
    assert thread_id in listed.stdout

    approved = served.cli("approve", thread_id)
    assert approved.returncode == 0, approved.stderr
    assert "decision recorded: approve" in approved.stdout
    assert "Final answer: Here is what happened:" in approved.stdout
    assert [r["to"] for r in served.sent(thread_id)] == ["ada@example.com"]
    assert thread_id not in served.cli("inbox").stdout


def test_edit_reject_and_respond_from_the_command_line(served: Served) -> None:
    edited = served.cli_start(script(email()))
    bad = served.cli("edit", edited, "--args", '{"to": "not an address"}')
    assert bad.returncode == 1
    assert "Last answer refused" in bad.stdout
    assert served.sent(edited) == []
    good = served.cli("edit", edited, "--args", '{"to": "grace@example.com"}')
    assert good.returncode == 0, good.stderr
    assert [r["to"] for r in served.sent(edited)] == ["grace@example.com"]

    rejected = served.cli_start(script(email()))
    result = served.cli("reject", rejected, "--message", "not today")
    assert result.returncode == 0, result.stderr
    assert "not today" in result.stdout
    assert served.sent(rejected) == []

    responded = served.cli_start(script(email()))
    result = served.cli("respond", responded, "--message", "told her in person")
    assert result.returncode == 0, result.stderr
    assert "told her in person" in result.stdout
    assert served.sent(responded) == []


def test_answering_an_answered_request_says_so(served: Served) -> None:
    thread_id = served.cli_start(script(email()))
    assert served.cli("approve", thread_id).returncode == 0
    again = served.cli("approve", thread_id)
    assert again.returncode == 1
    assert again.stderr.strip() == f"error: thread {thread_id} has no request awaiting approval"
    assert len(served.sent(thread_id)) == 1


def test_errors_are_one_line_not_tracebacks(served: Served) -> None:
    unknown = served.cli("show", "00000000-0000-0000-0000-000000000000")
    assert unknown.returncode == 1
    assert unknown.stderr.startswith("error: not found on the server")
    assert len(unknown.stderr.strip().splitlines()) == 1

    down = served.cli("inbox", url=f"http://127.0.0.1:{free_port()}")
    assert down.returncode == 2
    assert "cannot reach the LangGraph server" in down.stderr
    assert "Traceback" not in down.stderr

    malformed = served.cli("decide", served.cli_start(script(email())), "--decisions", "[oops")
    assert malformed.returncode == 2
    assert "--decisions is not valid JSON" in malformed.stderr


def test_a_closed_pipe_ends_quietly(served: Served) -> None:
    """`start ... | head -1`: the reader goes away early; no traceback."""
    env = {"LANGGRAPH_URL": served.server.url}
    command = f"'{sys.executable}' -m client start 'email ada@example.com about the launch' | head -1"
    ran = run_in_repo("/bin/bash", "-o", "pipefail", "-c", command, env=env)
    assert ran.stdout.startswith("Thread ")
    assert len(ran.stdout.splitlines()) == 1
    assert "Traceback" not in ran.stderr
    assert "BrokenPipeError" not in ran.stderr
    assert ran.returncode in (0, 141)


def test_demo_tells_the_whole_story(served: Served) -> None:
    demo = served.cli("demo")
    assert demo.returncode == 0, demo.stdout + demo.stderr
    assert "Simulated reload" in demo.stdout
    assert "$ .venv/bin/python -m client show" in demo.stdout  # the README's form
    assert "waits for approval" in demo.stdout
    assert "decision recorded: approve" in demo.stdout
    assert "The outbox now holds 1 email(s)" in demo.stdout
    assert "To: ada@example.com" in demo.stdout
