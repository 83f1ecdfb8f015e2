"""`GET /approvals` a page at a time through a real `langgraph dev`: newest first, and complete
and stable while requests are added and answered (no duplicate, no gap).

The same walk runs on aegra in `test_aegra.py`."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from agent.approval.contract import resume_for
from tests.support.pages import ask, assert_answers_recorded, assert_pages_hold, http, page
from tests.support.served import Served, serve

ENV = {
    "AUTH_USERS": "ada:ada-token,bob:bob-token:approver,carol:carol-token:approver",
    "APPROVER_ROLES": "approver",
    "REQUESTER_MAY_ANSWER": "false",
}
ADA = "ada-token"


@pytest.fixture(scope="module")
def team(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    with serve(tmp_path_factory.mktemp("pages"), ENV) as running:
        yield running


async def test_pages_are_newest_first_with_no_duplicate_and_no_gap(team: Served) -> None:
    await assert_pages_hold(team, ADA, "bob-token", "carol-token")


async def test_an_approver_lists_neither_their_own_requests_nor_answered_ones(team: Served) -> None:
    mine, request = await ask(team, "bob-token")
    async with http(team, "bob-token") as bob, http(team, "carol-token") as carol:
        assert mine not in (await page(bob, 200))[0]
        assert mine in (await page(carol, 200))[0]
        reject = resume_for(request, [{"type": "reject"}])  # type: ignore[arg-type]
        answered = await carol.post(f"/approvals/{mine}", json={"resume": reject})
        assert answered.status_code == 200, answered.text
        assert mine not in (await page(carol, 200))[0]


async def test_one_threads_requests_are_found_by_its_id_wherever_they_are_in_the_list(team: Served) -> None:
    first, request = await ask(team, ADA)
    later = [(await ask(team, ADA))[0] for _ in range(3)]  # (the first is on no first page of 2 now)
    mine, _ = await ask(team, "bob-token")
    async with http(team, "bob-token") as bob:
        assert first not in (await page(bob, 2))[0]
        response = await bob.get("/approvals", params={"thread_id": first.upper()})  # (any spelling of the id)
        assert response.status_code == 200, response.text
        assert [(i["thread_id"], i["owner"], i["request"]) for i in response.json()] == [(first, "ada", request)]
        assert (await bob.get("/approvals", params={"thread_id": mine})).json() == []  # (his own: threads.search)
        assert [i["thread_id"] for i in (await bob.get("/approvals", params={"thread_id": later[0]})).json()] == [
            later[0]
        ]


async def test_an_approver_reads_their_own_answers_back(team: Served) -> None:
    """After a reload an approver's page shows what they decided: the thread itself is not theirs to read."""
    await assert_answers_recorded(team, ADA, ("bob", "bob-token"), "carol-token")


@pytest.mark.parametrize(
    ("query", "words"),
    [
        ({"limit": "0"}, "limit must be a whole number from 1 to 200"),
        ({"limit": "201"}, "limit must be a whole number from 1 to 200"),
        ({"limit": "ten"}, "limit must be a whole number from 1 to 200"),
        ({"limit": "²"}, "limit must be a whole number from 1 to 200"),  # (a digit to str.isdigit: was a 500)
        ({"cursor": "%%%"}, "is not one this route gave"),
        ({"cursor": "bm90IGEgcGxhY2U"}, "is not one this route gave"),
        ({"thread_id": "../threads"}, "is not a thread id (a UUID)"),
    ],
)
async def test_a_bad_page_is_one_line(team: Served, query: dict[str, str], words: str) -> None:
    async with http(team, "bob-token") as bob:
        response = await bob.get("/approvals", params=query)
    assert response.status_code == 422
    assert words in response.json()["detail"]
    assert "\n" not in response.json()["detail"]


async def test_a_deleted_threads_request_leaves_the_list_and_a_refused_delete_leaves_it(team: Served) -> None:
    thread_id, _ = await ask(team, ADA)
    async with http(team, ADA) as ada, http(team, "bob-token") as bob, http(team, "carol-token") as carol:
        assert (await bob.delete(f"/threads/{thread_id}")).status_code == 404  # not bob's to delete
        assert thread_id in (await page(carol, 200))[0]
        assert (await ada.delete(f"/threads/{thread_id}")).status_code in (200, 204)
        assert thread_id not in (await page(carol, 200))[0]
