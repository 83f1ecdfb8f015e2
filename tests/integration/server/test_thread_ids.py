"""A thread id is a UUID, and a new thread's is written as langgraph-api writes it, on both servers.

langgraph-api refuses a thread id that is no UUID; aegra takes any, and keeps it as written, so
the HTTP layer, which reads every thread id as a UUID, would not find such a thread to check a
run on it (`server.run_request.thread_of`). Refused with 422 and one line, before anything is made.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from agent.settings import LOCAL_TOKEN
from client.approvals import user_message
from tests.support.aegra import aegra_bin
from tests.support.pages import http
from tests.support.postgres import database_for_tests
from tests.support.served import Served, serve, serve_aegra

NOT_UUIDS = ["my-thread", "01a24f55-dd99-7778-a889-e2075fae730e-x"]


@pytest.fixture(scope="module", params=["dev", "aegra"])
def served(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    workdir = tmp_path_factory.mktemp(request.param)
    if request.param == "dev":
        with serve(workdir) as running:
            yield running
        return
    aegra_bin()  # (skipped, or failed where REQUIRE_AEGRA is set, before a database is made)
    with database_for_tests() as database, serve_aegra(workdir, database) as running:
        yield running


def _one_line_422(response: Any, *words: str) -> None:
    assert response.status_code == 422, response.text
    detail = response.json()["detail"]
    assert "\n" not in detail
    assert all(word in detail for word in words), detail


@pytest.mark.parametrize("thread_id", [*NOT_UUIDS, str(uuid.uuid4()).upper(), uuid.uuid4().hex, 5])
async def test_a_thread_made_with_an_id_the_server_would_not_read_back_is_refused(
    served: Served, thread_id: Any
) -> None:
    async with http(served, LOCAL_TOKEN) as client:
        counted = (await client.post("/threads/search", json={"limit": 100})).json()
        made = await client.post("/threads", json={"metadata": {}, "thread_id": thread_id})
        _one_line_422(made, "thread")
        assert (await client.post("/threads/search", json={"limit": 100})).json() == counted


@pytest.mark.parametrize("thread_id", [*NOT_UUIDS, str(uuid.uuid4()).upper()])
async def test_a_run_that_would_make_its_thread_under_such_an_id_is_refused(served: Served, thread_id: str) -> None:
    run = {"assistant_id": served.graph_id, "input": user_message("hello"), "if_not_exists": "create"}
    async with http(served, LOCAL_TOKEN) as client:
        _one_line_422(await client.post(f"/threads/{thread_id}/runs/wait", json=run), "thread")
        assert (await client.get(f"/threads/{thread_id}")).status_code in (404, 422)
        made = await client.post(f"/threads/{uuid.uuid4()}/runs/wait", json=run)  # (as the server writes it: made)
        assert made.status_code == 200, made.text
