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
