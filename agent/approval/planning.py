"""Planning (`write_todos`), and the router that sends turns past the approval node.

deepagents agents plan with langchain's `TodoListMiddleware`, whose after-model step
refuses parallel `write_todos` calls. Here that check runs in the model's own step
(`Planning`), and the step after the model routes each turn instead:

- `agent` (a static breakpoint before the approval node) needs a router in front of
  that node (`RouteTurns`): a turn with nothing pending goes straight on to the
  tools, the end, or back to the model, exactly as the agent loop would route it,
  and never reaches the approval node, whose breakpoint would otherwise pause every
  turn. A turn with a pending request goes on to the approval node.
- `agent_interrupt` has no breakpoint to avoid: its approval node routes a turn
  with nothing pending itself (`route`), and pauses a turn with a request.

Either way the gate costs no superstep of its own (see BENCHMARKS.md). A reply that
starts several subagents goes on with each call in a tools task of its own
(`agent.approval.fanout`), so each subagent can wait for its own answer.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any, cast

from langchain.agents.middleware import (
    AgentMiddleware,
    ExtendedModelResponse,
    ModelCallResult,
    ModelRequest,
    ModelResponse,
    TodoListMiddleware,
    hook_config,
)
from langchain.agents.middleware.todo import PlanningState
from langchain.agents.middleware.types import JumpTo
from langchain_core.messages import AIMessage, BaseMessage
from langgraph.runtime import Runtime
from langgraph.types import Command

from agent.approval.contract import PENDING_HITL, Pause
from agent.approval.fanout import each_in_own_task
from agent.approval.messages import answered_call_ids, last_ai_message

PLANNING = "planning"
ROUTE_TURNS = "route_turns"


def next_step(messages: Sequence[BaseMessage]) -> JumpTo:
    """Where the agent loop goes after the model's reply: the loop's own rule."""
    message = last_ai_message(messages)
    if message is None or not message.tool_calls:
        return "end"
    answered = answered_call_ids(messages)
    return "tools" if any(call["id"] not in answered for call in message.tool_calls) else "model"


def route(state: Mapping[str, Any]) -> dict[str, Any] | Command[Any] | None:
    """Past the approval node if nothing is pending (`None`: on to it)."""
    if state.get(PENDING_HITL):
        return None
    step = next_step(state["messages"])
    return (step == "tools" and each_in_own_task(state, {})) or {"jump_to": step}


class Planning(AgentMiddleware[PlanningState[Any], Any, Any]):
    """`write_todos` (langchain's `TodoListMiddleware`), whose check on parallel calls
    runs in the model's step instead of an after-model step of its own."""

    state_schema = PlanningState

    def __init__(self) -> None:
        super().__init__()
        self.todos = TodoListMiddleware()
        self.tools = self.todos.tools

    @property
    def name(self) -> str:
        return PLANNING

    def _with_refusals(self, result: ModelResponse[Any] | AIMessage, runtime: Runtime[Any]) -> ModelCallResult[Any]:
        """The model's reply, with planning's refusals of parallel `write_todos` calls."""
        response = result if isinstance(result, ModelResponse) else ModelResponse(result=[result])
        check = self.todos.after_model(cast("PlanningState[Any]", {"messages": response.result}), runtime) or {}
        if not check.get("messages"):
            return response
        return ExtendedModelResponse(model_response=response, command=Command(update={"messages": check["messages"]}))

    def wrap_model_call(
        self, request: ModelRequest[Any], handler: Callable[[ModelRequest[Any]], ModelResponse[Any]]
    ) -> ModelCallResult[Any]:
        return self._with_refusals(self.todos.wrap_model_call(request, handler), request.runtime)

    async def awrap_model_call(
        self, request: ModelRequest[Any], handler: Callable[[ModelRequest[Any]], Awaitable[ModelResponse[Any]]]
    ) -> ModelCallResult[Any]:
        return self._with_refusals(await self.todos.awrap_model_call(request, handler), request.runtime)


class RouteTurns(AgentMiddleware[Any, Any, Any]):
    """The router in front of a static breakpoint: pass it after the gate in `middleware=[...]`."""

    @property
    def name(self) -> str:
        return ROUTE_TURNS

    @hook_config(can_jump_to=["tools", "model", "end"])
    def after_model(  # type: ignore[override]  # a node may return a Command (see agent/approval/fanout.py)
        self, state: Any, runtime: Runtime[Any]
    ) -> dict[str, Any] | Command[Any] | None:
        return route(state)

    @hook_config(can_jump_to=["tools", "model", "end"])
    async def aafter_model(  # type: ignore[override]  # (as above)
        self, state: Any, runtime: Runtime[Any]
    ) -> dict[str, Any] | Command[Any] | None:
        return route(state)


def router(pause: Pause) -> list[AgentMiddleware[Any, Any, Any]]:
    """The router a gate pausing so needs after it: one at a breakpoint, none on an interrupt."""
    return [RouteTurns()] if pause == "breakpoint" else []
