"""Ends the requests waiting on a thread the server deletes: on record, and off approvers' lists.

A request ends in the graph, which writes its ending (`agent.approval.audit`) and drops its
entry in the index of waiting requests (`agent.approval.waiting`). A thread deleted while a
request waits on it ends the request without the graph, so this ASGI middleware (mounted in
`server/app.py`, over every route) watches the routes that delete threads:

- `DELETE /threads/{thread_id}`;
- `POST /threads/prune` with `strategy` `"delete"` (the default), for each of its `thread_ids`;

and once the server has deleted the caller's thread, before its success reaches the client (so
a list read next does not show it), writes a `cancelled` ending for each request of the thread
that has none (`audit.thread_deleted`: who deleted it, and that it was deleted), which drops
its entry, then drops any entry of the thread left. A delete refused (another user's thread, a
run in progress) changes nothing.

A thread the server deletes by itself would end its requests with no record, so a thread TTL
is refused: `POST /threads` or `PATCH /threads/{thread_id}` with a `ttl` gets 403 and one line.
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

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from agent.approval import audit
from server.asgi import Refused, read_body, replay, route_path, send_json
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


def _thread_ids(values: Iterable[Any]) -> list[str]:
    """The UUIDs among `values`, as the server stores them (it takes other spellings)."""
    found = []
    for value in values:
        with contextlib.suppress(ValueError, TypeError, AttributeError):  # (not one: the server refuses it)
            found.append(str(uuid.UUID(value)))
    return found


async def ended(headers: dict[bytes, bytes], thread_ids: Iterable[str]) -> None:
    """The caller's threads `thread_ids` are deleted: end their requests on record, and off the lists."""
    who = str(signed_in(headers).identity)
    store = await served_store()
    for thread_id in thread_ids:
        found = await store.asearch(audit.namespace(who), filter={"thread_id": thread_id}, limit=MAX_WAITING)
        endings = [audit.thread_deleted(record, who) for record in audit.unended(item.value for item in found)]
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
        deleted = _thread_ids([thread["thread_id"]]) if thread and method == "DELETE" else []
        if sets_ttl or prunes:
            try:
                body = await read_body(scope, receive)
            except Refused as refused:  # (one too large)
                await send_json(send, refused.status, {"detail": refused.detail})
                return
            payload = await _parsed(body)
            if sets_ttl and payload.get("ttl") is not None:
                await send_json(send, 403, {"detail": THREAD_TTL})
                return
            if prunes and payload.get("strategy", "delete") == "delete" and isinstance(payload.get("thread_ids"), list):
                deleted = _thread_ids(payload["thread_ids"])
            receive = replay(body, receive)
        if not deleted:
            await self.app(scope, receive, send)
            return

        async def sending(message: Message) -> None:
            # Before the client hears of the delete: a list it reads next must not show them.
            if message["type"] == "http.response.start" and 200 <= int(message["status"]) < 300:
                try:
                    await ended(dict(scope["headers"]), deleted)
                except Exception:  # the threads are gone: the client must hear so
                    log.exception("could not end the requests of deleted threads %s", deleted)
            await send(message)

        await self.app(scope, receive, sending)


async def _parsed(body: bytes) -> dict[str, Any]:
    """The body's JSON object; `{}` for anything else (the API under this answers that itself)."""
    try:
        payload = await off_the_loop(parse, body) if body.strip() else None
    except Refused:
        return {}
    return payload if isinstance(payload, dict) else {}
