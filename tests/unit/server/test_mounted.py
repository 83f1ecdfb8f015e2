"""The HTTP layer mounted under a prefix (`root_path`): its routes still match, as Starlette's do."""

from __future__ import annotations

import httpx
from starlette.types import Receive, Scope, Send

from server.api_guard import STATE_ON_CREATE, GuardRequests
from server.approvals import ApprovalRoutes
from server.asgi import route_path, send_json


async def _server(scope: Scope, receive: Receive, send: Send) -> None:
    """Stands for the LangGraph API under the layer: answers everything it is passed with 200."""
    await send_json(send, 200, {"passed": True})


def test_route_path_drops_the_mount_prefix() -> None:
    assert route_path({"path": "/agent/threads/", "root_path": "/agent"}) == "/threads"
    assert route_path({"path": "/threads", "root_path": ""}) == "/threads"
    assert route_path({"path": "/other/threads", "root_path": "/agent"}) == "/other/threads"
    assert route_path({"path": "/agentx/threads", "root_path": "/agent"}) == "/agentx/threads"  # (not under it)
    assert route_path({"path": "/agent/threads", "root_path": "/agent/"}) == "/threads"


async def test_the_guard_and_the_approvals_routes_answer_under_a_prefix() -> None:
    app = ApprovalRoutes(GuardRequests(_server))
    transport = httpx.ASGITransport(app=app, root_path="/agent")
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        forged = await client.post("/agent/threads", json={"supersteps": [{"updates": []}]})
        assert (forged.status_code, forged.json()) == (403, {"detail": STATE_ON_CREATE})
        unsigned = await client.get("/agent/approvals")
        assert unsigned.status_code == 401
        other = await client.get("/agent/info")
        assert other.json() == {"passed": True}
