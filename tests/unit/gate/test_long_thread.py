"""A thread with 200 approval cycles: the pending request costs the same every cycle."""

from __future__ import annotations

from collections import Counter

from langchain_core.runnables import RunnableConfig
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.types import Command

from agent.approval.contract import HITL_HISTORY, PENDING_HITL, resume_for
from agent.email import NullEmailProvider
from agent.graph import make_graph
from agent.settings import Settings
from client.approvals import user_message
from harness.scripts import email, script
from harness.storage import bytes_by_channel

CYCLES = 200
SNAPSHOT_EVERY = 50  # hitl_history's DeltaChannel writes a full snapshot every 50 updates


def test_storage_per_cycle_stays_flat_over_200_cycles() -> None:
    saver = InMemorySaver()
    graph = make_graph(checkpointer=saver, settings=Settings(), email_provider=NullEmailProvider())
    per_cycle: list[Counter[str]] = []
    before: Counter[str] = Counter()
    config: RunnableConfig = {"configurable": {"thread_id": "long"}}
    for _ in range(CYCLES):  # pause on one scripted email, approve it
        graph.invoke(user_message(script(email())), config)
        pending = graph.get_state(config).values[PENDING_HITL]
        graph.invoke(Command(resume=resume_for(pending, [{"type": "approve"}])), config)
        after = bytes_by_channel(saver, "long")
        per_cycle.append(after - before)
        before = after

    request_bytes = [c[PENDING_HITL] for c in per_cycle]
    # The request carries this turn's calls only: the same size in cycle 200 as in cycle 2.
    assert max(request_bytes[1:]) == min(request_bytes[1:]) > 0

    # History entries are written once each (a delta), plus a snapshot every 50 updates.
    entry = per_cycle[1][HITL_HISTORY]
    for window_start in (0, CYCLES - SNAPSHOT_EVERY):
        window = per_cycle[window_start : window_start + SNAPSHOT_EVERY]
        history_len = window_start + SNAPSHOT_EVERY
        assert sum(c[HITL_HISTORY] for c in window) <= SNAPSHOT_EVERY * entry + history_len * entry * 1.1

    state = graph.get_state(config)
    assert len(state.values[HITL_HISTORY]) == CYCLES
    assert state.values[PENDING_HITL] is None
