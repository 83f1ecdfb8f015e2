"""A `task` subagent's request for approval, through a real `langgraph dev`, on both graph ids.

A gated call made inside a subagent waits in the subagent's state: the parent's
`values.pending_hitl` stays null, and a client finds the request with
`threads.get_state(thread_id, subgraphs=True)` (`agent.approval.pending.pending_requests`).
It is answered like any other request. Subagents started in one reply wait
together, each answered on its own by `request_id`. The last tests restart the server,
and SIGKILL a process driving a Postgres checkpointer, while a subagent waits.
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any, cast

import httpx
import pytest
from langgraph_sdk.client import LangGraphClient

from agent.approval.contract import (
    AUDIT,
    GRAPH_ID,
    GRAPH_IDS,
    HITL_HISTORY,
    INTERRUPT_GRAPH_ID,
    OUTBOX_DIR,
    PENDING_HITL,
    SUBAGENT,
    TASK_CALL_ID,
    PendingRequest,
    resume_for,
)
from agent.approval.pending import addressed, is_resume_map, pending_requests
from client.approvals import user_message
from harness.scripts import call, email, script
from tests.support.killed import finish, pause_then_kill, run_worker
from tests.support.runs import APPROVE, pause, resume_command
from tests.support.served import Served, attempts_in, sent_in, serve

GENERAL_PURPOSE = "general-purpose"
ADA, BOB = email(to="ada@example.com"), email(to="bob@example.com")


@pytest.fixture(params=GRAPH_IDS)
def graph_id(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def delegate(*emails: dict[str, Any]) -> str:
    """A scripted turn: one `task` call per email, in one reply; each subagent sends its email."""
    return script(*(call("task", description=script(e), subagent_type=GENERAL_PURPOSE) for e in emails))


async def _state(client: LangGraphClient, thread_id: str) -> dict[str, Any]:
    """The thread's state with its subagents' (`subgraphs=True`)."""
    return cast("dict[str, Any]", await client.threads.get_state(thread_id, subgraphs=True))


async def _requests(client: LangGraphClient, thread_id: str) -> list[PendingRequest]:
    return pending_requests(await _state(client, thread_id))


async def _status(client: LangGraphClient, thread_id: str) -> str:
    return str((await client.threads.get(thread_id))["status"])


def _task_call_ids(values: dict[str, Any]) -> list[str]:
    """The ids of the parent's `task` calls (while a subagent waits, all in its last AI message)."""
    return [c["id"] for m in values["messages"] if m["type"] == "ai" for c in m["tool_calls"] if c["name"] == "task"]


def _outbox(values: dict[str, Any]) -> list[str]:
    return sorted(path for path in values["files"] if path.startswith(OUTBOX_DIR))


def _to(request: PendingRequest) -> str:
    """The address of a request's one `send_email` call."""
    (action,) = request["action_requests"]
    return str(action["args"]["to"])


async def _answer(
    client: LangGraphClient, thread_id: str, graph_id: str, request: PendingRequest, *decisions: dict[str, Any]
) -> None:
    await client.runs.wait(thread_id, graph_id, command=resume_command(request, *decisions))


async def _assert_waiting(served: Served, thread_id: str, task_call_id: str) -> PendingRequest:
    """What a reloaded page sees (a new client): one request, the subagent's, and nothing of it in the parent."""
    async with served.client() as reloaded:
        assert await _status(reloaded, thread_id) == "interrupted"
        state = await _state(reloaded, thread_id)
    (request,) = pending_requests(state)
    assert request[SUBAGENT] == GENERAL_PURPOSE
    assert request[TASK_CALL_ID] == task_call_id
    assert state["next"] == ["tools"]
    values = state["values"]
    assert values[PENDING_HITL] is None
    assert [m["type"] for m in values["messages"]] == ["human", "ai"]  # no subagent message leaked (deepagents#2781)
    assert _outbox(values) == []
    assert served.attempts(thread_id) == []
    return request


async def test_a_subagent_request_is_found_by_a_new_client(
    served: Served, client: LangGraphClient, graph_id: str
) -> None:
    thread_id = await pause(client, delegate(ADA), graph_id=graph_id)
    state = await _state(client, thread_id)
    (task_call_id,) = _task_call_ids(state["values"])
    request = await _assert_waiting(served, thread_id, task_call_id)
    assert [action["args"] for action in request["action_requests"]] == [ADA["args"]]
    assert "error" not in request
    # Only `agent_interrupt` pauses on an interrupt; its value is the subagent's request.
    interrupts = [i["value"] for task in state["tasks"] for i in task["interrupts"]]
    assert interrupts == ([] if graph_id == GRAPH_ID else [request])


async def test_a_new_message_ends_the_waiting_subagents_requests_on_record(
    served: Served, client: LangGraphClient, graph_id: str
) -> None:
    """Two subagents wait; a new message stops them: both requests are cancelled in the
    parent's history and in the audit trail, and the provider received nothing."""
    thread_id = await pause(client, delegate(ADA, BOB), graph_id=graph_id)
    asked = sorted(r["request_id"] for r in await _requests(client, thread_id))
    assert len(asked) == 2
    await client.runs.wait(thread_id, graph_id, input=user_message("never mind"))
    values = (await _state(client, thread_id))["values"]
    assert await _requests(client, thread_id) == []
    assert sorted(e["request_id"] for e in values[HITL_HISTORY]) == asked
    assert {d["type"] for e in values[HITL_HISTORY] for d in e["decisions"]} == {"cancel"}
    where = {"thread_id": thread_id, "event": "cancelled"}
    trail = (await client.store.search_items((AUDIT,), filter=where, limit=100))["items"]
    ended = sorted(i["value"]["request_id"] for i in trail)
    assert ended == asked
    assert served.attempts(thread_id) == []


async def test_approving_a_subagent_request_sends_once(served: Served, client: LangGraphClient, graph_id: str) -> None:
    thread_id = await pause(client, delegate(ADA), graph_id=graph_id)
    (task_call_id,) = _task_call_ids((await _state(client, thread_id))["values"])
    request = await _assert_waiting(served, thread_id, task_call_id)

    await _answer(client, thread_id, graph_id, request, APPROVE)
    assert await _status(client, thread_id) == "idle"
    (sent,) = served.sent(thread_id)
    assert sent["to"] == ADA["args"]["to"]
    state = await _state(client, thread_id)
    assert pending_requests(state) == []
    values = state["values"]
    (email_call_id,) = [action["tool_call_id"] for action in request["action_requests"]]
    assert _outbox(values) == [f"{OUTBOX_DIR}{email_call_id}.eml"]
    (entry,) = values[HITL_HISTORY]
    assert (entry["request_id"], entry[SUBAGENT], entry[TASK_CALL_ID]) == (
        request["request_id"],
        GENERAL_PURPOSE,
        task_call_id,
    )
    assert entry["decisions"] == [APPROVE]
    (reported,) = [m for m in values["messages"] if m["type"] == "tool"]
    assert reported["tool_call_id"] == task_call_id  # the subagent reported to the parent's task call
    assert len(served.attempts(thread_id)) == 1


@pytest.mark.parametrize(
    ("decision", "sent_to"),
    [
        ({"type": "edit", "edited_action": {"name": "send_email", "args": BOB["args"]}}, [BOB["args"]["to"]]),
        ({"type": "reject", "message": "not now"}, []),
        ({"type": "respond", "message": "Ada already knows."}, []),
    ],
    ids=["edit", "reject", "respond"],
)
async def test_each_decision_on_a_subagent_request(
    served: Served, client: LangGraphClient, graph_id: str, decision: dict[str, Any], sent_to: list[str]
) -> None:
    thread_id = await pause(client, delegate(ADA), graph_id=graph_id)
    (request,) = await _requests(client, thread_id)

    await _answer(client, thread_id, graph_id, request, decision)
    assert await _status(client, thread_id) == "idle"
    assert [e["to"] for e in served.sent(thread_id)] == sent_to
    assert [e["to"] for e in served.attempts(thread_id)] == sent_to
    state = await _state(client, thread_id)
    assert pending_requests(state) == []
    values = state["values"]
    assert len(_outbox(values)) == len(sent_to)
    (entry,) = values[HITL_HISTORY]
    assert entry["request_id"] == request["request_id"]
    assert entry[SUBAGENT] == GENERAL_PURPOSE
    assert entry["decisions"][0]["type"] == decision["type"]
    if decision["type"] == "edit":
        assert entry["decisions"][0]["edited_action"]["args"] == BOB["args"]
    else:
        (call_id,) = [action["tool_call_id"] for action in request["action_requests"]]
        assert entry["outcomes"][call_id]["status"] == {"reject": "rejected", "respond": "answered"}[decision["type"]]


async def test_a_refused_answer_keeps_the_subagent_waiting_until_a_valid_one(
    served: Served, client: LangGraphClient, graph_id: str
) -> None:
    thread_id = await pause(client, delegate(ADA), graph_id=graph_id)
    (task_call_id,) = _task_call_ids((await _state(client, thread_id))["values"])
    (first,) = await _requests(client, thread_id)

    # An argument the tool does not take: only the graph knows its tools; the run completes and
    # says why in the request.
    bcc = {"type": "edit", "edited_action": {"name": "send_email", "args": {**ADA["args"], "bcc": "eve@example.com"}}}
    await _answer(client, thread_id, graph_id, first, bcc)
    after = await _assert_waiting(served, thread_id, task_call_id)
    assert after["request_id"] == first["request_id"]
    assert "takes no argument 'bcc'" in after["error"]
    assert (await _state(client, thread_id))["values"][HITL_HISTORY] == []

    await _answer(client, thread_id, graph_id, after, APPROVE)
    assert await _status(client, thread_id) == "idle"
    assert len(served.sent(thread_id)) == 1
    assert len(served.attempts(thread_id)) == 1
    (entry,) = (await _state(client, thread_id))["values"][HITL_HISTORY]
    assert entry["request_id"] == first["request_id"]


@pytest.mark.parametrize("first_to", [ADA["args"]["to"], BOB["args"]["to"]], ids=["ada-first", "bob-first"])
async def test_parallel_subagents_are_answered_one_by_one(
    served: Served, client: LangGraphClient, graph_id: str, first_to: str
) -> None:
    thread_id = await pause(client, delegate(ADA, BOB), graph_id=graph_id)
    assert await _status(client, thread_id) == "interrupted"
    state = await _state(client, thread_id)
    assert state["next"] == ["tools", "tools"]  # a task each
    requests = {_to(r): r for r in pending_requests(state)}
    assert sorted(requests) == [ADA["args"]["to"], BOB["args"]["to"]]
    assert sorted(r[TASK_CALL_ID] for r in requests.values()) == sorted(_task_call_ids(state["values"]))
    assert {r[SUBAGENT] for r in requests.values()} == {GENERAL_PURPOSE}
    assert state["values"][PENDING_HITL] is None

    # An answer that names no request, while two wait: refused, with both ids.
    with pytest.raises(httpx.HTTPStatusError) as refused:
        await client.runs.wait(thread_id, graph_id, command={"resume": {"decisions": [APPROVE]}})
    assert refused.value.response.status_code == 409
    detail = refused.value.response.json()["detail"]
    assert all(r["request_id"] in detail for r in requests.values()), detail
    assert served.attempts(thread_id) == []
    assert len(await _requests(client, thread_id)) == 2

    (second_to,) = set(requests) - {first_to}
    if graph_id == INTERRUPT_GRAPH_ID:
        # In LangGraph's own form, keyed by the interrupt id: taken as it is.
        keyed = addressed(state, resume_for(requests[first_to], [APPROVE])).resume
        assert is_resume_map(keyed)
        await client.runs.wait(thread_id, graph_id, command={"resume": keyed})
    else:  # no interrupt ids at breakpoints: the server names the request in the run's config
        await _answer(client, thread_id, graph_id, requests[first_to], APPROVE)
    assert await _status(client, thread_id) == "interrupted"
    assert [e["to"] for e in served.sent(thread_id)] == [first_to]
    (waiting,) = await _requests(client, thread_id)
    assert waiting["request_id"] == requests[second_to]["request_id"]

    await _answer(client, thread_id, graph_id, waiting, APPROVE)
    assert await _status(client, thread_id) == "idle"
    assert sorted(e["to"] for e in served.attempts(thread_id)) == sorted(requests)  # each sent once
    state = await _state(client, thread_id)
    assert pending_requests(state) == []
    values = state["values"]
    assert len(_outbox(values)) == 2
    history = {entry["request_id"]: entry for entry in values[HITL_HISTORY]}
    assert set(history) == {r["request_id"] for r in requests.values()}
    assert {history[r["request_id"]][TASK_CALL_ID] for r in requests.values()} == set(_task_call_ids(values))
    assert sorted(m["tool_call_id"] for m in values["messages"] if m["type"] == "tool") == sorted(
        _task_call_ids(values)
    )


async def test_subagent_requests_pending_across_a_restart_are_answered_once(tmp_path: Path) -> None:
    """One restart for both graph ids: a thread of each waits on its subagent across it."""
    with serve(tmp_path) as first:
        async with first.client() as client:
            threads = {graph_id: await pause(client, delegate(ADA), graph_id=graph_id) for graph_id in GRAPH_IDS}
            before = {graph_id: await _requests(client, thread_id) for graph_id, thread_id in threads.items()}

    with serve(tmp_path) as second:
        async with second.client() as client:
            for graph_id, thread_id in threads.items():
                (task_call_id,) = _task_call_ids((await _state(client, thread_id))["values"])
                request = await _assert_waiting(second, thread_id, task_call_id)
                assert [request] == before[graph_id]
                await _answer(client, thread_id, graph_id, request, APPROVE)
                assert await _status(client, thread_id) == "idle"
                assert len(second.sent(thread_id)) == 1
                assert len(second.attempts(thread_id)) == 1
                (entry,) = (await _state(client, thread_id))["values"][HITL_HISTORY]
                assert entry[SUBAGENT] == GENERAL_PURPOSE


@pytest.mark.parametrize("pause_kind", ["breakpoint", "interrupt"])
@pytest.mark.parametrize("durability", ["sync", "async", "exit"])
def test_subagent_request_survives_a_sigkill_on_postgres(
    database_uri: str, tmp_path: Path, durability: str, pause_kind: str
) -> None:
    """A process pauses on a subagent's request and is SIGKILLed; a new one approves it: one email."""
    log, thread_id = tmp_path / "emails.jsonl", uuid.uuid4().hex
    options = ("--delegate", "--pause", pause_kind)
    request_id = pause_then_kill(database_uri, log, thread_id, durability, *options)
    assert sent_in(log, thread_id) == []

    summary = finish(database_uri, log, thread_id, *options)
    assert summary["pending"] is None
    assert summary["next"] == []
    assert summary["history_requests"] == [request_id]  # the request it paused on, answered
    assert summary["history_subagents"] == [GENERAL_PURPOSE]
    assert len(summary["outbox"]) == 1
    (sent,) = sent_in(log, thread_id)
    assert sent["to"] == ADA["args"]["to"]


def test_a_subagent_killed_after_the_send_never_sends_twice(database_uri: str, tmp_path: Path) -> None:
    """Approved, sent, SIGKILLed inside the send: the subagent's replayed send is refused by its key.

    One durability mode: the process dies inside the tool, before any mode saves the call's result.
    """
    log, thread_id, durability = tmp_path / "emails.jsonl", uuid.uuid4().hex, "sync"
    paused = run_worker(database_uri, log, "pause", thread_id, durability, "--delegate")
    assert paused.returncode == 0, paused.stderr  # an empty stdin: the worker exits once paused
    crashed = run_worker(database_uri, log, "approve", thread_id, durability, "--delegate", "--die-after-send")
    assert crashed.returncode == -9, crashed.stderr  # killed itself right after the send
    assert len(sent_in(log, thread_id)) == 1

    summary = finish(database_uri, log, thread_id, "--delegate")
    assert summary["pending"] is None
    assert summary["next"] == []
    assert summary["history_subagents"] == [GENERAL_PURPOSE]
    assert len(summary["outbox"]) == 1
    assert len(sent_in(log, thread_id)) == 1
    attempts = attempts_in(log, thread_id)
    assert len(attempts) == 2
    assert attempts[1]["idempotency_key"] == attempts[0]["idempotency_key"]
