"""Walking `GET /approvals` a page at a time, on any server (`langgraph dev`, aegra)."""

from __future__ import annotations

from typing import Any

import httpx

from agent.approval.contract import APPROVALS_NEXT, resume_for
from client.approvals import get_pending
from tests.support.runs import pause
from tests.support.served import Served


def http(team: Served, token: str) -> httpx.AsyncClient:
    return httpx.AsyncClient(base_url=team.server.url, headers={"Authorization": f"Bearer {token}"}, timeout=120)


async def ask(team: Served, token: str) -> tuple[str, dict[str, Any]]:
    """A new thread of the user `token` signs in, waiting on one request: its id and the request."""
    async with team.client(token) as sdk:
        thread_id = await pause(sdk, graph_id=team.graph_id)
        pending = await get_pending(sdk, thread_id)
    assert pending is not None
    return thread_id, dict(pending.request)


async def page(client: httpx.AsyncClient, limit: int, cursor: str | None = None) -> tuple[list[str], str | None]:
    """One page of the caller's list, as thread ids, and the next page's cursor, if any."""
    params: dict[str, Any] = {"limit": limit, **({"cursor": cursor} if cursor else {})}
    response = await client.get("/approvals", params=params)
    assert response.status_code == 200, response.text
    listed = [item["thread_id"] for item in response.json()]
    assert len(listed) <= limit
    return listed, response.headers.get(APPROVALS_NEXT)


async def walk(client: httpx.AsyncClient, limit: int) -> list[list[str]]:
    pages: list[list[str]] = []
    cursor: str | None = None
    while not pages or cursor:
        listed, cursor = await page(client, limit, cursor)
        pages.append(listed)
    return pages


def _mine(pages: list[list[str]], ids: list[str]) -> list[str]:
    """The ids of `ids` in `pages`, in order, after checking that no id is listed twice (other
    requests waiting on the same server may be listed too)."""
    seen = [thread_id for listed in pages for thread_id in listed]
    assert len(seen) == len(set(seen)), seen
    return [thread_id for thread_id in seen if thread_id in ids]


async def assert_pages_hold(team: Served, requester: str, approver: str, other: str, count: int = 7) -> None:
    """`count` requests of `requester`'s, walked 3 at a time by `approver`: newest first, each
    once; and again while one is added and `other` answers one on a page not read yet."""
    asked = [await ask(team, requester) for _ in range(count)]
    ids = [thread_id for thread_id, _ in asked]
    newest_first = ids[::-1]
    async with http(team, approver) as bob, http(team, other) as carol:
        pages = await walk(bob, 3)
        assert _mine(pages, ids) == newest_first
        assert pages[0] == newest_first[:3]  # (nothing newer waits)

        first, cursor = await page(bob, 3)
        added, _ = await ask(team, requester)
        reject = resume_for(asked[0][1], [{"type": "reject"}])  # type: ignore[arg-type]
        answered = await carol.post(f"/approvals/{ids[0]}", json={"resume": reject})
        assert answered.status_code == 200, answered.text
        pages = [first]
        while cursor:
            listed, cursor = await page(bob, 3, cursor)
            pages.append(listed)
        assert _mine(pages, ids) == newest_first[:-1]  # in order, each once, none skipped

        assert (await page(bob, 1))[0] == [added]


async def assert_answers_recorded(team: Served, requester: str, approver: tuple[str, str], other: str) -> None:
    """`approver` (name, token) answers two of `requester`'s requests (approve, then reject); their list of answers
    (`GET /approvals/answered`) shows both, newest first, with who decided, what, and what the
    approved call returned; nobody else's list shows them."""
    (sent, sending), (kept, keeping) = await ask(team, requester), await ask(team, requester)
    name, token = approver
    async with http(team, token) as bob, http(team, other) as carol, http(team, requester) as ada:
        for thread_id, request, kind in ((sent, sending, "approve"), (kept, keeping, "reject")):
            resume = resume_for(request, [{"type": kind}])  # type: ignore[arg-type]
            answered = await bob.post(f"/approvals/{thread_id}", json={"resume": resume})
            assert answered.status_code == 200, answered.text
        response = await bob.get("/approvals/answered")
        assert response.status_code == 200, response.text
        listed = [item for item in response.json() if item["thread_id"] in (sent, kept)]
        assert [item["thread_id"] for item in listed] == [kept, sent], response.json()
        decided = [(item["decided"]["decided_by"], item["decided"]["decisions"][0]["type"]) for item in listed]
        assert decided == [(name, "reject"), (name, "approve")]
        (result,) = listed[1]["results"].values()
        assert "Email sent" in result
        assert not [text for text in listed[0]["results"].values() if "Email sent" in text]
        for outsider in (carol, ada):
            theirs = (await outsider.get("/approvals/answered")).json()
            assert not {item["thread_id"] for item in theirs} & {sent, kept}
        bad = await bob.get("/approvals/answered", params={"limit": "51"})
        assert (bad.status_code, bad.json()["detail"]) == (
            422,
            "limit must be a whole number from 1 to 50 (default 10).",
        )
    assert len(team.sent(sent)) == 1
    assert team.sent(kept) == []
