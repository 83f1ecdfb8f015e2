"""The approvers' page read in SQL (`server.waiting_sql`) against LangGraph's own PostgreSQL store:
the same entries, in the same order, as the store API's full read, from every place; along the index.

It fails if LangGraph's store table changes under the query (the module reads it directly)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from langgraph.store.base import PutOp
from langgraph.store.postgres.aio import AsyncPostgresStore
from psycopg import AsyncConnection
from psycopg.rows import DictRow, dict_row
from psycopg_pool import AsyncConnectionPool

from agent.approval.approvers import User
from agent.approval.waiting import ENTRIES, ROLE_FLAG, key, order
from server import waiting_sql
from server.waiting import entries_for, scanned

BOB = User("bob", frozenset({"approver"}))


@pytest.fixture
async def store(database_uri: str) -> AsyncIterator[AsyncPostgresStore]:
    kwargs = {"autocommit": True, "prepare_threshold": 0, "row_factory": dict_row}
    pool: AsyncConnectionPool[AsyncConnection[DictRow]] = AsyncConnectionPool(database_uri, kwargs=kwargs, open=False)
    async with pool:
        postgres = AsyncPostgresStore(conn=pool)
        await postgres.setup()
        yield postgres


def _entry(n: int, owner: str, role: str, requested_by: str | None = None) -> PutOp:
    thread, request = f"thread-{n % 7}", f"request-{n:03}"
    at = f"2026-12-06T10:{n // 60 % 60:02}:{n % 60:02}.{n % 3:06}+00:00"  # (some share a time: the key decides)
    value = {
        "thread_id": thread,
        "request_id": request,
        "owner": owner,
        "requested_by": requested_by or owner,
        "graph_id": "agent",
        "at": at if n % 5 else "2026-12-06T10:00:00.000000+00:00",
        "needs": [[role]],
        "requester_may_answer": False,
        f"{ROLE_FLAG}{role}": True,
    }
    return PutOp(ENTRIES, key(thread, request), value, index=False)


async def test_the_sql_page_is_the_store_apis_page_from_every_place(store: AsyncPostgresStore) -> None:
    owners = ("ada", "bob", "carol")  # bob's own requests are not his to answer
    puts = [_entry(n, owners[n % 3], "approver" if n % 4 else "auditor") for n in range(120)]
    puts.append(_entry(500, "ada", "approver", requested_by="bob"))  # asked by bob on ada's thread
    await store.abatch(puts)
    assert waiting_sql.readable(store)

    every = await scanned(store, BOB, None, 1000)
    assert len(every) == len({order(e) for e in every}) > 50
    assert {e["owner"] for e in every} == {"ada", "carol"}
    for after in [None, *(order(e) for e in every[::9])]:
        for count in (1, 7, 51):
            assert await entries_for(store, BOB, after, count) == await scanned(store, BOB, after, count), (
                after,
                count,
            )


@pytest.mark.parametrize("after", [None, "2026-12-06T10:00:30.000000+00:00|thread-0/request-030"])
async def test_the_page_is_read_along_the_index(store: AsyncPostgresStore, after: str | None) -> None:
    """The first page and a later one, also once PostgreSQL plans the query for any cursor (after
    5 runs of a prepared statement it may: LangGraph's pools prepare every query)."""
    await store.abatch([_entry(n, "ada", "approver") for n in range(50)])
    assert await waiting_sql.candidates(store, BOB.roles, "bob", after, 5)
    pool = store.conn
    assert isinstance(pool, AsyncConnectionPool)
    query = waiting_sql.FIRST_PAGE if after is None else waiting_sql.NEXT_PAGE
    params = {"flags": ["role:approver"], "me": "bob", "after": after, "limit": 5}
    async with pool.connection() as conn, conn.transaction():
        await conn.execute(waiting_sql.ALONG_THE_INDEX)  # (as the module reads it)
        await conn.execute("SET LOCAL plan_cache_mode = force_generic_plan")
        plan = await (await conn.execute("EXPLAIN " + query, params)).fetchall()
    shown = "\n".join(str(row) for row in plan)
    assert "store_hitl_waiting_order" in shown, shown
    if after is not None:  # the scan starts at the cursor: an index condition, not a filter
        assert "Index Cond" in shown, shown
    assert f"prefix = '{waiting_sql.PREFIX}'" in query
