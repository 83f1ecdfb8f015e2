"""Approved calls whose run was cancelled while carrying them out: said as they are.

A cancel with `action=interrupt` (the SDKs' `runs.cancel`, Agent Chat UI's stop, the
server's own on a client's disconnect) stops the run inside the tool: the call may
have reached the provider, but its result was never written. On the next message,
deepagents fills the gap with "did not complete", and the history's approval, with
no outcome, reads as "it ran": neither is known. Here such a call gets the truth
instead, in the same message (by id) and in its history entry's `outcomes`
(`interrupted`): it may have been carried out, and the model must not call it again
(a new call would be a new email; the same call, continued, keeps the provider's
idempotency key). A subagent stopped before it reported back
(`agent.approval.abandoned`) is said the same way: each approved call of its answered
requests is `interrupted` in the entry the thread records, and its `task` result says so.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any, cast

from langchain_core.messages import ToolMessage

from agent.approval.contract import HITL_HISTORY, TASK_CALL_ID, ActionRequest, HistoryEntry, Outcome
from agent.approval.fanout import TASK_TOOL
from agent.approval.messages import existing_result, said_not_run
from agent.approval.seal import is_sealed

CUT_SHORT = (
    "its run was cancelled while carrying it out, after it was approved: whether it was carried out "
    "is not known (it may have been). Do not call it again; tell the user to check its effect."
)
SUBAGENT_CUT_SHORT = (
    "the subagent was stopped before it reported back: whether the call was carried out is not known "
    "(it may have been). Do not call it again; tell the user to check its effect."
)
CARRIED_OUT = frozenset({"approve", "edit"})


def _unsettled(entry: HistoryEntry) -> Iterator[ActionRequest]:
    """The calls `entry` approved (or edited) whose outcome is not on record yet."""
    recorded = entry.get("outcomes") or {}
    for action, decision in zip(entry["action_requests"], entry["decisions"], strict=False):
        if decision.get("type") in CARRIED_OUT and action["tool_call_id"] not in recorded:
            yield action


def cut_short(
    state: Mapping[str, Any], thread_id: str, seal_key: bytes
) -> tuple[list[ToolMessage], list[dict[str, Any]]]:
    """The corrected results of approved calls cut short, and the outcomes to record for them.

    A call the approval node approved (its entry sealed) whose error result is neither one
    the tool guard recorded as `failed` nor the gate's own "was not run" (a refusal) is not
    the tool's: the call never returned. Each is corrected once (then it has an outcome)."""
    results = {m.tool_call_id: m for m in state.get("messages") or [] if isinstance(m, ToolMessage)}
    corrections: list[ToolMessage] = []
    outcomes: list[dict[str, Any]] = []
    entry: HistoryEntry
    for entry in state.get(HITL_HISTORY) or []:
        if not is_sealed(entry, thread_id, seal_key):
            continue  # (a forged approval: nothing ran, and the tool guard said so)
        cut: dict[str, Outcome] = {}
        for action in _unsettled(entry):
            call_id = action["tool_call_id"]
            result = results.get(call_id)
            if result is not None and result.status == "error" and not said_not_run(result):
                text = f"`{action['name']}` was approved, and {CUT_SHORT}"
                corrections.append(
                    ToolMessage(text, name=action["name"], tool_call_id=call_id, id=result.id, status="error")
                )
                cut[call_id] = Outcome(status="interrupted", detail=CUT_SHORT)
        if cut:
            outcomes.append({"request_id": entry["request_id"], "outcomes": cut})
    return corrections, outcomes


def unreported(
    state: Mapping[str, Any], entries: Sequence[HistoryEntry]
) -> tuple[list[ToolMessage], list[HistoryEntry]]:
    """The corrected results of `task` calls whose subagent was stopped after a call was approved,
    and the subagent's `entries` as the thread records them (each approved call `interrupted`).

    The subagent never said what became of the call: its tool message is in the subagent's
    state, which is never read again."""
    approved: dict[str, list[str]] = {}  # per task call id, the approved calls' tools
    recorded: list[HistoryEntry] = []
    for entry in entries:
        outcomes = dict(entry.get("outcomes") or {})
        for action in _unsettled(entry):
            outcomes[action["tool_call_id"]] = Outcome(status="interrupted", detail=SUBAGENT_CUT_SHORT)
            approved.setdefault(str(entry.get(TASK_CALL_ID)), []).append(action["name"])
        recorded.append(cast("HistoryEntry", {**entry, "outcomes": outcomes}) if outcomes else entry)
    corrections = [
        ToolMessage(
            f"`{TASK_TOOL}` was stopped after its subagent's {', '.join(f'`{n}`' for n in dict.fromkeys(names))} "
            f"was approved: {SUBAGENT_CUT_SHORT}",
            name=TASK_TOOL,
            tool_call_id=call_id,
            id=result.id,
            status="error",
        )
        for call_id, names in approved.items()
        if (result := existing_result(state.get("messages") or [], call_id)) is not None
    ]
    return corrections, recorded
