"""A thread deleted while a request waits on it: the request ends on record (who deleted it) and
leaves approvers' lists, on `langgraph dev` and on aegra (`server/deleted_threads.py`); a thread
TTL, with which the server would delete one with no record, is refused."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import httpx
import psycopg
import pytest

from agent.approval.audit.records import THREAD_DELETED
from agent.approval.contract import AUDIT, INTERRUPT_GRAPH_ID
from server.deleted_threads import THREAD_TTL
from tests.support.aegra import aegra_bin
from tests.support.pages import ask, http, page
from tests.support.postgres import database_for_tests
from tests.support.served import Served, serve, serve_aegra

TEAM = {
    "AUTH_USERS": "ada:ada-token,bob:bob-token:approver,carol:carol-token:approver",
    "APPROVER_ROLES": "approver",
    "REQUESTER_MAY_ANSWER": "false",
}
ADA = "ada-token"
Trail = Callable[..., list[dict[str, Any]]]
"""`trail(thread_id, user="ada")`: the user's trail of one thread, oldest first."""


@pytest.fixture(scope="module", params=["dev", "aegra"])
def team(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Served, Trail]]:
    """ada and bob (an approver) on a server, and a reader of ada's trail of one thread."""
    workdir = tmp_path_factory.mktemp(request.param)
    if request.param == "dev":
        with serve(workdir, TEAM) as running:
            yield running, lambda thread_id, user="ada": _trail_through_the_api(running, thread_id, user)
        return
    aegra_bin()  # (skipped, or failed where REQUIRE_AEGRA is set, before a database is made)
    with database_for_tests() as database, serve_aegra(workdir, database, TEAM) as served:
        yield served, lambda thread_id, user="ada": _trail_in_sql(database, thread_id, user)


def _trail_through_the_api(team: Served, thread_id: str, user: str) -> list[dict[str, Any]]:
    with httpx.Client(base_url=team.server.url, headers={"Authorization": f"Bearer {user}-token"}) as client:
        query = {"namespace_prefix": [AUDIT], "filter": {"thread_id": thread_id}}
        found = client.post("/store/items/search", json=query)
    assert found.status_code == 200, found.text
    return sorted((item["value"] for item in found.json()["items"]), key=lambda record: record["at"])


def _trail_in_sql(database: str, thread_id: str, user: str) -> list[dict[str, Any]]:
    """(aegra's store API is each user's own, and the trail is the graph's: read it where it is)"""
    with psycopg.connect(database) as sql:
        rows = sql.execute(
            "SELECT value FROM store WHERE prefix = %s AND value->>'thread_id' = %s", [f"{AUDIT}.{user}", thread_id]
        ).fetchall()
    return sorted((row[0] for row in rows), key=lambda record: record["at"])


def _ended_by_the_delete(trail: list[dict[str, Any]]) -> None:
    assert [record["event"] for record in trail] == ["requested", "cancelled"], trail
    ending = trail[-1]
    assert (ending["who"], ending["error"], ending["decisions"]) == ("ada", THREAD_DELETED, ["cancel"])


async def test_a_deleted_threads_request_ends_on_record_and_leaves_the_list(team: tuple[Served, Trail]) -> None:
    served, trail = team
    thread_id, _ = await ask(served, ADA)
    async with http(served, ADA) as ada, http(served, "bob-token") as bob:
        assert (await bob.delete(f"/threads/{thread_id}")).status_code == 404  # not his: nothing changes
        assert [record["event"] for record in trail(thread_id)] == ["requested"]
        assert thread_id in (await page(bob, 200))[0]
        assert (await ada.delete(f"/threads/{thread_id}")).is_success
        assert thread_id not in (await page(bob, 200))[0]
    _ended_by_the_delete(trail(thread_id))


async def test_pruned_threads_requests_end_on_record(team: tuple[Served, Trail]) -> None:
    """On langgraph dev a prune deletes the threads it names; aegra's applies TTLs only (refused here),
    so there the threads, and their requests, stay."""
    served, trail = team
    pruned = [(await ask(served, ADA))[0] for _ in range(2)]
    async with http(served, ADA) as ada, http(served, "bob-token") as bob:
        twice = await ada.post("/threads/prune", json={"thread_ids": [*pruned, pruned[0]]})
        assert twice.status_code == 422, twice.text  # (langgraph-api's own answer is a 500)
        assert (await ada.get(f"/threads/{pruned[0]}")).status_code == 200
        done = await ada.post("/threads/prune", json={"thread_ids": pruned})
        assert done.status_code == 200, done.text
        deleted = (await ada.get(f"/threads/{pruned[0]}")).status_code == 404
        assert deleted == (served.graph_id != INTERRUPT_GRAPH_ID)
        listed = (await page(bob, 200))[0]
    for thread_id in pruned:
        if deleted:
            assert thread_id not in listed
            _ended_by_the_delete(trail(thread_id))
        else:
            assert thread_id in listed
            assert [record["event"] for record in trail(thread_id)] == ["requested"]


async def test_a_prune_naming_another_users_thread_changes_nothing(team: tuple[Served, Trail]) -> None:
    served, trail = team
    theirs, _ = await ask(served, "bob-token")
    async with http(served, ADA) as ada, http(served, "bob-token") as bob:
        await ada.post("/threads/prune", json={"thread_ids": [theirs]})  # (404 on langgraph dev, 200 on aegra)
        assert (await bob.get(f"/threads/{theirs}")).status_code == 200
    async with http(served, "carol-token") as carol:
        assert theirs in (await page(carol, 200))[0]
    assert [record["event"] for record in trail(theirs, "bob")] == ["requested"]


def _nested(depth: int) -> Any:
    value: Any = []
    for _ in range(depth):
        value = [value]
    return value


DEEP = {"pad": _nested(70)}
"""A body nested deeper than the HTTP layer reads (64), which the server itself would take."""


async def test_a_body_too_deep_to_read_is_refused_on_the_routes_that_delete_or_set_a_ttl(
    team: tuple[Served, Trail],
) -> None:
    served, trail = team
    thread_id, _ = await ask(served, ADA)
    async with http(served, ADA) as ada, http(served, "bob-token") as bob:
        for response in (
            await ada.post("/threads/prune", json={"thread_ids": [thread_id], **DEEP}),
            await ada.patch(f"/threads/{thread_id}", json={"metadata": DEEP, "ttl": {"ttl": 1}}),
            await ada.post("/threads", json={"metadata": DEEP, "ttl": {"ttl": 1}}),
        ):
            assert 400 <= response.status_code < 500, response.text
            assert "\n" not in response.json()["detail"]
        assert (await ada.get(f"/threads/{thread_id}")).status_code == 200
        assert thread_id in (await page(bob, 200))[0]
    assert [record["event"] for record in trail(thread_id)] == ["requested"]


@pytest.mark.parametrize("body", [{"thread_ids": "x"}, {"thread_ids": [1]}, {"thread_ids": None}, []])
async def test_a_bad_prune_is_one_line(team: tuple[Served, Trail], body: Any) -> None:
    served, _ = team
    if served.graph_id == INTERRUPT_GRAPH_ID:
        pytest.skip("aegra's POST /threads/prune reads no body")
    async with http(served, ADA) as ada:
        response = await ada.post("/threads/prune", json=body)
    assert response.status_code == 422, response.text
    assert "\n" not in response.json()["detail"]


async def test_a_ttl_from_nobody_signed_in_is_401(team: tuple[Served, Trail]) -> None:
    served, _ = team
    async with httpx.AsyncClient(base_url=served.server.url) as nobody:
        response = await nobody.post("/threads", json={"metadata": {}, "ttl": {"ttl": 1}})
    assert response.status_code == 401, response.text


@pytest.mark.parametrize("ttl", [{"ttl": 1}, {"ttl": 1, "strategy": "delete"}, {"default_ttl": 1}, 5])
async def test_a_thread_ttl_is_refused_with_one_line(team: tuple[Served, Trail], ttl: Any) -> None:
    served, _ = team
    thread_id, _ = await ask(served, ADA)
    async with http(served, ADA) as ada:
        counted = (await ada.post("/threads/count", json={})).json()
        for response in (
            await ada.post("/threads", json={"metadata": {}, "ttl": ttl}),
            await ada.patch(f"/threads/{thread_id}", json={"metadata": {"topic": "x"}, "ttl": ttl}),
        ):
            assert response.status_code == 403, response.text
            assert response.json() == {"detail": THREAD_TTL}
        assert (await ada.post("/threads/count", json={})).json() == counted
        assert "topic" not in (await ada.get(f"/threads/{thread_id}")).json()["metadata"]
