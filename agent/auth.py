"""Who may use the server, and whose threads they see: LangGraph custom auth.

`langgraph.json` points at `auth` here. Every request needs `Authorization:
Bearer <token>` or `X-Api-Key: <token>`; no token or an unknown one gets 401. Tokens come from
`AUTH_USERS` (`name:token,...`) or are HS256 JWTs signed with `AUTH_JWT_SECRET`
(the user is the `sub` claim). With neither set, the one local user `demo`
(token `demo-token`) exists, so `make dev` works out of the box.

A thread belongs to the user who created it; the server sets the owner, and no
client chooses or changes it. Every thread action (read, search, update, delete,
runs: stream, wait, resume) is filtered by owner, so another user gets 404, as if
the thread did not exist. Only an answer through the contract changes a pending
request: writing a thread's state (`update_state`, `supersteps`), `Command(update=...)`,
`Command(goto=...)`, copies and runs without a thread are refused with 403 and one
line saying why. The store holds the audit trail (`agent/audit.py`): a user may read
their own records; nobody may write or delete any. Anything not allowed here is denied.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any, NoReturn

import jwt
from langgraph_sdk import Auth

from agent.audit import AUDIT, namespace
from agent.settings import Settings

OWNER = "owner"
"""Thread metadata key naming the user who created the thread."""

auth = Auth()


@functools.cache
def _settings() -> Settings:
    return Settings.from_env()


def request_token(headers: Mapping[Any, Any]) -> str | None:
    """The token `headers` carry: `Authorization: Bearer <token>`, or `X-Api-Key: <token>`
    (what the LangGraph SDKs' `api_key`, Agent Chat UI and agent-inbox send).

    Keys and values may be str (aegra) or bytes (LangGraph's server).
    """
    found = {
        (key.decode() if isinstance(key, bytes) else str(key)).lower(): (
            value.decode() if isinstance(value, bytes) else str(value)
        ).strip()
        for key, value in headers.items()
    }
    if authorization := found.get("authorization"):
        scheme, _, token = authorization.partition(" ")
        return token.strip() or None if scheme.lower() == "bearer" else None
    return found.get("x-api-key") or None


def identify(token: str, settings: Settings) -> str | None:
    """The user a token belongs to, or `None`."""
    if user := settings.users_by_token.get(token):
        return user
    if settings.jwt_secret is None:
        return None
    try:
        claims = jwt.decode(token, settings.jwt_secret, algorithms=["HS256"], options={"require": ["sub", "exp"]})
    except jwt.PyJWTError:
        return None
    return str(claims["sub"])


def signed_in_user(headers: Mapping[Any, Any]) -> str:
    """The user whose bearer token `headers` carry.

    Raises:
        Auth.exceptions.HTTPException: 401, no token or an unknown one.
    """
    token = request_token(headers)
    user = identify(token, _settings()) if token else None
    if user is None:
        detail = (
            "Missing token: send Authorization: Bearer <token> or X-Api-Key: <token>"
            if token is None
            else "Unknown or expired token"
        )
        raise Auth.exceptions.HTTPException(status_code=401, detail=detail)
    return user


# `headers` is the parameter both LangGraph's server (by name, bytes keys) and
# aegra (positionally, str keys) can give.
@auth.authenticate
async def authenticate(headers: Mapping[Any, Any]) -> Auth.types.MinimalUserDict:
    return {"identity": signed_in_user(headers)}


@auth.on
async def deny_by_default(ctx: Auth.types.AuthContext, value: Any) -> bool:
    """Whatever is not allowed below is refused."""
    return False


def _refuse(detail: str, status: int = 403) -> NoReturn:
    raise Auth.exceptions.HTTPException(status_code=status, detail=detail)


def _owned_by(ctx: Auth.types.AuthContext, metadata: Any) -> Auth.types.FilterType:
    """Set the owner to the signed-in user, refusing any other a client names; filter by owner."""
    user = ctx.user.identity
    if isinstance(metadata, dict):
        if metadata.get(OWNER, user) != user:
            _refuse(f"A thread's owner is the user who creates it; leave `metadata.{OWNER}` out.")
        metadata[OWNER] = user
    return {OWNER: user}


@auth.on.threads
async def own_threads(ctx: Auth.types.AuthContext, value: Any) -> Auth.types.FilterType:
    """Threads (and the runs on them) are visible to their owner only: read, search, delete."""
    return {OWNER: ctx.user.identity}


@auth.on.threads.create
async def create_thread(ctx: Auth.types.AuthContext, value: Auth.types.ThreadsCreate) -> Auth.types.FilterType:
    if "metadata" not in value:  # how the server asks when it copies a thread
        _refuse(
            "Copying a thread is refused: the copy would carry the original's pending request, "
            "so an approved call could run twice. Start a new thread instead."
        )
    return _owned_by(ctx, value["metadata"])


@auth.on.threads.update
async def update_thread(ctx: Auth.types.AuthContext, value: Auth.types.ThreadsUpdate) -> Auth.types.FilterType:
    """Metadata edits and run cancellation, by the owner; never the owner itself, never the state."""
    if value.get("action") is not None:  # cancelling a run
        return {OWNER: ctx.user.identity}
    if "metadata" not in value:  # update_state, or a thread created with supersteps
        _refuse(
            "Writing a thread's state directly is refused: pending requests, decisions and tool calls "
            "change only through the agent. Answer a pending request with Command(resume=...)."
        )
    if OWNER in (value["metadata"] or {}):
        _refuse(f"A thread's owner cannot be changed; leave `metadata.{OWNER}` out.")
    return {OWNER: ctx.user.identity}


@auth.on.threads.create_run
async def create_run(ctx: Auth.types.AuthContext, value: Auth.types.RunsCreate) -> Auth.types.FilterType:
    """Runs on one's own threads, with new input or an answer; nothing that routes around the approval."""
    if value.get("thread_id") is None:
        _refuse("Runs need a thread: create one with threads.create, then run the agent on it.")
    kwargs = value.get("kwargs") or {}
    command = kwargs.get("command") or {}
    if command.get("update") is not None:
        _refuse("Command(update=...) is refused: state changes only through the agent.")
    if command.get("goto"):  # goto "__end__" arrives here as a dismissal (agent/api_guard.py)
        _refuse("Command(goto=...) is refused: the agent routes itself; answer with Command(resume=...).")
    config_metadata = (kwargs.get("config") or {}).get("metadata") or {}
    if config_metadata.get(OWNER, ctx.user.identity) != ctx.user.identity:
        _refuse(f"A thread's owner is the user who creates it; leave `metadata.{OWNER}` out.")
    return _owned_by(ctx, value.get("metadata"))


@auth.on.assistants.read
async def read_assistants(ctx: Auth.types.AuthContext, value: Any) -> bool:
    """The graph's assistant is shared: everyone may read it (and run it on their threads)."""
    return True


@auth.on.assistants.search
async def search_assistants(ctx: Auth.types.AuthContext, value: Any) -> bool:
    return True


def _own_trail(ctx: Auth.types.AuthContext, value: Any) -> None:
    """Reads of the audit trail go to the signed-in user's own records, whatever namespace is asked."""
    asked = tuple(value.get("namespace") or ())
    if asked[:1] != (AUDIT,):
        _refuse(f"The store holds the audit trail only: read it under the namespace ({AUDIT!r},).")
    value["namespace"] = namespace(ctx.user.identity)


@auth.on.store.search
async def search_trail(ctx: Auth.types.AuthContext, value: Any) -> None:
    _own_trail(ctx, value)


@auth.on.store.get
async def get_trail_record(ctx: Auth.types.AuthContext, value: Any) -> None:
    _own_trail(ctx, value)
