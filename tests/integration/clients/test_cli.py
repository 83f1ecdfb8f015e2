"""The command-line client, run as separate processes against a real server."""

from __future__ import annotations

import re
import sys

from harness.scripts import call, email, script
from harness.server import free_port, run_in_repo
from tests.support.served import Served

REQUEST = re.compile(r"request ([0-9a-f]{32})")


def _delegate(to: str = "ada@example.com") -> dict[str, object]:
    """A `task` call whose subagent asks to send one email."""
    return call("task", description=script(email(to=to)), subagent_type="general-purpose")


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


def test_a_subagent_request_is_listed_shown_and_approved(served: Served) -> None:
    thread_id = served.cli_start(script(_delegate()))

    listed = [line for line in served.cli("inbox").stdout.splitlines() if line.startswith(thread_id)]
    assert len(listed) == 1
    assert 'general-purpose subagent asks: send_email(to="ada@example.com"' in listed[0]

    shown = served.cli("show", thread_id)  # a new process: the request lives in the subagent's state
    assert shown.returncode == 0, shown.stderr
    assert "general-purpose subagent asks (it runs the thread's task call call_" in shown.stdout
    assert "send_email — Send an email to ada@example.com" in shown.stdout

    approved = served.cli("approve", thread_id)
    assert approved.returncode == 0, approved.stderr
    assert "(general-purpose subagent)" in approved.stdout
    assert "decision recorded: approve" in approved.stdout
    assert "Final answer:" in approved.stdout
    assert [r["to"] for r in served.sent(thread_id)] == ["ada@example.com"]
    assert thread_id not in served.cli("inbox").stdout

    again = served.cli("approve", thread_id)
    assert again.returncode == 1
    assert again.stderr.strip() == f"error: thread {thread_id} has no request awaiting approval"
    assert len(served.sent(thread_id)) == 1


def test_parallel_subagents_are_answered_one_request_at_a_time(served: Served) -> None:
    """Two subagents wait at once: an answer must say which request it is for."""
    thread_id = served.cli_start(script(_delegate(), _delegate("bob@example.com")))

    shown = served.cli("show", thread_id)
    assert shown.returncode == 0, shown.stderr
    blocks = shown.stdout.split(f"Thread {thread_id} waits for approval")[1:]
    assert len(blocks) == 2
    assert all("general-purpose subagent asks" in block for block in blocks)
    ids = {("bob" if "bob@example.com" in block else "ada"): REQUEST.findall(block)[0] for block in blocks}
    assert sorted(ids) == ["ada", "bob"]
    listed = served.cli("inbox").stdout
    assert all(f"{thread_id}  " in listed and f"request {i}" in listed for i in ids.values())

    unchosen = served.cli("approve", thread_id)
    assert unchosen.returncode == 2
    assert "Traceback" not in unchosen.stderr
    assert len(unchosen.stderr.strip().splitlines()) == 1
    assert unchosen.stderr.startswith(f"error: thread {thread_id} has 2 requests awaiting approval: ")
    assert all(i in unchosen.stderr for i in ids.values())
    assert "general-purpose subagent asks: send_email" in unchosen.stderr
    assert "--request REQUEST_ID" in unchosen.stderr
    assert served.sent(thread_id) == []

    bob = served.cli("approve", thread_id, "--request", ids["bob"])
    assert bob.returncode == 0, bob.stderr
    assert [r["to"] for r in served.sent(thread_id)] == ["bob@example.com"]
    [still] = bob.stdout.split("waits for approval")[1:]  # the other request, shown: it still waits
    assert REQUEST.findall(still) == [ids["ada"]]
    assert f"approve {thread_id} --request REQUEST_ID" not in bob.stdout  # only one is left

    twice = served.cli("approve", thread_id, "--request", ids["bob"])
    assert twice.returncode == 1
    assert twice.stderr.strip() == f"error: request {ids['bob']} is not awaiting approval on thread {thread_id}"

    ada = served.cli("reject", thread_id, "--request", ids["ada"], "--message", "not her")
    assert ada.returncode == 0, ada.stderr
    assert "Final answer:" in ada.stdout
    assert [r["to"] for r in served.sent(thread_id)] == ["bob@example.com"]


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
    assert "4. Delegate to a subagent" in demo.stdout
    assert "general-purpose subagent asks" in demo.stdout
    assert "5. The outbox now holds 1 email(s)" in demo.stdout
    assert "To: bob@example.com" in demo.stdout
