"""What an approval binds: exactly the calls the request showed, and nothing else.

A request names its AI message by id and shows each gated call's id, tool and
arguments. A client can replace that message by id while the request waits (new
input that reuses the id), keeping the call ids but changing the arguments or the
tool. The approver would then approve what the request shows while something else
runs. So:

- the model's step checks, before anything else, that the waiting message still
  holds the calls the request shows (`changed`); if not, the request is cancelled
  on record and nothing of it runs;
- the seal over a history entry covers each call's tool and arguments (`agent.approval.seal`);
- the tool guard runs a gated call only when its tool and arguments are exactly the
  ones the sealed entry shows (`same_call`), and then with the reviewer's edit if any.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Final

from langchain_core.messages import AIMessage, BaseMessage, ToolCall, ToolMessage

from agent.approval.contract import ActionRequest, PendingRequest

CHANGED_CALL: Final = "the call waiting for approval was changed by new input ({what}) before it was answered."
NEW_MESSAGE: Final = "a new message came before it was answered."
RESULTS_FIRST: Final = "its calls got results before it was answered (they did not run)."
NOT_THE_APPROVED_CALL: Final = (
    "it is not the call that was approved: its tool or arguments differ from the ones the reviewer saw."
)


def same_call(call: ToolCall, action: ActionRequest) -> bool:
    """Whether `call` is exactly the call `action` showed: same id, tool and arguments."""
    return call["id"] == action["tool_call_id"] and call["name"] == action["name"] and call["args"] == action["args"]


def waiting_message(messages: Sequence[BaseMessage], pending: PendingRequest) -> AIMessage | None:
    """The AI message the request is for, as the thread holds it now."""
    return next(
        (m for m in reversed(messages) if isinstance(m, AIMessage) and m.id == pending["message_id"]),
        None,
    )


def changed(messages: Sequence[BaseMessage], pending: PendingRequest) -> str | None:
    """Why the calls `pending` shows are no longer the ones in its message, or `None` if they are."""
    message = waiting_message(messages, pending)
    if message is None:
        return CHANGED_CALL.format(what="its message was removed")
    calls: Mapping[str | None, ToolCall] = {call["id"]: call for call in message.tool_calls}
    for action in pending["action_requests"]:
        call = calls.get(action["tool_call_id"])
        if call is None:
            return CHANGED_CALL.format(what=f"call {action['tool_call_id']} was removed")
        if not same_call(call, action):
            return CHANGED_CALL.format(what=f"call {action['tool_call_id']} now has another tool or arguments")
    return None


def why_dropped(messages: Sequence[BaseMessage], pending: PendingRequest) -> str:
    """What ended a request that stopped waiting unanswered: a new message, or results for its calls."""
    latest = next((m for m in reversed(messages) if not isinstance(m, ToolMessage)), None)
    return RESULTS_FIRST if latest is not None and latest.id == pending["message_id"] else NEW_MESSAGE


def ran_args(action: ActionRequest, decision: Mapping[str, Any]) -> dict[str, Any]:
    """The arguments a call runs with under `decision`: the reviewer's edit, or the ones shown."""
    edited = decision.get("edited_action")
    return dict(edited["args"]) if decision.get("type") == "edit" and isinstance(edited, Mapping) else action["args"]
