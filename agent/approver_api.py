"""The approvals routes: approvers see and answer requests on other users' threads.

LangGraph's thread API shows a thread to its owner only (`agent/auth.py`). An
approver (a user with a role some tool's policy names, `agent.approvers`) needs to
see the requests they may answer on other users' threads, and to answer them,
and nothing more: not the conversation, not the files, no new input. These two
routes do exactly that, through the LangGraph API itself, in-process, on the
approver's behalf:

    GET  /approvals               the requests the caller may answer, any owner:
                                  [{"thread_id", "owner", "graph_id", "request"}]
    POST /approvals/{thread_id}   {"resume": <the contract's answer>} -> runs it, as the caller;
                                  {"thread_id", "status", "pending": [the requests still open to them]}

Errors are one line of JSON `detail`: 401 (no or a bad token), 403 (this user may
not answer this request: why), 404 (no such thread or request), 409 (nothing pending,
or several and none named).
"""

from __future__ import annotations

import json
import re
from typing import Any, Final

import httpx
from langgraph_sdk import Auth
from starlette.types import ASGIApp, Receive, Scope, Send

from agent import audit
from agent.approvers import User, who_may_answer
from agent.asgi import read_body, send_json
from agent.auth import (
    ON_BEHALF,
    ON_BEHALF_HEADER,
    ON_BEHALF_ROLES_HEADER,
    OWNER,
    SERVICE_HEADER,
    service_token,
    signed_in,
)
from agent.contract import GRAPH_ID, PendingRequest
from agent.pending import pending_requests

ROUTE: Final = "/approvals"
ANSWER = re.compile(rf"^{ROUTE}/(?P<thread_id>[0-9a-fA-F-]{{32,36}})$")
PAGE = 100


class ApprovalRoutes:
    """An ASGI middleware (it needs the whole server under it, to call the API in-process)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = str(scope.get("path", "")).rstrip("/")
        if scope["type"] != "http" or not (path == ROUTE or ANSWER.match(path)):
            await self.app(scope, receive, send)
            return
        try:
            user = signed_in(dict(scope["headers"]))
        except Auth.exceptions.HTTPException as refused:
            await send_json(send, refused.status_code, {"detail": refused.detail})
            return
        body: Any
        async with on_behalf(self.app, user) as api:
            if path == ROUTE and scope["method"] == "GET":
                status, body = 200, await _open_to(api, user)
            elif (match := ANSWER.match(path)) and scope["method"] == "POST":
                status, body = await _answer(api, user, match["thread_id"], await _body(receive))
            else:
                status, body = 405, {"detail": "GET /approvals, or POST /approvals/<thread id> with {resume}."}
        await send_json(send, status, body)


def on_behalf(app: ASGIApp, user: User) -> httpx.AsyncClient:
    """A client of the LangGraph API, in-process, acting for `user` with the approvals
    routes' permission (`agent.auth.ON_BEHALF`)."""
    headers = {
        SERVICE_HEADER: service_token(),
        ON_BEHALF_HEADER: str(user.identity),
        ON_BEHALF_ROLES_HEADER: " ".join(sorted(user.roles - {ON_BEHALF})),
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
    item = {"namespace": list(audit.namespace(owner)), "key": audit.key(record), "value": dict(record)}
    await api.put("/store/items", json=item)


async def _requests_on(api: httpx.AsyncClient, thread: dict[str, Any], user: User) -> list[dict[str, Any]]:
    response = await api.get(f"/threads/{thread['thread_id']}/state", params={"subgraphs": "true"})
    if response.status_code != 200:
        return []
    metadata = thread.get("metadata") or {}
    return [
        {
            "thread_id": thread["thread_id"],
            "owner": metadata.get("owner"),
            "graph_id": metadata.get("graph_id") or GRAPH_ID,
            "request": request,
        }
        for request in pending_requests(response.json())
        if who_may_answer(request).may_answer(user, request)
    ]


async def _open_to(api: httpx.AsyncClient, user: User) -> list[dict[str, Any]]:
    """Every pending request `user` may answer, most recently updated thread first."""
    found: list[dict[str, Any]] = []
    offset = 0
    while True:
        body = {"status": "interrupted", "limit": PAGE, "offset": offset, "sort_by": "updated_at", "sort_order": "desc"}
        page = (await api.post("/threads/search", json=body)).json()
        for thread in page if isinstance(page, list) else []:
            found.extend(await _requests_on(api, thread, user))
        if not isinstance(page, list) or len(page) < PAGE:
            return found
        offset += PAGE


async def _answer(api: httpx.AsyncClient, user: User, thread_id: str, payload: Any) -> tuple[int, dict[str, Any]]:
    resume = payload.get("resume") if isinstance(payload, dict) else None
    if not isinstance(resume, dict):
        return 422, {"detail": 'Send {"resume": {"request_id": ..., "decisions": [...]}}.'}
    thread = await api.get(f"/threads/{thread_id}")
    if thread.status_code != 200:
        return 404, {"detail": f"No thread {thread_id}."}
    state = (await api.get(f"/threads/{thread_id}/state", params={"subgraphs": "true"})).json()
    pending = pending_requests(state)
    named = resume.get("request_id")
    request: PendingRequest | None = next((r for r in pending if r["request_id"] == named), None)
    if request is None:  # naming only the requests this user may answer, if any
        yours = [r["request_id"] for r in pending if who_may_answer(r).may_answer(user, r)]
        return 409, {"detail": f"Request {named!r} is not pending on thread {thread_id} (yours: {yours or 'none'})."}
    if why := who_may_answer(request).refusal(user, request):
        await record_refusal(api, thread_id, request, user, why)
        return 403, {"detail": why}
    metadata = thread.json().get("metadata") or {}
    run = {
        "assistant_id": metadata.get("graph_id") or GRAPH_ID,
        "command": {"resume": resume},
        "metadata": {"owner": metadata.get("owner")},
    }
    response = await api.post(f"/threads/{thread_id}/runs/wait", json=run)
    if response.status_code >= 400:
        return response.status_code, {"detail": _detail(response)}
    still = await _requests_on(api, {"thread_id": thread_id, "metadata": metadata}, user)
    status = (await api.get(f"/threads/{thread_id}")).json().get("status")
    return 200, {"thread_id": thread_id, "status": status, "pending": still}


def _detail(response: httpx.Response) -> str:
    try:
        return str(response.json().get("detail") or response.text)
    except ValueError:
        return response.text


async def _body(receive: Receive) -> Any:
    try:
        return json.loads(await read_body(receive) or b"null")
    except ValueError:
        return None
