"""Reload-safe tool approval for a deep agent: one middleware, `ApprovalGate`.

Why not a plain `interrupt()`: LangGraph keeps only the interrupt and resume
writes of an interrupted task, so whatever a node writes before it calls
`interrupt()` is lost, under every durability mode. Here the request is written
by a step that *completes*, the model's own, and the graph pauses only in a later
one, the approval node:

    agent:            model (+ pending_hitl) ─▶ route_turns ─▶ review_tool_calls ─▶ tools ─▶ …
                                                   │         ▲ the pause: a static breakpoint before it
                                                   └─ nothing pending: on to the tools or the end, past it
    agent_interrupt:  model (+ pending_hitl) ─▶ review_tool_calls ─▶ tools ─▶ …
                                                the pause: interrupt(request) in it;
                                                nothing pending: it routes the turn on itself

The gate's three hooks:

- Around the model call, it turns the gated calls of the model's reply into
  `pending_hitl`, written in the model's step. While a request waits and nothing
  new was said, the model is not asked again; when a new message comes instead, a
  result a client made up for a waiting call is replaced by the truth (it did not run).
- Its after-model step is the approval node. It reads the answer, checks it
  (`agent.decisions`) and applies it: tool messages for rejected and answered
  calls, an entry in `hitl_history`, `pending_hitl` cleared; the agent loop then
  sends the approved calls to the tools. A dismissal closes the request without a
  decision and ends the run. On `agent_interrupt` it also routes turns with nothing
  pending (`agent.planning.route`). Each history entry is sealed (`agent.seal`). A refused
  answer changes nothing but `pending_hitl.error`, and the turn goes round again
  (the model step, which does nothing while the request waits) to pause at the
  approval node exactly as before.
- Around every tool call it is the last line of defence: a call that already has
  a result never runs again, and a gated call runs only if the request answered
  last, sealed, approved or edited that very call (with the reviewer's arguments);
  an approved call that fails is recorded in the history entry's `outcomes`.

The router (`agent.planning`) takes the place of the after-model step deep agents
have anyway, planning's, whose check runs in the model's step here.
A reply that starts several subagents goes on with each call in a tools task of
its own (`agent.fanout`), from the router or from the approval node.

Each `task` subagent has a gate of its own (`agent.subagents`): its requests live in
the subagent's state and name the subagent and the parent's `task` call, which the
parent's gate passes down (`TaskCall`) around the call.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Final, cast

from langchain.agents.middleware import (
    AgentMiddleware,
    ExtendedModelResponse,
    InterruptOnConfig,
    ModelCallResult,
    ModelRequest,
    ModelResponse,
    ToolCallRequest,
    hook_config,
)
from langchain.tools import ToolRuntime
from langchain_core.messages import AIMessage, ToolCall, ToolMessage
from langchain_core.tools import BaseTool
from langgraph.config import get_config
from langgraph.errors import GraphInterrupt
from langgraph.prebuilt import ToolNode
from langgraph.runtime import Runtime
from langgraph.store.base import BaseStore
from langgraph.types import Command, interrupt
from pydantic import BaseModel

from agent import audit, clock
from agent.abandoned import STOPPED, aleft_open, left_open
from agent.approvers import OWNER_ANSWERS, Rule, User, WhoMayAnswer, current_user, requester
from agent.binding import NOT_THE_APPROVED_CALL, changed, same_call, waiting_message, why_dropped
from agent.contract import (
    ANSWER_FOR,
    CANCEL,
    DECISION_TYPES,
    DISMISS,
    EXPIRE,
    HITL_HISTORY,
    PENDING_HITL,
    REVIEW_TOOL_CALLS,
    SUBAGENT,
    TASK_CALL_ID,
    ActionRequest,
    HistoryEntry,
    Outcome,
    Pause,
    PendingRequest,
    ReviewConfig,
)
from agent.decisions import NOT_EXPIRED, DecisionRefused, answer_id_of, check_answer
from agent.fanout import TASK_TOOL, each_in_own_task, left_to_own_task, starts_subagents_together
from agent.messages import (
    ToolResult,
    answer_message,
    answered_call_ids,
    existing_result,
    last_ai_message,
    not_run,
    result_message,
    short,
    with_edit_notice,
)
from agent.notify import Notifier, notice_for
from agent.planning import route
from agent.policy import ToolPolicy
from agent.seal import SEAL, is_sealed, seal
from agent.settings import DEFAULT_PUBLIC_URL, Settings
from agent.state import ApprovalState


@dataclass(frozen=True)
class TaskCall:
    """The parent's `task` call a subagent runs under."""

    call_id: str
    parallel: bool
    """Whether the parent's model started other subagents in the same reply."""


_task_call: ContextVar[TaskCall | None] = ContextVar("task_call", default=None)
"""Set by the parent's gate around each `task` call, read by the subagent's gate (the
subagent's graph runs inside the call, so it sees the value)."""


NO_APPROVAL: Final = "it needs a human's approval and none was given for this call."

NO_ANSWER: Final = (
    "No answer was given: resume with Command(resume={'request_id': ..., 'decisions': [...]}), "
    "one decision per action request."
)


def resolve_policy(interrupt_on: Mapping[str, bool | InterruptOnConfig]) -> dict[str, ToolPolicy]:
    """The `interrupt_on` shape (deepagents', langchain's) with `True` spelled out and `False` dropped."""
    policy: dict[str, ToolPolicy] = {}
    for name, config in interrupt_on.items():
        if config is True:
            policy[name] = ToolPolicy(allowed_decisions=list(DECISION_TYPES))
        elif isinstance(config, Mapping):
            if not config.get("allowed_decisions"):
                raise ValueError(f"interrupt_on[{name!r}] needs a non-empty `allowed_decisions` list.")
            policy[name] = cast("ToolPolicy", config)
    return policy


def tool_node_tools(graph: Any) -> list[BaseTool]:
    """The tools of an agent graph's `tools` node, for `ApprovalGate.register_tools`."""
    tool_node = graph.nodes["tools"].bound
    if not isinstance(tool_node, ToolNode):
        raise TypeError("the agent no longer has a ToolNode named 'tools'; update agent/approval.py")
    return list(tool_node.tools_by_name.values())


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
    return clock.stamp(clock.now())


def has_expired(pending: PendingRequest) -> bool:
    return clock.passed(pending.get("expires_at"))


def is_dismissal(answer: object, pending: PendingRequest) -> bool:
    """`{"dismiss": true}` (and, if given, this request's id): what `Command(goto="__end__")` becomes."""
    return (
        isinstance(answer, Mapping)
        and answer.get(DISMISS) is True
        and answer.get("request_id", pending["request_id"]) == pending["request_id"]
    )


def _false_results(state: Mapping[str, Any]) -> list[ToolMessage]:
    """Corrections for results a client put in its input for calls that still wait for approval.

    Agent Chat UI, for one, answers every open call with "Successfully handled tool
    call." before a new message. A gated call that was never approved did not run:
    the model must not read that it did.
    """
    pending: PendingRequest | None = state.get(PENDING_HITL)
    if not pending:
        return []
    waiting = {action["tool_call_id"]: action["name"] for action in pending["action_requests"]}
    why = "it was waiting for a human's approval when a new message came, and that request was cancelled."
    return [
        not_run(waiting[m.tool_call_id], m.tool_call_id, why, message_id=m.id)
        for m in state["messages"]
        if isinstance(m, ToolMessage) and m.tool_call_id in waiting and m.status != "error"
    ]


def _corrected(request: ModelRequest[Any], corrections: Sequence[ToolMessage]) -> ModelRequest[Any]:
    if not corrections:
        return request
    by_id = {m.id: m for m in corrections}
    return request.override(
        messages=[by_id.get(m.id, m) if isinstance(m, ToolMessage) else m for m in request.messages]
    )


def _thread_id(config: Mapping[str, Any]) -> str:
    return str((config.get("configurable") or {}).get("thread_id", ""))


def request_is_waiting(state: Mapping[str, Any]) -> bool:
    """Whether a request waits for its answer: nothing new said since it was made, none of its calls done."""
    pending: PendingRequest | None = state.get(PENDING_HITL)
    if not pending:
        return False
    messages = state["messages"]
    latest = next((m for m in reversed(messages) if not isinstance(m, ToolMessage)), None)
    answered = answered_call_ids(messages)
    return (
        latest is not None
        and latest.id == pending["message_id"]
        and not any(action["tool_call_id"] in answered for action in pending["action_requests"])
    )


class ApprovalGate(AgentMiddleware[ApprovalState, Any, Any]):
    """Writes the pending request in the model's step, is the approval node, and guards every tool call.

    `pause="breakpoint"`: compile the graph with `interrupt_before=[APPROVAL_NODE]`
    (the node finds the answer the client resumed with); `pause="interrupt"`: the
    node itself pauses with `interrupt(<the pending request>)`.
    """

    state_schema = ApprovalState

    def __init__(
        self,
        interrupt_on: Mapping[str, bool | InterruptOnConfig],
        *,
        pause: Pause = "breakpoint",
        seal_key: bytes,
        subagent: str | None = None,
        ttl: timedelta = timedelta(days=1),
        notifier: Notifier | None = None,
        public_url: str = DEFAULT_PUBLIC_URL,
        default_rule: Rule = OWNER_ANSWERS,
    ) -> None:
        super().__init__()
        self.policy = resolve_policy(interrupt_on)
        self.pause = pause
        self.seal_key = seal_key
        self.subagent = subagent
        """The subagent this gate serves (its requests say so), or `None` for the main agent."""
        self.ttl = ttl
        """How long a request waits before it expires, for tools whose policy does not say."""
        self.notifier = notifier
        self.public_url = public_url
        self.who = WhoMayAnswer(self.policy, default_rule)
        """Who may answer this gate's requests (`agent.approvers`)."""
        self.tools_by_name: dict[str, BaseTool] = {}
        self.args_schemas: dict[str, dict[str, Any]] = {}

    @classmethod
    def from_settings(
        cls,
        interrupt_on: Mapping[str, bool | InterruptOnConfig],
        settings: Settings,
        *,
        pause: Pause,
        notifier: Notifier | None = None,
        subagent: str | None = None,
    ) -> ApprovalGate:
        """A gate with the deployment's seal key, request lifetime and notice settings."""
        return cls(
            interrupt_on,
            pause=pause,
            seal_key=settings.seal_key,
            subagent=subagent,
            ttl=timedelta(seconds=settings.approval_ttl_seconds),
            notifier=notifier,
            public_url=settings.public_url,
            default_rule=Rule(settings.approver_roles, settings.requester_may_answer),
        )

    @property
    def name(self) -> str:
        return REVIEW_TOOL_CALLS

    def register_tools(self, tools: Iterable[BaseTool]) -> None:
        """Give the gate the agent's tools: edits are checked against their schemas, and
        each review config carries its tool's `args_schema`, for edit forms."""
        self.tools_by_name = {tool.name: tool for tool in tools}
        self.args_schemas = {
            name: _compact_schema(tool) for name, tool in self.tools_by_name.items() if name in self.policy
        }

    # --- the request, written in the model's step -------------------------------------

    def _gated(self, request: ToolCallRequest) -> bool:
        config = self.policy.get(request.tool_call["name"])
        when = config.get("when") if config else None
        return config is not None and (when is None or when(request))

    def _describe(self, call: ToolCall, config: InterruptOnConfig, state: Any, runtime: Runtime[Any]) -> str:
        description = config.get("description")
        if callable(description):
            return description(call, state, runtime)
        return description or f"Run `{call['name']}` with the arguments shown."

    def _needs_review(self, call: ToolCall, state: Any, runtime: Runtime[Any]) -> bool:
        """Whether the policy gates this call (its `when` predicate, if any, sees the call as a tool would)."""
        config = self.policy.get(call["name"])
        if config is None or "when" not in config:
            return config is not None
        tool_runtime = ToolRuntime(
            state=state,
            context=runtime.context,
            config=get_config(),
            stream_writer=runtime.stream_writer,
            tool_call_id=call["id"],
            store=runtime.store,
        )
        return self._gated(
            ToolCallRequest(
                tool_call=call, tool=self.tools_by_name.get(call["name"]), state=state, runtime=tool_runtime
            )
        )

    def build_request(self, message: AIMessage, state: Any, runtime: Runtime[Any]) -> PendingRequest | None:
        """The pending request for the gated calls in `message`, or `None` if it has none."""
        actions: list[ActionRequest] = []
        configs: dict[str, ReviewConfig] = {}
        for call in message.tool_calls:
            if not self._needs_review(call, state, runtime):
                continue
            config = self.policy[call["name"]]
            actions.append(
                ActionRequest(
                    tool_call_id=call["id"] or "",
                    name=call["name"],
                    args=call["args"],
                    description=self._describe(call, config, state, runtime),
                )
            )
            if call["name"] not in configs:
                review = ReviewConfig(action_name=call["name"], allowed_decisions=list(config["allowed_decisions"]))
                if schema := self.args_schemas.get(call["name"]):
                    review["args_schema"] = schema
                configs[call["name"]] = review
        if not actions:
            return None
        created = clock.now()
        ttl = min(self._ttl(action["name"]) for action in actions)
        pending = PendingRequest(
            request_id=uuid.uuid4().hex,
            message_id=message.id or "",
            created_at=clock.stamp(created),
            expires_at=clock.stamp(created + ttl),
            action_requests=actions,
            review_configs=list(configs.values()),
        )
        if (asker := requester()) is not None:
            pending["requested_by"] = asker
        if self.subagent is not None:
            pending[SUBAGENT] = self.subagent
            task_call = _task_call.get()
            pending[TASK_CALL_ID] = task_call.call_id if task_call else ""
        return pending

    def _ttl(self, tool: str) -> timedelta:
        seconds = self.policy[tool].get("ttl_seconds")
        return self.ttl if seconds is None else timedelta(seconds=seconds)

    def _with_request(
        self,
        request: ModelRequest[Any],
        response: ModelResponse[Any],
        corrections: Sequence[ToolMessage] = (),
        left: Sequence[PendingRequest] = (),
    ) -> ModelCallResult[Any]:
        message = last_ai_message(response.result)
        if message is not None and message.id is None:
            message.id = f"run-{uuid.uuid4()}"  # the request names the message by id
        pending = self.build_request(message, request.state, request.runtime) if message else None
        state: Mapping[str, Any] = request.state
        if pending is None and PENDING_HITL in state and state[PENDING_HITL] is None and not corrections and not left:
            return response  # nothing to review, and `pending_hitl` is already null
        # `null` from the first turn on; a request that a new message left unanswered
        # ends here, on record (its calls never ran), and so do the requests of the
        # subagents it stopped (`agent.abandoned`).
        update: dict[str, Any] = {PENDING_HITL: pending}
        dropped = state.get(PENDING_HITL)
        ended = [self._cancelled(dropped, why_dropped(state["messages"], dropped))] if dropped else []
        ended += [self._cancelled(subagents, STOPPED) for subagents in left]
        if ended:
            update[HITL_HISTORY] = ended
        if corrections:
            update["messages"] = list(corrections)  # same ids: they replace the false results in state
        return ExtendedModelResponse(model_response=response, command=Command(update=update))

    def wrap_model_call(
        self, request: ModelRequest[Any], handler: Callable[[ModelRequest[Any]], ModelResponse[Any]]
    ) -> ModelCallResult[Any]:
        result, left = self._without_model(request), []
        if result is None:
            corrections = _false_results(request.state)
            left = left_open(request.runtime.store, request.state["messages"])
            result = self._with_request(request, handler(_corrected(request, corrections)), corrections, left)
        if request.runtime.store is not None:
            audit.write(request.runtime.store, _trail(request.state, result, left))
        self._notify(_new_request(result), request.runtime.store)
        return result

    async def awrap_model_call(
        self, request: ModelRequest[Any], handler: Callable[[ModelRequest[Any]], Awaitable[ModelResponse[Any]]]
    ) -> ModelCallResult[Any]:
        result, left = self._without_model(request), []
        if result is None:
            corrections = _false_results(request.state)
            left = await aleft_open(request.runtime.store, request.state["messages"])
            result = self._with_request(request, await handler(_corrected(request, corrections)), corrections, left)
        if request.runtime.store is not None:
            await audit.awrite(request.runtime.store, _trail(request.state, result, left))
        self._notify(_new_request(result), request.runtime.store)
        return result

    def _without_model(self, request: ModelRequest[Any]) -> ModelCallResult[Any] | None:
        """The model step's result when the model is not asked (`None`: ask it).

        While a request waits there is nothing new to say. If its message was changed
        under it (replaced by id), the request is cancelled on record instead: nothing
        it showed runs, and the model hears so on the next turn.
        """
        state: Mapping[str, Any] = request.state
        pending: PendingRequest | None = state.get(PENDING_HITL)
        if pending and (why := changed(state["messages"], pending)):
            message = waiting_message(state["messages"], pending)
            closed = [
                not_run(call["name"], call["id"], why)
                for call in (message.tool_calls if message else [])
                if existing_result(state["messages"], call["id"]) is None
            ]
            update = {
                PENDING_HITL: None,
                HITL_HISTORY: [self._cancelled(pending, why)],
                "messages": [*_false_results(state), *closed],
            }
            return ExtendedModelResponse(model_response=ModelResponse(result=[]), command=Command(update=update))
        if request_is_waiting(state):
            return ModelResponse(result=[])
        return None

    def _cancelled(self, pending: PendingRequest, why: str) -> HistoryEntry:
        """The history entry of a request that something else came before: it never runs."""
        return self._ending(pending, CANCEL, Outcome(status="cancelled", detail=why))

    def _ending(
        self, pending: PendingRequest, kind: str, outcome: Outcome, answer_id: str | None = None
    ) -> HistoryEntry:
        """The history entry of a request closed without a decision: `kind` and `outcome` for each
        call, and the `answer_id` of the answer that closed it, if one did."""
        outcomes = {action["tool_call_id"]: outcome for action in pending["action_requests"]}
        return self._entry(pending, [{"type": kind} for _ in pending["action_requests"]], answer_id, outcomes)

    def _notify(self, made: PendingRequest | None, store: BaseStore | None) -> None:
        """Hand the notice of a new request to the notifier, which sends it in the background."""
        if self.notifier is None or made is None:
            return
        show = frozenset(name for name, config in self.policy.items() if config.get("notify_args"))
        self.notifier.submit(notice_for(made, _thread_id(get_config()), self.public_url, show), store)

    # --- the approval node -------------------------------------------------------------

    def _one_of_several(self) -> bool:
        """Whether this gate is a subagent's started together with others (`agent.fanout`)."""
        task_call = _task_call.get()
        return task_call is not None and task_call.parallel

    def _answer(self, pending: PendingRequest) -> object:
        """The answer the client resumed with: `interrupt()` returns it.

        With `pause="interrupt"` this is the pause itself. At a breakpoint the pause
        has already happened; a run that continues without an answer gets `NO_ANSWER`.
        """
        if self.pause == "interrupt":
            return interrupt(pending)
        named = get_config().get("configurable", {}).get(ANSWER_FOR)
        if self._one_of_several() and named is not None and named != pending["request_id"]:
            return None  # for a sibling subagent, which takes it (reading it here would use it up)
        try:
            return interrupt(pending)
        except GraphInterrupt:
            return None

    @hook_config(can_jump_to=["tools", "model", "end"])
    def after_model(  # type: ignore[override]  # a node may return a Command (see agent/fanout.py)
        self, state: ApprovalState, runtime: Runtime[Any]
    ) -> dict[str, Any] | Command[Any] | None:
        """Apply the answer to the pending request, or record why it was refused."""
        pending = state.get(PENDING_HITL)
        if not pending:
            return route(state)  # nothing waits: the agent loop goes on (and the tool guard stays on)
        # (a graph without a store keeps no trail, and has no memory beyond the thread)
        ended = audit.ending(runtime.store, pending) if runtime.store is not None else None
        update = self._decide(state, pending, ended)
        if runtime.store is not None and ended is None:
            audit.write(runtime.store, audit.decided(pending, update))
        return _going_on(state, update)

    @hook_config(can_jump_to=["tools", "model", "end"])
    async def aafter_model(  # type: ignore[override]  # (as above)
        self, state: ApprovalState, runtime: Runtime[Any]
    ) -> dict[str, Any] | Command[Any] | None:
        pending = state.get(PENDING_HITL)
        if not pending:
            return route(state)
        ended = await audit.aending(runtime.store, pending) if runtime.store is not None else None
        update = self._decide(state, pending, ended)
        if runtime.store is not None and ended is None:
            await audit.awrite(runtime.store, audit.decided(pending, update))
        return _going_on(state, update)

    def _decide(
        self, state: ApprovalState, pending: PendingRequest, ended: audit.AuditRecord | None = None
    ) -> dict[str, Any]:
        if why := _closed_already(ended) or changed(state["messages"], pending):
            # Decided once, ever (a fork brought it back), or not the call it showed: it ends here.
            return self._close(state, pending, CANCEL, Outcome(status="cancelled", detail=why), why)
        answer = self._answer(pending)
        if has_expired(pending):  # whatever the answer: too late
            why = f"the request expired at {pending['expires_at']} without an answer."
            return self._close(state, pending, EXPIRE, Outcome(status="expired"), why, answer_id=answer_id_of(answer))
        if answer is None and self._one_of_several():
            return {"jump_to": "model"}  # the answer was for a sibling subagent: wait on, unchanged
        return self._answered(state, pending, answer)

    def _answered(self, state: ApprovalState, pending: PendingRequest, answer: object) -> dict[str, Any]:
        """The answer applied, or refused (`pending_hitl.error`), or the request dismissed."""
        user = current_user()
        if refusal := self._refusal(answer, pending, user):
            return _refused(pending, refusal)
        if is_dismissal(answer, pending):
            by = f" by {user.identity}" if user.identity else ""
            why = f"the request was dismissed{by} without a decision."
            dismissed = Outcome(status="dismissed")
            return self._close(state, pending, DISMISS, dismissed, why, answer_id=answer_id_of(answer))
        try:
            decisions = check_answer(answer, pending, self.tools_by_name)
        except DecisionRefused as refused:
            return _refused(pending, str(refused))
        return self._apply(state, pending, decisions, answer_id_of(answer))

    def _refusal(self, answer: object, pending: PendingRequest, user: User) -> str | None:
        """Why `answer` is refused before its decisions are read: none given, an early
        `expire`, or a user who may not answer this request."""
        if answer is None:
            return NO_ANSWER
        if isinstance(answer, Mapping) and answer.get(EXPIRE) is True:  # (it has not expired: see _decide)
            return NOT_EXPIRED.format(expires_at=pending["expires_at"])
        return self.who.refusal(user, pending)

    def _apply(
        self,
        state: ApprovalState,
        pending: PendingRequest,
        decisions: Sequence[Mapping[str, Any]],
        answer_id: str | None,
    ) -> dict[str, Any]:
        by_call = {req["tool_call_id"]: d for req, d in zip(pending["action_requests"], decisions, strict=True)}
        message = waiting_message(state["messages"], pending)
        # Rejected and answered calls get their result now; approved ones go to the tools,
        # whose guard records how each went.
        answers = [
            answer_message(call, by_call[call["id"] or ""])
            for call in (message.tool_calls if message else [])
            if by_call.get(call["id"] or "", {}).get("type") in ("reject", "respond")
        ]
        outcomes = {m.tool_call_id: Outcome(status="rejected" if m.status == "error" else "answered") for m in answers}
        entry = self._entry(pending, [dict(d) for d in decisions], answer_id, outcomes)
        update: dict[str, Any] = {PENDING_HITL: None, HITL_HISTORY: [entry]}
        if answers:  # an empty write would still cost the messages channel a new version
            update["messages"] = answers
        return update

    def _entry(
        self,
        pending: PendingRequest,
        decisions: list[dict[str, Any]],
        answer_id: str | None,
        outcomes: Mapping[str, Outcome],
    ) -> HistoryEntry:
        """The history entry for an answered request, sealed as the approval node's own."""
        entry = HistoryEntry(
            request_id=pending["request_id"],
            action_requests=pending["action_requests"],
            decisions=decisions,
            decided_at=_now(),
            decided_by=current_user().identity,
            answer_id=answer_id,
        )
        for key in (SUBAGENT, TASK_CALL_ID):
            if key in pending:
                entry[key] = pending[key]
        entry[SEAL] = seal(entry, _thread_id(get_config()), self.seal_key)
        if outcomes:
            entry["outcomes"] = dict(outcomes)
        return entry

    def _close(
        self,
        state: ApprovalState,
        pending: PendingRequest,
        kind: str,
        outcome: Outcome,
        why: str,
        *,
        answer_id: str | None = None,
    ) -> dict[str, Any]:
        """Close the request without a decision: dismissed (Agent Chat UI's "Mark as
        Resolved"), expired, or cancelled (decided once before, or its call changed).
        Nothing runs, the run ends."""
        ids = {action["tool_call_id"] for action in pending["action_requests"]}
        message = last_ai_message(state["messages"])
        calls = message.tool_calls if message else []
        closed = [not_run(call["name"], call["id"], why) for call in calls if call["id"] in ids]
        entry = self._ending(pending, kind, outcome, answer_id)
        # The model hears of it on the next turn, from these tool messages.
        return {PENDING_HITL: None, HITL_HISTORY: [entry], "messages": closed, "jump_to": "end"}

    # --- every tool call ---------------------------------------------------------------

    def _decided(self, request: ToolCallRequest) -> tuple[str, ActionRequest, Mapping[str, Any]] | None:
        """The request answered last, the call it showed and its decision, for this call id, if the
        approval node sealed it."""
        history: list[HistoryEntry] = request.state.get(HITL_HISTORY) or []
        if not history or not is_sealed(history[-1], _thread_id(request.runtime.config), self.seal_key):
            return None
        last = history[-1]
        call_id = request.tool_call["id"]
        decisions = zip(last["action_requests"], last["decisions"], strict=False)
        found = next(((a, d) for a, d in decisions if a["tool_call_id"] == call_id), None)
        return (last["request_id"], *found) if found is not None else None

    def _guard(self, request: ToolCallRequest) -> ToolResult | Allowed:
        """A result in place of running the call, or how to run it."""
        if left_to_own_task(request):
            return Command()  # it runs in a task of its own (`agent.fanout`): no result here
        if done := existing_result(request.state.get("messages") or [], request.tool_call["id"]):
            return done  # the same message again (same id): nothing changes, nothing runs twice
        return self._approved(request) if self._gated(request) else Allowed(request)

    def _approved(self, request: ToolCallRequest) -> ToolResult | Allowed:
        """A gated call runs only as the sealed decision for exactly this call says."""
        call = request.tool_call
        decided = self._decided(request)
        request_id, action, decision = decided or ("", None, {})
        if action is not None and not same_call(call, action):  # bound to the call as shown, nothing else
            return not_run(call["name"], call["id"], NOT_THE_APPROVED_CALL)
        if decision.get("type") == "approve":
            return Allowed(request, request_id)
        if decision.get("type") == "edit":
            edited = ToolCall(**{**call, "args": decision["edited_action"]["args"]})
            return Allowed(request.override(tool_call=edited), request_id, edited=True)
        return not_run(call["name"], call["id"], NO_APPROVAL)

    def wrap_tool_call(self, request: ToolCallRequest, handler: Callable[[ToolCallRequest], ToolResult]) -> ToolResult:
        allowed = self._guard(request)
        if not isinstance(allowed, Allowed):
            return allowed
        token = _task_call.set(allowed.task_call()) if allowed.runs_subagent else None
        try:
            return allowed.reported(handler(allowed.request))
        finally:
            if token is not None:
                _task_call.reset(token)

    async def awrap_tool_call(
        self, request: ToolCallRequest, handler: Callable[[ToolCallRequest], Awaitable[ToolResult]]
    ) -> ToolResult:
        allowed = self._guard(request)
        if not isinstance(allowed, Allowed):
            return allowed
        token = _task_call.set(allowed.task_call()) if allowed.runs_subagent else None
        try:
            return allowed.reported(await handler(allowed.request))
        finally:
            if token is not None:
                _task_call.reset(token)


@dataclass(frozen=True)
class Allowed:
    """A call the tool guard lets run: as the model made it, or as a reviewer edited it."""

    request: ToolCallRequest
    request_id: str | None = None
    """The answered request that approved it, for a gated call."""
    edited: bool = False

    @property
    def runs_subagent(self) -> bool:
        return self.request.tool_call["name"] == TASK_TOOL

    def task_call(self) -> TaskCall:
        together = starts_subagents_together(self.request.state.get("messages") or [])
        return TaskCall(call_id=self.request.tool_call["id"] or "", parallel=together)

    def reported(self, result: ToolResult) -> ToolResult:
        """The tool's result, telling the model what a reviewer changed, and the history when an approved call failed.

        A call that ran as it should costs no write of its own: its tool message says
        what it did. (Recording every outcome measured 1 % slower per cycle.)
        """
        call = self.request.tool_call
        if self.edited:
            result = with_edit_notice(result, call)
        message = result_message(result, call["id"] or "")
        if self.request_id is None or message is None or message.status != "error":
            return result
        failed = {
            "request_id": self.request_id,
            "outcomes": {call["id"] or "": Outcome(status="failed", detail=short(message.text))},
        }
        if isinstance(result, ToolMessage):
            return Command(update={"messages": [result], HITL_HISTORY: [failed]})
        if isinstance(result.update, dict):
            return Command(graph=result.graph, update={**result.update, HITL_HISTORY: [failed]}, goto=result.goto)
        return result


def _closed_already(ended: audit.AuditRecord | None) -> str | None:
    """Why a request whose ending is on record (`agent.audit.ending`) cannot be answered again,
    unless that ending is this very run's (the step ran again after a crash)."""
    if ended is None or ended.get("run_id") in (None, audit.current_run()):
        return None
    return f"the request was already {ended['event']} at {ended['at']}; a request is decided once."


def _going_on(state: ApprovalState, update: dict[str, Any]) -> dict[str, Any] | Command[Any]:
    """An applied answer goes on to the tools, each call in a task of its own when the
    reply starts several subagents; a refused or closed one goes where it says."""
    return update if "jump_to" in update else (each_in_own_task(state, update) or update)


def _refused(pending: PendingRequest, why: str) -> dict[str, Any]:
    """A refused answer changes nothing but the request's `error`. Round again: the model
    step does nothing while the request waits, and the turn stops here once more, now
    with the error in state."""
    refused_request: PendingRequest = {**pending, "error": why}
    return {PENDING_HITL: refused_request, "jump_to": "model"}


def _update_of(result: ModelCallResult[Any]) -> Mapping[str, Any]:
    """What the model's step writes besides the model's reply."""
    command = result.command if isinstance(result, ExtendedModelResponse) else None
    update = command.update if command is not None else None
    return update if isinstance(update, Mapping) else {}


def _new_request(result: ModelCallResult[Any]) -> PendingRequest | None:
    """The request the model's step made pending, if it made one."""
    made: PendingRequest | None = _update_of(result).get(PENDING_HITL)
    return made


def _trail(
    state: Mapping[str, Any], result: ModelCallResult[Any], left: Sequence[PendingRequest] = ()
) -> list[audit.AuditRecord]:
    """The audit records of the model's step: the requests it cancelled (its own, its stopped
    subagents'), the one it made."""
    ended: PendingRequest | None = state.get(PENDING_HITL)
    records = audit.decided(ended, _update_of(result)) if ended else []  # (none while it waits on)
    records += [audit.cancelled(subagents) for subagents in left]
    made = _new_request(result)
    return records + (audit.requested(made) if made else [])
