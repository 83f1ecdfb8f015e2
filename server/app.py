"""The server's HTTP app: the API guard and the approvals routes over the whole server, and the inbox page.

`langgraph.json` mounts `app` (`"http": {"app": ...}`), so `make dev` serves the
page at http://127.0.0.1:2024/inbox next to the API it calls, and every API route
passes the guard (`server.api_guard`) and the approvals routes (`server.approvals`). The page is plain
HTML, CSS and JavaScript with no build step and nothing fetched from elsewhere;
it keeps no state but the signed-in token, and asks the API for everything else.
The files themselves are public; every API call they make needs the token.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import FileResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from langgraph_sdk import Auth
from starlette.types import Scope

from server.api_guard import GuardRequests
from server.approvals import ApprovalRoutes
from server.deleted_threads import ForgetDeletedThreads
from server.identity import signed_in_user

STATIC = Path(__file__).with_name("static")
CONTRACT = Path(__file__).resolve().parents[1] / "docs" / "contract.md"
NO_CACHE = {"Cache-Control": "no-cache"}
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)
"""The page runs its own files only: no inline script or style, nothing from elsewhere, in no
frame. The token lives in its localStorage, so a script slipped into the page must not run."""
SECURITY = {"Content-Security-Policy": CSP, "X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer"}
PAGE_HEADERS = {**NO_CACHE, **SECURITY}


class PageFiles(StaticFiles):
    """The page's files, each with its security headers: inbox.html is one of them, and must not
    load from /inbox/static/inbox.html without its CSP."""

    async def get_response(self, path: str, scope: Scope) -> Response:
        response = await super().get_response(path, scope)
        response.headers.update(SECURITY)
        return response


async def inbox_page(request: Request) -> Response:
    return FileResponse(STATIC / "inbox.html", headers=PAGE_HEADERS)


async def contract(request: Request) -> Response:
    """The approval contract the page follows (the repo's `docs/contract.md`)."""
    if not CONTRACT.is_file():
        return JSONResponse({"detail": "docs/contract.md is not deployed with this server"}, status_code=404)
    return FileResponse(CONTRACT, media_type="text/markdown; charset=utf-8", headers=NO_CACHE)


async def to_inbox(request: Request) -> Response:
    return RedirectResponse("/inbox")


async def me(request: Request) -> Response:
    """Who the bearer token belongs to (the page shows it); 401 when nobody, as for the API."""
    try:
        return JSONResponse({"user": signed_in_user(request.headers)})
    except Auth.exceptions.HTTPException as refused:
        return JSONResponse({"detail": refused.detail}, status_code=refused.status_code)


# A FastAPI app (not just Starlette): langgraph-api takes either, aegra only FastAPI.
# No docs pages of its own: the server's /docs stays the API's.
app = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)
# Middleware of this app wraps the whole server, the LangGraph API included.
app.add_middleware(GuardRequests)
app.add_middleware(ApprovalRoutes)  # approvers' view of other users' requests (server/approvals.py)
app.add_middleware(ForgetDeletedThreads)  # a deleted thread's requests off the approvers' lists
app.add_api_route("/inbox", inbox_page, methods=["GET"], include_in_schema=False)
app.add_api_route("/inbox/", to_inbox, methods=["GET"], include_in_schema=False)
app.add_api_route("/inbox/api/me", me, methods=["GET"], include_in_schema=False)
app.add_api_route("/inbox/contract.md", contract, methods=["GET"], include_in_schema=False)
app.mount("/inbox/static", PageFiles(directory=STATIC), name="static")
