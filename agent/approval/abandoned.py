"""Subagent requests left behind: a subagent stopped before it reported back.

A request made inside a `task` subagent lives in the subagent's own state, and its
history entry reaches the thread's `hitl_history` only when the subagent finishes.
When a new message reaches the thread first (any input), or a cancel stops the run
inside the subagent, LangGraph drops the parent's pending `task` call, deepagents
gives it an error result, and the subagent's state is never read again: nothing in
the subagent can close its request or report its answer. So the parent's model step
does, the first time it runs after that: for each of its last turn's `task` calls
that ended in an error, it looks up that subagent's requests in the audit trail
(`agent.approval.audit`: a subagent's `requested` record carries the request, its
ending the history entry). Those with no ending it closes as cancelled; those that
ended, it records as they ended (`agent.approval.cut_short` says what became of
their approved calls). A subagent that failed on its own is read the same way.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Final, NamedTuple

from langchain_core.messages import BaseMessage
from langgraph.store.base import BaseStore

from agent.approval import audit
from agent.approval.contract import HITL_HISTORY, HistoryEntry, PendingRequest
from agent.approval.fanout import TASK_TOOL
from agent.approval.messages import existing_result, last_ai_message

STOPPED: Final = "its subagent was stopped: a new message came before the request was answered."


class Stopped(NamedTuple):
    """What the subagents of the last turn's cut-off `task` calls left behind."""

    open: Sequence[PendingRequest] = ()
    """Requests with no ending: the parent cancels them."""
    unreported: Sequence[HistoryEntry] = ()
    """The entries of requests that ended in the subagent, not yet in the thread's `hitl_history`."""


def cut_off_tasks(messages: Sequence[BaseMessage]) -> list[str]:
    """The ids of the last turn's `task` calls whose result is an error (cut off, or failed)."""
    message = last_ai_message(messages)
    calls = [call["id"] for call in (message.tool_calls if message else []) if call["name"] == TASK_TOOL]
    return [
        call_id
        for call_id in calls
        if call_id and (result := existing_result(messages, call_id)) is not None and result.status == "error"
    ]


def _sorted(state: Mapping[str, Any], asked: Sequence[PendingRequest], found: Sequence[Any]) -> Stopped:
    ends = audit.endings(asked, found)
    recorded = {entry["request_id"] for entry in state.get(HITL_HISTORY) or []}
    unreported = [
        end["entry"] for end in ends if end is not None and "entry" in end and end["request_id"] not in recorded
    ]
    return Stopped(
        open=[request for request, end in zip(asked, ends, strict=True) if end is None],
        unreported=sorted(unreported, key=lambda entry: entry["decided_at"]),
    )


def left_behind(store: BaseStore | None, state: Mapping[str, Any]) -> Stopped:
    """What the subagents the last turn's cut-off `task` calls started left behind."""
    if store is None or not (tasks := cut_off_tasks(state["messages"])):
        return Stopped()  # (the usual case: no read at all)
    asked = audit.subagent_requests(store.batch(audit.subagent_ops(tasks)))
    return _sorted(state, asked, store.batch(audit.ending_ops(asked)))


async def aleft_behind(store: BaseStore | None, state: Mapping[str, Any]) -> Stopped:
    if store is None or not (tasks := cut_off_tasks(state["messages"])):
        return Stopped()
    asked = audit.subagent_requests(await store.abatch(audit.subagent_ops(tasks)))
    return _sorted(state, asked, await store.abatch(audit.ending_ops(asked)))
