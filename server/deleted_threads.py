"""Takes a deleted thread's waiting requests out of the index (`agent.approval.waiting`).

A request ends in the graph, which writes its ending and drops its index entry; a
thread deleted while a request waits on it ends no request, so this ASGI middleware
(mounted in `server/app.py`, over every route) watches `DELETE /threads/{thread_id}`
and drops the thread's entries once the server has deleted it, before its success
reaches the client (so a list read next does not show them); a delete refused (another
user's thread, a run in progress) leaves them.
Threads the server deletes by itself (a thread TTL) are not seen here: an approver who
answers one of theirs gets 404, and the route drops the entry then (`server.approvals`).
"""

from __future__ import annotations

import contextlib
import re
import uuid
from typing import Final

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from server.asgi import route_path
from server.waiting import forget

THREAD: Final = re.compile(r"^/threads/(?P<thread_id>[^/]+)$")


class ForgetDeletedThreads:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        match = THREAD.match(route_path(scope)) if scope["type"] == "http" and scope["method"] == "DELETE" else None
        if match is None:
            await self.app(scope, receive, send)
            return

        async def sending(message: Message) -> None:
            # Before the client hears of the delete: a list it reads next must not show them.
            if message["type"] == "http.response.start" and 200 <= int(message["status"]) < 300:
                with contextlib.suppress(ValueError):  # (not a UUID: no thread of the server's was deleted)
                    await forget(str(uuid.UUID(match["thread_id"])))
            await send(message)

        await self.app(scope, receive, sending)
