"""The gate around the model call: the request is written in the model's step.

The gated calls of the model's reply become `pending_hitl`, in the step that makes
them. While a request waits and nothing new was said, the model is not asked again;
when a new message comes instead, a result a client made up for a waiting call is
replaced by the truth (it did not run), and the request ends on record, cancelled. An
approved call whose run was cancelled while carrying it out is said as it is too
(`agent.approval.cut_short`).
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any

from langchain.agents.middleware import ExtendedModelResponse, ModelCallResult, ModelRequest, ModelResponse
from langchain_core.messages import ToolMessage
from langgraph.config import get_config
from langgraph.store.base import BaseStore
from langgraph.types import Command

from agent.approval import audit
from agent.approval.abandoned import STOPPED, Stopped, aleft_behind, left_behind
from agent.approval.base import thread_of
from agent.approval.binding import changed, waiting_message, why_dropped
from agent.approval.contract import HITL_HISTORY, PENDING_HITL, PendingRequest
from agent.approval.cut_short import cut_short, unreported
from agent.approval.messages import answered_call_ids, existing_result, last_ai_message, not_run
from agent.approval.request import RequestBuilder


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


class ModelStep(RequestBuilder):
    """The gate's `wrap_model_call`."""

    def _with_request(
        self,
        request: ModelRequest[Any],
        response: ModelResponse[Any],
        corrections: Sequence[ToolMessage] = (),
        left: Sequence[PendingRequest] = (),
        recorded: Sequence[Mapping[str, Any]] = (),
    ) -> ModelCallResult[Any]:
        message = last_ai_message(response.result)
        if message is not None and message.id is None:
            message.id = f"run-{uuid.uuid4()}"  # the request names the message by id
        pending = self.build_request(message, request.state, request.runtime) if message else None
        state: Mapping[str, Any] = request.state
        unchanged = not corrections and not left and not recorded
        if pending is None and PENDING_HITL in state and state[PENDING_HITL] is None and unchanged:
            return response  # nothing to review, and `pending_hitl` is already null
        # `null` from the first turn on; a request that a new message left unanswered
        # ends here, on record (its calls never ran), and so do the requests of the
        # subagents it stopped (`agent.approval.abandoned`).
        update: dict[str, Any] = {PENDING_HITL: pending}
        dropped = state.get(PENDING_HITL)
        ended = [self._cancelled(dropped, why_dropped(state["messages"], dropped))] if dropped else []
        ended += [self._cancelled(subagents, STOPPED) for subagents in left]
        if ended or recorded:
            update[HITL_HISTORY] = [*recorded, *ended]  # (outcomes alone: added to the entries they name)
        if corrections:
            update["messages"] = list(corrections)  # same ids: they replace the false results in state
        return ExtendedModelResponse(model_response=response, command=Command(update=update))

    def wrap_model_call(
        self, request: ModelRequest[Any], handler: Callable[[ModelRequest[Any]], ModelResponse[Any]]
    ) -> ModelCallResult[Any]:
        result, stopped = self._without_model(request), Stopped()
        if result is None:
            stopped = left_behind(request.runtime.store, request.state)
            corrections, recorded = self._corrections(request.state, stopped)
            response = handler(_corrected(request, corrections))
            result = self._with_request(request, response, corrections, stopped.open, recorded)
        if request.runtime.store is not None:
            audit.write(request.runtime.store, _trail(request.state, result, stopped.open), made=_new_request(result))
        self._notify(_new_request(result), request.runtime.store)
        return result

    async def awrap_model_call(
        self, request: ModelRequest[Any], handler: Callable[[ModelRequest[Any]], Awaitable[ModelResponse[Any]]]
    ) -> ModelCallResult[Any]:
        result, stopped = self._without_model(request), Stopped()
        if result is None:
            stopped = await aleft_behind(request.runtime.store, request.state)
            corrections, recorded = self._corrections(request.state, stopped)
            response = await handler(_corrected(request, corrections))
            result = self._with_request(request, response, corrections, stopped.open, recorded)
        if request.runtime.store is not None:
            await audit.awrite(
                request.runtime.store, _trail(request.state, result, stopped.open), made=_new_request(result)
            )
        self._notify(_new_request(result), request.runtime.store)
        return result

    def _corrections(
        self, state: Mapping[str, Any], stopped: Stopped
    ) -> tuple[list[ToolMessage], list[Mapping[str, Any]]]:
        """The results to correct before the model reads them, and the history to record with them:
        stopped subagents' entries, outcomes of calls cut short."""
        cut, outcomes = cut_short(state, thread_of(get_config()), self.seal_key)
        told, entries = unreported(state, stopped.unreported)
        return [*_false_results(state), *cut, *told], [*entries, *outcomes]

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

    def _notify(self, made: PendingRequest | None, store: BaseStore | None) -> None:
        """Tell the observer (notices) of a new request; it returns at once."""
        if self.observer is None or made is None:
            return
        show = frozenset(name for name, config in self.policy.items() if config.get("notify_args"))
        self.observer.waiting(made, thread_of(get_config()), show, store)
