"""The approval workflow over `langgraph_sdk`: what any client of the server does.

Nothing here is kept between calls: every function asks the server, so a new
process (or a reloaded page) sees exactly what the first one saw.

    client = connect("http://127.0.0.1:2024", token="demo-token")
    thread_id = await create_thread(client)
    async for update in stream_run(client, thread_id, input=user_message("email ada@example.com")):
        ...
    pending = await get_pending(client, thread_id)          # after a reload, too
    async for update in answer(client, pending, [{"type": "approve"}]):
        ...
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, cast

from langgraph_sdk import get_client
from langgraph_sdk.client import LangGraphClient

from agent.contract import GRAPH_ID, HITL_HISTORY, PENDING_HITL, PendingRequest, resume_for

Timeouts = tuple[float, float, float, float]

INBOX_PAGE_SIZE = 50
"""Threads fetched per `threads.search` call; some servers cap `limit` at 100."""


class ApprovalError(Exception):
    """Something the user should be told in one line (not a bug in the client)."""


class AlreadyAnswered(ApprovalError):
    """The request was answered (or replaced) before this answer arrived."""


@dataclass(frozen=True)
class Pending:
    """A thread's pending request, as the server has it now."""

    thread_id: str
    request: PendingRequest
    error: str | None
    """Why the last answer was refused, if it was."""
    messages: list[dict[str, Any]]


@dataclass(frozen=True)
class Update:
    """One step of a run, for progress display."""

    node: str
    values: dict[str, Any]


def connect(url: str, token: str | None = None, timeout: Timeouts | None = None) -> LangGraphClient:
    """An SDK client for the server at `url`, sending `token` as a bearer token if given.

    The SDK keeps at most 100 connections and waits 5 s for a free one; a caller with
    more requests in flight than that passes `timeout` = (connect, read, write, pool)
    seconds with a longer pool wait.
    """
    headers = {"Authorization": f"Bearer {token}"} if token else None
    return get_client(url=url, headers=headers, timeout=timeout)


def user_message(text: str) -> dict[str, Any]:
    """The run input for one human message."""
    return {"messages": [{"role": "user", "content": text}]}


async def create_thread(client: LangGraphClient, graph_id: str = GRAPH_ID) -> str:
    thread = await client.threads.create(graph_id=graph_id)
    return str(thread["thread_id"])


async def thread_values(client: LangGraphClient, thread_id: str) -> dict[str, Any]:
    """The thread's state values as the server has them now (empty before its first run)."""
    values = (await client.threads.get_state(thread_id))["values"]
    return values if isinstance(values, dict) else {}


async def get_pending(client: LangGraphClient, thread_id: str) -> Pending | None:
    """The thread's pending request, or `None` when nothing waits for a decision."""
    state = cast("dict[str, Any]", await client.threads.get_state(thread_id))
    values = state.get("values") or {}
    request = values.get(PENDING_HITL) if isinstance(values, dict) else None
    if not request:
        return None
    return Pending(
        thread_id=thread_id,
        request=cast("PendingRequest", request),
        error=request.get("error"),
        messages=list(values.get("messages") or []),
    )


@dataclass(frozen=True)
class InboxItem:
    """One thread awaiting approval, as the inbox lists it."""

    thread_id: str
    request: PendingRequest


async def _listed_request(client: LangGraphClient, thread: Mapping[str, Any]) -> PendingRequest | None:
    values = thread.get("values")
    if isinstance(values, dict) and PENDING_HITL in values:
        return cast("PendingRequest | None", values[PENDING_HITL])
    # Some servers (aegra) list threads without their values: ask for the state.
    pending = await get_pending(client, str(thread["thread_id"]))
    return pending.request if pending else None


async def inbox(client: LangGraphClient, page_size: int = INBOX_PAGE_SIZE) -> AsyncIterator[InboxItem]:
    """Every thread awaiting approval, most recently updated first, fetched page by page."""
    offset = 0
    while True:
        page = await client.threads.search(
            status="interrupted", limit=page_size, offset=offset, sort_by="updated_at", sort_order="desc"
        )
        for thread in page:
            if request := await _listed_request(client, thread):
                yield InboxItem(thread_id=str(thread["thread_id"]), request=request)
        if len(page) < page_size:
            return
        offset += page_size


async def stream_run(
    client: LangGraphClient,
    thread_id: str,
    *,
    input: dict[str, Any] | None = None,
    command: dict[str, Any] | None = None,
    graph_id: str = GRAPH_ID,
) -> AsyncIterator[Update]:
    """Run the agent (`graph_id`: `agent`, or its twin `agent_interrupt`) and yield each step as it completes."""
    async for part in client.runs.stream(
        thread_id,
        graph_id,
        input=input,
        command=cast("Any", command),
        stream_mode="updates",
        # A second answer to the same request while the first runs is refused (409).
        multitask_strategy="reject",
    ):
        if part.event == "error":
            data = part.data if isinstance(part.data, dict) else {"message": part.data}
            raise ApprovalError(f"the run failed: {data.get('message') or data}")
        if part.event != "updates" or not isinstance(part.data, dict):
            continue
        for node, values in part.data.items():
            yield Update(node=node, values=values if isinstance(values, dict) else {"value": values})


async def answer(
    client: LangGraphClient, pending: Pending, decisions: Sequence[dict[str, Any]], graph_id: str = GRAPH_ID
) -> AsyncIterator[Update]:
    """Answer `pending` and stream the run.

    Raises:
        AlreadyAnswered: the request was answered by someone else (another tab, process
            or user) before this answer could be: nothing of this answer was applied.
    """
    current = await get_pending(client, pending.thread_id)
    if current is None or current.request["request_id"] != pending.request["request_id"]:
        raise AlreadyAnswered(
            f"request {pending.request['request_id']} on thread {pending.thread_id} was already answered"
        )
    answer_id = uuid.uuid4().hex
    resume = resume_for(pending.request, decisions, answer_id)
    async for update in stream_run(client, pending.thread_id, command={"resume": resume}, graph_id=graph_id):
        yield update
    # A second answer that arrives once the first has finished changes nothing and
    # raises nothing: only the history tells whose answer was applied.
    history = (await thread_values(client, pending.thread_id)).get(HITL_HISTORY) or []
    entry = next((e for e in reversed(history) if e.get("request_id") == pending.request["request_id"]), None)
    if entry is not None and entry.get("answer_id") != answer_id:
        raise AlreadyAnswered(f"request {pending.request['request_id']} was answered by someone else first")
