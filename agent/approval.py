"""Reload-safe tool approval for a deep agent, as deepagents middleware.

Why not a plain `interrupt()`: LangGraph keeps only the interrupt and resume
writes of an interrupted task, so whatever a node writes before it calls
`interrupt()` is lost, under every durability mode. Here the request is written
by a step that *completes*; only then does the next node, the approval node,
pause the graph:

    model ─▶ request_approval ─┬─(no gated call: jump)─────────────▶ tools / end
                               └─▶ review_tool_calls ‖ ─▶ tools ─▶ model …
                                                     ‖ the pause

- `RequestApproval` (after the model) writes `pending_hitl` when the model's
  message holds gated calls, and its step completes, so the request is in the
  checkpoint under every durability mode. Turns without a gated call jump past
  the approval node and never pause.
- `ReviewToolCalls` (the approval node, a `HumanInTheLoopMiddleware` subclass)
  pauses on a regular `interrupt()` whose value is the request, which every
  LangGraph server and HITL UI understands. (Compiled with `interrupt_before`
  on this node, the graph pauses at a static breakpoint instead; resuming then
  hands the answer to the same `interrupt()`.) It checks the answer
  (`agent.decisions`), applies approve / edit / reject / respond per call,
  clears `pending_hitl` and appends to `hitl_history`. A refused answer changes
  nothing: the node pauses again, the interrupt's value now carrying `error`.
- As a last line of defence, a gated tool only runs when the request just
  decided approved or edited that very call.
- `RefuseGatedTools` is for subagents: they cannot pause the parent for review,
  so gated tools are refused there and the main agent has to make the call.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Collection, Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Annotated, Any, NotRequired

from langchain.agents.middleware import (
    AgentMiddleware,
    AgentState,
    HumanInTheLoopMiddleware,
    InterruptOnConfig,
    TodoListMiddleware,
    ToolCallRequest,
    hook_config,
)
from langchain.agents.middleware.human_in_the_loop import Action
from langchain.agents.middleware.types import OmitFromInput, PrivateStateAttr
from langchain_core.messages import AIMessage, AnyMessage, ToolMessage
from langchain_core.tools import BaseTool
from langgraph.channels.delta import DeltaChannel
from langgraph.config import get_config
from langgraph.runtime import Runtime
from langgraph.types import Command, interrupt
from pydantic import BaseModel

from agent.contract import (
    HITL_HISTORY,
    PENDING_HITL,
    REQUEST_APPROVAL,
    REVIEW_TOOL_CALLS,
    ActionRequest,
    HistoryEntry,
    PendingRequest,
    RefusedRequest,
    ReviewConfig,
)
from agent.decisions import DecisionRefused, check_answer

EDITED_TOOL_CALLS = "hitl_edited_tool_calls"
"""The parent middleware's private key for reviewer edits, applied when the tool runs."""

AUTH_USER_KEY = "langgraph_auth_user"
AUTH_USER_ID_KEY = "langgraph_auth_user_id"


def _append_history(state: list[HistoryEntry] | None, writes: Sequence[list[HistoryEntry]]) -> list[HistoryEntry]:
    # Concatenation is batching-invariant, as DeltaChannel requires.
    return [*(state or []), *(entry for batch in writes for entry in batch)]


class ApprovalState(AgentState[Any]):
    """The approval keys this middleware adds to the agent's state."""

    pending_hitl: Annotated[NotRequired[PendingRequest | None], OmitFromInput]
    # A delta channel: each checkpoint stores only the entries it adds (plus a full
    # snapshot every 50), not the whole history again, as deepagents does for messages.
    hitl_history: Annotated[
        NotRequired[list[HistoryEntry]], OmitFromInput, DeltaChannel(_append_history, snapshot_frequency=50)
    ]
    hitl_edited_tool_calls: NotRequired[Annotated[dict[str, Action], PrivateStateAttr]]  # EDITED_TOOL_CALLS


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


def _last_ai_message(messages: Sequence[AnyMessage]) -> AIMessage | None:
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


class ReviewToolCalls(HumanInTheLoopMiddleware[ApprovalState, Any, Any]):
    """The approval node: applies a checked decision to each gated call (see module doc)."""

    state_schema = ApprovalState

    def __init__(self, interrupt_on: Mapping[str, bool | InterruptOnConfig]) -> None:
        super().__init__(interrupt_on=dict(interrupt_on), description_prefix="Tool call awaiting approval")
        self.tools_by_name: dict[str, BaseTool] = {}
        self.args_schemas: dict[str, dict[str, Any]] = {}

    @property
    def name(self) -> str:
        return REVIEW_TOOL_CALLS

    def register_tools(self, tools: Iterable[BaseTool]) -> None:
        """Give the gate the agent's tools: edits are checked against their schemas, and
        each review config carries its tool's `args_schema`, for edit forms."""
        self.tools_by_name = {tool.name: tool for tool in tools}
        self.args_schemas = {
            name: _compact_schema(tool) for name, tool in self.tools_by_name.items() if name in self.interrupt_on
        }

    def needs_review(self, tool_call: Any, state: Any, runtime: Runtime[Any]) -> bool:
        config = self.interrupt_on.get(tool_call["name"])
        return config is not None and self._should_interrupt(tool_call, config, state, runtime)

    def build_request(self, message: AIMessage, state: Any, runtime: Runtime[Any]) -> PendingRequest | None:
        """The pending request for the gated calls in `message`, or `None` if it has none."""
        actions: list[ActionRequest] = []
        configs: dict[str, ReviewConfig] = {}
        for call in message.tool_calls:
            if not self.needs_review(call, state, runtime):
                continue
            config = self.interrupt_on[call["name"]]
            action, review = self._create_action_and_config(call, config, state, runtime)
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

    def after_model(self, state: AgentState[Any], runtime: Runtime[Any]) -> dict[str, Any] | None:
        pending: PendingRequest | None = state.get(PENDING_HITL)  # type: ignore[assignment]
        if not pending:
            return None
        # The pause. The request is already saved (the previous step completed), so
        # nothing is lost here. On resume, the answer is what interrupt() returns.
        answer = interrupt(pending)
        while True:
            try:
                decisions = check_answer(answer, pending, self.tools_by_name)
                break
            except DecisionRefused as refused:
                answer = interrupt(RefusedRequest(**pending, error=str(refused)))
        return self._apply(state, pending, decisions, answer.get("answer_id"))

    async def aafter_model(self, state: AgentState[Any], runtime: Runtime[Any]) -> dict[str, Any] | None:
        return self.after_model(state, runtime)

    def _apply(
        self, state: AgentState[Any], pending: PendingRequest, decisions: list[Any], answer_id: str | None
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
            _, answer = self._process_decision(decision, call, config)
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
        # Edits reach the tool through this key (read by the parent's wrap_tool_call);
        # written only when there are edits now or left over from an earlier turn.
        if edited or state.get(EDITED_TOOL_CALLS):
            update[EDITED_TOOL_CALLS] = edited
        return update

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
        return super().wrap_tool_call(request, handler)

    async def awrap_tool_call(
        self,
        request: ToolCallRequest,
        handler: Callable[[ToolCallRequest], Awaitable[ToolMessage | Command[Any]]],
    ) -> ToolMessage | Command[Any]:
        if not self._authorized(request):
            return self._unauthorized(request)
        return await super().awrap_tool_call(request, handler)


def request_or_route(gate: ReviewToolCalls, state: Any, runtime: Runtime[Any]) -> dict[str, Any]:
    """The after-model update: a new pending request, or a jump past the approval node."""
    message = _last_ai_message(state["messages"])
    request = gate.build_request(message, state, runtime) if message else None
    if request is not None:
        # This step completes, so the request is checkpointed before the pause.
        return {PENDING_HITL: request}
    # Nothing to review: skip the approval node, so this turn never pauses.
    update: dict[str, Any] = {"jump_to": "tools" if message is not None and message.tool_calls else "end"}
    # `null` from the first turn on; after that only written to drop a request that a
    # new message left unanswered (its calls never ran).
    if PENDING_HITL not in state or state[PENDING_HITL] is not None:
        update[PENDING_HITL] = None
    return update


class RequestApproval(AgentMiddleware[ApprovalState, Any, Any]):
    """Right after the model: write `pending_hitl`, or route past the approval node."""

    state_schema = ApprovalState

    def __init__(self, gate: ReviewToolCalls) -> None:
        super().__init__()
        self.gate = gate

    @property
    def name(self) -> str:
        return REQUEST_APPROVAL

    @hook_config(can_jump_to=["tools", "end"])
    def after_model(self, state: ApprovalState, runtime: Runtime[Any]) -> dict[str, Any] | None:
        return request_or_route(self.gate, state, runtime)

    async def aafter_model(self, state: ApprovalState, runtime: Runtime[Any]) -> dict[str, Any] | None:
        return self.after_model(state, runtime)


class PlanAndRequestApproval(TodoListMiddleware):
    """Planning (`write_todos`) and `RequestApproval` in one after-model step.

    Planning already has an after-model step (it refuses parallel `write_todos`
    calls); writing the request there too means the gate adds no superstep to a
    turn, which keeps it as cheap as deepagents' built-in `interrupt_on` (see
    BENCHMARKS.md). Without planning, use `RequestApproval` on its own.
    """

    def __init__(self, gate: ReviewToolCalls) -> None:
        super().__init__()
        self.gate = gate

    @property
    def name(self) -> str:
        return REQUEST_APPROVAL

    @hook_config(can_jump_to=["tools", "end"])
    def after_model(self, state: Any, runtime: Runtime[Any]) -> dict[str, Any] | None:
        update = request_or_route(self.gate, state, runtime)
        if "jump_to" in update:
            return update  # no review: the turn goes straight on, as in RequestApproval
        return {**(super().after_model(state, runtime) or {}), **update}

    async def aafter_model(self, state: Any, runtime: Runtime[Any]) -> dict[str, Any] | None:
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
    interrupt_on: Mapping[str, bool | InterruptOnConfig], *, planning: bool = True
) -> tuple[ReviewToolCalls, AgentMiddleware[Any, Any, Any]]:
    """The gate and the request step, in the order `create_deep_agent(middleware=...)` needs.

    After-model hooks run in reverse list order, so the request step runs first and
    the approval node right after it. With `planning`, the request step is also the
    planning middleware (`write_todos`); don't add `TodoListMiddleware` separately.
    """
    gate = ReviewToolCalls(interrupt_on)
    return gate, (PlanAndRequestApproval(gate) if planning else RequestApproval(gate))
