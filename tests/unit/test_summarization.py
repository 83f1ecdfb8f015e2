"""deepagents summarizes long threads; a pending request and its history come through whole.

`CONTEXT_WINDOW_TOKENS` (Settings.context_window) gives the offline model a small
window, so summarization fires after a few approval cycles instead of never.
"""

from __future__ import annotations

from pathlib import Path

from deepagents.middleware.summarization import SUMMARIZATION_EVENT_KEY
from langchain_core.messages import AIMessage
from langchain_core.runnables import RunnableConfig
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.types import Command

from agent.contract import HITL_HISTORY, PENDING_HITL, PendingRequest, resume_for
from agent.email import read_log
from agent.graph import make_graph
from agent.settings import Settings
from client.approvals import user_message
from harness.scripts import email, script

WINDOW = 12_000
"""Tokens: the system prompt and tool schemas take most of it; a few long emails fill the rest."""
CYCLES = 10
LONG_BODY = "word " * 300


def _request_message(values: dict[str, object], request: PendingRequest) -> AIMessage:
    messages = values["messages"]
    assert isinstance(messages, list)
    (message,) = [m for m in messages if isinstance(m, AIMessage) and m.id == request["message_id"]]
    return message


def test_summarization_keeps_the_pending_request_and_the_history_whole(tmp_path: Path) -> None:
    log = tmp_path / "emails.jsonl"
    graph = make_graph(checkpointer=InMemorySaver(), settings=Settings(email_log=log, context_window=WINDOW))
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
