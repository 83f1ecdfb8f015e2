"""Command-line client for the approval workflow, on `langgraph_sdk`.

    python -m client start "email ada@example.com about the launch"
    python -m client inbox                       # every thread awaiting approval
    python -m client show THREAD_ID              # the pending request, after a reload
    python -m client approve THREAD_ID
    python -m client edit THREAD_ID --args '{"to": "grace@example.com"}'
    python -m client reject THREAD_ID --message "not now"
    python -m client respond THREAD_ID --message "already sent by hand"
    python -m client decide THREAD_ID --decisions '[{"type": "approve"}, {"type": "reject"}]'
    python -m client approve THREAD_ID --request REQUEST_ID   # one of several requests
    python -m client demo                        # the whole story, reload included
    python -m client approvals                   # other users' requests you may answer (approvers)
    python -m client sweep                       # close every expired request you can see
    python -m client audit --since 2026-11-01 --format csv   # your audit trail
    python -m client audit --user ada            # an auditor: one user's threads and acts

A request may come from the thread's agent or from a `task` subagent it started
("general-purpose subagent asks: ..."); `inbox` and `show` list every one. When a
thread has several (parallel subagents), an answer names the
one it is for with --request (ids from `inbox` or `show`).

An approver (a user with a role the policy names) answers other users' requests
the same way: `approvals` lists them, and `approve THREAD_ID` (or edit, reject, ...)
answers one on a thread they do not own through the server's approvals route.


Settings come from the command line, then the environment, then `.env` in the
current directory (the file `make dev` reads too): the server from --url or
LANGGRAPH_URL (default http://127.0.0.1:2024), the graph from --graph or
LANGGRAPH_GRAPH (default `agent`; `agent_interrupt` is its twin that pauses on an
interrupt), the bearer token from LANGGRAPH_TOKEN (default `demo-token`, the local
user a server without AUTH_USERS knows). Errors are one line on stderr;
exit status 1 means the server refused (or someone answered first), 2 means the
server could not be reached or the command was malformed.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

import httpx
from dotenv import dotenv_values
from langgraph_sdk.errors import APIStatusError

from agent.approval.contract import GRAPH_ID, GRAPH_IDS
from agent.settings import LOCAL_TOKEN
from client.approvals import (
    ApprovalError,
    connect,
)
from client.commands import UsageError, cmd_decide, cmd_inbox, cmd_show, cmd_start
from client.demo import cmd_demo
from client.team_commands import cmd_approvals, cmd_audit, cmd_sweep

DEFAULT_URL = "http://127.0.0.1:2024"
ENV_FILE = Path(".env")
CLIENT_VARIABLES = ("LANGGRAPH_URL", "LANGGRAPH_GRAPH", "LANGGRAPH_TOKEN")


def client_settings(env_file: Path = ENV_FILE) -> dict[str, str]:
    """The client's variables: the environment wins over `.env`."""
    from_file = dotenv_values(env_file) if env_file.is_file() else {}
    return {
        name: value
        for name in CLIENT_VARIABLES
        if (value := (os.environ.get(name) or from_file.get(name) or "").strip())
    }


def parser(settings: Mapping[str, str] | None = None) -> argparse.ArgumentParser:
    settings = client_settings() if settings is None else settings
    top = argparse.ArgumentParser(prog="python -m client", description=__doc__.split("\n\n")[0])
    top.add_argument("--url", default=settings.get("LANGGRAPH_URL") or DEFAULT_URL, help="LangGraph server URL")
    top.add_argument(
        "--graph",
        choices=GRAPH_IDS,
        default=settings.get("LANGGRAPH_GRAPH") or GRAPH_ID,
        help="graph id: agent (pauses at a breakpoint, the default) or agent_interrupt (pauses on an interrupt)",
    )
    sub = top.add_subparsers(dest="command", required=True)
    sub.add_parser("start", help="start a thread with a request").add_argument("message")
    sub.add_parser("inbox", help="list every request awaiting approval, subagents' included")
    show = sub.add_parser("show", help="show a thread's pending requests")
    approve = sub.add_parser("approve", help="approve every call")
    edit = sub.add_parser("edit", help="run the call with changed arguments")
    edit.add_argument("--args", required=True, help="JSON object merged into the call's arguments")
    reject = sub.add_parser("reject", help="reject every call")
    reject.add_argument("--message", help="reason given to the model")
    respond = sub.add_parser("respond", help="answer in place of the tool")
    respond.add_argument("--message", required=True, help="text the model gets as the tool's result")
    decide = sub.add_parser("decide", help="one decision per call, as JSON")
    decide.add_argument("--decisions", required=True, help='e.g. \'[{"type": "approve"}]\'')
    for command in (show, approve, edit, reject, respond, decide):
        command.add_argument("thread_id")
        command.add_argument(
            "--request",
            metavar="REQUEST_ID",
            help="the request to show or answer, when the thread has several (parallel subagents)",
        )
    sub.add_parser("demo", help="the whole story against a running server")
    sub.add_parser("approvals", help="other users' requests you may answer (for approvers)")
    sub.add_parser("sweep", help="close every expired request you can see (run it from a scheduler)")
    audit = sub.add_parser("audit", help="export your audit trail (it outlives deleted threads)")
    audit.add_argument("--since", help="from this ISO 8601 date or time (UTC unless it says)")
    audit.add_argument("--until", help="up to (not including) this ISO 8601 date or time")
    audit.add_argument("--format", choices=("jsonl", "csv"), default="jsonl")
    audit.add_argument("--user", help="only this user's threads and acts (an auditor reads everyone's)")
    return top


COMMANDS = {
    "start": cmd_start,
    "inbox": cmd_inbox,
    "show": cmd_show,
    "approve": cmd_decide,
    "edit": cmd_decide,
    "reject": cmd_decide,
    "respond": cmd_decide,
    "decide": cmd_decide,
    "demo": cmd_demo,
    "approvals": cmd_approvals,
    "sweep": cmd_sweep,
    "audit": cmd_audit,
}


def _server_message(error: BaseException) -> str:
    return error.message if isinstance(error, APIStatusError) else str(error).splitlines()[0]


STATUS_HINTS = {
    401: "not signed in: set LANGGRAPH_TOKEN",
    403: "not allowed",  # (signed in: the server says why, e.g. separation of duties)
    404: "not found on the server",
    409: "not taken",
}


def _error_line(error: BaseException, url: str) -> tuple[str, int]:
    """One line for the user, and the exit status, for anything that went wrong."""
    if isinstance(error, httpx.HTTPStatusError):
        status = error.response.status_code
        hint = STATUS_HINTS.get(status, "the server refused the request")
        return f"{hint} ({status}): {_server_message(error)}", 1
    if isinstance(error, httpx.TransportError):
        return f"cannot reach the LangGraph server at {url} ({error.__class__.__name__}); is `make dev` running?", 2
    return str(error), 2 if isinstance(error, UsageError) else 1


async def run(argv: Sequence[str]) -> int:
    settings = client_settings()
    args = parser(settings).parse_args(argv)
    client = connect(args.url, settings.get("LANGGRAPH_TOKEN") or LOCAL_TOKEN)
    try:
        return await COMMANDS[args.command](client, args)
    except (ApprovalError, UsageError, httpx.HTTPStatusError, httpx.TransportError) as error:
        line, status = _error_line(error, args.url)
        print(f"error: {line}", file=sys.stderr, flush=True)
        return status
    finally:
        await client.aclose()


def main(argv: Sequence[str] | None = None) -> int:
    try:
        return asyncio.run(run(sys.argv[1:] if argv is None else argv))
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # The reader went away (`... | head -1`): stop quietly, as other command-line tools do.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141
