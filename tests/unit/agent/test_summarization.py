"""deepagents summarizes long threads; a pending request and its history come through whole.

`CONTEXT_WINDOW_TOKENS` (Settings.context_window) gives the offline model a small
window, so summarization fires after a few approval cycles instead of never.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from deepagents.middleware.summarization import SUMMARIZATION_EVENT_KEY
from langchain.agents.middleware import AgentMiddleware, ModelRequest, ModelResponse
from langchain_core.messages import AIMessage
from langchain_core.messages.utils import count_tokens_approximately
from langchain_core.runnables import RunnableConfig
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.types import Command

from agent.approval.contract import HITL_HISTORY, PENDING_HITL, PendingRequest, resume_for
from agent.email import read_log
from agent.graph import make_graph
from agent.settings import Settings
from client.approvals import user_message
from harness.scripts import email, script

HEADROOM = 5_860
"""Tokens of conversation before summarization fires: a few long emails."""
TRIGGER = 0.85
"""deepagents' default: it summarizes at this fraction of the window (`create_summarization_middleware`)."""
CYCLES = 10
LONG_BODY = "word " * 300


def _request_message(values: dict[str, object], request: PendingRequest) -> AIMessage:
    messages = values["messages"]
    assert isinstance(messages, list)
    (message,) = [m for m in messages if isinstance(m, AIMessage) and m.id == request["message_id"]]
    return message


class _FixedPart(AgentMiddleware[Any, Any, Any]):
    """Counts what every model call carries whatever was said: the system prompt and the tools."""

    def __init__(self) -> None:
        super().__init__()
        self.tokens = 0

    def wrap_model_call(
        self, request: ModelRequest[Any], handler: Callable[[ModelRequest[Any]], ModelResponse[Any]]
    ) -> ModelResponse[Any]:
        fixed = [request.system_message] if request.system_message else []
        self.tokens = count_tokens_approximately(fixed, tools=request.tools)
        return handler(request)


def _window() -> int:
    """A window that the fixed part of each call and `HEADROOM` fill: however many tools a fork adds."""
    fixed = _FixedPart()
    graph = make_graph(checkpointer=InMemorySaver(), settings=Settings(), middleware=[fixed])
    graph.invoke(user_message("hello"), {"configurable": {"thread_id": "measure"}})
    assert fixed.tokens > 0
    return int((fixed.tokens + HEADROOM) / TRIGGER)


def test_summarization_keeps_the_pending_request_and_the_history_whole(tmp_path: Path) -> None:
    log = tmp_path / "emails.jsonl"
    graph = make_graph(checkpointer=InMemorySaver(), settings=Settings(email_log=log, context_window=_window()))
    config: RunnableConfig = {"configurable": {"thread_id": "long"}}
    summarized_while_pending = False
    request_ids: list[str] = []
    for _ in range(CYCLES):
        summarized_before = graph.get_state(config).values.get(SUMMARIZATION_EVENT_KEY) if request_ids else None
        graph.invoke(user_message(script(email(body=LONG_BODY))), config)
        values = graph.get_state(config).values
        request: PendingRequest = values[PENDING_HITL]
        summarized_while_pending |= values.get(SUMMARIZATION_EVENT_KEY) != summarized_before
        # The model saw a summary, but the state keeps the request's message and call ids as they were.
        message = _request_message(values, request)
        assert [call["id"] for call in message.tool_calls] == [a["tool_call_id"] for a in request["action_requests"]]
        # A refused answer goes round the (summarizing) model step and changes nothing.
        graph.invoke(Command(resume={"request_id": request["request_id"], "decisions": []}), config)
        refused = graph.get_state(config).values[PENDING_HITL]
        assert refused["request_id"] == request["request_id"]
        assert refused.get("error")
        graph.invoke(Command(resume=resume_for(request, [{"type": "approve"}])), config)
        request_ids.append(request["request_id"])

    values = graph.get_state(config).values
    assert summarized_while_pending
    assert any(path.startswith("/conversation_history/") for path in values["files"])  # the evicted messages
    assert [entry["request_id"] for entry in values[HITL_HISTORY]] == request_ids
    assert len([record for record in read_log(log) if record["sent"]]) == CYCLES
    assert values[PENDING_HITL] is None
