"""An approver's page of waiting requests in one indexed query, where the store is LangGraph's PostgreSQL store.

LangGraph's store API has no ordered range read: its in-memory store lists items in the
order they were written, its PostgreSQL store newest write first, and neither takes "the
50 newest after this place". Read through the API, a page costs every entry of the
approver's roles (`server.waiting`). On PostgreSQL (aegra, `make serve`; any server whose
store is `AsyncPostgresStore` on a connection pool) this module reads the page from the
store's own table instead, newest first from past the cursor, `LIMIT` rows, along an
index it adds to that table (partial: the index namespace's rows only). Each page then
costs about its own size, however many requests wait.

The table (`store`: `prefix`, `key`, `value` jsonb) is LangGraph's, not a public API:
`tests/integration/server/test_waiting_sql.py` fails if it changes, and any other store
is read through the API.
"""

from __future__ import annotations

import contextlib
import logging
import weakref
from collections.abc import Mapping
from typing import Any, Final

import psycopg
from langgraph.store.base import BaseStore
from langgraph.store.postgres.aio import AsyncPostgresStore
from psycopg.rows import tuple_row
from psycopg_pool import AsyncConnectionPool

from agent.approval.waiting import ENTRIES, ROLE_FLAG

PREFIX: Final = ".".join(ENTRIES)
"""How the store's table spells the namespace (`"hitl_waiting"`, in the SQL below)."""
# The place of an entry, `agent.approval.waiting.order` in SQL: `((value->>'at') || '|' || key)`,
# compared byte by byte (COLLATE "C") as Python compares strings. The index is on it; made
# CONCURRENTLY, so the store's writes go on while it is built.
ORDER_INDEX: Final = """
CREATE INDEX CONCURRENTLY IF NOT EXISTS store_hitl_waiting_order
ON store ((((value->>'at') || '|' || key) COLLATE "C") DESC) WHERE prefix = 'hitl_waiting'
"""
# Two texts, not one with "cursor IS NULL OR ...": a plan made for any cursor could not
# start the index scan at the cursor.
FIRST_PAGE: Final = """
SELECT (((value->>'at') || '|' || key) COLLATE "C") AS place, value FROM store
WHERE prefix = 'hitl_waiting' AND value ?| %(flags)s AND value->>'owner' IS DISTINCT FROM %(me)s
ORDER BY (((value->>'at') || '|' || key) COLLATE "C") DESC
LIMIT %(limit)s
"""
NEXT_PAGE: Final = """
SELECT (((value->>'at') || '|' || key) COLLATE "C") AS place, value FROM store
WHERE prefix = 'hitl_waiting' AND value ?| %(flags)s AND value->>'owner' IS DISTINCT FROM %(me)s
  AND (((value->>'at') || '|' || key) COLLATE "C") < %(after)s
ORDER BY (((value->>'at') || '|' || key) COLLATE "C") DESC
LIMIT %(limit)s
"""

ALONG_THE_INDEX: Final = "SET LOCAL enable_sort = off"
"""For the page's query only: PostgreSQL cannot tell how few rows the filters keep (a jsonb
key test; and the statistics of a table that just grew by thousands are old), so it may
rather sort every waiting entry than walk the index and stop at the page (measured at
10,000 waiting: 24 ms sorting, 0.25 ms along the index)."""

log = logging.getLogger(__name__)

_indexed: weakref.WeakSet[AsyncConnectionPool[Any]] = weakref.WeakSet()
"""The pools whose database has the index (made once per pool: a new pool may be another database)."""
_unusable: weakref.WeakSet[AsyncConnectionPool[Any]] = weakref.WeakSet()
"""The pools this module gave up on (the index could not be made, or the query failed): read through the API."""


def _pool(store: BaseStore) -> AsyncConnectionPool[Any] | None:
    pool = getattr(store, "conn", None)
    usable = isinstance(store, AsyncPostgresStore) and isinstance(pool, AsyncConnectionPool)
    return pool if usable and pool not in _unusable else None


def readable(store: BaseStore) -> bool:
    """Whether `candidates` reads `store` (LangGraph's PostgreSQL store, on a connection pool)."""
    return _pool(store) is not None


async def _ensure_index(pool: AsyncConnectionPool[Any]) -> None:
    if pool in _indexed:
        return
    async with pool.connection() as conn:
        # (another instance may make it at the same moment)
        with contextlib.suppress(psycopg.errors.UniqueViolation, psycopg.errors.DuplicateTable):
            await conn.execute(ORDER_INDEX)
    _indexed.add(pool)


Candidate = tuple[str, Mapping[str, Any]]
"""An entry's place (`agent.approval.waiting.order`) and the entry."""


async def candidates(
    store: BaseStore, roles: frozenset[str], me: str | None, after: str | None, limit: int
) -> list[Candidate] | None:
    """Up to `limit` index entries that flag one of `roles`, not of `me`'s threads, newest first
    from past the place `after`; `None` where this module does not read `store` (not LangGraph's
    PostgreSQL store, or one it gave up on: a warning in the log says why)."""
    if (pool := _pool(store)) is None:
        return None
    params = {"flags": [f"{ROLE_FLAG}{role}" for role in sorted(roles)], "me": me, "after": after, "limit": limit}
    try:
        await _ensure_index(pool)
        async with pool.connection() as conn, conn.transaction(), conn.cursor(row_factory=tuple_row) as cursor:
            await cursor.execute(ALONG_THE_INDEX)
            await cursor.execute(FIRST_PAGE if after is None else NEXT_PAGE, params)
            return [(str(place), value) for place, value in await cursor.fetchall()]
    except psycopg.Error as failed:
        _unusable.add(pool)
        log.warning("approvers' pages are read through the store API from now on: %s", failed)
        return None
