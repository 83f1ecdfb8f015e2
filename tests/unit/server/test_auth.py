"""Tokens to users: static tokens, JWTs, and the 401 for everything else."""

from __future__ import annotations

import time

import jwt
import pytest
from langgraph_sdk import Auth

from agent.approval.approvers import ANSWERED_BY, ON_BEHALF, User
from agent.settings import LOCAL_TOKEN, LOCAL_USER, Settings, SettingsError
from server import auth, identity

SECRET = "test-secret-that-is-long-enough-for-hs256"


def _jwt(sub: str | None = "carol", expires_in: float = 60, secret: str = SECRET, roles: object = None) -> str:
    claims: dict[str, object] = {"exp": int(time.time() + expires_in)}
    if sub is not None:
        claims["sub"] = sub
    if roles is not None:
        claims["roles"] = roles
    return jwt.encode(claims, secret, algorithm="HS256")


@pytest.mark.parametrize(
    ("headers", "token"),
    [
        ({b"authorization": b"Bearer abc"}, "abc"),  # LangGraph's server: bytes
        ({"Authorization": "bearer  abc "}, "abc"),  # aegra: str, any case
        ({"authorization": "Basic abc"}, None),
        ({"authorization": "Bearer "}, None),
        ({b"x-api-key": b"abc"}, "abc"),  # the LangGraph SDKs' api_key, Agent Chat UI, deep-agents-ui
        ({"X-Api-Key": " abc "}, "abc"),
        ({"x-api-key": ""}, None),
        ({}, None),
    ],
)
def test_request_token(headers: dict[object, object], token: str | None) -> None:
    assert identity.request_token(headers) == token


def test_the_local_user_exists_only_without_configured_users() -> None:
    assert identity.identify(LOCAL_TOKEN, Settings.from_env({})) == User(LOCAL_USER)
    configured = Settings.from_env({"AUTH_USERS": "ada:ada-token,bob:bob-token:approver+auditor"})
    assert identity.identify("ada-token", configured) == User("ada")
    assert identity.identify("bob-token", configured) == User("bob", frozenset({"approver", "auditor"}))
    assert identity.identify(LOCAL_TOKEN, configured) is None
    assert identity.identify(LOCAL_TOKEN, Settings.from_env({"AUTH_JWT_SECRET": SECRET})) is None


def test_jwts_signed_with_the_secret() -> None:
    settings = Settings.from_env({"AUTH_JWT_SECRET": SECRET})
    assert identity.identify(_jwt(), settings) == User("carol")
    assert identity.identify(_jwt(roles=["approver"]), settings) == User("carol", frozenset({"approver"}))
    assert identity.identify(_jwt(roles="approver"), settings) == User("carol")  # not a list: no roles
    assert identity.identify(_jwt(expires_in=-10), settings) is None
    assert identity.identify(_jwt(secret="another-secret-that-is-long-enough!!"), settings) is None
    assert identity.identify(_jwt(sub=None), settings) is None
    assert identity.identify("not-a-jwt", settings) is None


@pytest.mark.parametrize("value", ["ada", "ada:", ":tok", "ada:x,bob:x", "ada:x:", "ada:x:a:b"])
def test_malformed_users_are_named(value: str) -> None:
    with pytest.raises(SettingsError, match="AUTH_USERS"):
        Settings.from_env({"AUTH_USERS": value})


async def test_authenticate_refuses_with_401(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(
        identity, "served_settings", lambda: Settings.from_env({"AUTH_USERS": "ada:ada-token:approver"})
    )
    assert await auth.authenticate({"authorization": "Bearer ada-token"}) == {
        "identity": "ada",
        "permissions": ["approver"],
    }
    for headers in ({}, {"authorization": "Bearer wrong"}):
        with pytest.raises(Auth.exceptions.HTTPException) as refused:
            await auth.authenticate(headers)
        assert refused.value.status_code == 401


async def test_only_the_in_process_service_token_speaks_for_another_user(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(identity, "served_settings", lambda: Settings.from_env({"AUTH_USERS": "ada:ada-token"}))
    behalf = {identity.ON_BEHALF_HEADER: "bob", identity.ON_BEHALF_ROLES_HEADER: "approver"}
    as_bob = await auth.authenticate({identity.SERVICE_HEADER: identity.service_token(), **behalf})
    assert as_bob == {"identity": "bob", "permissions": sorted(["approver", ON_BEHALF])}
    with pytest.raises(Auth.exceptions.HTTPException) as refused:
        await auth.authenticate({identity.SERVICE_HEADER: "a guess", **behalf})
    assert refused.value.status_code == 401


async def test_for_one_thread_the_server_sees_its_owner_and_the_graph_the_approver(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(identity, "served_settings", lambda: Settings.from_env({"AUTH_USERS": "ada:ada-token"}))
    behalf = {
        identity.ON_BEHALF_HEADER: "bob",
        identity.ON_BEHALF_ROLES_HEADER: "approver",
        identity.ON_BEHALF_OWNER_HEADER: "ada",
    }
    as_ada = await auth.authenticate({identity.SERVICE_HEADER: identity.service_token(), **behalf})
    assert as_ada == {"identity": "ada", "permissions": sorted(["approver", ON_BEHALF]), ANSWERED_BY: "bob"}
    with pytest.raises(Auth.exceptions.HTTPException):  # the owner header alone names nobody
        await auth.authenticate({identity.SERVICE_HEADER: "a guess", **behalf})
    herself = await auth.authenticate({"authorization": "Bearer ada-token", identity.ON_BEHALF_OWNER_HEADER: "x"})
    assert herself == {"identity": "ada", "permissions": []}
