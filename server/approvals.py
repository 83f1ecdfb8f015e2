"""The approvals routes: approvers see and answer requests on other users' threads.

LangGraph's thread API shows a thread to its owner only (`server/auth.py`). An
approver (a user with a role some tool's policy names, `agent.approval.approvers`) needs to
see the requests they may answer on other users' threads, and to answer them,
and nothing more: not the conversation, not the files, no new input. These two
routes do exactly that, through the LangGraph API itself, in-process, on the
approver's behalf:

    GET  /approvals/answered      the caller's own answers there, newest first, each with its record
                                  (`server.answered`)
    GET  /approvals               the requests the caller may answer on other users' threads, newest
                                  first, a page at a time (`server.waiting`: `limit`, `cursor`; and
                                  `thread_id`, for one thread's only):
                                  [{"thread_id", "owner", "owner_known", "graph_id", "request"}]
    POST /approvals/{thread_id}   {"resume": <the contract's answer>} -> runs it, as the caller;
                                  {"thread_id", "status" (as its run left the thread), "pending": [the
                                  requests still open to them], "decided", "results"}

Errors are one line of JSON `detail`: 400 (a body that is not strict JSON, or nests too
deep: `server.http_body`), 401 (no or a bad token), 403 (this user may not answer this
request: why), 404 (no such thread), 409 (the request is not pending; or it was
closed instead of answered: it had expired; or another answer applied first), 422 (no
answer, or one of the wrong shape for the request, both refused before anything runs; or
the graph refused the answer, and the request still waits: `pending_hitl.error`). A 200
means this answer was applied: the route gives each answer an `answer_id` (unless it has
one) and finds it in the request's history entry.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping
from typing import Any, Final
from urllib.parse import parse_qsl

import httpx
from langgraph_sdk import Auth
from starlette.types import ASGIApp, Receive, Scope, Send

from agent.approval.approvers import User
from agent.approval.contract import GRAPH_ID, PendingRequest
from agent.approval.decisions import DecisionRefused, check_shape
from agent.approval.pending import pending_requests
from server import answered
from server.answered import results_of
from server.applied import applied_entry
from server.asgi import Refused, detail_of, flattened, read_body, route_path, send_json, shown
from server.auth import OWNER
from server.backfill import Backfill
from server.http_body import off_the_loop, parse
from server.identity import served_settings, signed_in
from server.known_state import known
from server.on_behalf import on_behalf, record_refusal
from server.waiting import NEXT_HEADER, entry_of, forget, next_cursor, owner_of, page, page_params, thread_param
from server.who_answers import who_may_answer

ROUTE: Final = "/approvals"
ANSWER = re.compile(rf"^{ROUTE}/(?P<thread_id>[^/]+)$")
ROUTES: Final = "GET /approvals, GET /approvals/answered, or POST /approvals/<thread id> with {resume}."
NO_ANSWER: Final = 'Send {"resume": {"request_id": ..., "decisions": [...]}}.'


class ApprovalRoutes:
    """An ASGI middleware (it needs the whole server under it, to call the API in-process)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.backfill = Backfill(app)  # (the requests that waited before the index: an upgrade)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            self.backfill.start()
        path = route_path(scope)
        if scope["type"] != "http" or not (path == ROUTE or ANSWER.match(path)):
            await self.app(scope, receive, send)
            return
        try:
            user = signed_in(dict(scope["headers"]))
        except Auth.exceptions.HTTPException as refused:
            await send_json(send, refused.status_code, {"detail": refused.detail})
            return
        body: Any
        headers: dict[str, str] = {}
        try:
            if path == answered.ROUTE and scope["method"] == "GET":
                status, body = 200, await answered.answered(self.app, user, answered.limit_of(_query(scope)))
            elif path == ROUTE and scope["method"] == "GET":
                status, (body, headers) = 200, await _open_to(user, _query(scope))
            elif (match := ANSWER.match(path)) and scope["method"] == "POST":
                raw = await read_body(scope, receive)
                payload = await off_the_loop(parse, raw) if raw.strip() else None
                status, body = 200, await _answer(self.app, user, match["thread_id"], payload)
            else:
                status, body = 405, {"detail": ROUTES}
        except Refused as refused:  # (a bad body too)
            status, body = refused.status, {"detail": refused.detail}
        await send_json(send, status, body, headers)


def _query(scope: Scope) -> dict[str, str]:
    return dict(parse_qsl(bytes(scope.get("query_string") or b"").decode("latin-1")))


def _open_in(state: dict[str, Any], thread: dict[str, Any], user: User) -> list[dict[str, Any]]:
    """The requests pending in `state` (a thread's) that `user` may answer, as the routes list them."""
    metadata = thread.get("metadata") or {}
    owner = metadata.get("owner")
    known = _is_user(owner)  # (once per thread: it reads the settings)
    return [
        {
            "thread_id": thread["thread_id"],
            "owner": owner,
            "owner_known": known,
            "graph_id": metadata.get("graph_id") or GRAPH_ID,
            "request": request,
        }
        for request in pending_requests(state)
        if who_may_answer(request).may_answer(user, request)
    ]


def _is_user(owner: Any) -> bool:
    """Whether `owner` is one of the server's users now: a thread carried over from a server with
    other `AUTH_USERS` is not. With JWTs (`AUTH_JWT_SECRET`) users are not listed: all are."""
    settings = served_settings()
    return settings.jwt_secret is not None or owner in settings.users_by_token.values()


async def _open_to(user: User, query: Mapping[str, str]) -> tuple[list[dict[str, Any]], dict[str, str]]:
    """A page of the pending requests `user` may answer on other users' threads, newest first
    (`server.waiting`), and its headers: where the next page starts, if there is one."""
    limit, after = page_params(query)
    listed, more = await page(user, limit, after, thread_param(query))
    known = {owner: _is_user(owner) for owner in {item["owner"] for item in listed}}  # (it reads the settings)
    found = [
        {**item, "owner_known": known[item["owner"]]}
        for item in listed
        if who_may_answer(item["request"]).may_answer(user, item["request"])
    ]
    return found, ({NEXT_HEADER: next_cursor(more)} if more else {})


async def _answer(app: ASGIApp, user: User, thread: str, payload: Any) -> dict[str, Any]:
    """Run the answer `payload` carries, as `user`: what waits for them after it; raises `Refused`."""
    resume = payload.get("resume") if isinstance(payload, dict) else None
    if not isinstance(resume, dict):
        raise Refused(422, NO_ANSWER)
    try:
        thread_id = str(uuid.UUID(thread))  # as the server stores it (it takes other spellings)
    except ValueError:
        raise Refused(404, f"No thread {shown(thread)}: a thread id is a UUID.") from None
    # Its own id, so that the history tells whether this answer applied or another one first.
    resume = {**resume, "answer_id": resume.get("answer_id") or uuid.uuid4().hex}
    # The index's entry names the thread's owner and graph (one read); a request it does not list
    # (only its owner may answer it, or it waited before the index) costs a search and the thread's read.
    entry = await entry_of(thread_id, resume.get("request_id"))
    owner = str(entry["owner"]) if entry else await owner_of(thread_id)
    async with on_behalf(app, user, owner) as api:
        metadata = {OWNER: owner, "graph_id": entry["graph_id"]} if entry else await _metadata(api, thread_id)
        return await _answered(api, user, thread_id, resume, metadata)


async def _answered(
    api: httpx.AsyncClient, user: User, thread_id: str, resume: dict[str, Any], metadata: Mapping[str, Any]
) -> dict[str, Any]:
    state, request = await _asked(api, user, thread_id, resume)
    try:  # the graph's own check, short of the tools' argument schemas, which only the graph has
        check_shape(resume, request)
    except DecisionRefused as refused:
        why = flattened(str(refused))
        await record_refusal(api, thread_id, request, user, why)  # (on record, as the graph's refusals are)
        raise Refused(422, why) from None
    run = {
        "assistant_id": metadata.get("graph_id") or GRAPH_ID,
        "command": {"resume": resume},
        "metadata": {OWNER: metadata.get(OWNER)},
    }
    with known(thread_id, state):  # (the API guard checks the answer on it too: no second read)
        response = await api.post(f"/threads/{thread_id}/runs/wait", json=run)
    if response.status_code >= 400:
        raise Refused(response.status_code, detail_of(response))
    after = (await api.get(f"/threads/{thread_id}/state", params={"subgraphs": "true"})).json()
    decided = applied_entry(after, request, resume)
    still = _open_in(after, {"thread_id": thread_id, "metadata": metadata}, user)
    # The approver's record of their answer: the history entry, and what each call it let run returned.
    results = results_of(after, decided)
    status = _status(response.json(), after)
    return {"thread_id": thread_id, "status": status, "pending": still, "decided": decided, "results": results}


def _status(output: Any, state: Mapping[str, Any]) -> str:
    """The thread's status as its run left it, by the servers' own rule: `error` if the run failed
    (`runs/wait` then gives `__error__`), `interrupted` if the graph has a next step, else `idle`."""
    if isinstance(output, dict) and "__error__" in output:
        return "error"
    return "interrupted" if state.get("next") else "idle"


async def _metadata(api: httpx.AsyncClient, thread_id: str) -> Mapping[str, Any]:
    """The thread's metadata; raises `Refused` (404) for a thread there is not."""
    found = await api.get(f"/threads/{thread_id}")
    if found.status_code != 200:
        raise await _gone(thread_id)
    return found.json().get("metadata") or {}


async def _gone(thread_id: str) -> Refused:
    """The 404 for a thread there is not, its index entries dropped (none of its requests waits any more)."""
    await forget(thread_id)
    return Refused(404, f"No thread {thread_id}.")


async def _asked(
    api: httpx.AsyncClient, user: User, thread_id: str, resume: dict[str, Any]
) -> tuple[dict[str, Any], PendingRequest]:
    """The thread's state, and the pending request `resume` names in it if `user` may answer it;
    raises `Refused`."""
    got = await api.get(f"/threads/{thread_id}/state", params={"subgraphs": "true"})
    if got.status_code == 404:
        raise await _gone(thread_id)
    if got.status_code != 200:
        raise Refused(got.status_code, detail_of(got))
    state = got.json()
    pending = pending_requests(state)
    named = resume.get("request_id")
    request: PendingRequest | None = next((r for r in pending if r["request_id"] == named), None)
    if request is None:  # naming only the requests this user may answer, if any
        if isinstance(named, str) and (await api.get(f"/threads/{thread_id}")).json().get("status") != "busy":
            await forget(thread_id, named)  # a step the index saw and the thread lost (a crash; busy: saving it now)
        yours = [r["request_id"] for r in pending if who_may_answer(r).may_answer(user, r)]
        raise Refused(409, f"Request {shown(named)} is not pending on thread {thread_id} (yours: {yours or 'none'}).")
    if why := who_may_answer(request).refusal(user, request):
        await record_refusal(api, thread_id, request, user, why)
        raise Refused(403, why)
    return state, request
