"""Who a request is: the user its token names, with their roles (`AUTH_USERS`, or an HS256
JWT signed with `AUTH_JWT_SECRET`), or the approver the approvals routes speak for.

Used by the auth handlers (`server/auth.py`), the HTTP guard and the approvals routes;
without tokens configured, the one local user `demo` (token `demo-token`).
"""

from __future__ import annotations

import functools
import hashlib
import os
import secrets
from collections.abc import Mapping
from typing import Any, Final

import jwt
from langgraph_sdk import Auth

from agent.approval.approvers import ON_BEHALF, User
from agent.settings import Settings


@functools.cache
def served_settings() -> Settings:
    return Settings.from_env(need_key=False)  # (the model's key is the graph's to say it lacks)


def request_token(headers: Mapping[Any, Any]) -> str | None:
    """The token `headers` carry: `Authorization: Bearer <token>`, or `X-Api-Key: <token>`
    (what the LangGraph SDKs' `api_key`, Agent Chat UI and deep-agents-ui send).

    Keys and values may be str (aegra) or bytes (LangGraph's server).
    """
    found = _headers(headers)
    if authorization := found.get("authorization"):
        scheme, _, token = authorization.partition(" ")
        return token.strip() or None if scheme.lower() == "bearer" else None
    return found.get("x-api-key") or None


# ON_BEHALF (`agent.approval.approvers`): the permission of the approvals routes' own requests
# (`server/approvals.py`), made for a signed-in approver: they may read a thread's state and
# answer its pending request, nothing else.
SERVICE_HEADER: Final = "x-approvals-service"
ON_BEHALF_HEADER: Final = "x-on-behalf-of"
ON_BEHALF_ROLES_HEADER: Final = "x-on-behalf-roles"
ON_BEHALF_OWNER_HEADER: Final = "x-on-behalf-owner"
"""The owner of the thread an on-behalf request is for: the server sees that user (aegra shows a
thread to its owner only), and the graph the approver (`ANSWERED_BY`)."""
SERVICE_NONCE_VARIABLE: Final = "HITL_APPROVALS_SERVICE_NONCE"


@functools.cache
def service_token() -> str:
    """Made at start, never leaves the process: only the approvals routes, in-process, send it.

    The server may load this module twice (once from `langgraph.json`'s path, once by
    import), so the nonce lives in the process's environment, which both share. (It needs
    no key: it is random, and reading a key's file here would block the event loop.)
    """
    nonce = os.environ.setdefault(SERVICE_NONCE_VARIABLE, secrets.token_hex(32))
    return hashlib.sha256(f"approvals-service:{nonce}".encode()).hexdigest()


def identify(token: str, settings: Settings) -> User | None:
    """The user a token belongs to, with their roles, or `None`."""
    if name := settings.users_by_token.get(token):
        return User(name, settings.roles_by_user.get(name, frozenset()))
    if settings.jwt_secret is None:
        return None
    try:
        claims = jwt.decode(token, settings.jwt_secret, algorithms=["HS256"], options={"require": ["sub", "exp"]})
    except jwt.PyJWTError:
        return None
    roles = claims.get("roles")
    return User(str(claims["sub"]), frozenset(map(str, roles)) if isinstance(roles, list) else frozenset())


def _headers(headers: Mapping[Any, Any]) -> dict[str, str]:
    return {
        (key.decode() if isinstance(key, bytes) else str(key)).lower(): (
            value.decode() if isinstance(value, bytes) else str(value)
        ).strip()
        for key, value in headers.items()
    }


def signed_in(headers: Mapping[Any, Any]) -> User:
    """The user `headers` authenticate, with their roles.

    Raises:
        Auth.exceptions.HTTPException: 401, no token or an unknown one.
    """
    found = _headers(headers)
    if _from_the_routes(found):
        # The approvals routes signed the approver in themselves and pass who they are.
        roles = frozenset(found.get(ON_BEHALF_ROLES_HEADER, "").split())
        return User(found[ON_BEHALF_HEADER], roles | {ON_BEHALF})
    token = request_token(headers)
    user = identify(token, served_settings()) if token else None
    if user is None:
        detail = (
            "Missing token: send Authorization: Bearer <token> or X-Api-Key: <token>"
            if token is None
            else "Unknown or expired token"
        )
        raise Auth.exceptions.HTTPException(status_code=401, detail=detail)
    return user


def _from_the_routes(found: Mapping[str, str]) -> bool:
    service = found.get(SERVICE_HEADER)
    return bool(service and secrets.compare_digest(service, service_token()) and found.get(ON_BEHALF_HEADER))


def on_behalf_owner(headers: Mapping[Any, Any]) -> str | None:
    """For the approvals routes' own request about one thread, its owner; else `None`."""
    found = _headers(headers)
    return found.get(ON_BEHALF_OWNER_HEADER) or None if _from_the_routes(found) else None


def signed_in_user(headers: Mapping[Any, Any]) -> str:
    """The name of the user `headers` authenticate (401 as `signed_in`)."""
    return str(signed_in(headers).identity)
