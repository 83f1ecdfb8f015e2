"""Every request a thread waits on, wherever it lives, how to address an answer to one, and
what its history says of it.

A thread's own request is `values.pending_hitl`; a request made inside a `task`
subagent lives in the subagent's state, which `threads.get_state(thread_id,
subgraphs=True)` shows under `tasks[i].state` (nested subagents: recursively).
These helpers read that JSON shape (the SDK's, and `snapshot_dict` of an
in-process `StateSnapshot`); no heavy imports, so clients can use them.

    state = await client.threads.get_state(thread_id, subgraphs=True)
    for request in pending_requests(state): ...
    delivery = addressed(state, answer)    # Command(resume=delivery.resume), delivery.config(config)
    answered(state, answer)                # (request, its answer) for each request it is for
    pinned(state, answer)                  # the answer, naming the one request it is for now
    history_of(state, request_id)          # its hitl_history entries, subagents' included
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping
from typing import Any, NamedTuple, TypeVar, cast

from agent.approval import clock
from agent.approval.contract import ANSWER_FOR, HITL_HISTORY, PENDING_HITL, PendingRequest

AMBIGUOUS = "{count} requests are pending on this thread ({ids}): say which one this answer is for with `request_id`."


Config = TypeVar("Config", bound=Mapping[str, Any])


class AmbiguousAnswer(ValueError):
    """An answer without `request_id` while more than one request is pending."""


def _states(state: Mapping[str, Any]) -> Iterator[Mapping[str, Any]]:
    yield state
    for task in state.get("tasks") or []:
        sub = task.get("state") if isinstance(task, Mapping) else None
        if isinstance(sub, Mapping) and "values" in sub:
            yield from _states(sub)


def pending_requests(state: Mapping[str, Any]) -> list[PendingRequest]:
    """The thread's pending request and its subagents', top level first."""
    found: list[PendingRequest] = []
    for where in _states(state):
        request = (where.get("values") or {}).get(PENDING_HITL)
        if isinstance(request, Mapping) and request.get("request_id"):
            found.append(cast("PendingRequest", request))  # (the gate's, as the server gives it)
    return found


def has_expired(request: Mapping[str, Any]) -> bool:
    """Whether `request`'s `expires_at` has passed (an answer then closes it as expired)."""
    return clock.passed(request.get("expires_at"))


def history_of(state: Mapping[str, Any], request_id: str) -> list[Mapping[str, Any]]:
    """The history entries for one request, in the thread's `hitl_history` and its subagents'
    (a subagent's entry is in its own until it finishes)."""
    return [
        entry
        for where in _states(state)
        for entry in (where.get("values") or {}).get(HITL_HISTORY) or []
        if isinstance(entry, Mapping) and entry.get("request_id") == request_id
    ]


def _part_text(part: Any) -> str:
    return part if isinstance(part, str) else str(part.get("text") or "") if isinstance(part, Mapping) else ""


def tool_results(state: Mapping[str, Any], call_ids: Collection[str]) -> dict[str, str]:
    """The text each tool call of `call_ids` returned, from the tool messages of the thread and its
    subagents (a JSON message's `content`: a string, or a list of parts)."""
    found: dict[str, str] = {}
    for where in _states(state):
        for message in (where.get("values") or {}).get("messages") or []:
            if not (isinstance(message, Mapping) and message.get("type") == "tool"):
                continue
            if (call_id := message.get("tool_call_id")) in call_ids:
                content = message.get("content")
                parts = content if isinstance(content, list) else [content]
                found[str(call_id)] = "".join(map(_part_text, parts))
    return found


def interrupt_ids(state: Mapping[str, Any]) -> dict[str, str]:
    """Interrupt id by request id, for requests that pause on an interrupt (`agent_interrupt`)."""
    ids: dict[str, str] = {}
    for where in _states(state):
        for task in where.get("tasks") or []:
            for interrupt in task.get("interrupts") or []:
                value = interrupt.get("value")
                if isinstance(value, Mapping) and value.get("request_id") and interrupt.get("id"):
                    ids[str(value["request_id"])] = str(interrupt["id"])
    return ids


def is_resume_map(answer: Any) -> bool:
    """LangGraph's own form of an answer: `{<interrupt id>: <answer>, ...}`."""
    return (
        isinstance(answer, Mapping)
        and bool(answer)
        and all(isinstance(k, str) and len(k) == 32 and all(c in "0123456789abcdef" for c in k) for k in answer)
    )


def targets(state: Mapping[str, Any], answer: Any) -> list[PendingRequest]:
    """The pending requests `answer` is for: the one it names, the ones its resume map keys,
    or the only one pending; none when that cannot be told."""
    pending = pending_requests(state)
    if is_resume_map(answer):
        ids = interrupt_ids(state)
        return [r for r in pending if ids.get(r["request_id"]) in answer]
    named = answer.get("request_id") if isinstance(answer, Mapping) else None
    if named is not None:
        return [r for r in pending if r["request_id"] == named]
    return pending if len(pending) == 1 else []


def answered(state: Mapping[str, Any], answer: Any) -> list[tuple[PendingRequest, Any]]:
    """Each pending request `answer` is for, with its answer to it: a resume map's value for its
    interrupt, otherwise `answer` itself (see `targets`)."""
    if not is_resume_map(answer):
        return [(request, answer) for request in targets(state, answer)]
    ids = interrupt_ids(state)
    return [(request, answer[ids[request["request_id"]]]) for request in targets(state, answer)]


def pinned(state: Mapping[str, Any], answer: Any) -> Any:
    """`answer` naming the one request it is for now, when it names none (langchain's
    HITLResponse). Queued behind other runs (`enqueue`), it must not apply to a request made
    meanwhile, which its sender never saw: the gate refuses an answer naming another request."""
    if not isinstance(answer, Mapping) or "request_id" in answer or is_resume_map(answer):
        return answer
    found = targets(state, answer)
    return {**answer, "request_id": found[0]["request_id"]} if len(found) == 1 else answer


class Delivery(NamedTuple):
    """How to send an answer: `Command(resume=resume)`, in a run whose config's
    `configurable` also holds `configurable`."""

    resume: Any
    configurable: dict[str, str]

    def config(self, config: Config) -> Config:
        """`config` (a run's) with `configurable` added to its own."""
        if not self.configurable:
            return config
        return cast("Config", {**config, "configurable": {**(config.get("configurable") or {}), **self.configurable}})


def addressed(state: Mapping[str, Any], answer: Any) -> Delivery:
    """How to deliver `answer` to the request it names.

    With one request pending, the answer itself. With several (parallel subagents),
    LangGraph must be told which one it is for, and the others keep waiting: on
    interrupts (`agent_interrupt`), the answer goes in a map keyed by that request's
    interrupt id; at static breakpoints (`agent`), which have no interrupt ids, the
    run's config names the request (`ANSWER_FOR`).

    Raises:
        AmbiguousAnswer: several requests are pending and `answer` names none of them.
    """
    pending = pending_requests(state)
    if len(pending) < 2 or not isinstance(answer, Mapping) or is_resume_map(answer):
        return Delivery(answer, {})  # (a resume map is addressed already)
    request_id = answer.get("request_id")
    # (a client's `request_id` may be any JSON: a list is no id, and unhashable)
    if not isinstance(request_id, str) or request_id not in {request["request_id"] for request in pending}:
        names = ", ".join(str(request["request_id"]) for request in pending)
        raise AmbiguousAnswer(AMBIGUOUS.format(count=len(pending), ids=names))
    if interrupt_id := interrupt_ids(state).get(request_id):
        return Delivery({interrupt_id: dict(answer)}, {})
    return Delivery(answer, {ANSWER_FOR: str(request_id)})


def snapshot_dict(snapshot: Any) -> dict[str, Any]:
    """An in-process `StateSnapshot` (from `graph.get_state(config, subgraphs=True)`) in the API's JSON shape."""
    return {
        "values": snapshot.values,
        "next": list(snapshot.next),
        "tasks": [
            {
                "id": task.id,
                "name": task.name,
                "interrupts": [{"id": i.id, "value": i.value} for i in task.interrupts],
                "state": snapshot_dict(task.state) if hasattr(task.state, "values") else None,
            }
            for task in snapshot.tasks
        ],
    }
