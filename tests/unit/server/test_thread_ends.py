"""What the HTTP layer reads of the routes that delete threads or set a TTL (`server.deleted_threads`),
and the audit trail's view of a request that waits (`agent.approval.audit.unended`, `thread_deleted`)."""

from __future__ import annotations

import uuid
from typing import Any, cast

import pytest

from agent.approval.audit import AuditRecord, thread_deleted, unended
from agent.approval.audit.records import THREAD_DELETED
from server.asgi import Refused
from server.deleted_threads import THREAD_TTL, _read

THREAD = str(uuid.uuid4())


def _record(event: str, request_id: str, **more: Any) -> AuditRecord:
    record: dict[str, Any] = {"event": event, "at": "2026-12-07T00:00:00+00:00", "thread_id": THREAD, "owner": "ada"}
    record |= {"request_id": request_id, "who": "ada", "tools": ["send_email"], "args_digest": {}, **more}
    return cast("AuditRecord", record)


def test_a_request_is_open_until_any_of_its_endings_whatever_the_order() -> None:
    records = [_record("answered", "r1"), _record("requested", "r1"), _record("requested", "r2")]
    records += [_record("refused", "r2"), _record("requested", "r3"), _record("cancelled", "r3")]
    assert [r["request_id"] for r in unended(records)] == ["r2"]
    assert unended(reversed(records)) == unended(records)


def test_a_deleted_threads_ending_says_who_and_why_and_keeps_a_subagents_origin() -> None:
    asked = _record("requested", "r1", subagent="researcher", task_call_id="call_1")
    ending = thread_deleted(asked, "ada")
    assert (ending["event"], ending["who"], ending["error"], ending["decisions"]) == (
        "cancelled",
        "ada",
        THREAD_DELETED,
        ["cancel"],
    )
    assert (ending["subagent"], ending["task_call_id"], ending["run_id"]) == ("researcher", "call_1", None)


@pytest.mark.parametrize("ttl", [{"ttl": 1}, 5, {"default_ttl": 1}, "x"])
def test_any_ttl_is_refused_on_create_and_update(ttl: Any) -> None:
    with pytest.raises(Refused) as refused:
        _read({"metadata": {}, "ttl": ttl}, sets_ttl=True, prunes=False)
    assert (refused.value.status, refused.value.detail) == (403, THREAD_TTL)
    assert _read({"metadata": {}, "ttl": None}, sets_ttl=True, prunes=False) == []


def test_a_prune_names_its_threads_as_written_and_as_uuids() -> None:
    upper = THREAD.upper()
    assert _read({"thread_ids": [upper, "my-thread", 7, " "]}, sets_ttl=False, prunes=True) == [
        upper,
        THREAD,
        "my-thread",
    ]
    assert _read({"thread_ids": [THREAD], "strategy": "keep_latest"}, sets_ttl=False, prunes=True) == []
    assert _read([THREAD], sets_ttl=False, prunes=True) == []  # (the server answers a body that is no object)


def test_a_prune_naming_a_thread_twice_is_refused() -> None:
    with pytest.raises(Refused) as refused:
        _read({"thread_ids": [THREAD, THREAD.upper()]}, sets_ttl=False, prunes=True)
    assert refused.value.status == 422
    assert "twice" in refused.value.detail
