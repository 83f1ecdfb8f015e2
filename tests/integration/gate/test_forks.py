"""Forks through a real `langgraph dev`, on both graph ids: a run from any checkpoint but the
thread's latest is refused with one line before anything runs, wherever the request names it
and however it spells the thread id.

The story each test guards against: a request is rejected; a run from the checkpoint where it
waited brings it back; a later approval sends the email that was rejected.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any, cast

import httpx
import pytest
from langgraph_sdk.client import LangGraphClient

from agent.approval.contract import GRAPH_IDS, HITL_HISTORY, PENDING_HITL, resume_for
from client.approvals import user_message
from tests.integration.conftest import USERS
from tests.support.runs import APPROVE, waiting
from tests.support.served import Served

REJECT = {"type": "reject", "message": "not this one"}


@pytest.fixture(params=GRAPH_IDS)
def graph_id(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
async def http(users_server: Served) -> AsyncIterator[httpx.AsyncClient]:
    """ada, over plain HTTP: the bodies exactly as written below."""
    headers = {"Authorization": f"Bearer {USERS['ada']}"}
    async with httpx.AsyncClient(base_url=users_server.server.url, headers=headers, timeout=120) as client:
        yield client


def spellings(thread_id: str) -> dict[str, str]:
    """The thread id in each form the server takes (`uuid.UUID` reads them all)."""
    plain = uuid.UUID(thread_id)
    return {
        "urn": plain.urn,
        "braces": f"{{{plain}}}",
        "upper": str(plain).upper(),
        "no dashes": plain.hex,
        "urn, upper, no dashes": f"urn:uuid:{plain.hex.upper()}",
    }


def forks(
    graph_id: str, thread_id: str, paused: str, latest: str, answer: dict[str, Any]
) -> dict[str, tuple[str, Any]]:
    """Each way to run the thread from `paused`: the path, and the body (with `answer`, or none)."""
    runs = f"/threads/{thread_id}/runs/wait"
    revive = {"assistant_id": graph_id, "command": {"resume": answer}}
    travel: dict[str, Any] = {"assistant_id": graph_id, "input": None}
    named: dict[str, dict[str, Any]] = {
        "checkpoint over checkpoint_id": {"checkpoint_id": latest, "checkpoint": {"checkpoint_id": paused}},
        "checkpoint_id": {"checkpoint_id": paused},
        "checkpoint": {"checkpoint": {"checkpoint_id": paused, "checkpoint_ns": ""}},
        "config.configurable": {"config": {"configurable": {"checkpoint_id": paused}}},
        "context": {"context": {"checkpoint_id": paused}},
        "checkpoint_map": {"checkpoint": {"checkpoint_map": {"": paused}}},
        "config.configurable.checkpoint_map": {"config": {"configurable": {"checkpoint_map": {"": paused}}}},
        "a checkpoint that does not exist": {"checkpoint_id": str(uuid.uuid4())},
    }
    found = {
        f"{name}, {kind}": (runs, {**base, **extra})
        for name, extra in named.items()
        for kind, base in (("answered", revive), ("no answer", travel))
    }
    for name, spelled in spellings(thread_id).items():
        for route in ("runs", "runs/stream", "runs/wait"):
            found[f"thread id {name}, {route}"] = (
                f"/threads/{spelled}/{route}",
                {**revive, "checkpoint": {"checkpoint_id": paused}},
            )
    return found


def _one_line(response: httpx.Response) -> str:
    detail = response.json().get("detail")
    assert isinstance(detail, str), response.text
    assert detail
    assert "\n" not in detail
    return detail


async def _snapshot(client: LangGraphClient, thread_id: str) -> tuple[Any, ...]:
    """What must not change: the latest checkpoint, the values, the status, the history's length."""
    state = cast("dict[str, Any]", await client.threads.get_state(thread_id))
    history = await client.threads.get_history(thread_id, limit=1000)
    status = (await client.threads.get(thread_id))["status"]
    return state["checkpoint"]["checkpoint_id"], state["values"], status, len(history)


async def test_a_rejected_request_stays_rejected(
    users_server: Served, ada: LangGraphClient, http: httpx.AsyncClient, graph_id: str
) -> None:
    thread_id, request = await waiting(ada, graph_id)
    paused = str((await ada.threads.get_state(thread_id))["checkpoint"]["checkpoint_id"])
    await ada.runs.wait(thread_id, graph_id, command={"resume": resume_for(request, [REJECT])})
    before = await _snapshot(ada, thread_id)
    latest, values = before[0], before[1]
    assert values[PENDING_HITL] is None
    assert [d["type"] for d in values[HITL_HISTORY][0]["decisions"]] == ["reject"]

    approve = dict(resume_for(request, [APPROVE]))
    for name, (path, body) in forks(graph_id, thread_id, paused, latest, approve).items():
        response = await http.post(path, json=body)
        assert response.status_code == 409, f"{name}: {response.status_code} {response.text[:300]}"
        assert "latest" in _one_line(response), name
        assert await _snapshot(ada, thread_id) == before, name
    cron = {"assistant_id": graph_id, "schedule": "* * * * *", "config": {"configurable": {"checkpoint_id": paused}}}
    refused = await http.post(f"/threads/{thread_id}/runs/crons", json=cron)
    assert refused.status_code == 403, refused.text  # (auth refuses every cron)
    _one_line(refused)

    # The approval that would have sent the rejected email: nothing waits for it.
    with pytest.raises(httpx.HTTPStatusError) as late:
        await ada.runs.wait(thread_id, graph_id, command=cast("Any", {"resume": approve}))
    assert late.value.response.status_code == 409
    assert await _snapshot(ada, thread_id) == before
    assert users_server.attempts(thread_id) == []


async def test_runs_on_a_thread_without_that_checkpoint_are_refused(
    ada: LangGraphClient, http: httpx.AsyncClient, graph_id: str
) -> None:
    """A thread that never ran, and one a run would create, have no checkpoint to go on from."""
    named = {"assistant_id": graph_id, "input": user_message("hi"), "checkpoint_id": str(uuid.uuid4())}
    fresh = (await ada.threads.create(graph_id=graph_id))["thread_id"]
    refused = await http.post(f"/threads/{fresh}/runs/wait", json=named)
    assert refused.status_code == 409, refused.text
    assert "none yet" in _one_line(refused)
    assert (await ada.threads.get_history(fresh)) == []
    new = str(uuid.uuid4())
    refused = await http.post(f"/threads/{new}/runs/wait", json={**named, "if_not_exists": "create"})
    assert refused.status_code == 409, refused.text
    with pytest.raises(httpx.HTTPStatusError) as missing:
        await ada.threads.get(new)
    assert missing.value.response.status_code == 404


async def test_runs_naming_the_latest_checkpoint_go_on(
    users_server: Served, ada: LangGraphClient, http: httpx.AsyncClient, graph_id: str
) -> None:
    """Naming the thread's latest checkpoint, in every place, is taken (Agent Chat UI sends it)."""
    thread_id, request = await waiting(ada, graph_id)
    state = cast("dict[str, Any]", await ada.threads.get_state(thread_id))
    latest = state["checkpoint"]["checkpoint_id"]
    answer = {
        "assistant_id": graph_id,
        "command": {"resume": resume_for(request, [APPROVE])},
        "checkpoint_id": latest,
        "checkpoint": {**state["checkpoint"], "checkpoint_map": {}},
        "config": {"configurable": {"checkpoint_id": latest, "checkpoint_ns": ""}},
    }
    spelled = spellings(thread_id)["urn, upper, no dashes"]
    response = await http.post(f"/threads/{spelled}/runs/wait", json=answer)
    assert response.status_code == 200, response.text
    assert [r["to"] for r in users_server.sent(thread_id)] == ["ada@example.com"]
    values = (await ada.threads.get_state(thread_id))["values"]
    assert [e["decided_by"] for e in values[HITL_HISTORY]] == ["ada"]  # type: ignore[call-overload]
