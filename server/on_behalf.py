"""The approvals routes' in-process client of the LangGraph API, acting for an approver.

`server.approvals` and `server.api_guard` answer a request on another user's thread through
the server's own API, so that every rule of `server.auth` and the graph still applies: the
client carries the service token and the approver's identity and roles (`server.identity`),
and the server grants it the approvals routes' permission (`ON_BEHALF`) and nothing more.
"""

from __future__ import annotations

import httpx
from starlette.types import ASGIApp

from agent.approval import audit
from agent.approval.approvers import ON_BEHALF, User
from agent.approval.contract import PendingRequest
from server.auth import OWNER
from server.identity import (
    ON_BEHALF_HEADER,
    ON_BEHALF_OWNER_HEADER,
    ON_BEHALF_ROLES_HEADER,
    SERVICE_HEADER,
    service_token,
)
from server.waiting import served_store


def on_behalf(app: ASGIApp, user: User, owner: str | None = None) -> httpx.AsyncClient:
    """A client of the LangGraph API, in-process, acting for `user` with the approvals
    routes' permission (`ON_BEHALF`); about a thread of `owner`'s, if given (the server
    then sees the owner, and the graph `user`: `server.identity.ON_BEHALF_OWNER_HEADER`)."""
    headers = {
        SERVICE_HEADER: service_token(),
        ON_BEHALF_HEADER: str(user.identity),
        ON_BEHALF_ROLES_HEADER: " ".join(sorted(user.roles - {ON_BEHALF})),
        **({ON_BEHALF_OWNER_HEADER: owner} if owner else {}),
    }
    # An answer runs the agent on to its next pause: as long as that takes, like runs/wait.
    timeout = httpx.Timeout(None)
    transport = httpx.ASGITransport(app=app)
    return httpx.AsyncClient(transport=transport, base_url="http://approvals", headers=headers, timeout=timeout)


async def record_refusal(api: httpx.AsyncClient, thread_id: str, request: PendingRequest, user: User, why: str) -> None:
    """Add an answer the API refused to the audit trail of the thread's owner (the graph never saw it)."""
    thread = await api.get(f"/threads/{thread_id}")
    if thread.status_code != 200:
        return
    owner = str((thread.json().get("metadata") or {}).get(OWNER) or user.identity)
    record = audit.refused_by_api(request, thread_id, owner, user.identity, why)
    # (in the server's own store, where the graph writes the trail: aegra's store API is per user)
    await audit.awrite(await served_store(), [record])
