"""A pending request survives a graceful restart of `langgraph dev`."""

from __future__ import annotations

from pathlib import Path

from agent.approval.contract import APPROVAL_NODE
from client.approvals import get_pending, inbox
from harness.scripts import email, script
from tests.support.served import serve


async def test_request_pending_across_a_restart_is_answered_once(tmp_path: Path) -> None:
    with serve(tmp_path) as first:
        thread_id = first.cli_start(script(email()))

    with serve(tmp_path) as second:
        async with second.client() as client:
            pending = await get_pending(client, thread_id)
            assert pending is not None
            assert pending.request["action_requests"][0]["args"] == email()["args"]
            assert (await client.threads.get_state(thread_id))["next"] == [APPROVAL_NODE]
            assert thread_id in [t.thread_id async for t in inbox(client)]
        approved = second.cli("approve", thread_id)
        assert approved.returncode == 0, approved.stderr
        assert len(second.sent(thread_id)) == 1


async def test_an_approver_sees_which_requests_are_of_users_no_longer_configured(tmp_path: Path) -> None:
    """Threads carry over a restart; their owners may not (AUTH_USERS changed): `GET /approvals`
    and the CLI say so."""
    team = {"APPROVER_ROLES": "approver", "REQUESTER_MAY_ANSWER": "false"}
    users = {"ada": "ada:ada-token", "cleo": "cleo:cleo-token", "bob": "bob:bob-token:approver"}
    with serve(tmp_path, {**team, "AUTH_USERS": ",".join(users.values())}) as first:
        gone = first.cli_start(script(email()), token="ada-token")
        staying = first.cli_start(script(email()), token="cleo-token")

    with serve(tmp_path, {**team, "AUTH_USERS": f"{users['cleo']},{users['bob']}"}) as second:
        async with second.client("bob-token") as bob:
            listed = {item["thread_id"]: item for item in await bob.http.get("/approvals")}
        assert (listed[gone]["owner"], listed[gone]["owner_known"]) == ("ada", False)
        assert (listed[staying]["owner"], listed[staying]["owner_known"]) == ("cleo", True)
        printed = second.cli("approvals", token="bob-token").stdout
        assert f"{gone}  ada (no longer a user)'s request" in printed
        assert f"{staying}  cleo's request" in printed
