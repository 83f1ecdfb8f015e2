"""The client finds every pending request of a thread, subagents' included, and says which one an answer is for.

A fake SDK client serves states in the shape `threads.get_state(thread_id,
subgraphs=True)` has on a real server (the CLI's integration tests run the real one).
"""

from __future__ import annotations

from typing import Any, cast

import pytest
from langgraph_sdk.client import LangGraphClient

from agent.approval.contract import PENDING_HITL, PendingRequest
from client import render
from client.approvals import AlreadyAnswered, InboxItem, Pending, answer, get_pending, get_pending_all, inbox
from client.cli import parser
from client.commands import COMMAND, UsageError, _answer_hint, _require_pending


def _request(request_id: str, to: str, subagent: str | None = None, task_call_id: str = "") -> PendingRequest:
    request: dict[str, Any] = {
        "request_id": request_id,
        "message_id": f"m-{request_id}",
        "created_at": "2026-01-01T00:00:00+00:00",
        "action_requests": [
            {"tool_call_id": f"c-{request_id}", "name": "send_email", "args": {"to": to}, "description": "Send"}
        ],
        "review_configs": [{"action_name": "send_email", "allowed_decisions": ["approve", "reject"]}],
    }
    if subagent:
        request |= {"subagent": subagent, "task_call_id": task_call_id}
    return cast("PendingRequest", request)


def _subagent_task(request: PendingRequest | None) -> dict[str, Any]:
    """A parent's `tools` task running a subagent that waits on `request`."""
    return {
        "id": "task",
        "name": "tools",
        "interrupts": [{"id": f"i-{request['request_id']}", "value": request}] if request else [],
        "state": {"values": {"messages": [], PENDING_HITL: request}, "next": [], "tasks": []},
    }


OWN = _request("own", "ada@example.com")
ADA = _request("sub-ada", "ada@example.com", "general-purpose", "task-1")
BOB = _request("sub-bob", "bob@example.com", "general-purpose", "task-2")
PARENT_MESSAGES = [{"type": "human", "content": "delegate"}]

STATES: dict[str, dict[str, Any]] = {
    "own": {"values": {"messages": PARENT_MESSAGES, PENDING_HITL: OWN}, "tasks": [_subagent_task(None)]},
    "parallel": {
        "values": {"messages": PARENT_MESSAGES, PENDING_HITL: None},
        "tasks": [_subagent_task(ADA), _subagent_task(BOB)],
    },
    "done": {"values": {"messages": PARENT_MESSAGES, PENDING_HITL: None}, "tasks": []},
}


class FakeThreads:
    def __init__(self, listing: list[dict[str, Any]]) -> None:
        self.listing = listing
        self.states_read: list[tuple[str, bool]] = []

    async def get_state(self, thread_id: str, *, subgraphs: bool = False) -> dict[str, Any]:
        self.states_read.append((thread_id, subgraphs))
        return STATES[thread_id]

    async def search(self, *, limit: int, offset: int, **_: Any) -> list[dict[str, Any]]:
        return self.listing[offset : offset + limit]


class FakeClient:
    def __init__(self, listing: list[dict[str, Any]] | None = None) -> None:
        self.threads = FakeThreads(listing or [])


def _client(listing: list[dict[str, Any]] | None = None) -> tuple[LangGraphClient, FakeThreads]:
    fake = FakeClient(listing)
    return cast("LangGraphClient", fake), fake.threads


async def test_every_pending_request_is_found_own_first_then_subagents() -> None:
    client, threads = _client()
    parallel = await get_pending_all(client, "parallel")
    assert [p.request_id for p in parallel] == ["sub-ada", "sub-bob"]
    assert [(p.subagent, p.task_call_id) for p in parallel] == [
        ("general-purpose", "task-1"),
        ("general-purpose", "task-2"),
    ]
    assert parallel[0].messages == PARENT_MESSAGES  # the thread's messages
    assert threads.states_read == [("parallel", True)]  # subagents' states asked for

    own = await get_pending(client, "own")
    assert own is not None
    assert (own.request_id, own.subagent, own.task_call_id) == ("own", None, None)
    assert await get_pending(client, "done") is None


async def test_get_pending_picks_a_request_by_id() -> None:
    client, _ = _client()
    first = await get_pending(client, "parallel")
    assert first is not None
    assert first.request_id == "sub-ada"  # without an id: the first
    bob = await get_pending(client, "parallel", "sub-bob")
    assert bob is not None
    assert bob.request == BOB
    assert await get_pending(client, "parallel", "answered-before") is None


async def test_inbox_lists_one_item_per_request_reading_states_only_when_the_listing_cannot_tell() -> None:
    listing: list[dict[str, Any]] = [
        {"thread_id": "own", "values": {PENDING_HITL: OWN}},  # the thread's own request: in the listing
        {"thread_id": "parallel", "values": {PENDING_HITL: None}},  # subagents' requests: not in it
        {"thread_id": "done"},  # listed without values (aegra)
    ]
    client, threads = _client(listing)
    items = [item async for item in inbox(client, page_size=2)]
    assert [(i.thread_id, i.request_id, i.subagent) for i in items] == [
        ("own", "own", None),
        ("parallel", "sub-ada", "general-purpose"),
        ("parallel", "sub-bob", "general-purpose"),
    ]
    assert threads.states_read == [("parallel", True), ("done", True)]


async def test_an_answer_to_a_request_no_longer_pending_is_refused_before_sending() -> None:
    client, threads = _client()
    stale = Pending(thread_id="done", request=ADA, error=None, messages=[])  # read before it was answered
    with pytest.raises(AlreadyAnswered, match="request sub-ada on thread done was already answered"):
        async for _ in answer(client, stale, [{"type": "approve"}]):
            pass
    assert threads.states_read == [("done", True)]  # no run was started


async def test_the_cli_needs_request_when_several_wait() -> None:
    client, _ = _client()
    with pytest.raises(UsageError) as several:
        await _require_pending(client, "parallel")
    line = str(several.value)
    assert "\n" not in line
    assert line.startswith("thread parallel has 2 requests awaiting approval: sub-ada (general-purpose subagent asks")
    assert "sub-bob (general-purpose subagent asks: send_email(to=" in line
    assert line.endswith("Say which one with --request REQUEST_ID")

    chosen = await _require_pending(client, "parallel", "sub-bob")
    assert chosen.request_id == "sub-bob"
    assert (await _require_pending(client, "own")).request_id == "own"
    with pytest.raises(AlreadyAnswered, match="request sub-ada is not awaiting approval on thread done"):
        await _require_pending(client, "done", "sub-ada")
    with pytest.raises(AlreadyAnswered, match="thread done has no request awaiting approval"):
        await _require_pending(client, "done")


def test_the_cli_names_the_subagent_that_asks() -> None:
    row = render.inbox_row(InboxItem(thread_id="parallel", request=ADA))
    asks = 'general-purpose subagent asks: send_email(to="ada@example.com")'
    assert row == f"parallel  2026-01-01T00:00:00+00:00  request sub-ada  {asks}"
    assert "subagent" not in render.inbox_row(InboxItem(thread_id="own", request=OWN))
    args = parser({}).parse_args(["approve", "parallel", "--request", "sub-bob"])
    assert (args.thread_id, args.request) == ("parallel", "sub-bob")
    assert parser({}).parse_args(["show", "own"]).request is None


def test_the_hint_names_only_the_decisions_the_request_allows() -> None:
    one = Pending(thread_id="t", request=_request("r1", "ada@example.com"), error=None, messages=[])
    assert _answer_hint(one, several=False) == f"Answer it with: {COMMAND} approve t   (or reject)"
    assert _answer_hint(one, several=True) == f"Answer it with: {COMMAND} approve t --request r1   (or reject)"
