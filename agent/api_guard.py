"""Requests the auth handlers cannot judge, answered at the HTTP layer.

An ASGI middleware, added to the server through `langgraph.json`'s `http.app`
(`client/web/app.py`), so it wraps the LangGraph API routes too:

- `POST /threads` with `supersteps` writes the new thread's state without passing
  the `threads.update` handler (`agent/auth.py`) that refuses every other state
  write: refused with 403. (The graph would still run no forged approval: see
  `agent/seal.py`.)
- `Command(goto="__end__")` on a pending request (Agent Chat UI's "Mark as
  Resolved") becomes the contract's dismissal, `Command(resume={"dismiss": true})`:
  the request closes, no call runs, the history records who dismissed it.
- A run that answers (`command.resume`) is refused with 409 and one line saying why
  when the thread has nothing pending (instead of running nothing in silence, or,
  on a thread that never ran, failing inside the server with a `TypeError`), and
  when it names a checkpoint other than the thread's latest (a fork: LangGraph
  would replay the answer given there before, not this one). The thread's state is
  read through the same API, as the same user.
- An answer from a user who may not answer the request (`agent.approvers`: roles,
  separation of duties) is refused with 403 and one line saying why.
- With several requests pending (parallel subagents), an answer naming one by
  `request_id` is addressed to it (`agent.pending.addressed`: LangGraph needs the
  interrupt id, or at breakpoints the run's config names the request); one naming
  none is refused with 409 and the ids.
"""

from __future__ import annotations

import json
import re
from typing import Any

import httpx
from langgraph.constants import END
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from agent.approver_api import on_behalf, record_refusal
from agent.approvers import User, who_may_answer
from agent.asgi import read_body, send_json
from agent.auth import (
    ON_BEHALF_HEADER,
    ON_BEHALF_ROLES_HEADER,
    SERVICE_HEADER,
    signed_in,
)
from agent.contract import DISMISS, EXPIRE
from agent.pending import AmbiguousAnswer, addressed, targets

STATE_ON_CREATE = (
    "Creating a thread with `supersteps` is refused: a thread's state changes only through the agent. "
    "Create the thread empty, then run the agent on it."
)
EARLIER_CHECKPOINT = (
    "This answer is addressed to checkpoint {named} of thread {thread_id}, not to its latest one "
    "({latest}): answers go to the request pending now. Leave `checkpoint` out, or read it again."
)
NOTHING_PENDING = (
    "Nothing is pending on thread {thread_id}: there is no request to answer (it may have been answered "
    "already). Read `values.pending_hitl` with threads.get_state before answering."
)
RUNS = re.compile(r"^/threads/(?P<thread_id>[0-9a-fA-F-]{32,36})/runs(?:/stream|/wait)?/?$")
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
        path = str(scope.get("path", "")).rstrip("/")
        runs = RUNS.match(path)
        if scope["type"] != "http" or scope["method"] != "POST" or (path != "/threads" and not runs):
            await self.app(scope, receive, send)
            return
        body = await read_body(receive)
        payload = _json(body)
        if path == "/threads" and payload.get("supersteps"):
            await _refuse(send, 403, STATE_ON_CREATE)
            return
        command = payload.get("command")
        if runs and isinstance(command, dict) and _is_dismissal(command):
            # Agent Chat UI's "Mark as Resolved": said in the contract's own words.
            payload["command"] = {"resume": {DISMISS: True}}
            body = json.dumps(payload).encode()
            scope = _with_length(scope, len(body))
            command = payload["command"]
        if runs and isinstance(command, dict) and "resume" in command:
            state = await self._state(scope, runs["thread_id"])
            if state is not None:
                if refusal := _refusal(state, runs["thread_id"], payload):
                    await _refuse(send, 409, refusal)
                    return
                if forbidden := _not_theirs(scope, state, command["resume"]):
                    await self._record_refusal(scope, runs["thread_id"], state, command["resume"], forbidden)
                    await _refuse(send, 403, forbidden)
                    return
                delivery = addressed(state, command["resume"])
                if delivery.resume is not command["resume"] or delivery.configurable:
                    # to the one request it names
                    payload["command"] = {**command, "resume": delivery.resume}
                    payload["config"] = delivery.config(payload.get("config") or {})
                    body = json.dumps(payload).encode()
                    scope = _with_length(scope, len(body))
        await self.app(scope, _replay(body, receive), send)

    async def _record_refusal(self, scope: Scope, thread_id: str, state: dict[str, Any], resume: Any, why: str) -> None:
        """Add the refused answer to the audit trail (the graph never sees it), as the caller."""
        found = targets(state, resume)
        if found:
            user = signed_in(dict(scope["headers"]))
            async with on_behalf(self.app, user) as api:
                await record_refusal(api, thread_id, found[0], user, why)

    async def _state(self, scope: Scope, thread_id: str) -> dict[str, Any] | None:
        """The thread's state with its subagents', read through the API as the caller."""
        headers = {k.decode(): v.decode() for k, v in scope["headers"] if k.lower() in FORWARDED_HEADERS}
        transport = httpx.ASGITransport(app=self.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://guard") as api:
            response = await api.get(f"/threads/{thread_id}/state", params={"subgraphs": "true"}, headers=headers)
        if response.status_code != 200:
            return None  # not found, not allowed, ...: the API itself answers the run with that
        state = response.json()
        return state if isinstance(state, dict) else None


def _refusal(state: dict[str, Any], thread_id: str, payload: dict[str, Any]) -> str | None:
    """Why this answer cannot be taken; `None` if it can."""
    latest = (state.get("checkpoint") or {}).get("checkpoint_id")
    named = _named_checkpoint(payload)
    if named and latest and named != latest:
        return EARLIER_CHECKPOINT.format(named=named, thread_id=thread_id, latest=latest)
    if not state.get("next"):
        return NOTHING_PENDING.format(thread_id=thread_id)
    try:
        addressed(state, payload["command"]["resume"])
    except AmbiguousAnswer as ambiguous:
        return str(ambiguous)
    return None


def _not_theirs(scope: Scope, state: dict[str, Any], resume: Any) -> str | None:
    """Why the caller may not answer the request `resume` is for (roles, separation of duties)."""
    if isinstance(resume, dict) and resume.get(EXPIRE) is True:
        return None  # closing an expired request: whoever may resume the thread
    try:
        user = signed_in(dict(scope["headers"]))
    except Exception:  # no or a bad token: the API answers 401 itself
        return None
    # Nothing definite to judge (no such request): the graph refuses a bad answer itself.
    for request in targets(state, resume):
        if why := who_may_answer(request).refusal(User(user.identity, user.roles), request):
            return why
    return None


def _is_dismissal(command: dict[str, Any]) -> bool:
    """`Command(goto="__end__")` and nothing else."""
    goto = command.get("goto")
    only_end = goto in (END, [END])
    return only_end and command.get("resume") is None and command.get("update") is None


def _with_length(scope: Scope, length: int) -> Scope:
    headers = [(k, v) for k, v in scope["headers"] if k.lower() != b"content-length"]
    return {**scope, "headers": [*headers, (b"content-length", str(length).encode())]}


def _named_checkpoint(payload: dict[str, Any]) -> str | None:
    """The checkpoint a run names, in any of the places the API takes it."""
    configurable = (payload.get("config") or {}).get("configurable") or {}
    checkpoint = payload.get("checkpoint") or {}
    named = payload.get("checkpoint_id") or checkpoint.get("checkpoint_id") or configurable.get("checkpoint_id")
    return str(named) if named else None


def _json(body: bytes) -> dict[str, Any]:
    try:
        payload = json.loads(body or b"{}")
    except ValueError:
        return {}  # not JSON: the server's own validation answers it
    return payload if isinstance(payload, dict) else {}


def _replay(body: bytes, receive: Receive) -> Receive:
    """A `receive` that gives the body already read, then defers to the real one (for disconnects)."""
    given = False

    async def replayed() -> Message:
        nonlocal given
        if given:
            return await receive()
        given = True
        return {"type": "http.request", "body": body, "more_body": False}

    return replayed


async def _refuse(send: Send, status: int, detail: str) -> None:
    await send_json(send, status, {"detail": detail})
