"""The approval keys of the agent's state: `pending_hitl` and `hitl_history`.

Clients read them (`agent.approval.contract` names their shapes); only the gate writes them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any, NotRequired, cast

from langchain.agents.middleware import AgentState
from langchain.agents.middleware.types import OmitFromInput
from langgraph.channels.delta import DeltaChannel

from agent.approval.contract import HistoryEntry, PendingRequest


def _record(state: list[HistoryEntry] | None, writes: Sequence[list[HistoryEntry]]) -> list[HistoryEntry]:
    """Append answered requests; a write naming one already recorded adds its calls' outcomes.

    Batching-invariant, as DeltaChannel requires: applying writes one by one or all
    at once gives the same history.
    """
    history = list(state or [])
    position = {entry["request_id"]: index for index, entry in enumerate(history)}
    for entry in (entry for batch in writes for entry in batch):
        at = position.get(entry["request_id"])
        if at is None:
            position[entry["request_id"]] = len(history)
            history.append(entry)
        else:
            merged = dict(history[at])
            merged["outcomes"] = {**history[at].get("outcomes", {}), **entry.get("outcomes", {})}
            history[at] = cast("HistoryEntry", merged)
    return history


class ApprovalState(AgentState[Any]):
    """The approval keys the gate adds to the agent's state. Clients read them; only the gate writes them."""

    pending_hitl: Annotated[NotRequired[PendingRequest | None], OmitFromInput]
    # A delta channel: each checkpoint stores only the entries it adds (plus a full
    # snapshot every 50), not the whole history again, as deepagents does for messages.
    hitl_history: Annotated[
        NotRequired[list[HistoryEntry]], OmitFromInput, DeltaChannel(_record, snapshot_frequency=50)
    ]
