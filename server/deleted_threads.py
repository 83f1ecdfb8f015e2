"""Ends the requests waiting on a thread the server deletes: on record, and off approvers' lists.

A request ends in the graph, which writes its ending (`agent.approval.audit`) and drops its
entry in the index of waiting requests (`agent.approval.waiting`). A thread deleted while a
request waits on it ends the request without the graph, so this ASGI middleware (mounted in
`server/app.py`, over every route) watches the routes that delete threads:

- `DELETE /threads/{thread_id}`;
- `POST /threads/prune` with `strategy` `"delete"` (the default), for its `thread_ids`;

and after the server's success, before it reaches the client (so a list read next does not
show them), for each of those threads that the caller could read before and cannot now (read
in-process, as the caller: aegra's prune takes no ids, and deletes only threads past a TTL), writes a
`cancelled` ending for each request of the thread with none (`audit.thread_deleted`: who
deleted it, and that it was deleted), which drops its entry, then drops any entry of the
thread left. A delete refused (another user's thread) changes nothing; the server stops a run
in progress on a thread it deletes.

A thread the server deletes by itself would end its requests with no record, so a thread TTL
is refused: `POST /threads` or `PATCH /threads/{thread_id}` with a `ttl` gets 403 and one line
(after the caller is signed in: 401 first). A body these routes cannot read gets its 4xx and
one line here, before the caller is signed in, as on the routes `server.api_guard` reads.
(A TTL a deployment sets for every thread, in its server's configuration, is not seen here:
the template sets none. An approver who answers a request of a thread gone that way gets 404,
and the route drops its entry then: `server.approvals`.)
"""

from __future__ import annotations

import contextlib
import logging
import re
import uuid
from collections.abc import Iterable
from typing import Any, Final
from urllib.parse import quote

from langgraph_sdk import Auth
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from agent.approval import audit
from server.api_guard import as_caller
from server.asgi import Refused, one_line_errors, read_body, replay, route_path, send_json, shown
from server.http_body import off_the_loop, parse
from server.identity import signed_in
from server.waiting import MAX_WAITING, forget, served_store

THREAD: Final = re.compile(r"^/threads/(?P<thread_id>[^/]+)$")
THREADS: Final = "/threads"
PRUNE: Final = "/threads/prune"
THREAD_TTL: Final = (
    "A thread TTL is refused: the server would delete the thread with its pending request, and no "
    "record would say how the request ended. Delete a thread yourself (threads.delete): that is on record."
)

log = logging.getLogger(__name__)


def _spellings(thread_id: str) -> list[str]:
    """`thread_id` as written and, for a UUID, as langgraph-api stores it (aegra keeps ids as written)."""
    with contextlib.suppress(ValueError):
        return list(dict.fromkeys([thread_id, str(uuid.UUID(thread_id))]))
    return [thread_id]


async def _found(app: ASGIApp, scope: Scope, thread_ids: Iterable[str]) -> list[str]:
    """Those of `thread_ids` the caller can read now (their own), in-process, with their credentials."""
    async with as_caller(app, scope) as api:
        return [t for t in thread_ids if (await api.get(f"/threads/{quote(t, safe='')}")).status_code == 200]


async def ended(who: str, thread_ids: Iterable[str]) -> None:
    """`who`'s threads `thread_ids` are deleted: end their requests on record, and off the lists."""
    store = await served_store()
    for thread_id in thread_ids:
        found = await store.asearch(audit.namespace(who), filter={"thread_id": thread_id}, limit=MAX_WAITING)
        # Read again just before: a run stopped by the delete may have ended one meanwhile.
        still = await audit.aunended(store, audit.unended(item.value for item in found))
        endings = [audit.thread_deleted(record, who) for record in still]
        if endings:  # (in the batch that drops their entries: `agent.approval.waiting`)
            await audit.awrite(store, endings, unended=True)
        await forget(thread_id)  # (entries of requests the trail does not show: a step lost with a crash)


class ForgetDeletedThreads:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = route_path(scope) if scope["type"] == "http" else ""
        method, thread = scope.get("method"), THREAD.match(path)
        sets_ttl = (method == "POST" and path == THREADS) or (method == "PATCH" and thread is not None)
        prunes = method == "POST" and path == PRUNE
        deletes = method == "DELETE" and thread is not None
        if not (sets_ttl or prunes or deletes):
            await self.app(scope, receive, send)
            return
        send = one_line_errors(send)  # (the server's own errors on these routes span lines)
        try:
            payload: Any = {}
            # A body that cannot be read is refused before the caller is signed in, as elsewhere.
            if sets_ttl or prunes:
                body = await read_body(scope, receive)
                payload = await off_the_loop(parse, body) if body.strip() else {}
                receive = replay(body, receive)
            who = str(signed_in(dict(scope["headers"])).identity)
            deleted = _spellings(thread["thread_id"]) if deletes and thread else _read(payload, sets_ttl, prunes)
        except Auth.exceptions.HTTPException as refused:
            await send_json(send, refused.status_code, {"detail": refused.detail})
            return
        except Refused as refused:  # (a body too large, not strict JSON, too deep; a TTL)
            await send_json(send, refused.status, {"detail": refused.detail})
            return
        # The caller's threads among them (whoever else's, or none: nothing to end), to tell after
        # the server's success which of them it deleted (aegra's prune takes no ids).
        theirs = await _found(self.app, scope, deleted) if deleted else []
        if not theirs:
            await self.app(scope, receive, send)
            return

        async def sending(message: Message) -> None:
            if message["type"] == "http.response.start" and 200 <= int(message["status"]) < 300:
                try:
                    still = set(await _found(self.app, scope, theirs))
                    await ended(who, [thread_id for thread_id in theirs if thread_id not in still])
                except Exception:  # the threads are gone: the client must hear so
                    log.exception("could not end the requests of deleted threads %s", theirs)
            await send(message)

        await self.app(scope, receive, sending)


def _read(payload: Any, sets_ttl: bool, prunes: bool) -> list[str]:
    """The threads a prune deletes (each id as written, and as a UUID); raises `Refused` for a TTL."""
    if not isinstance(payload, dict):
        return []  # (the API under this answers it)
    if sets_ttl and payload.get("ttl") is not None:
        raise Refused(403, THREAD_TTL)
    ids = payload.get("thread_ids")
    if not prunes or not isinstance(ids, list):
        return []
    named = [_spellings(i)[-1] for i in ids if isinstance(i, str)]  # (as a UUID, where it is one)
    if twice := next((i for n, i in enumerate(named) if i in named[:n]), None):
        raise Refused(422, f"thread_ids names {shown(twice)} twice: name each thread once.")  # (a 500 in langgraph-api)
    if payload.get("strategy", "delete") != "delete":
        return []
    return list(dict.fromkeys(s for i in ids if isinstance(i, str) and i.strip() for s in _spellings(i)))
