"""A process that drives one thread on a Postgres checkpointer, for crash tests.

    python -m tests.support.pg_worker pause  THREAD DURABILITY   # runs to the pause, says so, then waits to be killed
    python -m tests.support.pg_worker approve THREAD DURABILITY [--die-after-send]
    python -m tests.support.pg_worker finish THREAD              # answers or continues whatever is left

`DATABASE_URI` names the database and `EMAIL_LOG` the provider's log. With
`--die-after-send` the process SIGKILLs itself right after the email provider
accepted the email: after the decision, before the run could finish.
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

from agent.contract import HITL_HISTORY, PENDING_HITL, resume_for
from agent.email import Email, LoggingEmailProvider
from agent.graph import make_graph
from agent.settings import Settings
from client.approvals import user_message
from harness.scripts import email, script

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
    args = parser.parse_args(argv)

    log = Path(os.environ["EMAIL_LOG"])
    provider = DieAfterSend(log) if args.die_after_send else LoggingEmailProvider(log)
    config: RunnableConfig = {"configurable": {"thread_id": args.thread_id}}
    with PostgresSaver.from_conn_string(os.environ["DATABASE_URI"]) as saver:
        saver.setup()
        graph = make_graph(checkpointer=saver, settings=Settings(), email_provider=provider)

        def approve() -> None:
            pending = graph.get_state(config).values[PENDING_HITL]
            graph.invoke(Command(resume=resume_for(pending, [{"type": "approve"}])), config, durability=args.durability)

        if args.action == "pause":
            graph.invoke(user_message(script(email())), config, durability=args.durability)
            print(READY, graph.get_state(config).values[PENDING_HITL]["request_id"], flush=True)
            sys.stdin.read()  # wait here until the test kills this process
        elif args.action == "approve":
            approve()
        else:
            state = graph.get_state(config)
            if state.values.get(PENDING_HITL):
                approve()  # the decision was lost with the process: the request is still pending
            else:
                # Continue the run the crash cut short. LangGraph keeps the writes of tasks that
                # finished and re-runs only the rest; `state.next` can be empty here (under
                # `async`, a finished task's writes may be saved before the next checkpoint).
                graph.invoke(None, config)
        state = graph.get_state(config)
        summary: dict[str, Any] = {
            "next": list(state.next),
            "pending": state.values.get(PENDING_HITL),
            "history": len(state.values.get(HITL_HISTORY, [])),
            "outbox": sorted(p for p in state.values.get("files", {}) if p.startswith("/outbox/")),
            "tool_messages": [m.text for m in state.values["messages"] if m.type == "tool"],
        }
        print(json.dumps(summary), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
