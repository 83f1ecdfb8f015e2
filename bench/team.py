"""What the team features cost a cycle, in-process: `team_overhead_ratio`.

Both sides are the same graph, for a team (`ada` asks, `bob`, an approver, answers;
separation of duties on), run on the same kind of checkpointer, their cycles
alternating. One side has LangGraph's store, so each request writes its audit
records and its entry in the index of waiting requests (`agent.approval.waiting`),
and a notice sender whose signed notice goes to a receiver on loopback, in a process of
its own (`bench.receiver`), as a deployment's receiver is elsewhere; the other
has neither. The ratio is the first's median cycle over the second's, per template
graph, the median of `blocks` blocks.
"""

from __future__ import annotations

import secrets
import statistics
import time
import uuid
from typing import Any

from langchain_core.runnables import RunnableConfig
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.store.memory import InMemoryStore
from langgraph.types import Command

from agent.approval.approvers import AUTH_USER_KEY
from agent.approval.contract import PAUSE_BY_GRAPH, PENDING_HITL, resume_for
from agent.email import NullEmailProvider
from agent.graph import make_graph
from agent.settings import Settings
from bench.cycles import TEMPLATE_GATES, Gate, Graph
from bench.receiver import received, receiver
from client.approvals import user_message
from harness.scripts import email, script

SECRET = secrets.token_hex(32)


def _as(user: str, thread_id: str, *roles: str) -> RunnableConfig:
    """A run's config as the server builds it for `user`, on ada's thread."""
    identity = {"identity": user, "permissions": list(roles)}
    return {"configurable": {"thread_id": thread_id, AUTH_USER_KEY: identity}, "metadata": {"owner": "ada"}}


def _team_graph(gate: Gate, notify_url: str | None) -> Graph:
    settings = Settings(
        approver_roles=("approver",),
        requester_may_answer=False,
        notify_url=notify_url,
        notify_secret=SECRET if notify_url else None,
    )
    store = InMemoryStore() if notify_url else None
    return make_graph(
        checkpointer=InMemorySaver(),
        store=store,
        settings=settings,
        email_provider=NullEmailProvider(),
        pause=PAUSE_BY_GRAPH[gate],
    )


def _cycle(graph: Graph) -> None:
    thread_id = uuid.uuid4().hex
    graph.invoke(user_message(script(email())), _as("ada", thread_id))
    request = graph.get_state(_as("ada", thread_id)).values[PENDING_HITL]
    graph.invoke(Command(resume=dict(resume_for(request, [{"type": "approve"}]))), _as("bob", thread_id, "approver"))
    if graph.get_state(_as("bob", thread_id)).values.get(PENDING_HITL):
        raise RuntimeError("the approver's answer did not apply")


def team_overhead(cycles: int, blocks: int) -> dict[str, Any]:
    """Per template graph: the median cycle (ms) with and without the team features, and their ratio."""
    result: dict[str, Any] = {}
    with receiver() as (url, receiving):
        for gate in TEMPLATE_GATES:
            ratios: list[float] = []
            with_team: list[float] = []
            without: list[float] = []
            for _ in range(blocks):
                graphs = (_team_graph(gate, url), _team_graph(gate, None))
                times: tuple[list[float], list[float]] = ([], [])
                for graph in graphs:  # warm up
                    _cycle(graph)
                for index in range(cycles):
                    for which in (0, 1) if index % 2 == 0 else (1, 0):
                        started = time.perf_counter()
                        _cycle(graphs[which])
                        times[which].append((time.perf_counter() - started) * 1000)
                with_team.append(statistics.median(times[0]))
                without.append(statistics.median(times[1]))
                ratios.append(with_team[-1] / without[-1])
            result[f"cycle_ms_with_team[{gate}]"] = statistics.median(with_team)
            result[f"cycle_ms_without[{gate}]"] = statistics.median(without)
            result[f"team_overhead_ratio[{gate}]"] = statistics.median(ratios)
            result[f"team_overhead_range[{gate}]"] = [min(ratios), max(ratios)]
        result["notices_received"] = received(receiving)
    return result
