"""Integration tests: a real `langgraph dev` on a free port, driven by the SDK and the CLI."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest
from langgraph_sdk.client import LangGraphClient

from tests.support.served import Served, serve


@pytest.fixture(scope="session")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    running = serve(tmp_path_factory.mktemp("server"))
    yield running
    running.server.stop()


@pytest.fixture
async def client(served: Served) -> AsyncIterator[LangGraphClient]:
    sdk = served.client()
    yield sdk
    await sdk.aclose()
