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
import csv
import json
import os
import subprocess
import sys
from collections.abc import AsyncGenerator, Mapping, Sequence
from contextlib import aclosing
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from dotenv import dotenv_values
from langgraph_sdk.client import LangGraphClient
from langgraph_sdk.errors import APIStatusError

from agent.contract import GRAPH_ID, GRAPH_IDS, OUTBOX_DIR
from agent.settings import LOCAL_TOKEN
from client import render
from client.approvals import (
    AlreadyAnswered,
    ApprovalError,
    Pending,
    Update,
    answer,
    connect,
    create_thread,
    get_pending,
    get_pending_all,
    inbox,
    stream_run,
    thread_values,
    user_message,
)
from client.team import Assigned, answer_as_approver, audit_records, open_to_me, sweep

DEFAULT_URL = "http://127.0.0.1:2024"
ENV_FILE = Path(".env")
COMMAND = ".venv/bin/python -m client"
"""How the README runs this client; hints name it the same way."""
CLIENT_VARIABLES = ("LANGGRAPH_URL", "LANGGRAPH_GRAPH", "LANGGRAPH_TOKEN")
DEMO_REQUEST = "email ada@example.com about the launch"
DEMO_DELEGATION = "delegate: email bob@example.com about lunch"


class UsageError(Exception):
    """The command line asks for something that cannot work; exit status 2."""


def say(line: str = "") -> None:
    print(line, flush=True)


async def _show_progress(updates: AsyncGenerator[Update, None]) -> None:
    # Closed here when printing fails (a closed pipe): left to the event loop's
    # shutdown, closing the run's stream prints a traceback.
    async with aclosing(updates):
        async for step in updates:
            for line in render.update(step):
                say(f"  · {line}")


async def _report_outcome(client: LangGraphClient, thread_id: str, answered: str | None = None) -> int:
    """After a run: show the pending requests or the final answer; 1 if the `answered` request refused its answer."""
    pending = await get_pending_all(client, thread_id)
    for each in pending:
        say(render.request(each))
    if any(each.error and answered in (None, each.request_id) for each in pending):
        return 1
    if len(pending) == 1:
        say(f"Answer it with: {COMMAND} approve {thread_id}   (or edit / reject / respond)")
    elif pending:
        say(f"Answer each with: {COMMAND} approve {thread_id} --request REQUEST_ID   (or edit / reject / respond)")
    if pending:
        return 0
    final = render.final_answer((await thread_values(client, thread_id)).get("messages") or [])
    if final is not None:
        say(f"Final answer: {final}")
    return 0


async def cmd_start(client: LangGraphClient, args: argparse.Namespace) -> int:
    thread_id = await create_thread(client, args.graph)
    say(f"Thread {thread_id}")
    await _show_progress(stream_run(client, thread_id, input=user_message(args.message), graph_id=args.graph))
    return await _report_outcome(client, thread_id)


async def cmd_inbox(client: LangGraphClient, args: argparse.Namespace) -> int:
    threads = set()
    count = 0
    async for item in inbox(client):
        say(render.inbox_row(item))
        threads.add(item.thread_id)
        count += 1
    say(f"{count} request(s) awaiting approval on {len(threads)} thread(s).")
    return 0


async def _pending(client: LangGraphClient, thread_id: str, request_id: str | None) -> list[Pending]:
    """The thread's pending requests, or only `request_id`; raises if none is."""
    if request_id is not None:
        chosen = await get_pending(client, thread_id, request_id)
        if chosen is None:
            raise AlreadyAnswered(f"request {request_id} is not awaiting approval on thread {thread_id}")
        return [chosen]
    pending = await get_pending_all(client, thread_id)
    if not pending:
        raise AlreadyAnswered(f"thread {thread_id} has no request awaiting approval")
    return pending


async def _require_pending(client: LangGraphClient, thread_id: str, request_id: str | None = None) -> Pending:
    """The one request an answer is for: `request_id`, or the thread's only one."""
    pending = await _pending(client, thread_id, request_id)
    if len(pending) > 1:
        listed = "; ".join(render.choice(each) for each in pending)
        raise UsageError(
            f"thread {thread_id} has {len(pending)} requests awaiting approval: {listed}. "
            "Say which one with --request REQUEST_ID"
        )
    return pending[0]


async def cmd_show(client: LangGraphClient, args: argparse.Namespace) -> int:
    for pending in await _pending(client, args.thread_id, args.request):
        say(render.request(pending))
    return 0


def _parse_json(text: str, what: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise UsageError(f"{what} is not valid JSON: {error}") from None


def _decisions(args: argparse.Namespace, pending: Pending) -> list[dict[str, Any]]:
    """Turn a shorthand command into one decision per action request."""
    actions = pending.request["action_requests"]
    if args.command == "decide":
        decisions = _parse_json(args.decisions, "--decisions")
        if not isinstance(decisions, list):
            raise UsageError("--decisions must be a JSON list, one decision per call")
        return decisions
    if args.command == "edit":
        if len(actions) != 1:
            raise UsageError(f"this request has {len(actions)} calls; use `decide` with one decision per call")
        changes = _parse_json(args.args, "--args")
        if not isinstance(changes, dict):
            raise UsageError("--args must be a JSON object of the arguments to change")
        edited = {"name": actions[0]["name"], "args": {**actions[0]["args"], **changes}}
        return [{"type": "edit", "edited_action": edited}]
    decision: dict[str, Any] = {"type": args.command}
    if getattr(args, "message", None) is not None:
        decision["message"] = args.message
    return [dict(decision) for _ in actions]


async def _assigned(client: LangGraphClient, thread_id: str, request_id: str | None) -> Assigned | None:
    """A request on another user's thread that the signed-in approver may answer."""
    found = [a for a in await open_to_me(client) if a.thread_id == thread_id]
    if request_id is not None:
        return next((a for a in found if a.request_id == request_id), None)
    if len(found) > 1:
        listed = "; ".join(f"{a.request_id} ({render.calls(a.request, 30)})" for a in found)
        raise UsageError(f"{len(found)} requests wait on thread {thread_id}: choose one with --request ({listed})")
    return found[0] if found else None


async def _decide_as_approver(client: LangGraphClient, args: argparse.Namespace, item: Assigned) -> int:
    pending = Pending(thread_id=item.thread_id, request=item.request, error=item.request.get("error"), messages=[])
    decisions = _decisions(args, pending)
    say(f"Answering {item.owner}'s request {item.request_id} on thread {item.thread_id}: {json.dumps(decisions)}")
    reply = await answer_as_approver(client, item, decisions)
    say(f"Thread {item.thread_id} is {reply.get('status')}; {len(reply.get('pending') or [])} request(s) left for you.")
    return 0


async def cmd_decide(client: LangGraphClient, args: argparse.Namespace) -> int:
    if not await _readable(client, args.thread_id) and (item := await _assigned(client, args.thread_id, args.request)):
        return await _decide_as_approver(client, args, item)
    pending = await _require_pending(client, args.thread_id, args.request)
    decisions = _decisions(args, pending)
    asker = f" ({pending.subagent} subagent)" if pending.subagent else ""
    say(f"Answering request {pending.request_id}{asker} on thread {args.thread_id}: {json.dumps(decisions)}")
    await _show_progress(answer(client, pending, decisions, args.graph))
    return await _report_outcome(client, args.thread_id, pending.request_id)


async def _readable(client: LangGraphClient, thread_id: str) -> bool:
    """Whether the signed-in user may read the thread (it is theirs)."""
    try:
        await client.threads.get(thread_id)
    except httpx.HTTPStatusError as error:
        if error.response.status_code == 404:
            return False
        raise
    return True


async def cmd_approvals(client: LangGraphClient, args: argparse.Namespace) -> int:
    found = await open_to_me(client)
    for item in found:
        say(
            f"{item.thread_id}  {item.owner}'s request {item.request_id}  {render.expiry(item.request)}  "
            f"{render.asker(item)}{render.calls(item.request)}"
        )
    say(f"{len(found)} request(s) on other users' threads wait for you.")
    return 0


async def cmd_sweep(client: LangGraphClient, args: argparse.Namespace) -> int:
    closed = await sweep(client)
    for item in closed:
        expired_at = item.request["expires_at"]
        say(f"closed expired request {item.request_id} on thread {item.thread_id} (expired {expired_at})")
    say(f"{len(closed)} expired request(s) closed.")
    return 0


AUDIT_FIELDS = ("at", "event", "thread_id", "owner", "request_id", "who", "tools", "decisions", "args_digest", "error")


def _instant(text: str | None, flag: str) -> datetime | None:
    if text is None:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise UsageError(
            f"{flag} {text!r}: use an ISO 8601 date or time, e.g. 2026-11-25 or 2026-11-25T09:00"
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


async def cmd_audit(client: LangGraphClient, args: argparse.Namespace) -> int:
    since, until = _instant(args.since, "--since"), _instant(args.until, "--until")
    records = await audit_records(client, since=since, until=until, user=args.user)
    if args.format == "csv":
        writer = csv.DictWriter(sys.stdout, fieldnames=AUDIT_FIELDS, extrasaction="ignore")
        writer.writeheader()
        for record in records:
            writer.writerow({k: json.dumps(v) if isinstance(v, list | dict) else v for k, v in record.items()})
    else:
        for record in records:
            say(json.dumps(record, sort_keys=True))
    return 0


def _run_child(args: argparse.Namespace, *argv: str) -> int:
    """Run this CLI in a new process: nothing survives from this one but the thread id."""
    say(f"$ {COMMAND} {' '.join(argv)}")
    return subprocess.call([sys.executable, "-m", "client", "--url", args.url, "--graph", args.graph, *argv])


async def _demo_thread(client: LangGraphClient, args: argparse.Namespace, text: str) -> str:
    """A new thread asked `text`, which must end waiting for approval."""
    thread_id = await create_thread(client, args.graph)
    say(f"   thread {thread_id}")
    await _show_progress(stream_run(client, thread_id, input=user_message(text), graph_id=args.graph))
    if await get_pending(client, thread_id) is None:
        raise ApprovalError("the agent did not ask for approval; is the server running the offline model?")
    return thread_id


def _run_children(args: argparse.Namespace, *commands: list[str]) -> None:
    for argv in commands:
        if _run_child(args, *argv) != 0:
            raise ApprovalError(f"`{COMMAND} {' '.join(argv)}` failed")


async def _show_outbox(client: LangGraphClient, thread_id: str, step: str) -> int:
    """Show the emails the thread sent; how many."""
    files = (await thread_values(client, thread_id)).get("files") or {}
    sent = {path: data for path, data in files.items() if path.startswith(OUTBOX_DIR)}
    say(f"\n{step} The outbox now holds {len(sent)} email(s):")
    for path, data in sent.items():
        say(f"   {path}\n" + "\n".join(f"     {line}" for line in str(data.get("content", "")).splitlines()))
    return len(sent)


async def cmd_demo(client: LangGraphClient, args: argparse.Namespace) -> int:
    say(f"1. Ask the agent: {DEMO_REQUEST!r}")
    thread_id = await _demo_thread(client, args, DEMO_REQUEST)
    say("\n2. Simulated reload: this process forgets everything but the thread id.")
    say("   New processes find the request in the inbox and fetch it with threads.get_state:")
    _run_children(args, ["inbox"], ["show", thread_id], ["approve", thread_id])
    sent = await _show_outbox(client, thread_id, "3.")
    say(f"\n4. Delegate to a subagent: {DEMO_DELEGATION!r}")
    delegated = await _demo_thread(client, args, DEMO_DELEGATION)
    say("   The subagent's request waits in the subagent's own state (threads.get_state(subgraphs=True));")
    say("   the same commands show and answer it:")
    _run_children(args, ["show", delegated], ["approve", delegated])
    sent_by_subagent = await _show_outbox(client, delegated, "5.")
    return 0 if sent and sent_by_subagent else 1


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
    403: "not allowed: check LANGGRAPH_TOKEN",
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
