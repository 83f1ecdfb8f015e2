"""Approvals across a team, on the server's approvals routes and store (see `server/approvals.py`).

requests = await open_to_me(client)              # other users' requests I may answer
async for page in assigned_pages(client): ...   # the same, a page at a time, newest first
await answer_as_approver(client, item, decisions)
closed = await sweep(client)                     # close every expired request I can see
records = await audit_records(client, since=..., until=...)   # my audit trail
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from langgraph_sdk.client import LangGraphClient

from agent.approval.contract import APPROVALS_NEXT, AUDIT, EXPIRE, GRAPH_ID, resume_for
from agent.approval.pending import has_expired
from client.approvals import InboxItem, inbox

APPROVALS = "/approvals"
APPROVALS_PAGE = 200
AUDIT_PAGE = 100


@dataclass(frozen=True)
class Assigned(InboxItem):
    """A request on another user's thread that the signed-in user may answer."""

    owner: str | None = None
    graph_id: str | None = None
    owner_known: bool = True
    """`False`: the owner is not one of the server's users any more (`GET /approvals`)."""


async def assigned_pages(
    client: LangGraphClient, limit: int = APPROVALS_PAGE, thread_id: str | None = None
) -> AsyncIterator[list[Assigned]]:
    """The pending requests the signed-in user may answer on other users' threads (roles), on
    `thread_id` only if given, newest first, a page at a time: the route's own pages, each from
    where the last one ended."""
    cursor: str | None = None
    headers: dict[str, str] = {}
    only = {"thread_id": thread_id} if thread_id else {}
    while True:
        headers.clear()
        params: dict[str, str | int] = {"limit": limit, **only, **({"cursor": cursor} if cursor else {})}
        found = await client.http.get(APPROVALS, params=params, on_response=lambda r: headers.update(r.headers))
        yield [_assigned(item) for item in cast("list[dict[str, Any]]", found)]
        cursor = headers.get(APPROVALS_NEXT.lower())
        if not cursor:
            return


async def open_to_me(client: LangGraphClient, thread_id: str | None = None) -> list[Assigned]:
    """Every pending request the signed-in user may answer on other users' threads (roles), or on one."""
    return [item async for items in assigned_pages(client, thread_id=thread_id) for item in items]


def _assigned(item: dict[str, Any]) -> Assigned:
    return Assigned(
        thread_id=item["thread_id"],
        request=item["request"],
        owner=item.get("owner"),
        graph_id=item.get("graph_id"),
        owner_known=item.get("owner_known") is not False,
    )


async def answer_as_approver(
    client: LangGraphClient, item: InboxItem, decisions: Sequence[dict[str, Any]]
) -> dict[str, Any]:
    """Answer a request on another user's thread; the server's reply (status, what is still open to me)."""
    resume = resume_for(item.request, decisions, uuid.uuid4().hex)
    return cast("dict[str, Any]", await client.http.post(f"{APPROVALS}/{item.thread_id}", json={"resume": resume}))


async def _visible(client: LangGraphClient) -> AsyncIterator[InboxItem]:
    async for item in inbox(client):
        yield item
    for assigned in await open_to_me(client):
        yield assigned


async def sweep(client: LangGraphClient) -> list[InboxItem]:
    """Close every expired request the signed-in user can see (their threads, and others' they may
    answer): its calls never run, the history records `expired`, the model is told. What it closed."""
    closed: list[InboxItem] = []
    async for item in _visible(client):
        if not has_expired(item.request):
            continue
        resume = {EXPIRE: True, "request_id": item.request_id}
        if isinstance(item, Assigned):
            await client.http.post(f"{APPROVALS}/{item.thread_id}", json={"resume": resume})
        else:
            metadata = (await client.threads.get(item.thread_id)).get("metadata") or {}
            graph_id = str(metadata.get("graph_id") or GRAPH_ID)
            await client.runs.wait(item.thread_id, graph_id, command={"resume": resume})
        closed.append(item)
    return closed


async def audit_records(
    client: LangGraphClient,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    user: str | None = None,
) -> list[dict[str, Any]]:
    """The audit trail the signed-in user may read (their threads' records; an auditor's:
    everyone's), oldest first, within [since, until); with `user`, only the records of
    that user's threads or that user's own acts."""
    records: list[dict[str, Any]] = []
    offset = 0
    while True:
        page = await client.store.search_items((AUDIT,), limit=AUDIT_PAGE, offset=offset)
        records += [dict(item["value"]) for item in page["items"]]
        if len(page["items"]) < AUDIT_PAGE:
            break
        offset += AUDIT_PAGE

    def within(record: dict[str, Any]) -> bool:
        at = datetime.fromisoformat(record["at"])
        about = user is None or user in (record.get("owner"), record.get("who"))
        return about and (since is None or at >= since) and (until is None or at < until)

    return sorted((r for r in records if within(r)), key=lambda r: r["at"])
