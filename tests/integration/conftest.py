"""Integration tests: a real `langgraph dev` on a free port, driven by the SDK and the CLI."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest
from langgraph_sdk.client import LangGraphClient

from tests.support.postgres import postgres_for_tests
from tests.support.served import Served, serve

USERS = {"ada": "ada-token", "bob": "bob-token", "eve": "eve-token"}
"""The users of `users_server`, by name: their tokens."""
PLAIN_GRAPH = "plain"
"""`users_server`'s graph without the gate (`tests/support/plain_graph.py`)."""


@pytest.fixture(scope="session")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    with serve(tmp_path_factory.mktemp("server")) as running:
        yield running


@pytest.fixture
async def client(served: Served) -> AsyncIterator[LangGraphClient]:
    async with served.client() as sdk:
        yield sdk


@pytest.fixture(scope="module")
def users_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """A server of its own for the module, with the users in `USERS`, and a graph without the
    gate beside the agent's two, as a fork may serve (`PLAIN_GRAPH`)."""
    env = {"AUTH_USERS": ",".join(f"{name}:{token}" for name, token in USERS.items())}
    graphs = {PLAIN_GRAPH: "tests/support/plain_graph.py:graph"}
    with serve(tmp_path_factory.mktemp("users"), env, extra_graphs=graphs) as running:
        yield running


@pytest.fixture
async def ada(users_server: Served) -> AsyncIterator[LangGraphClient]:
    async with users_server.client(USERS["ada"]) as sdk:
        yield sdk


@pytest.fixture
async def bob(users_server: Served) -> AsyncIterator[LangGraphClient]:
    async with users_server.client(USERS["bob"]) as sdk:
        yield sdk


@pytest.fixture(scope="module")
def database_uri() -> Iterator[str]:
    """A fresh PostgreSQL schema for the module (or a one-line skip: see tests/support/postgres.py)."""
    with postgres_for_tests() as uri:
        yield uri
