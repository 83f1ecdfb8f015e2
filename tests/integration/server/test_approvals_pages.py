"""`GET /approvals` a page at a time through a real `langgraph dev`: newest first, and complete
and stable while requests are added and answered (no duplicate, no gap).

The same walk runs on aegra in `test_aegra.py`."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from agent.approval.contract import resume_for
from client.approvals import create_thread, get_pending, stream_run, user_message
from harness.scripts import email, script
from tests.support.served import Served, serve

ENV = {
    "AUTH_USERS": "ada:ada-token,bob:bob-token:approver,carol:carol-token:approver",
    "APPROVER_ROLES": "approver",
    "REQUESTER_MAY_ANSWER": "false",
}
NEXT = "x-pagination-next"
ADA = "ada-token"


@pytest.fixture(scope="module")
def team(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    with serve(tmp_path_factory.mktemp("pages"), ENV) as running:
        yield running


def http(team: Served, token: str) -> httpx.AsyncClient:
    return httpx.AsyncClient(base_url=team.server.url, headers={"Authorization": f"Bearer {token}"}, timeout=120)


async def ask(team: Served, token: str = ADA) -> tuple[str, dict[str, Any]]:
    """A new thread of the user `token` signs in, waiting on one request: its id and the request."""
    sdk = team.client(token)
    try:
        thread_id = await create_thread(sdk)
        async for _ in stream_run(sdk, thread_id, input=user_message(script(email()))):
            pass
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


async def test_pages_are_newest_first_with_no_duplicate_and_no_gap(team: Served) -> None:
    asked = [await ask(team) for _ in range(7)]
    ids = [thread_id for thread_id, _ in asked]
    newest_first = ids[::-1]
    async with http(team, "bob-token") as bob, http(team, "carol-token") as carol:
        assert await walk(bob, 3) == [newest_first[:3], newest_first[3:6], newest_first[6:]]

        first, cursor = await page(bob, 3)
        # Meanwhile: a request added (newer than every page), one on a page not read yet answered.
        added, _ = await ask(team)
        reject = resume_for(asked[2][1], [{"type": "reject"}])  # type: ignore[arg-type]
        assert (await carol.post(f"/approvals/{ids[2]}", json={"resume": reject})).status_code == 200
        seen = list(first)
        while cursor:
            listed, cursor = await page(bob, 3, cursor)
            seen += listed
        assert seen == [i for i in newest_first if i != ids[2]]  # in order, each once, none skipped

        assert (await page(bob, 1))[0] == [added]


async def test_an_approver_lists_neither_their_own_requests_nor_answered_ones(team: Served) -> None:
    mine, request = await ask(team, "bob-token")
    async with http(team, "bob-token") as bob, http(team, "carol-token") as carol:
        assert mine not in (await page(bob, 200))[0]
        assert mine in (await page(carol, 200))[0]
        reject = resume_for(request, [{"type": "reject"}])  # type: ignore[arg-type]
        answered = await carol.post(f"/approvals/{mine}", json={"resume": reject})
        assert answered.status_code == 200, answered.text
        assert mine not in (await page(carol, 200))[0]


@pytest.mark.parametrize(
    ("query", "words"),
    [
        ({"limit": "0"}, "limit must be a whole number from 1 to 200"),
        ({"limit": "201"}, "limit must be a whole number from 1 to 200"),
        ({"limit": "ten"}, "limit must be a whole number from 1 to 200"),
        ({"cursor": "%%%"}, "is not one this route gave"),
        ({"cursor": "bm90IGEgcGxhY2U"}, "is not one this route gave"),
    ],
)
async def test_a_bad_page_is_one_line(team: Served, query: dict[str, str], words: str) -> None:
    async with http(team, "bob-token") as bob:
        response = await bob.get("/approvals", params=query)
    assert response.status_code == 422
    assert words in response.json()["detail"]
    assert "\n" not in response.json()["detail"]
