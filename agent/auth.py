"""Who may use the server, and whose threads they see: LangGraph custom auth.

`langgraph.json` points at `auth` here. Every request needs `Authorization:
Bearer <token>`; no token or an unknown one gets 401. Tokens come from
`AUTH_USERS` (`name:token,...`) or are HS256 JWTs signed with `AUTH_JWT_SECRET`
(the user is the `sub` claim). With neither set, the one local user `demo`
(token `demo-token`) exists, so `make dev` works out of the box.

A thread belongs to the user who created it. Every thread action (read, search,
update, delete, runs: stream, wait, resume) is filtered by owner, so another user
gets 404, as if the thread did not exist. Anything not allowed here is denied.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any

import jwt
from langgraph_sdk import Auth

from agent.settings import Settings

OWNER = "owner"
"""Thread metadata key naming the user who created the thread."""

auth = Auth()


@functools.cache
def _settings() -> Settings:
    return Settings.from_env()


def bearer_token(headers: Mapping[Any, Any]) -> str | None:
    """The bearer token in `headers`, whose keys and values may be str or bytes."""
    for key, value in headers.items():
        name = key.decode() if isinstance(key, bytes) else str(key)
        if name.lower() == "authorization":
            text = value.decode() if isinstance(value, bytes) else str(value)
            scheme, _, token = text.strip().partition(" ")
            if scheme.lower() != "bearer" or not token.strip():
                return None
            return token.strip()
    return None


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
    token = bearer_token(headers)
    user = identify(token, _settings()) if token else None
    if user is None:
        detail = "Missing bearer token" if token is None else "Unknown or expired token"
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


@auth.on.threads
async def own_threads(ctx: Auth.types.AuthContext, value: Any) -> Auth.types.FilterType:
    """Threads (and the runs on them) are visible to their owner only."""
    if ctx.action == "create":
        metadata = value.setdefault("metadata", {}) if isinstance(value, dict) else {}
        metadata[OWNER] = ctx.user.identity
    return {OWNER: ctx.user.identity}


@auth.on.assistants.read
async def read_assistants(ctx: Auth.types.AuthContext, value: Any) -> bool:
    """The graph's assistant is shared: everyone may read it (and run it on their threads)."""
    return True


@auth.on.assistants.search
async def search_assistants(ctx: Auth.types.AuthContext, value: Any) -> bool:
    return True
