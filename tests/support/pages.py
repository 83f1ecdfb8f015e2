"""Walking `GET /approvals` a page at a time, on any server (`langgraph dev`, aegra)."""

from __future__ import annotations

from typing import Any

import httpx

from agent.approval.contract import resume_for
from client.approvals import get_pending
from tests.support.runs import pause
from tests.support.served import Served

NEXT = "x-pagination-next"


def http(team: Served, token: str) -> httpx.AsyncClient:
    return httpx.AsyncClient(base_url=team.server.url, headers={"Authorization": f"Bearer {token}"}, timeout=120)


async def ask(team: Served, token: str) -> tuple[str, dict[str, Any]]:
    """A new thread of the user `token` signs in, waiting on one request: its id and the request."""
    sdk = team.client(token)
    try:
        thread_id = await pause(sdk, graph_id=team.graph_id)
        pending = await get_pending(sdk, thread_id)
    finally:
        await sdk.aclose()
    assert pending is not None
    return thread_id, dict(pending.request)


async def page(client: httpx.AsyncClient, limit: int, cursor: str | None = None) -> tuple[list[str], str | None]:
    """One page of the caller's list, as thread ids, and the next page's cursor, if any."""
    params: dict[str, Any] = {"limit": limit, **({"cursor": cursor} if cursor else {})}
    response = await client.get("/approvals", params=params)
    assert response.status_code == 200, response.text
    listed = [item["thread_id"] for item in response.json()]
    assert len(listed) <= limit
    return listed, response.headers.get(NEXT)


async def walk(client: httpx.AsyncClient, limit: int) -> list[list[str]]:
    pages: list[list[str]] = []
    cursor: str | None = None
    while not pages or cursor:
        listed, cursor = await page(client, limit, cursor)
        pages.append(listed)
    return pages


async def assert_pages_hold(team: Served, requester: str, approver: str, other: str, count: int = 7) -> None:
    """`count` requests of `requester`'s, walked 3 at a time by `approver`: newest first, each
    once; and again while one is added and `other` answers one on a page not read yet."""
    asked = [await ask(team, requester) for _ in range(count)]
    ids = [thread_id for thread_id, _ in asked]
    newest_first = ids[::-1]
    async with http(team, approver) as bob, http(team, other) as carol:
        assert await walk(bob, 3) == [newest_first[n : n + 3] for n in range(0, count, 3)]

        first, cursor = await page(bob, 3)
        added, _ = await ask(team, requester)
        reject = resume_for(asked[0][1], [{"type": "reject"}])  # type: ignore[arg-type]
        answered = await carol.post(f"/approvals/{ids[0]}", json={"resume": reject})
        assert answered.status_code == 200, answered.text
        seen = list(first)
        while cursor:
            listed, cursor = await page(bob, 3, cursor)
            seen += listed
        assert seen == [i for i in newest_first if i != ids[0]]  # in order, each once, none skipped

        assert (await page(bob, 1))[0] == [added]
