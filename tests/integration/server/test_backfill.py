"""Requests that waited before the index of waiting requests existed (an upgrade of the template)
reach approvers' lists after a restart (`server.backfill`): on `langgraph dev`, whose store is a
file in `.langgraph_api`, and on aegra, whose store is PostgreSQL.

Each test makes a store from before the index the only way there is: it takes the index out of
a stopped server's store (and the mark that the store was walked), then starts the server again.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path

import psycopg
from langgraph.checkpoint.memory import PersistentDict

from agent.approval.audit import ENDINGS
from agent.approval.audit import namespace as namespace_of
from agent.approval.contract import resume_for
from agent.approval.waiting import ENTRIES, REQUESTS
from server.backfill import DONE, DONE_LOG
from tests.support.aegra import aegra_bin
from tests.support.pages import ask, http
from tests.support.postgres import database_for_tests
from tests.support.served import Served, serve, serve_aegra

TEAM = {
    "AUTH_USERS": "ada:ada-token,bob:bob-token:approver,carol:carol-token:approver",
    "APPROVER_ROLES": "approver",
    "REQUESTER_MAY_ANSWER": "false",
}
INDEX = (ENTRIES, REQUESTS, DONE[0])
WALKED = DONE_LOG.split("%d")[0]
DEADLINE_S = 60


async def _three_requests(team: Served) -> tuple[str, list[str]]:
    """ada's requests: one waiting (its thread's id), one carol answered and one on a thread ada
    deleted (their threads' ids)."""
    waiting, _ = await ask(team, "ada-token")
    answered, request = await ask(team, "ada-token")
    deleted, _ = await ask(team, "ada-token")
    async with http(team, "carol-token") as carol, http(team, "ada-token") as ada:
        reject = resume_for(request, [{"type": "reject"}])  # type: ignore[arg-type]
        assert (await carol.post(f"/approvals/{answered}", json={"resume": reject})).status_code == 200
        assert (await ada.delete(f"/threads/{deleted}")).is_success  # (204 on langgraph dev, 200 on aegra)
    return waiting, [answered, deleted]


async def _listed_once_walked(team: Served, logged_before: int) -> list[str]:
    """bob's list, once the server says it walked the audit trail (it does so in the background),
    in its log past `logged_before` (what an earlier process wrote there)."""
    async with http(team, "bob-token") as bob:
        for _ in range(DEADLINE_S * 10):
            if WALKED.encode() in team.server.log_path.read_bytes()[logged_before:]:
                break
            await asyncio.sleep(0.1)  # (a poll: the walk runs in the server's background)
        else:
            raise AssertionError(f"no walk of the audit trail in the log:\n{team.server.log_tail()}")
        # one listed; and the other two read (not waiting, a thread gone), so the walk is done
        assert (DONE_LOG % (1, 0)).encode() in team.server.log_path.read_bytes()[logged_before:]
        listed = await bob.get("/approvals")
    assert listed.status_code == 200, listed.text
    return [item["thread_id"] for item in listed.json()]


async def _assert_backfilled(
    start: Callable[[], AbstractContextManager[Served]], forget: Callable[[list[str]], None]
) -> None:
    """`forget(ended)` takes the index out of the stopped server's store, and the endings of the
    requests on the threads `ended` (as if they had ended by a way that left none: the walk must
    read that the one is not waiting and the other's thread is gone)."""
    with start() as first:
        waiting, ended = await _three_requests(first)
        async with http(first, "bob-token") as bob:
            assert waiting in [item["thread_id"] for item in (await bob.get("/approvals")).json()]
        logged_before = first.server.log_path.stat().st_size
    forget(ended)
    with start() as second:
        assert await _listed_once_walked(second, logged_before) == [waiting]
        async with http(second, "bob-token") as bob:  # and answered through the route, once
            item = (await bob.get("/approvals")).json()[0]
            approve = resume_for(item["request"], [{"type": "approve"}])
            answer = await bob.post(f"/approvals/{waiting}", json={"resume": approve})
            assert answer.status_code == 200, answer.text
            assert (await bob.get("/approvals")).json() == []
        assert len(second.sent(waiting)) == 1


async def test_requests_from_before_the_index_are_listed_after_an_upgrade_on_dev(tmp_path: Path) -> None:
    def forget(ended: list[str]) -> None:
        store = PersistentDict(dict, filename=str(tmp_path / ".langgraph_api" / "store.pckl"))
        store.load()
        assert ENTRIES in store  # (where the server keeps it: if that moved, this test would prove nothing)
        for namespace in INDEX:
            store.pop(namespace, None)
        trail = store[namespace_of("ada")]
        endings = [k for k in trail if k.split("/")[0] in ended and k.split("/")[-1] in ENDINGS]
        assert len(endings) == 2, list(trail)
        for k in endings:
            del trail[k]
        store.sync()

    await _assert_backfilled(lambda: serve(tmp_path, TEAM), forget)


async def test_requests_from_before_the_index_are_listed_after_an_upgrade_on_aegra(tmp_path: Path) -> None:
    aegra_bin()  # (skipped, or failed where REQUIRE_AEGRA is set, before a database is made)
    with database_for_tests() as database:

        def start() -> AbstractContextManager[Served]:
            return serve_aegra(tmp_path, database, TEAM)

        def forget(ended: list[str]) -> None:
            with psycopg.connect(database, autocommit=True) as sql:
                gone = sql.execute("DELETE FROM store WHERE prefix = ANY(%s)", [[".".join(n) for n in INDEX]])
                assert gone.rowcount >= 2  # (the waiting request's entry and request, at least)
                endings = sql.execute(
                    "DELETE FROM store WHERE prefix = %s AND split_part(key, '/', 1) = ANY(%s)"
                    " AND split_part(key, '/', 3) = ANY(%s)",
                    [".".join(namespace_of("ada")), ended, list(ENDINGS)],
                )
                assert endings.rowcount == 2

        await _assert_backfilled(start, forget)
