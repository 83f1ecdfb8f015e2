"""An approver's page of waiting requests, read from the gate's index (`agent.approval.waiting`).

`GET /approvals?limit=50&cursor=...` lists the requests the caller may answer on other
users' threads, newest first, `limit` at a time (default 50, at most 200); with
`thread_id=...`, on that thread only (what a notice's link opens). A page that
is not the last says where the next one starts in the `X-Pagination-Next` header (as
LangGraph's own searches do); pass it back as `cursor`. The cursor is the last listed
request's place, not a count, so requests added or answered meanwhile neither repeat nor
skip one on the next page.

The index lives in the server's own store (the one the graphs get: LangGraph's server's,
or aegra's PostgreSQL store), read here in-process: the store API is each user's own
(aegra scopes it per user), and the index is nobody's. On PostgreSQL a page is one
indexed query (`server.waiting_sql`); on other stores it reads every entry of the
caller's roles (the store API has no ordered read).
"""

from __future__ import annotations

import base64
import binascii
import heapq
import importlib
import re
import sys
import uuid
from collections.abc import Iterable, Mapping
from typing import Any, Final, cast

from langgraph.store.base import BaseStore, GetOp, Item, PutOp, SearchItem

from agent.approval.approvers import User
from agent.approval.contract import APPROVALS_NEXT
from agent.approval.waiting import ENTRIES, REQUESTS, ROLE_FLAG, key, order
from server import waiting_sql
from server.asgi import Refused, shown

AEGRA: Final = "aegra_api"
DEFAULT_LIMIT: Final = 50
MAX_LIMIT: Final = 200
NEXT_HEADER: Final = APPROVALS_NEXT
MAX_WAITING: Final = 1_000_000
"""More entries than a role could have waiting: a search reads them all (the store keeps no order)."""
PLACE: Final = re.compile(r"[^|/\x00]+\|[^|/\x00]+/[^|/\x00]+")
"""What `order` gives: `<when>|<thread_id>/<request_id>` (no NUL: PostgreSQL's text has none)."""
BAD_CURSOR: Final = "cursor {cursor} is not one this route gave: pass back the X-Pagination-Next header as it came."


async def served_store() -> BaseStore:
    """The store the server gives its graphs.

    Neither server has a public way to this: LangGraph's server (`langgraph dev`, the
    Platform) keeps it in `langgraph_api.store`, aegra in its database manager. The
    integration tests on both servers fail if either moves. The server running is the one
    whose package is loaded.
    """
    if AEGRA in sys.modules:  # (langgraph-api may be installed next to it: the template needs its SDK's parts)
        database = importlib.import_module(f"{AEGRA}.core.database")
        return cast("BaseStore", database.db_manager.get_store())
    langgraph_server = importlib.import_module("langgraph_api.store")
    return cast("BaseStore", await langgraph_server.get_store())


def limit_param(query: Mapping[str, str], default: int, most: int) -> int:
    """The query string's `limit`, a whole number from 1 to `most`; raises `Refused` (422)."""
    raw = query.get("limit", str(default))
    if not (raw.isascii() and raw.isdigit()) or not 1 <= int(raw) <= most:  # ("²" is a digit to str.isdigit)
        raise Refused(422, f"limit must be a whole number from 1 to {most} (default {default}).")
    return int(raw)


def page_params(query: Mapping[str, str]) -> tuple[int, str | None]:
    """`limit` and the decoded `cursor` of a query string; raises `Refused` (422)."""
    limit = limit_param(query, DEFAULT_LIMIT, MAX_LIMIT)
    cursor = query.get("cursor") or None
    if cursor is None:
        return limit, None
    try:
        place = base64.b64decode(cursor + "=" * (-len(cursor) % 4), altchars=b"-_", validate=True).decode()
    except (UnicodeError, binascii.Error, ValueError):
        place = ""
    if not PLACE.fullmatch(place):
        raise Refused(422, BAD_CURSOR.format(cursor=shown(cursor)))
    return limit, place


def thread_param(query: Mapping[str, str]) -> str | None:
    """The query string's `thread_id`, if any (a UUID, as the server stores it); raises `Refused` (422)."""
    raw = query.get("thread_id")
    if raw is None:
        return None
    try:
        return str(uuid.UUID(raw))
    except ValueError:
        raise Refused(422, f"thread_id {shown(raw)} is not a thread id (a UUID).") from None


def next_cursor(place: str) -> str:
    return base64.urlsafe_b64encode(place.encode()).decode().rstrip("=")


def _open_to(entry: Mapping[str, Any], user: User) -> bool:
    """Whether `user` may answer the request `entry` is of, on another user's thread."""
    if entry.get("owner") == user.identity:  # (their own: threads.search)
        return False
    if not entry.get("requester_may_answer") and entry.get("requested_by") == user.identity:
        return False
    return all(user.roles & set(roles) for roles in entry.get("needs") or [[]])


async def entries_for(store: BaseStore, user: User, after: str | None, count: int) -> list[Mapping[str, Any]]:
    """The first `count` of the index's entries `user` may answer, newest first, from past `after` (a place) on."""
    if not user.roles:
        return []  # (every entry needs a role)
    batch = await waiting_sql.candidates(store, user.roles, user.identity, after, count)
    if batch is None:
        return await scanned(store, user, after, count)
    found: list[Mapping[str, Any]] = []
    while True:  # (in batches: some entries of the roles may not be this user's to answer)
        found += [entry for _, entry in batch if _open_to(entry, user)][: count - len(found)]
        if len(found) >= count or len(batch) < count or (after is not None and batch[-1][0] >= after):
            return found
        after = batch[-1][0]
        batch = await waiting_sql.candidates(store, user.roles, user.identity, after, count) or []


async def scanned(store: BaseStore, user: User, after: str | None, count: int) -> list[Mapping[str, Any]]:
    """`entries_for` through the store API, which has no ordered read: every entry of the user's roles."""
    roles = sorted(user.roles)
    searches = [store.asearch(ENTRIES, filter={f"{ROLE_FLAG}{role}": True}, limit=MAX_WAITING) for role in roles]
    found: dict[str, Mapping[str, Any]] = {}
    for items in [await search for search in searches]:
        found.update((item.key, item.value) for item in items if isinstance(item, SearchItem))
    return _newest(found.values(), user, after, count)


async def of_thread(
    store: BaseStore, user: User, thread_id: str, after: str | None, count: int
) -> list[Mapping[str, Any]]:
    """`entries_for`, of one thread only: its entries are found by its id (a thread has a few)."""
    if not user.roles:
        return []  # (every entry needs a role)
    found = await store.asearch(ENTRIES, filter={"thread_id": thread_id}, limit=MAX_WAITING)
    return _newest((item.value for item in found), user, after, count)


def _newest(entries: Iterable[Mapping[str, Any]], user: User, after: str | None, count: int) -> list[Mapping[str, Any]]:
    """The `count` newest of `entries` that `user` may answer, from past `after` on (read in no order)."""
    listed = [e for e in entries if _open_to(e, user) and (after is None or order(e) < after)]
    return heapq.nlargest(count, listed, key=order)


async def page(
    user: User, limit: int, after: str | None, thread_id: str | None = None
) -> tuple[list[dict[str, Any]], str | None]:
    """`limit` of the requests `user` may answer (on `thread_id` only, if given), newest first,
    from past `after` on; and the next page's place, if there is more."""
    store = await served_store()
    if thread_id is None:
        entries = await entries_for(store, user, after, limit + 1)
    else:
        entries = await of_thread(store, user, thread_id, after, limit + 1)
    shown_now = entries[:limit]
    found = await store.abatch([GetOp(REQUESTS, key(e["thread_id"], e["request_id"])) for e in shown_now])
    listed = [_listed(e, item.value) for e, item in zip(shown_now, found, strict=True) if isinstance(item, Item)]
    more = len(entries) > limit
    return listed, (order(shown_now[-1]) if more and shown_now else None)


async def entry_of(thread_id: str, request_id: object) -> Mapping[str, Any] | None:
    """The index's entry of `request_id` on `thread_id` (its owner, graph, who may answer), if it lists it."""
    if not isinstance(request_id, str):
        return None
    item = await (await served_store()).aget(ENTRIES, key(thread_id, request_id))
    return item.value if item else None


async def owner_of(thread_id: str) -> str | None:
    """The owner of `thread_id`, if a request an approver may answer waits on it (a search of the index)."""
    store = await served_store()
    found = await store.asearch(ENTRIES, filter={"thread_id": thread_id}, limit=1)
    return str(found[0].value["owner"]) if found else None


async def forget(thread_id: str, request_id: str | None = None) -> None:
    """Drop the index's entries of `thread_id` (of its `request_id` only, if given): a thread deleted,
    or a request the index lists that its thread shows no more (a step lost with a crash)."""
    store = await served_store()
    where = {"thread_id": thread_id, **({"request_id": request_id} if request_id else {})}
    found = await store.asearch(ENTRIES, filter=where, limit=MAX_WAITING)
    if drops := [PutOp(namespace, entry.key, None) for entry in found for namespace in (ENTRIES, REQUESTS)]:
        await store.abatch(drops)  # (one batch for them all)


def _listed(entry: Mapping[str, Any], request: Any) -> dict[str, Any]:
    return {
        "thread_id": entry["thread_id"],
        "owner": entry["owner"],
        "graph_id": entry["graph_id"],
        "request": request,
    }
