"""The tool messages the gate speaks with: what the model reads about gated calls.

A call that did not run (`not_run`), the answer in place of a rejected or answered
call, the notice on a result that ran with a reviewer's edits, and the small readers
of a conversation the gate and the router share.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any, Final

from langchain_core.messages import AIMessage, BaseMessage, ToolCall, ToolMessage
from langgraph.types import Command

ToolResult = ToolMessage | Command[Any]

EDIT_NOTICE: Final = "A human reviewer changed this call before it ran; it ran as {name} with arguments {args}."
RESULT_MARKER: Final = "Tool response:"
"""Separates the edit notice from the tool's own result in the tool message."""


def last_ai_message(messages: Sequence[BaseMessage]) -> AIMessage | None:
    return next((m for m in reversed(messages) if isinstance(m, AIMessage)), None)


def answered_call_ids(messages: Sequence[BaseMessage]) -> set[str]:
    """Ids of the calls of the last AI message that already have a result."""
    ids: set[str] = set()
    for message in reversed(messages):
        if isinstance(message, AIMessage):
            break
        if isinstance(message, ToolMessage):
            ids.add(message.tool_call_id)
    return ids


def existing_result(messages: Sequence[BaseMessage], call_id: str | None) -> ToolMessage | None:
    """The result a call already has (a refusal, a rejection, an earlier run), if any."""
    for message in reversed(messages):
        if isinstance(message, ToolMessage) and message.tool_call_id == call_id:
            return message
        if isinstance(message, AIMessage) and any(call["id"] == call_id for call in message.tool_calls):
            return None
    return None


def not_run(name: str, call_id: str | None, why: str, message_id: str | None = None) -> ToolMessage:
    """The error result of a gated call that did not run, and why (`message_id` replaces a result in state)."""
    return ToolMessage(
        content=f"{_NOT_RUN.format(name=name)}{why}",
        name=name,
        tool_call_id=call_id or "",
        id=message_id,
        status="error",
    )


_NOT_RUN = "`{name}` was not run: "
REJECTED = "The reviewer rejected the call to"  # (how a rejected call's result starts)


def said_not_run(message: ToolMessage) -> bool:
    """Whether `message` is the gate's own `not_run` result (a refusal, a cancel): the call never started."""
    return message.text.startswith(_NOT_RUN.format(name=message.name))


def answer_message(call: ToolCall, decision: Mapping[str, Any]) -> ToolMessage:
    """What the model gets in place of the tool's result for a rejected or answered call."""
    if decision["type"] == "respond":
        return ToolMessage(content=decision["message"], name=call["name"], tool_call_id=call["id"] or "")
    reason = (decision.get("message") or "").strip().rstrip(".")
    because = f" with reason: {reason}" if reason else ""
    content = f"{REJECTED} `{call['name']}`{because}. It was not run; do not retry it unless the user asks for it."
    return ToolMessage(content=content, name=call["name"], tool_call_id=call["id"] or "", status="error")


def with_edit_notice(result: ToolResult, call: ToolCall) -> ToolResult:
    """Tell the model that a reviewer changed the call, and exactly what ran instead."""
    notice = EDIT_NOTICE.format(name=call["name"], args=json.dumps(call["args"], default=str))
    call_id = call["id"]

    def annotate(message: ToolMessage) -> ToolMessage:
        return message.model_copy(update={"content": f"{notice}\n\n{RESULT_MARKER} {message.text}"})

    if isinstance(result, ToolMessage):
        return annotate(result)
    if isinstance(result.update, dict) and isinstance(messages := result.update.get("messages"), list):
        annotated = [annotate(m) if isinstance(m, ToolMessage) and m.tool_call_id == call_id else m for m in messages]
        return Command(graph=result.graph, update={**result.update, "messages": annotated}, goto=result.goto)
    return result


def result_message(result: ToolResult, call_id: str) -> ToolMessage | None:
    if isinstance(result, ToolMessage):
        return result
    messages = result.update.get("messages") if isinstance(result.update, dict) else None
    return next((m for m in messages or [] if isinstance(m, ToolMessage) and m.tool_call_id == call_id), None)


def short(text: str, limit: int = 300) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"
