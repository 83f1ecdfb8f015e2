"""Subagent requests left behind: a subagent stopped while its request waited.

A request made inside a `task` subagent lives in the subagent's own state. When a
new message reaches the thread while it waits (any input), LangGraph drops the
parent's pending `task` call, deepagents gives it an error result, and the
subagent's state, with its request, is never read again: nothing in the subagent
could close the request. So the parent's model step does, the first time it runs
after that: for each of its last turn's `task` calls that ended in an error, it
looks up that subagent's requests in the audit trail (`agent.approval.audit`: a subagent's
`requested` record carries the request) and closes the ones with no ending, as
cancelled, in the parent's `hitl_history` and the trail. A subagent that failed
on its own has no request left open, so this finds nothing for it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from langchain_core.messages import BaseMessage
from langgraph.store.base import BaseStore

from agent.approval import audit
from agent.approval.contract import PendingRequest
from agent.approval.fanout import TASK_TOOL
from agent.approval.messages import existing_result, last_ai_message

STOPPED: Final = "its subagent was stopped: a new message came before the request was answered."


def cut_off_tasks(messages: Sequence[BaseMessage]) -> list[str]:
    """The ids of the last turn's `task` calls whose result is an error (cut off, or failed)."""
    message = last_ai_message(messages)
    calls = [call["id"] for call in (message.tool_calls if message else []) if call["name"] == TASK_TOOL]
    return [
        call_id
        for call_id in calls
        if call_id and (result := existing_result(messages, call_id)) is not None and result.status == "error"
    ]


def left_open(store: BaseStore | None, messages: Sequence[BaseMessage]) -> list[PendingRequest]:
    """The requests of the subagents the last turn's cut-off `task` calls started that never ended."""
    if store is None or not (tasks := cut_off_tasks(messages)):
        return []  # (the usual case: no read at all)
    asked = audit.subagent_requests(store.batch(audit.subagent_ops(tasks)))
    return audit.unended(asked, store.batch(audit.ending_ops(asked)))


async def aleft_open(store: BaseStore | None, messages: Sequence[BaseMessage]) -> list[PendingRequest]:
    if store is None or not (tasks := cut_off_tasks(messages)):
        return []
    asked = audit.subagent_requests(await store.abatch(audit.subagent_ops(tasks)))
    return audit.unended(asked, await store.abatch(audit.ending_ops(asked)))
