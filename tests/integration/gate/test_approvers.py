"""A requester and an approver through a real `langgraph dev`: who may answer, and what an
approver sees of another user's thread (the request, nothing else)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
from langgraph_sdk.client import LangGraphClient

from agent.approval.contract import AUDIT, HITL_HISTORY, PENDING_HITL, resume_for
from client.approvals import create_thread, get_pending, stream_run, thread_values, user_message
from harness.scripts import call, email, script
from server.identity import ON_BEHALF_HEADER, SERVICE_HEADER
from tests.support.runs import assert_refused, thread_endpoints
from tests.support.served import Served, serve

TOKENS = {"ada": "ada-token", "bob": "bob-token", "carol": "carol-token", "dora": "dora-token"}
ENV = {
    "AUTH_USERS": "ada:ada-token,bob:bob-token:approver,carol:carol-token,dora:dora-token:auditor",
    "APPROVER_ROLES": "approver",
    "REQUESTER_MAY_ANSWER": "false",
}


@pytest.fixture(scope="module")
def team(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    with serve(tmp_path_factory.mktemp("team"), ENV) as running:
        yield running


@pytest.fixture
async def ada(team: Served) -> AsyncIterator[LangGraphClient]:
    async with team.client(TOKENS["ada"]) as sdk:
        yield sdk


def http(team: Served, user: str) -> httpx.Client:
    return httpx.Client(base_url=team.server.url, headers={"Authorization": f"Bearer {TOKENS[user]}"}, timeout=120)


async def _asked(ada: LangGraphClient) -> tuple[str, dict[str, Any]]:
    thread_id = await create_thread(ada)
    async for _ in stream_run(ada, thread_id, input=user_message(script(email()))):
        pass
    pending = await get_pending(ada, thread_id)
    assert pending is not None
    return thread_id, dict(pending.request)


async def test_the_requester_cannot_answer_and_the_approver_does(team: Served, ada: LangGraphClient) -> None:
    thread_id, request = await _asked(ada)
    assert request["requested_by"] == "ada"
    approve = resume_for(request, [{"type": "approve"}])  # type: ignore[arg-type]

    with pytest.raises(httpx.HTTPStatusError) as refused:  # her own request: separation of duties
        async for _ in stream_run(ada, thread_id, command={"resume": approve}):
            pass
    assert refused.value.response.status_code == 403
    assert "Separation of duties" in refused.value.response.json()["detail"]

    with http(team, "carol") as carol:  # no role
        assert carol.get("/approvals").json() == []
        answered = carol.post(f"/approvals/{thread_id}", json={"resume": approve})
        assert answered.status_code == 403
        assert "Only users with the role 'approver'" in answered.json()["detail"]

    with http(team, "bob") as bob:
        listed = [item for item in bob.get("/approvals").json() if item["thread_id"] == thread_id]
        assert listed == [
            {"thread_id": thread_id, "owner": "ada", "owner_known": True, "graph_id": "agent", "request": request}
        ]
        assert bob.get(f"/threads/{thread_id}/state").status_code == 404  # the thread itself stays ada's
        answered = bob.post(f"/approvals/{thread_id}", json={"resume": approve})
        assert answered.status_code == 200, answered.text
        assert answered.json()["pending"] == []
        # The approver's record: their entry, and what the call they let run returned (nothing else of ada's).
        decided, results = answered.json()["decided"], answered.json()["results"]
        assert (decided["request_id"], decided["decided_by"], decided["decisions"]) == (
            request["request_id"],
            "bob",
            [{"type": "approve"}],
        )
        (call_id,) = (action["tool_call_id"] for action in request["action_requests"])
        assert list(results) == [call_id]
        assert results[call_id].startswith("Email sent to ")
        again = bob.post(f"/approvals/{thread_id}", json={"resume": approve})
        assert again.status_code == 409

    assert len(team.sent(thread_id)) == 1
    values = await thread_values(ada, thread_id)
    assert values[PENDING_HITL] is None
    assert values[HITL_HISTORY][0]["decided_by"] == "bob"
    found = await ada.store.search_items((AUDIT,), limit=100)
    trail = [item["value"] for item in found["items"]]
    story = sorted((r["at"], r["event"], r["who"]) for r in trail if r["thread_id"] == thread_id)
    assert [(event, who) for _, event, who in story] == [
        ("requested", "ada"),
        ("refused", "ada"),  # by the API, on her own thread
        ("refused", "carol"),  # by the approvals route
        ("answered", "bob"),
    ]


async def test_an_approver_may_only_answer(team: Served, ada: LangGraphClient) -> None:
    thread_id, _ = await _asked(ada)
    with http(team, "bob") as bob:
        # No new input, no state edits: the route takes an answer and nothing else.
        assert bob.post(f"/approvals/{thread_id}", json={"input": {"messages": []}}).status_code == 422
        new_run = {"assistant_id": "agent", "input": user_message("hello")}
        assert bob.post(f"/threads/{thread_id}/runs/wait", json=new_run).status_code == 404
        forged = {SERVICE_HEADER: "guess", ON_BEHALF_HEADER: "ada"}
        async with httpx.AsyncClient(base_url=team.server.url, headers=forged) as nobody:
            assert (await nobody.get("/approvals")).status_code == 401
    with http(team, "carol") as carol:  # naming no real request tells her nothing of ada's
        guessed = carol.post(f"/approvals/{thread_id}", json={"resume": {"request_id": "x", "decisions": []}})
        assert guessed.status_code == 409
        assert "yours: none" in guessed.json()["detail"]
    assert team.sent(thread_id) == []
    assert (await get_pending(ada, thread_id)) is not None


async def test_through_the_cli_the_approver_answers_and_the_requester_cannot(
    team: Served, ada: LangGraphClient
) -> None:
    thread_id, request = await _asked(ada)
    listed = team.cli("approvals", token=TOKENS["bob"])
    assert listed.returncode == 0, listed.stderr
    assert f"{thread_id}  ada's request {request['request_id']}  expires in 23 h" in listed.stdout

    own = team.cli("approve", thread_id, token=TOKENS["ada"])
    assert own.returncode == 1
    assert "Separation of duties: ada asked" in own.stderr
    assert team.sent(thread_id) == []

    approved = team.cli("approve", thread_id, token=TOKENS["bob"])
    assert approved.returncode == 0, approved.stderr
    assert f"Answering ada's request {request['request_id']}" in approved.stdout
    assert len(team.sent(thread_id)) == 1
    assert team.cli("approvals", token=TOKENS["bob"]).stdout.count(thread_id) == 0


def test_an_auditor_exports_one_users_acts_across_threads(team: Served) -> None:
    thread_id = team.cli_start(script(email()), token=TOKENS["ada"])
    assert team.cli("approve", thread_id, token=TOKENS["bob"]).returncode == 0
    mine = team.cli("audit", "--user", "bob", token=TOKENS["bob"])  # bob's records: his threads only
    assert thread_id not in mine.stdout
    everyone = team.cli("audit", "--user", "bob", token=TOKENS["dora"])  # dora audits
    assert everyone.returncode == 0, everyone.stderr
    acts = [json.loads(line) for line in everyone.stdout.splitlines() if thread_id in line]
    assert [(r["event"], r["who"], r["owner"]) for r in acts] == [("answered", "bob", "ada")]


async def test_an_approver_reaches_nothing_else_of_the_thread(team: Served, ada: LangGraphClient) -> None:
    """Every SDK endpoint on ada's thread refuses bob, approver or not: only /approvals answers."""
    thread_id, request = await _asked(ada)
    run_id = (await ada.runs.list(thread_id))[0]["run_id"]
    answer: Any = {"resume": resume_for(request, [{"type": "approve"}])}  # type: ignore[arg-type]
    bob = team.client(TOKENS["bob"])
    try:
        await assert_refused(
            {
                **thread_endpoints(bob, thread_id, run_id, "agent", answer),
                "runs.create with input": lambda: bob.runs.create(thread_id, "agent", input=user_message("hi")),
                "store.put": lambda: bob.store.put_item((AUDIT, "ada"), "x", {"event": "refused"}),
                "store.delete": lambda: bob.store.delete_item((AUDIT, "ada"), "x"),
            }
        )
        assert thread_id not in [t["thread_id"] for t in await bob.threads.search(limit=100)]
    finally:
        await bob.aclose()
    assert team.sent(thread_id) == []
    still = await get_pending(ada, thread_id)
    assert still is not None
    assert still.request_id == request["request_id"]


async def test_an_answer_to_one_of_two_subagents_requests_says_the_other_still_waits(
    team: Served, ada: LangGraphClient
) -> None:
    thread_id = await create_thread(ada)
    emails = (email("grace@example.com"), email("alan@example.com"))
    two = script(*(call("task", description=script(e), subagent_type="general-purpose") for e in emails))
    async for _ in stream_run(ada, thread_id, input=user_message(two)):
        pass
    with http(team, "bob") as bob:
        waiting = [item["request"] for item in bob.get("/approvals").json() if item["thread_id"] == thread_id]
        assert len(waiting) == 2, waiting
        first, other = waiting
        answered = bob.post(f"/approvals/{thread_id}", json={"resume": resume_for(first, [{"type": "approve"}])})
    assert answered.status_code == 200, answered.text
    body = answered.json()
    assert body["status"] == (await ada.threads.get(thread_id))["status"] == "interrupted"
    assert [item["request"]["request_id"] for item in body["pending"]] == [other["request_id"]]
    assert len(team.sent(thread_id)) == 1
