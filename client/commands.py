"""The client's commands on a thread: start, inbox, show and the answers (the team's: `client.team_commands`).

Each is `async def cmd_<name>(client, args) -> exit status`; `client.cli` parses the
command line and runs one.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import AsyncGenerator
from contextlib import aclosing
from typing import Any

import httpx
from langgraph_sdk.client import LangGraphClient

from agent.approval.contract import DECISION_TYPES
from client import render
from client.approvals import (
    AlreadyAnswered,
    Pending,
    Update,
    answer,
    create_thread,
    get_pending,
    get_pending_all,
    inbox,
    stream_run,
    thread_values,
    user_message,
)
from client.team import Assigned, answer_as_approver, open_to_me

COMMAND = ".venv/bin/python -m client"
"""How the README runs this client; hints name it the same way."""


class UsageError(Exception):
    """The command line asks for something that cannot work; exit status 2."""


def say(line: str = "") -> None:
    print(line, flush=True)


async def show_progress(updates: AsyncGenerator[Update, None]) -> None:
    # Closed here when printing fails (a closed pipe): left to the event loop's
    # shutdown, closing the run's stream prints a traceback.
    async with aclosing(updates):
        async for step in updates:
            for line in render.update(step):
                say(f"  · {line}")


def _answer_hint(pending: Pending, *, several: bool) -> str:
    """How to answer `pending` from here: only the decisions every one of its calls allows."""
    allowed = [set(config["allowed_decisions"]) for config in pending.request["review_configs"]]
    commands: list[str] = [kind for kind in DECISION_TYPES if all(kind in each for each in allowed)] or ["decide"]
    which = f" --request {pending.request_id}" if several else ""
    others = f"   (or {' / '.join(commands[1:])})" if commands[1:] else ""
    return f"Answer it with: {COMMAND} {commands[0]} {pending.thread_id}{which}{others}"


async def _report_outcome(client: LangGraphClient, thread_id: str, answered: str | None = None) -> int:
    """After a run: show the pending requests or the final answer; 1 if the `answered` request refused its answer."""
    pending = await get_pending_all(client, thread_id)
    for each in pending:
        say(render.request(each))
    if any(each.error and answered in (None, each.request_id) for each in pending):
        return 1
    for each in pending:
        say(_answer_hint(each, several=len(pending) > 1))
    if pending:
        return 0
    final = render.final_answer((await thread_values(client, thread_id)).get("messages") or [])
    if final is not None:
        say(f"Final answer: {final}")
    return 0


async def cmd_start(client: LangGraphClient, args: argparse.Namespace) -> int:
    thread_id = await create_thread(client, args.graph)
    say(f"Thread {thread_id}")
    await show_progress(stream_run(client, thread_id, input=user_message(args.message), graph_id=args.graph))
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
    found = [a for a in await open_to_me(client, thread_id) if a.thread_id == thread_id]  # (a server of before)
    if request_id is not None:
        return next((a for a in found if a.request_id == request_id), None)
    if len(found) > 1:
        listed = "; ".join(f"{a.request_id} ({render.calls(a.request, 30)})" for a in found)
        raise UsageError(f"{len(found)} requests wait on thread {thread_id}: choose one with --request ({listed})")
    return found[0] if found else None


async def _decide_as_approver(client: LangGraphClient, args: argparse.Namespace, item: Assigned) -> int:
    pending = Pending(thread_id=item.thread_id, request=item.request, error=item.request.get("error"), messages=[])
    decisions = _decisions(args, pending)
    whose = render.owner(item)
    say(f"Answering {whose}'s request {item.request_id} on thread {item.thread_id}: {json.dumps(decisions)}")
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
    await show_progress(answer(client, pending, decisions, args.graph))
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
