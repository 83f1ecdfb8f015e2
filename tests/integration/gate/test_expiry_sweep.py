"""Expiry through a real `langgraph dev`: the sweep closes expired requests, and the audit
export tells the whole story after the thread is deleted.

The server runs with APPROVAL_TTL_SECONDS=0, so every request has expired by the time
anyone could answer it: no clock needs moving, no test waits.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from agent.approval.contract import EXPIRE, HITL_HISTORY, PENDING_HITL
from harness.scripts import email, script
from tests.support.served import Served, serve


@pytest.fixture(scope="module")
def expiring(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    with serve(tmp_path_factory.mktemp("expiring"), {"APPROVAL_TTL_SECONDS": "0"}) as running:
        yield running


async def test_the_sweep_closes_an_expired_request(expiring: Served, tmp_path: Path) -> None:
    thread_id = expiring.cli_start(script(email()))
    shown = expiring.cli("show", thread_id)
    assert "expired" in shown.stdout
    swept = expiring.cli("sweep")
    assert swept.returncode == 0, swept.stderr
    assert f"on thread {thread_id}" in swept.stdout
    client = expiring.client()
    try:
        state = await client.threads.get_state(thread_id)
        values = state["values"]
        assert isinstance(values, dict)
        assert values[PENDING_HITL] is None
        assert values[HITL_HISTORY][0]["decisions"] == [{"type": EXPIRE}]
        assert (await client.threads.get(thread_id))["status"] == "idle"
        await client.threads.delete(thread_id)
    finally:
        await client.aclose()
    assert expiring.sent(thread_id) == []
    assert expiring.cli("approve", thread_id).returncode == 1  # gone

    exported = expiring.cli("audit")
    assert exported.returncode == 0, exported.stderr
    story = [json.loads(line) for line in exported.stdout.splitlines() if thread_id in line]
    assert [r["event"] for r in story] == ["requested", "expired"]
    table = list(csv.DictReader(io.StringIO(expiring.cli("audit", "--format", "csv").stdout)))
    assert [row["event"] for row in table if row["thread_id"] == thread_id] == ["requested", "expired"]
    assert expiring.cli("audit", "--since", "2999-01-01").stdout == ""
    assert expiring.cli("audit", "--since", "soon").returncode == 2
