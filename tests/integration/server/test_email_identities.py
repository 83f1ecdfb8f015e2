"""Users whose names hold a period (a JWT `sub` that is an email address), through a real
`langgraph dev`: a store's namespace labels cannot hold one, and the audit trail is kept per owner."""

from __future__ import annotations

import secrets
import time
from collections.abc import Iterator

import jwt
import pytest

from agent.approval.contract import AUDIT, resume_for
from client.approvals import create_thread, get_pending, stream_run, user_message
from harness.scripts import email, script
from tests.support.served import Served, serve

SECRET = secrets.token_hex(32)
ADA, BOB = "ada@example.com", "bob.smith@example.com"


def _token(sub: str, *roles: str) -> str:
    return jwt.encode({"sub": sub, "exp": int(time.time()) + 3600, "roles": list(roles)}, SECRET, algorithm="HS256")


@pytest.fixture(scope="module")
def team(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    env = {"AUTH_JWT_SECRET": SECRET, "APPROVER_ROLES": "approver", "REQUESTER_MAY_ANSWER": "false"}
    with serve(tmp_path_factory.mktemp("emails"), env) as running:
        yield running


async def test_an_email_named_team_asks_answers_and_reads_its_trail(team: Served) -> None:
    async with team.client(_token(ADA)) as ada, team.client(_token(BOB, "approver")) as bob:
        thread_id = await create_thread(ada)
        async for _ in stream_run(ada, thread_id, input=user_message(script(email()))):
            pass
        pending = await get_pending(ada, thread_id)
        assert pending is not None
        listed = await bob.http.get("/approvals")
        assert [item["owner"] for item in listed if item["thread_id"] == thread_id] == [ADA]
        answered = await bob.http.post(
            f"/approvals/{thread_id}", json={"resume": resume_for(pending.request, [{"type": "approve"}])}
        )
        assert answered["decided"]["decided_by"] == BOB
        assert len(team.sent(thread_id)) == 1
        mine = await bob.http.get("/approvals/answered")
        assert [item["thread_id"] for item in mine] == [thread_id]
        trail = await ada.store.search_items((AUDIT,), limit=100)
        records = [item["value"] for item in trail["items"]]
        story = [(r["event"], r["who"]) for r in records if r["thread_id"] == thread_id]
        assert sorted(story) == [("answered", BOB), ("requested", ADA)]
