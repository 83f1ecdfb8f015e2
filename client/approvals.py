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

A request may come from the thread itself or from a `task` subagent it started
(`Pending.subagent` names it); parallel subagents can each wait at once, so a
thread may have several: `get_pending_all` lists them,
`get_pending(..., request_id)` picks one, and `answer` answers exactly that one.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncGenerator, AsyncIterator, Mapping, Sequence
from contextlib import aclosing
from dataclasses import dataclass
from typing import Any, cast

from langgraph_sdk import get_client
from langgraph_sdk.client import LangGraphClient

from agent.approval.contract import (
    GRAPH_ID,
    PENDING_HITL,
    SUBAGENT,
    TASK_CALL_ID,
    PendingRequest,
    resume_for,
)
from agent.approval.pending import history_of, pending_requests

Timeouts = tuple[float, float, float, float]

INBOX_PAGE_SIZE = 50
"""Threads fetched per `threads.search` call; some servers cap `limit` at 100."""


class ApprovalError(Exception):
    """Something the user should be told in one line (not a bug in the client)."""


class AlreadyAnswered(ApprovalError):
    """The request was answered (or replaced) before this answer arrived."""


class _Addressed:
    """What `Pending` and `InboxItem` read from their request."""

    request: PendingRequest

    @property
    def request_id(self) -> str:
        return self.request["request_id"]

    @property
    def subagent(self) -> str | None:
        """The `task` subagent that asks, or `None` for the thread's own request."""
        return self.request.get(SUBAGENT)

    @property
    def task_call_id(self) -> str | None:
        """For a subagent's request: the thread's `task` tool call that started the subagent."""
        return self.request.get(TASK_CALL_ID)


@dataclass(frozen=True)
class Pending(_Addressed):
    """A request pending on a thread, as the server has it now: the thread's own, or a subagent's."""

    thread_id: str
    request: PendingRequest
    error: str | None
    """Why the last answer was refused, if it was."""
    messages: list[dict[str, Any]]
    """The thread's messages (for a subagent's request, the calls are in the subagent's own
    messages; `task_call_id` names the thread's call that started it)."""


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


async def _state(client: LangGraphClient, thread_id: str) -> dict[str, Any]:
    """The thread's state with its subagents' (`tasks[i].state`), where their requests live."""
    return cast("dict[str, Any]", await client.threads.get_state(thread_id, subgraphs=True))


async def get_pending_all(client: LangGraphClient, thread_id: str) -> list[Pending]:
    """Every request pending on the thread: its own first, then its subagents' (empty when nothing waits)."""
    state = await _state(client, thread_id)
    values = state.get("values")
    messages = list((values if isinstance(values, dict) else {}).get("messages") or [])
    return [
        Pending(thread_id=thread_id, request=request, error=request.get("error"), messages=messages)
        for request in pending_requests(state)
    ]


async def get_pending(client: LangGraphClient, thread_id: str, request_id: str | None = None) -> Pending | None:
    """The request `request_id` if it is pending on the thread, else `None`.

    Without `request_id`: the thread's first pending request (its own, else its first
    subagent's), or `None` when nothing waits. A thread may have several (parallel
    subagents on `agent_interrupt`): `get_pending_all` lists them.
    """
    pending = await get_pending_all(client, thread_id)
    return next((p for p in pending if request_id in (None, p.request_id)), None)


@dataclass(frozen=True)
class InboxItem(_Addressed):
    """One request awaiting approval, as the inbox lists it (a thread may have several)."""

    thread_id: str
    request: PendingRequest


async def _listed_requests(client: LangGraphClient, thread: Mapping[str, Any]) -> list[PendingRequest]:
    values = thread.get("values")
    if isinstance(values, dict) and values.get(PENDING_HITL):
        # The thread's own request: no subagent is running while it waits.
        return [cast("PendingRequest", values[PENDING_HITL])]
    # A subagent's request lives in the subagent's state, which listings leave out, and
    # some servers (aegra) list threads without their values: ask for the state.
    return [pending.request for pending in await get_pending_all(client, str(thread["thread_id"]))]


async def inbox(client: LangGraphClient, page_size: int = INBOX_PAGE_SIZE) -> AsyncIterator[InboxItem]:
    """Every request awaiting approval, subagents' included, most recently updated thread
    first (a thread's own request, then its subagents'), fetched page by page."""
    offset = 0
    while True:
        page = await client.threads.search(
            status="interrupted", limit=page_size, offset=offset, sort_by="updated_at", sort_order="desc"
        )
        for thread in page:
            for request in await _listed_requests(client, thread):
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
) -> AsyncGenerator[Update, None]:
    """Run the agent (`graph_id`: `agent`, or its twin `agent_interrupt`) and yield each step as it completes."""
    parts = client.runs.stream(
        thread_id,
        graph_id,
        input=input,
        command=cast("Any", command),
        stream_mode="updates",
        # A second answer to the same request while the first runs is refused (409).
        multitask_strategy="reject",
    )
    # Closed here, not left to the event loop's shutdown, when the caller stops early
    # (a closed pipe): closing it there prints a traceback.
    async with aclosing(cast("AsyncGenerator[Any, None]", parts)):
        async for part in parts:
            if part.event == "error":
                data = part.data if isinstance(part.data, dict) else {"message": part.data}
                raise ApprovalError(f"the run failed: {data.get('message') or data}")
            if part.event != "updates" or not isinstance(part.data, dict):
                continue
            for node, values in part.data.items():
                yield Update(node=node, values=values if isinstance(values, dict) else {"value": values})


async def answer(
    client: LangGraphClient, pending: Pending, decisions: Sequence[dict[str, Any]], graph_id: str = GRAPH_ID
) -> AsyncGenerator[Update, None]:
    """Answer `pending` (the thread's own request or a subagent's) and stream the run.

    The answer names its request (`request_id`): the server delivers it to that request
    wherever it waits, and other requests pending on the thread keep waiting.

    Raises:
        AlreadyAnswered: the request was answered by someone else (another tab, process
            or user) before this answer could be: nothing of this answer was applied.
    """
    if await get_pending(client, pending.thread_id, pending.request_id) is None:
        raise AlreadyAnswered(f"request {pending.request_id} on thread {pending.thread_id} was already answered")
    answer_id = uuid.uuid4().hex
    resume = resume_for(pending.request, decisions, answer_id)
    async with aclosing(stream_run(client, pending.thread_id, command={"resume": resume}, graph_id=graph_id)) as run:
        async for update in run:
            yield update
    # A second answer that arrives once the first has finished changes nothing and
    # raises nothing: only the history tells whose answer was applied.
    entries = history_of(await _state(client, pending.thread_id), pending.request_id)
    if entries and entries[-1].get("answer_id") != answer_id:
        raise AlreadyAnswered(f"request {pending.request_id} was answered by someone else first")
