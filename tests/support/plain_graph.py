"""A graph without the approval gate, as a fork may serve beside the agent: it asks with
`interrupt()` and keeps whatever the client answers. The API guard must leave its answers
alone (`tests/integration/server/test_http_errors.py`)."""

from __future__ import annotations

from typing import Any, TypedDict

from langgraph.graph import END, START, StateGraph
from langgraph.types import interrupt


class State(TypedDict, total=False):
    answer: Any


def ask(state: State) -> State:
    return {"answer": interrupt("Go on?")}


builder = StateGraph(State)
builder.add_node("ask", ask)
builder.add_edge(START, "ask")
builder.add_edge("ask", END)
graph = builder.compile()
