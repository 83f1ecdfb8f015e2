"""The docs' blocks, run as printed against real servers (issue 22): the Python snippets, the
CLI's commands, the team's `.env`, a notice receiver's check, the PostgreSQL and JWKS recipes.
Each is read from the Markdown itself (`tests/support/doc_blocks.py`); the only changes are the
ones each test names (the server's address, printed as the default
`agent.settings.DEFAULT_PUBLIC_URL`; a `<thread id>`; a secret or a URL of the test's own).
The SDK snippets answer the agent's own request and a subagent's (issue 22, item 3)."""

from __future__ import annotations

import asyncio
import configparser
import json
import os
import re
import subprocess
import time
import uuid
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import jwt
import psycopg
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from langgraph_sdk.client import LangGraphClient

from agent.approval.approvers import User
from agent.approval.contract import PENDING_HITL
from agent.graph import make_graph
from agent.settings import DEFAULT_PUBLIC_URL, LOCAL_TOKEN, Settings
from client.approvals import get_pending, user_message
from harness.loopback import serving
from harness.scripts import call, email, script
from harness.server import REPO, free_port, run_in_repo, server_env, stop_process, wait_until_up
from tests.support.aegra import aegra_bin
from tests.support.doc_blocks import Block, block
from tests.support.fork import append, fork, replace_definition
from tests.support.node import node_for
from tests.support.postgres import postgres_for_tests
from tests.support.runs import pause
from tests.support.served import CLI_TIMEOUT_S, STARTED, Served, sent_in, serve
from tests.support.webhook import Receiver, receiving

ADA = email(to="ada@example.com")
GENERAL_PURPOSE = "general-purpose"
OWN = script(ADA)
DELEGATED = script(call("task", description=script(ADA), subagent_type=GENERAL_PURPOSE))
SNIPPETS = {
    "README.md": "**From your own code**",  # (with the reader's own `client`)
    "docs/clients.md": "## The Python SDK",
}
"""Where each SDK snippet is: the first block after these words in that file."""

Snippet = Callable[[LangGraphClient, str], Awaitable[None]]


def snippet(path: str, url: str) -> Snippet:
    """The block after `SNIPPETS[path]`, as `async def snippet(client, thread_id)`."""
    printed = block(path, SNIPPETS[path])
    address = {DEFAULT_PUBLIC_URL: url} if DEFAULT_PUBLIC_URL in printed.text else {}  # (README's: any client)
    found: Snippet = printed.run_as_function("client, thread_id", address)
    return found


@pytest.mark.parametrize("path", SNIPPETS)
@pytest.mark.parametrize("turn", [OWN, DELEGATED], ids=["own", "subagent"])
async def test_the_docs_snippet_approves_as_printed(
    served: Served, client: LangGraphClient, turn: str, path: str
) -> None:
    thread_id = await pause(client, turn)
    assert served.sent(thread_id) == []
    await snippet(path, served.server.url)(client, thread_id)
    assert [sent["to"] for sent in served.sent(thread_id)] == [ADA["args"]["to"]]
    assert (await client.threads.get(thread_id))["status"] == "idle"


def _sh(line: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """One command line of a shell block, run by bash from the repo's root as a user would type it."""
    return run_in_repo("/bin/bash", "-c", line, env=env, timeout=CLI_TIMEOUT_S)


def _ran(line: str, done: subprocess.CompletedProcess[str]) -> str:
    assert done.returncode == 0, f"{line}\n{done.stdout}\n{done.stderr}"
    return done.stdout


def test_the_readmes_make_targets() -> None:
    """`make dev` and `make test` as printed: both are the Makefile's targets (`make -n` plans them
    without running; `test_make_dev.py` runs `make dev`, and CI runs `make test`)."""
    for line in block("README.md", "# Reload-safe tool approval").commands():
        planned = _sh(line.split("#", 1)[0] + " -n", {})
        assert planned.returncode == 0, f"{line}: {planned.stderr}"
        assert planned.stdout, line


def test_the_clis_commands_as_printed(served: Served) -> None:
    """The README's and clients.md's commands, line by line, against a real server; `<thread id>`
    is the id `start` printed. Each succeeds, and the email is sent once, when approved. What
    `inbox` prints has the shape of the sample printed after it."""
    env = {"LANGGRAPH_URL": served.server.url, "LANGGRAPH_TOKEN": LOCAL_TOKEN}
    _ran("demo", _sh(block("README.md", "**From the command line**").text.strip(), env))
    thread_id = ""
    for line in block("docs/clients.md", "## The command line (`python -m client`)").commands():
        out = _ran(line, _sh(line.replace("<thread id>", thread_id), env))
        if " start " in line:
            match = STARTED.search(out)
            assert match, out
            thread_id = match[1]
            assert served.sent(thread_id) == []
        if " inbox " in line:
            _like_the_sample(out, thread_id)
    assert [sent["to"] for sent in served.sent(thread_id)] == ["ada@example.com"]


SAMPLE_FIELDS = {
    r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b": "<thread>",
    r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00": "<created>",
    r"expires in \d+ h \d+ min": "expires in <time>",
    r"request [0-9a-f]{32}": "request <id>",
    r"\d+": "<n>",
}


def _shape(line: str) -> str:
    for pattern, placeholder in SAMPLE_FIELDS.items():
        line = re.sub(pattern, placeholder, line)
    return line


def _like_the_sample(printed: str, thread_id: str) -> None:
    """`inbox`'s line for `thread_id` (an email to ada about the launch, as in the sample) and its
    count line are the sample's, but for ids, times and numbers."""
    sample = block("docs/clients.md", "asks if a subagent does, the calls), then a count").text.splitlines()
    lines = printed.splitlines()
    (own,) = [line for line in lines if line.startswith(thread_id)]
    assert _shape(own) == _shape(sample[1])
    assert _shape(lines[-1]) == _shape(sample[-1])


TEAM_ENV = "A team's `.env`"


def _team_env() -> dict[str, str]:
    """configuration.md's team `.env`, as printed."""
    return dict(line.split("=", 1) for line in block("docs/configuration.md", TEAM_ENV).commands())


def _tokens(env: dict[str, str]) -> dict[str, str]:
    """Each user's token, from `AUTH_USERS` (`name:token:roles`)."""
    return {entry.split(":")[0]: entry.split(":")[1] for entry in env["AUTH_USERS"].split(",")}


@pytest.fixture(scope="module")
def team(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    with serve(tmp_path_factory.mktemp("team"), _team_env()) as running:
        yield running


async def test_the_approvals_snippet_as_printed(team: Served) -> None:
    """clients.md's approvals snippet, run by bob (an approver) under configuration.md's team
    `.env`, answers the request ada's thread waits on: he may, she may not (separation of duties)."""
    tokens = _tokens(_team_env())
    async with team.client(tokens["ada"]) as ada, team.client(tokens["bob"]) as bob:
        thread_id = await pause(ada, OWN)
        snippet = block("docs/clients.md", "reads their audit trail through the store API").run_as_function("client")
        await snippet(bob)
        assert [sent["to"] for sent in team.sent(thread_id)] == [ADA["args"]["to"]]
        assert (await ada.threads.get(thread_id))["status"] == "idle"


async def test_the_team_commands_as_printed(team: Served, tmp_path: Path) -> None:
    """clients.md's team commands as bob, `<thread id>` being ada's thread; ada's own answer gets
    the printed refusal, word for word; production.md's cron line sweeps, into its log."""
    tokens = _tokens(_team_env())
    async with team.client(tokens["ada"]) as ada:
        thread_id = await pause(ada, OWN)
    refused = team.cli("approve", thread_id, token=tokens["ada"])
    printed = block("docs/clients.md", "A user who may not answer gets exit status 1").text.strip()
    assert (refused.returncode, refused.stderr.strip()) == (1, printed)
    env = {"LANGGRAPH_URL": team.server.url, "LANGGRAPH_TOKEN": tokens["bob"]}
    for line in block("docs/clients.md", "**Teams.**").commands():
        _ran(line, _sh(line.replace("<thread id>", thread_id), env))
    assert [sent["to"] for sent in team.sent(thread_id)] == [ADA["args"]["to"]]
    log = tmp_path / "agent-sweep.log"
    (cron,) = block("docs/production.md", "its working directory, as `make dev` does):").commands(
        {
            "/srv/agent": str(REPO),
            "https://agent.example.com": team.server.url,
            "<sweeper token>": tokens["carol"],
            "/var/log/agent-sweep.log": str(log),
        }
    )
    _ran(cron, _sh(cron.split(None, 5)[5], {}))  # (the command of the entry, after its five time fields)
    assert log.read_text().splitlines()[-1] == "0 expired request(s) closed."  # (none has expired)


async def test_the_contracts_resume_value_as_printed(served: Served, client: LangGraphClient) -> None:
    thread_id = await pause(client, OWN)
    pending = (await client.threads.get_state(thread_id))["values"][PENDING_HITL]  # type: ignore[call-overload]
    snippet = block("docs/contract.md", "## Answering: the resume value").run_as_function("client, thread_id, pending")
    await snippet(client, thread_id, pending)
    assert [sent["to"] for sent in served.sent(thread_id)] == [ADA["args"]["to"]]


NOTIFY_SECRET = "n" * 40


def test_a_receiver_verifies_a_real_notice_as_printed(tmp_path: Path) -> None:
    """configuration.md's `verified`, with the server's secret, on a notice a real server sent:
    true; false for another body or an old timestamp. The notice has the keys printed there."""
    module = block("docs/configuration.md", "A receiver checks the raw body").run_as_module(
        {'NOTIFY_SECRET = "..."': f"NOTIFY_SECRET = {NOTIFY_SECRET!r}"}
    )
    verified = module["verified"]
    with receiving(Receiver(free_port())) as receiver:
        env = {"NOTIFY_URL": receiver.url, "NOTIFY_SECRET": NOTIFY_SECRET}
        with serve(tmp_path, env) as served:
            served.cli_start(script(ADA))
            (got,) = receiver.accepted(1)
    assert verified(got.headers, got.body)
    assert not verified(got.headers, got.body.replace(b"send_email", b"send_emaiL"))
    old = str(int(got.headers["webhook-timestamp"]) - 3600)
    assert not verified({**got.headers, "webhook-timestamp": old}, got.body)
    printed = json.loads(block("docs/configuration.md", "tell someone:").text)
    assert set(got.notice) == set(printed)
    assert set(got.notice["actions"][0]) == set(printed["actions"][0])


def test_the_postgres_snippet_as_printed(database_uri: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """production.md's in-process graph on PostgreSQL, at `DATABASE_URI`: built, then a thread run
    on it in the same block's connections waits with its request in the checkpoint."""
    monkeypatch.setenv("DATABASE_URI", database_uri)
    code = block("docs/production.md", "## PostgreSQL, in-process").text
    waits = (
        "\n    waiting = graph.invoke(user_message(turn), config) and graph.get_state(config).values[PENDING_HITL]\n"
    )
    names: dict[str, Any] = {
        "os": os,
        "make_graph": make_graph,
        "user_message": user_message,
        "PENDING_HITL": PENDING_HITL,
    }
    config = {"configurable": {"thread_id": str(uuid.uuid4())}}
    done = Block("", 0, "python", code + waits).run_as_module(turn=OWN, config=config, **names)
    assert done["waiting"]["action_requests"][0]["args"] == ADA["args"]


def test_the_jwks_identify_as_printed() -> None:
    """configuration.md's `identify` for an RS256 provider, its JWKS served on loopback: a token
    it signed is the user with the token's roles; one signed by another key, or for another
    audience, is nobody."""
    ours, theirs = (rsa.generate_private_key(public_exponent=65537, key_size=2048) for _ in range(2))
    jwk = {**json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(ours.public_key())), "kid": "k1", "use": "sig"}
    with _serving(json.dumps({"keys": [jwk]}).encode()) as url:
        module = block("docs/configuration.md", "its JWKS, reading the roles").run_as_module(
            {"https://YOUR-IDP/.well-known/jwks.json": url}, Settings=Settings, User=User
        )
        identify = module["identify"]
        claims = {"sub": "ada", "aud": "YOUR-API", "exp": int(time.time()) + 60, "roles": ["approver"]}
        token = jwt.encode(claims, ours, algorithm="RS256", headers={"kid": "k1"})
        assert identify(token, Settings()) == User("ada", frozenset({"approver"}))
        forged = jwt.encode(claims, theirs, algorithm="RS256", headers={"kid": "k1"})
        elsewhere = jwt.encode({**claims, "aud": "another"}, ours, algorithm="RS256", headers={"kid": "k1"})
        assert identify(forged, Settings()) is None
        assert identify(elsewhere, Settings()) is None


@contextmanager
def _serving(body: bytes) -> Iterator[str]:
    """A loopback HTTP server answering every GET with `body` (JSON); its URL."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    with serving(Handler) as server:
        yield f"http://127.0.0.1:{server.server_port}/.well-known/jwks.json"


def _fork(tmp_path: Path) -> Path:
    return fork(tmp_path / "fork")


def test_a_tool_only_finance_may_answer_as_printed(tmp_path: Path) -> None:
    """configuration.md's `TOOL_POLICY`, in place of the template's in a fork's `agent/tools.py`,
    under the team's `.env`: ada's email is open to carol (finance), not to bob (an approver)."""
    root = _fork(tmp_path)
    printed = block("docs/configuration.md", "and a tool whose requests only `finance` may answer")
    replace_definition(root / "agent" / "tools.py", "TOOL_POLICY: dict[str, ToolPolicy] = {", printed.text)
    env = _team_env()
    tokens = _tokens(env)
    with serve(tmp_path / "served", env, root=root) as served:
        thread_id = served.cli_start(script(ADA), token=tokens["ada"])
        listed = {name: served.cli("approvals", token=tokens[name]).stdout for name in ("bob", "carol")}
        assert thread_id not in listed["bob"]
        assert thread_id in listed["carol"]
        refused = served.cli("approve", thread_id, token=tokens["bob"])  # (not his, nor open to him: not found)
        assert (refused.returncode, refused.stderr) == (
            1,
            f"error: not found on the server (404): Thread with ID {thread_id} not found\n",
        )
        approved = served.cli("approve", thread_id, token=tokens["carol"])
        assert approved.returncode == 0, approved.stderr
        assert [sent["to"] for sent in served.sent(thread_id)] == [ADA["args"]["to"]]


async def test_the_customize_edits_as_printed(tmp_path: Path) -> None:
    """customize.md's two one-line edits, in a fork: a subagent's own policy (given to the template's
    `general-purpose`, the doc's `researcher` being a fork's own) and one tool's approvers. In the
    subagent `write_file` runs unasked while `send_email` waits; ada may not answer it, bob may."""
    root = _fork(tmp_path)
    subagent = block("docs/customize.md", "add one line to `agent/policy.py`")
    append(root / "agent" / "policy.py", subagent.replaced({'"researcher"': f'"{GENERAL_PURPOSE}"'}))
    append(root / "agent" / "tools.py", block("docs/customize.md", "deepagents' tools):").text)
    env = {"AUTH_USERS": "ada:ada-token,bob:bob-token:approver"}
    note = call("write_file", file_path="/notes.md", content="Launch on Monday.")
    turn = script(call("task", description=script(note, ADA), subagent_type=GENERAL_PURPOSE))
    with serve(tmp_path / "served", env, root=root) as served:
        async with served.client("ada-token") as ada:
            thread_id = await pause(ada, turn)
            pending = await get_pending(ada, thread_id)
            assert pending is not None
            assert [a["name"] for a in pending.request["action_requests"]] == ["send_email"]
        assert served.cli("approve", thread_id, token="ada-token").returncode == 1
        approved = served.cli("approve", thread_id, token="bob-token")
        assert approved.returncode == 0, approved.stderr
        assert [sent["to"] for sent in served.sent(thread_id)] == [ADA["args"]["to"]]
        async with served.client("ada-token") as ada:
            files = (await ada.threads.get_state(thread_id))["values"]["files"]  # type: ignore[call-overload]
        assert "/notes.md" in files


def test_the_js_clients_commands_as_printed(served: Served) -> None:
    """clients.md's JS commands as one shell session would run them (`cd` carried to the next
    lines); `npm ci` from npm's cache (`make js` filled it: the test needs no network)."""
    node_for(REPO / "client" / "js", "@langchain/langgraph-sdk")
    env = {"LANGGRAPH_URL": served.server.url, "LANGGRAPH_TOKEN": LOCAL_TOKEN, "npm_config_offline": "true"}
    cwd, thread_id = ".", ""
    for line in block("docs/clients.md", "one `show` lists.").commands():
        command = line.replace("<thread id>", thread_id)
        if command.startswith("cd "):
            directory, command = command.removeprefix("cd ").split(" && ", 1)
            cwd = f"{cwd}/{directory}"
        out = _ran(line, _sh(f"cd {cwd} && {command}", env))
        if " start " in line:
            match = STARTED.search(out)
            assert match, out
            thread_id = match[1]
            assert served.sent(thread_id) == []
    assert [sent["to"] for sent in served.sent(thread_id)] == ["ada@example.com"]


def test_the_sweep_timer_runs_what_the_cron_line_runs(team: Served, tmp_path: Path) -> None:
    """production.md's systemd unit: the same command in the same directory as its cron line, run
    with the unit's `Environment` and an `EnvironmentFile` holding the sweeper's token."""
    unit = configparser.ConfigParser(strict=False, interpolation=None)
    unit.optionxform = str  # type: ignore[assignment,method-assign]  # (systemd's keys are case-sensitive)
    unit.read_string(block("docs/production.md", "or a systemd timer:").text)
    service = unit["Service"]
    (cron,) = block("docs/production.md", "its working directory, as `make dev` does):").commands()
    directory = service["WorkingDirectory"]
    assert f"cd {directory} && {service['Environment']} " in cron
    assert f" {service['ExecStart'].removeprefix(directory + '/')} " in cron
    token_file = tmp_path / "sweeper.env"
    token_file.write_text(f"LANGGRAPH_TOKEN={_tokens(_team_env())['carol']}\n")
    env = dict(line.split("=", 1) for line in token_file.read_text().splitlines())
    env[service["Environment"].split("=", 1)[0]] = team.server.url  # (the unit's URL, this server's)
    done = _sh(service["ExecStart"].replace(directory, str(REPO)), env)
    assert _ran(service["ExecStart"], done).splitlines()[-1] == "0 expired request(s) closed."


def test_the_aegra_commands_as_printed(tmp_path: Path) -> None:
    """production.md's three lines, as two terminals would run them: a database of its own (its
    name made unique, dropped after), aegra serving `langgraph.json` on it (on a free port, not
    8000, in the background), then the demo against it: each of its two threads sends its email once."""
    aegra_bin()  # (a skip without `make aegra`, a failure where CI requires it)
    with postgres_for_tests():  # (the same for PostgreSQL)
        pass
    name, port = f"agent_{uuid.uuid4().hex[:10]}", str(free_port())
    printed = block("docs/production.md", "release for 3.11, which also needs `greenlet`)")
    create, serve_line, demo = printed.commands(
        {"-U postgres agent": f"-U postgres {name}", "/agent ": f"/{name} ", "8000": port}
    )
    emails = tmp_path / "emails.jsonl"
    env = {"EMAIL_LOG": str(emails), "APPROVAL_KEY": "a-key-of-the-test-s-own-" * 2}  # (no key file in the repo)
    _ran(create, _sh(create, env))
    try:
        with (tmp_path / "aegra.log").open("wb") as log:
            aegra = subprocess.Popen(
                ["/bin/bash", "-c", serve_line],
                cwd=REPO,
                env=server_env(env),
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        try:
            assert wait_until_up(f"http://127.0.0.1:{port}", aegra, "/health"), (tmp_path / "aegra.log").read_text()
            out = _ran(demo, _sh(demo, env))
        finally:
            stop_process(aegra)
        threads = re.findall(r"^   thread ([0-9a-f-]{36})$", out, re.M)  # (its own request, then a subagent's)
        assert [len(sent_in(emails, thread_id)) for thread_id in threads] == [1, 1], out
    finally:
        with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


REACT = REPO / "tests" / "js"


async def test_the_react_component_approves_as_printed(served: Served, client: LangGraphClient, tmp_path: Path) -> None:
    """clients.md's `useStream` component, rendered by node (`tests/js/render_approval.mjs`: React,
    no DOM) on a thread waiting on `agent`: it shows the request's description, and its Approve
    sends the email once. The one change: its `apiUrl`, the test server's."""
    node = node_for(REACT, "react-test-renderer")
    thread_id = await pause(client, OWN)
    printed = block("docs/clients.md", "**React, with `useStream`.**")
    component = tmp_path / "Approval.tsx"
    component.write_text(printed.replaced({DEFAULT_PUBLIC_URL: served.server.url}))
    rendered = await asyncio.to_thread(
        subprocess.run,
        [node, "render_approval.mjs", str(component), served.server.url, thread_id, LOCAL_TOKEN],
        cwd=REACT,
        env=server_env(),
        capture_output=True,
        text=True,
        timeout=CLI_TIMEOUT_S,
        check=False,
    )
    assert rendered.returncode == 0, rendered.stderr
    shown = "Send an email to ada@example.com with the subject 'Launch'."
    assert rendered.stdout.splitlines() == [shown, "approved"]
    assert [sent["to"] for sent in served.sent(thread_id)] == [ADA["args"]["to"]]
