"""`python -m client demo`: the whole story against a running server, reload included.

It asks the agent for an email, then runs this client again in new processes (a
simulated reload: nothing survives but the thread id) to find, show and approve the
request; then the same for a request a subagent makes.
"""

from __future__ import annotations

import argparse
import subprocess
import sys

from langgraph_sdk.client import LangGraphClient

from agent.approval.contract import OUTBOX_DIR
from client.approvals import (
    ApprovalError,
    create_thread,
    get_pending,
    stream_run,
    thread_values,
    user_message,
)
from client.commands import COMMAND, say, show_progress

DEMO_REQUEST = "email ada@example.com about the launch"
DEMO_DELEGATION = "delegate: email bob@example.com about lunch"


def _run_child(args: argparse.Namespace, *argv: str) -> int:
    """Run this CLI in a new process: nothing survives from this one but the thread id."""
    say(f"$ {COMMAND} {' '.join(argv)}")
    return subprocess.call([sys.executable, "-m", "client", "--url", args.url, "--graph", args.graph, *argv])


async def _demo_thread(client: LangGraphClient, args: argparse.Namespace, text: str) -> str:
    """A new thread asked `text`, which must end waiting for approval."""
    thread_id = await create_thread(client, args.graph)
    say(f"   thread {thread_id}")
    await show_progress(stream_run(client, thread_id, input=user_message(text), graph_id=args.graph))
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
