"""Reload-safe tool approval for a deep agent, as deepagents middleware.

Why not a plain `interrupt()`: LangGraph keeps only the interrupt and resume
writes of an interrupted task, so whatever a node writes before it calls
`interrupt()` is lost, under every durability mode. Here the request is written
by a step that *completes*, the model's own, and only the next step, the
approval node, pauses:

    model (+ pending_hitl) ─▶ review_tool_calls ‖ ─▶ tools ─▶ model …
                                                ‖ the pause: interrupt(request)

- `ApprovalGate` has no node of its own. Around the model call it turns the
  gated calls of the model's reply into `pending_hitl`, written in the model's
  step, so the request is in the checkpoint under every durability mode. Around
  every tool call it is the last line of defence: a gated tool only runs when the
  request decided last approved (or edited) that very call.
- `ReviewToolCalls` is the approval node, right after the model. When a request
  is pending it pauses on a regular `interrupt()` whose value is the request,
  which every LangGraph server and HITL UI understands; otherwise it does
  nothing, so turns without a gated call never pause. On resume it checks the
  answer (`agent.decisions`), applies approve / edit / reject / respond per call
  (with `HumanInTheLoopMiddleware`'s own logic), clears `pending_hitl` and appends
  to `hitl_history`. A refused answer changes nothing: the node pauses again, the
  interrupt's value now carrying `error`.
- `Planning` is langchain's `TodoListMiddleware` (`write_todos`) whose after-model
  check runs inside the approval node rather than in a step of its own, so the
  gate costs no extra superstep (see BENCHMARKS.md).
- With `breakpoint=True` the graph pauses at a static `interrupt_before` on the
  approval node instead, and `RouteToReview` runs first to send turns without a
  pending request past it (a breakpoint alone would pause after every turn).
- `RefuseGatedTools` is for subagents: they cannot pause the parent for review,
  so gated tools are refused there and the main agent has to make the call.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Collection, Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Annotated, Any, Final, NotRequired

from langchain.agents.middleware import (
    AgentMiddleware,
    AgentState,
    ExtendedModelResponse,
    HumanInTheLoopMiddleware,
    InterruptOnConfig,
    ModelCallResult,
    ModelRequest,
    ModelResponse,
    TodoListMiddleware,
    ToolCallRequest,
    hook_config,
)
from langchain.agents.middleware.human_in_the_loop import _EDITED_TOOL_CALLS_KEY, Action
from langchain.agents.middleware.human_in_the_loop import _HumanInTheLoopState as HumanInTheLoopState
from langchain.agents.middleware.types import OmitFromInput
from langchain_core.messages import AIMessage, BaseMessage, ToolMessage
from langchain_core.tools import BaseTool
from langgraph.channels.delta import DeltaChannel
from langgraph.config import get_config
from langgraph.runtime import Runtime
from langgraph.types import Command, interrupt
from pydantic import BaseModel

from agent.contract import (
    HITL_HISTORY,
    PENDING_HITL,
    REVIEW_TOOL_CALLS,
    ActionRequest,
    HistoryEntry,
    PendingRequest,
    RefusedRequest,
    ReviewConfig,
)
from agent.decisions import DecisionRefused, check_answer

APPROVAL_GATE = "approval_gate"
ROUTE_TO_REVIEW = "route_to_review"
_UNSET = object()

EDITED_TOOL_CALLS: Final = _EDITED_TOOL_CALLS_KEY
"""The held HITL middleware's private state key for reviewer edits, read when the tool runs."""

AUTH_USER_KEY = "langgraph_auth_user"
AUTH_USER_ID_KEY = "langgraph_auth_user_id"


def _append_history(state: list[HistoryEntry] | None, writes: Sequence[list[HistoryEntry]]) -> list[HistoryEntry]:
    # Concatenation is batching-invariant, as DeltaChannel requires.
    return [*(state or []), *(entry for batch in writes for entry in batch)]


class ApprovalState(HumanInTheLoopState[Any]):
    """The approval keys this middleware adds to the agent's state.

    Built on the held `HumanInTheLoopMiddleware`'s state, whose private
    `hitl_edited_tool_calls` (`EDITED_TOOL_CALLS`) carries reviewer edits to the tool call.
    """

    pending_hitl: Annotated[NotRequired[PendingRequest | None], OmitFromInput]
    # A delta channel: each checkpoint stores only the entries it adds (plus a full
    # snapshot every 50), not the whole history again, as deepagents does for messages.
    hitl_history: Annotated[
        NotRequired[list[HistoryEntry]], OmitFromInput, DeltaChannel(_append_history, snapshot_frequency=50)
    ]


def _compact_schema(tool: BaseTool) -> dict[str, Any]:
    """The JSON schema of a tool's arguments, without the tool's prose or titles."""
    schema = tool.tool_call_schema
    full = schema.model_json_schema() if isinstance(schema, type) and issubclass(schema, BaseModel) else {}

    def strip(node: Any) -> Any:
        if isinstance(node, dict):
            return {k: strip(v) for k, v in node.items() if k != "title"}
        if isinstance(node, list):
            return [strip(item) for item in node]
        return node

    return {key: strip(value) for key, value in full.items() if key not in ("description", "title")}


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _last_ai_message(messages: Sequence[BaseMessage]) -> AIMessage | None:
    return next((m for m in reversed(messages) if isinstance(m, AIMessage)), None)


def _not_run(request: ToolCallRequest, why: str) -> ToolMessage:
    """The error result of a gated call that was not allowed to run."""
    name = request.tool_call["name"]
    return ToolMessage(
        content=f"`{name}` was not run: {why}",
        name=name,
        tool_call_id=request.tool_call["id"] or "",
        status="error",
    )


def _deciding_user() -> str | None:
    """The authenticated user answering the request, when the server has auth on.

    LangGraph's server and aegra both put the user in `configurable` as
    `langgraph_auth_user` (LangGraph's also as `langgraph_auth_user_id`).
    """
    try:
        configurable = get_config().get("configurable", {})
    except RuntimeError:
        return None
    user = configurable.get(AUTH_USER_KEY)
    identity = user.get("identity") if isinstance(user, Mapping) else getattr(user, "identity", None)
    identity = identity or configurable.get(AUTH_USER_ID_KEY)
    return str(identity) if identity else None


class ApprovalGate(AgentMiddleware[ApprovalState, Any, Any]):
    """Writes the pending request in the model's step and guards every gated tool call."""

    state_schema = ApprovalState

    def __init__(self, interrupt_on: Mapping[str, bool | InterruptOnConfig]) -> None:
        super().__init__()
        # langchain's own HITL middleware supplies the policy parsing, the request and
        # decision shapes, and applies edits when the tool runs. Held, not inherited:
        # as a subclass, the gate would get an after-model node of its own.
        self.hitl: HumanInTheLoopMiddleware[Any, Any, Any] = HumanInTheLoopMiddleware(
            interrupt_on=dict(interrupt_on), description_prefix="Tool call awaiting approval"
        )
        self.interrupt_on = self.hitl.interrupt_on
        self.tools_by_name: dict[str, BaseTool] = {}
        self.args_schemas: dict[str, dict[str, Any]] = {}

    @property
    def name(self) -> str:
        return APPROVAL_GATE

    def register_tools(self, tools: Iterable[BaseTool]) -> None:
        """Give the gate the agent's tools: edits are checked against their schemas, and
        each review config carries its tool's `args_schema`, for edit forms."""
        self.tools_by_name = {tool.name: tool for tool in tools}
        self.args_schemas = {
            name: _compact_schema(tool) for name, tool in self.tools_by_name.items() if name in self.interrupt_on
        }

    # --- the request, written in the model's step -------------------------------------

    def needs_review(self, tool_call: Any, state: Any, runtime: Runtime[Any]) -> bool:
        config = self.interrupt_on.get(tool_call["name"])
        return config is not None and self.hitl._should_interrupt(tool_call, config, state, runtime)

    def build_request(self, message: AIMessage, state: Any, runtime: Runtime[Any]) -> PendingRequest | None:
        """The pending request for the gated calls in `message`, or `None` if it has none."""
        actions: list[ActionRequest] = []
        configs: dict[str, ReviewConfig] = {}
        for call in message.tool_calls:
            if not self.needs_review(call, state, runtime):
                continue
            config = self.interrupt_on[call["name"]]
            action, review = self.hitl._create_action_and_config(call, config, state, runtime)
            actions.append(
                ActionRequest(
                    tool_call_id=call["id"] or "",
                    name=call["name"],
                    args=call["args"],
                    description=action.get("description", ""),
                )
            )
            if call["name"] not in configs:
                configs[call["name"]] = ReviewConfig(
                    action_name=review["action_name"], allowed_decisions=list(review["allowed_decisions"])
                )
                if schema := self.args_schemas.get(call["name"]):
                    configs[call["name"]]["args_schema"] = schema
        if not actions:
            return None
        return PendingRequest(
            request_id=uuid.uuid4().hex,
            message_id=message.id or "",
            created_at=_now(),
            action_requests=actions,
            review_configs=list(configs.values()),
        )

    def _with_request(self, request: ModelRequest[Any], response: ModelResponse[Any]) -> ModelCallResult[Any]:
        message = _last_ai_message(response.result)
        if message is not None and message.id is None:
            message.id = f"run-{uuid.uuid4()}"  # the request names the message by id
        pending = self.build_request(message, request.state, request.runtime) if message else None
        if pending is None and request.state.get(PENDING_HITL, _UNSET) is None:
            return response  # nothing to review, and `pending_hitl` is already null
        # `null` from the first turn on; a request that a new message left unanswered
        # is dropped here (its calls never ran).
        return ExtendedModelResponse(model_response=response, command=Command(update={PENDING_HITL: pending}))

    def wrap_model_call(
        self, request: ModelRequest[Any], handler: Callable[[ModelRequest[Any]], ModelResponse[Any]]
    ) -> ModelCallResult[Any]:
        return self._with_request(request, handler(request))

    async def awrap_model_call(
        self, request: ModelRequest[Any], handler: Callable[[ModelRequest[Any]], Awaitable[ModelResponse[Any]]]
    ) -> ModelCallResult[Any]:
        return self._with_request(request, await handler(request))

    # --- the review, run by the approval node ------------------------------------------

    def review(self, state: Any) -> dict[str, Any] | None:
        """Pause for the pending request, if any; apply the answer once it is valid."""
        pending: PendingRequest | None = state.get(PENDING_HITL)
        if not pending:
            return None
        # The pause. The request is already saved (the model's step completed), so
        # nothing is lost here. On resume, the answer is what interrupt() returns.
        answer = interrupt(pending)
        while True:
            try:
                decisions = check_answer(answer, pending, self.tools_by_name)
                break
            except DecisionRefused as refused:
                answer = interrupt(RefusedRequest(**pending, error=str(refused)))
        return self._apply(state, pending, decisions, answer.get("answer_id"))

    def _apply(
        self, state: Any, pending: PendingRequest, decisions: list[Any], answer_id: str | None
    ) -> dict[str, Any]:
        by_call = {req["tool_call_id"]: (req, d) for req, d in zip(pending["action_requests"], decisions, strict=True)}
        message = next(
            (m for m in reversed(state["messages"]) if isinstance(m, AIMessage) and m.id == pending["message_id"]),
            None,
        )
        answers: list[ToolMessage] = []
        edited: dict[str, Action] = {}
        for call in message.tool_calls if message else []:
            if call["id"] not in by_call:
                continue
            request, decision = by_call[call["id"]]
            config = self.interrupt_on.get(request["name"]) or InterruptOnConfig(allowed_decisions=[decision["type"]])
            _, answer = self.hitl._process_decision(decision, call, config)
            if answer is not None:
                answers.append(answer)
            if decision["type"] == "edit":
                edited[call["id"] or ""] = decision["edited_action"]
        entry = HistoryEntry(
            request_id=pending["request_id"],
            action_requests=pending["action_requests"],
            decisions=list(decisions),
            decided_at=_now(),
            decided_by=_deciding_user(),
            answer_id=answer_id,
        )
        # Rejected and answered calls get their tool message now; the rest go to tools.
        update: dict[str, Any] = {PENDING_HITL: None, HITL_HISTORY: [entry]}
        if answers:  # an empty write would still cost the messages channel a new version
            update["messages"] = answers
        # Edits reach the tool through this key (read by the HITL wrap_tool_call);
        # written only when there are edits now or left over from an earlier turn.
        if edited or state.get(EDITED_TOOL_CALLS):
            update[EDITED_TOOL_CALLS] = edited
        return update

    # --- every tool call ---------------------------------------------------------------

    def _authorized(self, request: ToolCallRequest) -> bool:
        """Whether the request decided last approved (or edited) exactly this call."""
        config = self.interrupt_on.get(request.tool_call["name"])
        when = config.get("when") if config else None
        if config is None or (when is not None and not when(request)):
            return True
        history: list[HistoryEntry] = request.state.get(HITL_HISTORY) or []
        if not history:
            return False
        last = history[-1]
        call_id = request.tool_call["id"]
        return any(
            action["tool_call_id"] == call_id and decision.get("type") in ("approve", "edit")
            for action, decision in zip(last["action_requests"], last["decisions"], strict=False)
        )

    def _unauthorized(self, request: ToolCallRequest) -> ToolMessage:
        return _not_run(request, "it needs a human's approval and none was given for this call.")

    def wrap_tool_call(
        self,
        request: ToolCallRequest,
        handler: Callable[[ToolCallRequest], ToolMessage | Command[Any]],
    ) -> ToolMessage | Command[Any]:
        if not self._authorized(request):
            return self._unauthorized(request)
        return self.hitl.wrap_tool_call(request, handler)

    async def awrap_tool_call(
        self,
        request: ToolCallRequest,
        handler: Callable[[ToolCallRequest], Awaitable[ToolMessage | Command[Any]]],
    ) -> ToolMessage | Command[Any]:
        if not self._authorized(request):
            return self._unauthorized(request)
        return await self.hitl.awrap_tool_call(request, handler)


class Planning(TodoListMiddleware):
    """Planning (`write_todos`) whose after-model check runs inside the approval node.

    Setting the hooks back to the base class's tells `create_agent` this middleware
    has no after-model step; `check` is the same check, called by the approval node.
    """

    after_model = AgentMiddleware.after_model
    aafter_model = AgentMiddleware.aafter_model

    def check(self, state: Any, runtime: Runtime[Any]) -> dict[str, Any] | None:
        """Refuse parallel `write_todos` calls (langchain's own check)."""
        return TodoListMiddleware.after_model(self, state, runtime)


def _merge(first: dict[str, Any] | None, second: dict[str, Any] | None) -> dict[str, Any] | None:
    if not first or not second:
        return first or second
    messages = [*first.get("messages", []), *second.get("messages", [])]
    return {**first, **second, **({"messages": messages} if messages else {})}


class ReviewToolCalls(AgentMiddleware[ApprovalState, Any, Any]):
    """The approval node: pauses when a request is pending, then applies the decisions."""

    state_schema = ApprovalState

    def __init__(self, gate: ApprovalGate, planning: Planning | None) -> None:
        super().__init__()
        self.gate = gate
        self.planning = planning

    @property
    def name(self) -> str:
        return REVIEW_TOOL_CALLS

    def after_model(self, state: ApprovalState, runtime: Runtime[Any]) -> dict[str, Any] | None:
        plan = self.planning.check(state, runtime) if self.planning else None
        return _merge(plan, self.gate.review(state))

    async def aafter_model(self, state: ApprovalState, runtime: Runtime[Any]) -> dict[str, Any] | None:
        return self.after_model(state, runtime)


class RouteToReview(AgentMiddleware[ApprovalState, Any, Any]):
    """With `breakpoint=True` only: runs first, and sends turns with nothing to review past
    the approval node, whose static breakpoint would otherwise pause every turn."""

    state_schema = ApprovalState

    def __init__(self, planning: Planning | None) -> None:
        super().__init__()
        self.planning = planning

    @property
    def name(self) -> str:
        return ROUTE_TO_REVIEW

    @hook_config(can_jump_to=["tools", "end"])
    def after_model(self, state: ApprovalState, runtime: Runtime[Any]) -> dict[str, Any] | None:
        if state.get(PENDING_HITL):
            return self.planning.check(state, runtime) if self.planning else None
        message = _last_ai_message(state["messages"])
        return {"jump_to": "tools" if message is not None and message.tool_calls else "end"}

    async def aafter_model(self, state: ApprovalState, runtime: Runtime[Any]) -> dict[str, Any] | None:
        return self.after_model(state, runtime)


class RefuseGatedTools(AgentMiddleware[AgentState[Any], Any, Any]):
    """For subagents: a gated tool never runs there, since no one can review it."""

    def __init__(self, gated: Collection[str]) -> None:
        super().__init__()
        self.gated = frozenset(gated)

    def _refusal(self, request: ToolCallRequest) -> ToolMessage | None:
        if request.tool_call["name"] not in self.gated:
            return None
        return _not_run(
            request,
            "it needs a human's approval, which a subagent cannot ask for. "
            "Report back what should be done, and the main agent will ask for approval.",
        )

    def wrap_tool_call(
        self,
        request: ToolCallRequest,
        handler: Callable[[ToolCallRequest], ToolMessage | Command[Any]],
    ) -> ToolMessage | Command[Any]:
        return self._refusal(request) or handler(request)

    async def awrap_tool_call(
        self,
        request: ToolCallRequest,
        handler: Callable[[ToolCallRequest], Awaitable[ToolMessage | Command[Any]]],
    ) -> ToolMessage | Command[Any]:
        return self._refusal(request) or await handler(request)


def approval_middleware(
    interrupt_on: Mapping[str, bool | InterruptOnConfig], *, planning: bool = True, breakpoint: bool = False
) -> tuple[ApprovalGate, list[AgentMiddleware[Any, Any, Any]]]:
    """The gate, and the middleware to pass to `create_deep_agent(middleware=...)`.

    With `planning`, the list brings `write_todos` too (don't add `TodoListMiddleware`
    again). With `breakpoint`, compile the graph with `interrupt_before` on
    `APPROVAL_NODE` (see `agent.graph.make_graph`).
    """
    gate = ApprovalGate(interrupt_on)
    plan = Planning() if planning else None
    middleware: list[AgentMiddleware[Any, Any, Any]] = [gate, *([plan] if plan else [])]
    if breakpoint:
        # After-model hooks run in reverse list order: the router, then the approval node.
        middleware += [ReviewToolCalls(gate, planning=None), RouteToReview(plan)]
    else:
        middleware.append(ReviewToolCalls(gate, plan))
    return gate, middleware
