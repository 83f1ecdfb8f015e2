"""Requests the auth handlers cannot judge, answered at the HTTP layer.

An ASGI middleware, added to the server through `langgraph.json`'s `http.app`
(`server/app.py`), so it wraps the LangGraph API routes too. It reads the body of
`POST /threads` and of `POST /threads/{thread_id}/runs` (`/stream`, `/wait`; the thread
id in any form the server takes: `server.run_request`), safely (`server.http_body`): a
body nested too deep, not strict JSON or not an object, or a field the guard reads
with the wrong type, gets a 4xx with one line, never a 500; one past 4 MiB gets 413
before it is read whole (`server.asgi.MAX_BODY`), and a large one is parsed off the
event loop. The server's own errors on these routes get a one-line `detail` too.

- A thread id that is no UUID (in a run's path), or a new thread's that is not written as
  langgraph-api writes it (`POST /threads` with `thread_id`, a run with `if_not_exists="create"`),
  gets 422 and one line: aegra would take it, keep it as written, and the guard, which reads
  thread ids as UUIDs, would not find the thread to check its runs (`server.run_request.thread_of`).
- Runs without a thread in the path (`POST /runs`, `/runs/stream`, `/runs/wait`,
  `/runs/batch`): a field of the wrong type gets 422 and one line (the server reads some
  before `server/auth.py` refuses the run), LangGraph's own keys 403.
- `POST /threads` with `supersteps` writes the new thread's state without passing
  the `threads.update` handler (`server/auth.py`) that refuses every other state
  write: refused with 403. (The graph would still run no forged approval: see
  `agent/approval/seal.py`.)
- A run that names a checkpoint (in any place the server takes one) other than the
  thread's latest, or a checkpoint namespace or map, is refused with 409 and one line
  before anything runs: from an earlier checkpoint LangGraph would run the thread's
  past again, a request answered there pending once more. One naming the latest goes
  on without it, from the latest when it starts (it may wait behind another run). A
  run whose config sets LangGraph's own keys (`__pregel_...`) is refused with 403.
- `Command(goto="__end__")` on a pending request (Agent Chat UI's "Mark as
  Resolved") becomes the contract's dismissal, `Command(resume={"dismiss": true})`:
  the request closes, no call runs, the history records who dismissed it.
- A run that answers (`command.resume`) is refused with 409 and one line saying why
  when the thread has nothing pending (instead of running nothing in silence, or,
  on a thread that never ran, failing inside the server with a `TypeError`), and when
  the request has expired: the guard closes it as expired, as the graph would, so the
  caller hears that its answer did not apply. An answer naming no request is given the
  id of the one pending now (`agent.approval.pending.pinned`): queued (`enqueue`) behind a new
  message, it cannot apply to the request that message makes. The thread's state is
  read through the same API, as the same user.
- An answer from a user who may not answer the request (`agent.approval.approvers`: roles,
  separation of duties) is refused with 403 and one line saying why; one for no pending
  request (a `request_id` or interrupt id that is not one) with 409, and one of the wrong
  shape for its request (a list, not one decision per call, a decision the tool does not
  allow) with 422 (`server.answer_checks`). Refusals of a request's answers are on its
  audit trail, as the graph's own are.
- With several requests pending (parallel subagents), an answer naming one by
  `request_id` is addressed to it (`agent.approval.pending.addressed`: LangGraph needs the
  interrupt id, or at breakpoints the run's config names the request); one naming
  none is refused with 409 and the ids.
"""

from __future__ import annotations

import json
from typing import Any

import httpx
from starlette.types import ASGIApp, Receive, Scope, Send

from agent.approval.contract import DISMISS, EXPIRE, PendingRequest
from agent.approval.pending import AmbiguousAnswer, addressed, pending_requests, pinned
from server import answer_checks, known_state, run_request
from server.applied import EXPIRED
from server.asgi import Refused, detail_of, one_line_errors, read_body, replay, route_path, send_json, with_length
from server.http_body import json_object, off_the_loop, parse
from server.identity import (
    ON_BEHALF_HEADER,
    ON_BEHALF_ROLES_HEADER,
    SERVICE_HEADER,
    signed_in,
)
from server.on_behalf import on_behalf, record_refusal
from server.steering import detour

STATE_ON_CREATE = (
    "Creating a thread with `supersteps` is refused: a thread's state changes only through the agent. "
    "Create the thread empty, then run the agent on it."
)
NOTHING_PENDING = (
    "Nothing is pending on thread {thread_id}: there is no request to answer (it may have been answered "
    "already). Read `values.pending_hitl` with threads.get_state before answering."
)
FORWARDED_HEADERS = (
    b"authorization",
    b"x-api-key",
    b"cookie",
    SERVICE_HEADER.encode(),
    ON_BEHALF_HEADER.encode(),
    ON_BEHALF_ROLES_HEADER.encode(),
)


class GuardRequests:
    """Refuses or rewrites the requests above; passes everything else through untouched."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = route_path(scope)
        thread_id = run_request.run_thread(path) if scope["type"] == "http" else None
        stateless = path in run_request.STATELESS
        guarded = path == "/threads" or thread_id is not None or stateless
        if scope["type"] != "http" or scope["method"] != "POST" or not guarded:
            await self.app(scope, receive, send)
            return
        try:
            body = await read_body(scope, receive)
            if stateless and body.strip():
                _stateless(await off_the_loop(parse, body))
            elif body.strip():  # (an empty one: the server's own validation answers it)
                payload = await off_the_loop(json_object, body)
                sent = await self._run(scope, thread_id, payload) if thread_id is not None else _new_thread(payload)
                if sent is not payload:
                    body = json.dumps(sent).encode()
                    scope = with_length(scope, len(body))
        except Refused as refused:  # (a bad body too)
            await send_json(send, refused.status, {"detail": refused.detail})
            return
        await self.app(scope, replay(body, receive), one_line_errors(send))

    async def _run(self, scope: Scope, named_thread: str, run: dict[str, Any]) -> dict[str, Any]:
        """The run to send on (`run` itself when unchanged); raises `Refused`."""
        _check_fields(run)
        try:
            thread_id = run_request.thread_of(named_thread, creates=run.get("if_not_exists") == "create")
        except ValueError as wrong:
            raise Refused(422, str(wrong)) from None
        named = run_request.named_checkpoints(run)
        command = run.get("command")
        if command is not None and answer_checks.is_dismissal(command):
            # Agent Chat UI's "Mark as Resolved": said in the contract's own words.
            command = {"resume": {DISMISS: True}}
            run = {**run, "command": command}
        answers = command is not None and "resume" in command
        if not named and not answers:
            return run
        state = await self._state(scope, thread_id, create=run.get("if_not_exists") == "create")
        if state is None:
            return run  # not found, not allowed, ...: the API itself answers the run with that
        if why := run_request.fork(named, (state.get("checkpoint") or {}).get("checkpoint_id"), thread_id):
            raise Refused(409, why)
        if named:  # the latest: the run goes on from whatever is the latest when it starts
            run = run_request.unpinned(run)
        return await self._answer(scope, thread_id, state, run, run["command"]["resume"]) if answers else run

    async def _answer(
        self, scope: Scope, thread_id: str, state: dict[str, Any], run: dict[str, Any], resume: Any
    ) -> dict[str, Any]:
        """The run, addressed to the request its answer is for; raises `Refused`."""
        if not state.get("next") or (answer_checks.gated(state) and not pending_requests(state)):
            # (a run may be carrying out the last answer: this one would answer what comes next)
            raise Refused(409, NOTHING_PENDING.format(thread_id=thread_id))
        sent, resume = resume, pinned(state, resume)
        try:
            delivery = addressed(state, resume)
        except AmbiguousAnswer as ambiguous:
            raise Refused(409, str(ambiguous)) from None
        if late := answer_checks.expired(state, resume):
            await self._close_expired(scope, thread_id, state, run.get("assistant_id"), late)
            raise Refused(409, EXPIRED.format(request_id=late["request_id"], expires_at=late["expires_at"]))
        refusal = answer_checks.not_theirs(dict(scope["headers"]), state, resume) or answer_checks.misfit(
            state, thread_id, resume
        )
        if refusal:
            if refusal.request is not None:  # (on record, as the graph's own refusals are)
                await self._record_refusal(scope, thread_id, refusal.request, refusal.why)
            raise Refused(refusal.status, refusal.why)
        if delivery.resume is sent and not delivery.configurable:
            return run
        # to the one request it names
        return {
            **run,
            "command": {**run["command"], "resume": delivery.resume},
            "config": delivery.config(run.get("config") or {}),
        }

    async def _close_expired(
        self, scope: Scope, thread_id: str, state: dict[str, Any], graph_id: Any, request: PendingRequest
    ) -> None:
        """Close `request` as expired, as the caller: what the graph does with any late answer
        (the contract), run here so that the caller hears that its own answer did not apply."""
        delivery = addressed(state, {EXPIRE: True, "request_id": request["request_id"]})
        close = {"assistant_id": graph_id, "command": {"resume": delivery.resume}, "config": delivery.config({})}
        async with as_caller(self.app, scope) as api:
            response = await api.post(f"/threads/{thread_id}/runs/wait", json=close)
        if response.status_code >= 400:
            raise Refused(response.status_code, detail_of(response))

    async def _record_refusal(self, scope: Scope, thread_id: str, request: PendingRequest, why: str) -> None:
        """Add the refused answer to `request`'s audit trail (the graph never sees it), as the caller."""
        user = signed_in(dict(scope["headers"]))
        async with on_behalf(self.app, user) as api:
            await record_refusal(api, thread_id, request, user, why)

    async def _state(self, scope: Scope, thread_id: str, create: bool) -> dict[str, Any] | None:
        """The thread's state with its subagents', read through the API as the caller.

        A thread that does not exist yet has no checkpoint: with `create`, its empty state. The
        approvals route's run comes with the state it has just read (`server.known_state`)."""
        if (state := known_state.taken(thread_id)) is not None:
            return state
        async with as_caller(self.app, scope) as api:
            response = await api.get(f"/threads/{thread_id}/state", params={"subgraphs": "true"})
        if response.status_code == 404 and create:
            return {"checkpoint": None, "next": []}
        if response.status_code != 200:
            return None
        state = response.json()
        return state if isinstance(state, dict) else None


def as_caller(app: ASGIApp, scope: Scope) -> httpx.AsyncClient:
    """The LangGraph API in-process, as the caller of `scope` (its credentials), for as long as a run takes."""
    headers = {k.decode(): v.decode() for k, v in scope["headers"] if k.lower() in FORWARDED_HEADERS}
    transport, timeout = httpx.ASGITransport(app=app), httpx.Timeout(None)
    return httpx.AsyncClient(transport=transport, base_url="http://guard", headers=headers, timeout=timeout)


def _stateless(payload: Any) -> None:
    """Runs without a thread (`/runs`, `/runs/batch`, ...): `server/auth.py` refuses them, or lets a
    run that keeps its new thread go on, but the server reads some fields first (a number as
    `checkpoint_id` was a 500). Raises `Refused` for those, and for LangGraph's own keys."""
    for run in payload if isinstance(payload, list) else [payload]:
        if isinstance(run, dict):  # (anything else the server answers with 422 itself)
            _check_fields(run)


def _check_fields(run: dict[str, Any]) -> None:
    """Any run: a field the server reads with the wrong type (422), LangGraph's own keys or a
    detour around the approval (403: `server/auth.py` refuses them too, later than the 409s here)."""
    if why := run_request.malformed(run):
        raise Refused(422, why)
    if why := run_request.internal(run) or detour(run, run.get("multitask_strategy")):
        raise Refused(403, why)


def _new_thread(payload: dict[str, Any]) -> dict[str, Any]:
    """`POST /threads`, unless it writes the new thread's state; raises `Refused`."""
    if payload.get("supersteps"):
        raise Refused(403, STATE_ON_CREATE)
    if why := run_request.new_thread_id(payload):
        raise Refused(422, why)
    return payload
