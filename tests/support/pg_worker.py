"""A process that drives one thread on a Postgres checkpointer, for crash tests.

    python -m tests.support.pg_worker pause  THREAD DURABILITY   # runs to the pause, says so, then waits to be killed
    python -m tests.support.pg_worker approve THREAD DURABILITY [--die-after-send]
    python -m tests.support.pg_worker finish THREAD              # answers or continues whatever is left

`DATABASE_URI` names the database and `EMAIL_LOG` the provider's log. With
`--die-after-send` the process SIGKILLs itself right after the email provider
accepted the email: after the decision, before the run could finish. With
`--delegate` the email is sent by a `task` subagent, whose request lives in the
subagent's state; `--pause interrupt` builds `agent_interrupt`'s graph instead of
`agent`'s. Every action takes the same options (each process builds the graph anew).
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
from pathlib import Path
from typing import Any

from langchain_core.runnables import RunnableConfig
from langgraph.checkpoint.postgres import PostgresSaver
from langgraph.types import Command

from agent.approval.contract import HITL_HISTORY, SUBAGENT, PendingRequest, resume_for
from agent.approval.pending import addressed, pending_requests, snapshot_dict
from agent.email import Email, LoggingEmailProvider
from agent.graph import make_graph
from agent.settings import Settings
from client.approvals import user_message
from harness.scripts import call, email, script

READY = "PAUSED"


class DieAfterSend(LoggingEmailProvider):
    """A provider that kills its own process once the email is out."""

    def send(self, email: Email) -> bool:
        sent = super().send(email)
        os.kill(os.getpid(), signal.SIGKILL)
        return sent


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("action", choices=["pause", "approve", "finish"])
    parser.add_argument("thread_id")
    parser.add_argument("durability", nargs="?", default="sync", choices=["sync", "async", "exit"])
    parser.add_argument("--die-after-send", action="store_true")
    parser.add_argument("--delegate", action="store_true", help="the email is a `task` subagent's")
    parser.add_argument("--pause", default="breakpoint", choices=["breakpoint", "interrupt"])
    args = parser.parse_args(argv)

    log = Path(os.environ["EMAIL_LOG"])
    provider = DieAfterSend(log) if args.die_after_send else LoggingEmailProvider(log)
    config: RunnableConfig = {"configurable": {"thread_id": args.thread_id}}
    with PostgresSaver.from_conn_string(os.environ["DATABASE_URI"]) as saver:
        saver.setup()
        graph = make_graph(checkpointer=saver, settings=Settings(), email_provider=provider, pause=args.pause)

        def pending() -> tuple[dict[str, Any], list[PendingRequest]]:
            """The thread's state in the API's JSON shape, subagents' included, and every pending request."""
            state = snapshot_dict(graph.get_state(config, subgraphs=True))
            return state, pending_requests(state)

        def approve() -> None:
            state, (request, *_) = pending()
            answer = resume_for(request, [{"type": "approve"}])
            delivery = addressed(state, answer)
            graph.invoke(Command(resume=delivery.resume), delivery.config(config), durability=args.durability)

        if args.action == "pause":
            turn = script(call("task", description=script(email()), subagent_type="general-purpose"))
            graph.invoke(user_message(turn if args.delegate else script(email())), config, durability=args.durability)
            print(READY, pending()[1][0]["request_id"], flush=True)
            sys.stdin.read()  # wait here until the test kills this process
        elif args.action == "approve":
            approve()
        elif pending()[1]:
            approve()  # finish: the decision was lost with the process, the request is still pending
        else:
            # finish: continue the run the crash cut short. LangGraph keeps the writes of tasks that
            # finished and re-runs only the rest; `state.next` can be empty here (under
            # `async`, a finished task's writes may be saved before the next checkpoint).
            graph.invoke(None, config)
        state = graph.get_state(config)
        history = state.values.get(HITL_HISTORY, [])
        summary: dict[str, Any] = {
            "next": list(state.next),
            "pending": next(iter(pending()[1]), None),
            "history": len(history),
            "history_requests": [entry["request_id"] for entry in history],
            "history_subagents": [entry.get(SUBAGENT) for entry in history],
            "outbox": sorted(p for p in state.values.get("files", {}) if p.startswith("/outbox/")),
            "tool_messages": [m.text for m in state.values["messages"] if m.type == "tool"],
        }
        print(json.dumps(summary), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
