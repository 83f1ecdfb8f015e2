"""Planning (`write_todos`) whose after-model step also routes each turn.

deepagents agents plan with langchain's `TodoListMiddleware`, whose after-model
step refuses parallel `write_todos` calls. Here that same step is the router in
front of the approval node: a turn with nothing pending goes straight on to the
tools, the end, or back to the model, exactly as the agent loop would route it,
and never reaches the approval node, whose static breakpoint would otherwise
pause every turn. A turn with a pending request goes on to the approval node.
The gate so costs no superstep of its own (see BENCHMARKS.md).

`RouteTurns` is the router alone, for an agent without planning.

A reply that starts several subagents goes on with each call in a tools task of
its own (`agent.fanout`), so each subagent can wait for its own answer.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from langchain.agents.middleware import AgentMiddleware, TodoListMiddleware, hook_config
from langchain.agents.middleware.types import JumpTo
from langchain_core.messages import BaseMessage, ToolMessage
from langgraph.runtime import Runtime
from langgraph.types import Command

from agent.contract import PENDING_HITL
from agent.fanout import each_in_own_task
from agent.messages import answered_call_ids, last_ai_message

PLANNING = "planning"
ROUTE_TURNS = "route_turns"


def next_step(messages: Sequence[BaseMessage], new_results: Sequence[ToolMessage] = ()) -> JumpTo:
    """Where the agent loop goes after the model's reply: the loop's own rule."""
    message = last_ai_message(messages)
    if message is None or not message.tool_calls:
        return "end"
    answered = answered_call_ids(messages) | {m.tool_call_id for m in new_results}
    return "tools" if any(call["id"] not in answered for call in message.tool_calls) else "model"


def route(state: Mapping[str, Any], new_results: Sequence[ToolMessage] = ()) -> dict[str, Any] | Command[Any] | None:
    """The router's update: on to the approval node if a request is pending, else past it."""
    update: dict[str, Any] = {"messages": list(new_results)} if new_results else {}
    if state.get(PENDING_HITL):
        return update or None  # on to the approval node, where the turn waits for its answer
    step = next_step(state["messages"], new_results)
    return (step == "tools" and each_in_own_task(state, update)) or {**update, "jump_to": step}


class Planning(TodoListMiddleware):
    """`write_todos`, and the router that sends turns with nothing pending past the approval node."""

    @property
    def name(self) -> str:
        return PLANNING

    def _refusals(self, state: Any, runtime: Runtime[Any]) -> list[ToolMessage]:
        """Planning's own check (parallel `write_todos` are refused), once per model reply."""
        check = super().after_model(state, runtime) or {}
        answered = answered_call_ids(state["messages"])
        return [m for m in check.get("messages", []) if m.tool_call_id not in answered]

    @hook_config(can_jump_to=["tools", "model", "end"])
    def after_model(  # type: ignore[override]  # a node may return a Command (see agent/fanout.py)
        self, state: Any, runtime: Runtime[Any]
    ) -> dict[str, Any] | Command[Any] | None:
        return route(state, self._refusals(state, runtime))

    @hook_config(can_jump_to=["tools", "model", "end"])
    async def aafter_model(  # type: ignore[override]  # (as above)
        self, state: Any, runtime: Runtime[Any]
    ) -> dict[str, Any] | Command[Any] | None:
        return self.after_model(state, runtime)


class RouteTurns(AgentMiddleware[Any, Any, Any]):
    """The router alone: pass it after the gate in `middleware=[...]` when the agent has no planning."""

    @property
    def name(self) -> str:
        return ROUTE_TURNS

    @hook_config(can_jump_to=["tools", "model", "end"])
    def after_model(  # type: ignore[override]  # a node may return a Command (see agent/fanout.py)
        self, state: Any, runtime: Runtime[Any]
    ) -> dict[str, Any] | Command[Any] | None:
        return route(state)

    @hook_config(can_jump_to=["tools", "model", "end"])
    async def aafter_model(  # type: ignore[override]  # (as above)
        self, state: Any, runtime: Runtime[Any]
    ) -> dict[str, Any] | Command[Any] | None:
        return self.after_model(state, runtime)
