"""Two answers racing a slow provider, through a real `langgraph dev`, on both graphs, under
each `multitask_strategy`: the approved call is handed to the provider once, and the thread
says it ran.

The provider is held at the send (`tests/support/held_graph.py`) while the second answer
arrives: it is refused (a strategy that would cancel the run carrying out the call, or a
busy thread), or it waits its turn and finds nothing left to answer. Counted by what the
provider received, not by what the thread says. A rollback cancel of the run carrying out
the call, on either cancel route, is refused the same way, and the run goes on; an
interrupt cancel of it is said as it is on the next message.
"""

from __future__ import annotations

import asyncio
import queue
import socket
import threading
from collections.abc import Iterator
from typing import Any, cast

import httpx
import pytest
from langgraph_sdk.client import LangGraphClient
from langgraph_sdk.schema import MultitaskStrategy

from agent.approval.contract import HITL_HISTORY, PENDING_HITL, SUBAGENT, TASK_CALL_ID, PendingRequest, resume_for
from agent.approval.cut_short import CUT_SHORT, SUBAGENT_CUT_SHORT
from agent.settings import LOCAL_TOKEN
from client.approvals import user_message
from harness.scripts import call, email, script
from server.auth import ROLLBACK_CANCEL
from tests.support.runs import APPROVE, waiting
from tests.support.served import Served, serve

PORT_VARIABLE = "HELD_PROVIDER_PORT"  # (tests/support/held_graph.py reads it; importing that builds graphs)
HELD = {"agent": "held_agent", "agent_interrupt": "held_agent_interrupt"}
CALL_TIMEOUT_S = 120


class Provider:
    """The test's end of the held provider: every call it receives, each held until `release`."""

    def __init__(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.keys: list[str] = []
        self.held: queue.Queue[socket.socket] = queue.Queue()
        self.open = threading.Event()
        """Set: later calls are let go at once (each is still counted)."""
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self) -> None:
        while True:
            try:
                call, _ = self.listener.accept()
            except OSError:
                return  # closed
            self.keys.append(call.makefile().readline().strip())
            if self.open.is_set():
                self._let_go(call)
            else:
                self.held.put(call)

    @staticmethod
    def _let_go(call: socket.socket) -> None:
        with call:
            call.sendall(b"x")

    async def next_call(self) -> socket.socket:
        """The next call, once the tool made it (the provider then waits)."""
        return await asyncio.to_thread(self.held.get, timeout=CALL_TIMEOUT_S)

    def release(self, call: socket.socket) -> None:
        """Let `call` go, and every later one as it comes."""
        self.open.set()
        self._let_go(call)
        while not self.held.empty():
            self._let_go(self.held.get())

    def close(self) -> None:
        self.listener.close()
        self._thread.join(timeout=10)


@pytest.fixture(scope="module")
def provider() -> Iterator[Provider]:
    held = Provider()
    yield held
    held.close()


@pytest.fixture(scope="module")
def held_server(tmp_path_factory: pytest.TempPathFactory, provider: Provider) -> Iterator[Served]:
    graphs = {name: f"tests/support/held_graph.py:{name.removeprefix('held_')}" for name in HELD.values()}
    env = {PORT_VARIABLE: str(provider.port)}
    with serve(tmp_path_factory.mktemp("held"), env, extra_graphs=graphs) as running:
        yield running


def _ran_once_on_record(served: Served, thread_id: str, values: dict[str, Any]) -> None:
    """The approved call reached the provider once, and the thread says it ran, approved."""
    assert len(served.attempts(thread_id)) == 1
    assert values[PENDING_HITL] is None
    (entry,) = values[HITL_HISTORY]
    assert [d["type"] for d in entry["decisions"]] == ["approve"]
    (result,) = [m for m in values["messages"] if m["type"] == "tool"]
    assert result["status"] == "success", result


async def _second_answer(
    client: LangGraphClient, thread_id: str, graph_id: str, answer: Any, strategy: MultitaskStrategy
) -> tuple[int, dict[str, Any] | None]:
    """The second answer's HTTP status, and its run if one was made."""
    try:
        run = await client.runs.create(thread_id, graph_id, command=answer, multitask_strategy=strategy)
    except httpx.HTTPStatusError as refused:
        return refused.response.status_code, None
    return 200, cast("dict[str, Any]", run)


@pytest.mark.parametrize("graph", sorted(HELD))
@pytest.mark.parametrize("strategy", ["reject", "enqueue", "interrupt", "rollback"])
async def test_two_answers_racing_a_slow_provider_send_once(
    held_server: Served, provider: Provider, graph: str, strategy: MultitaskStrategy
) -> None:
    provider.open.clear()
    graph_id = HELD[graph]
    async with held_server.client() as client:
        thread_id, request = await waiting(client, graph_id)
        answer = cast("Any", {"resume": resume_for(request, [APPROVE])})
        first = await client.runs.create(thread_id, graph_id, command=answer, multitask_strategy="reject")
        call = await provider.next_call()  # the approved call is in the provider now
        try:
            status, second = await _second_answer(client, thread_id, graph_id, answer, strategy)
        finally:
            provider.release(call)
        await client.runs.join(thread_id, first["run_id"])
        if second is not None:  # (enqueued: it runs after the first, and finds nothing to answer)
            await client.runs.join(thread_id, second["run_id"])
        ran = (await client.runs.get(thread_id, first["run_id"]))["status"]
        values = cast("dict[str, Any]", (await client.threads.get_state(thread_id))["values"])
    (sent,) = held_server.sent(thread_id)
    assert [key for key in provider.keys if key.startswith(thread_id)] == [sent["idempotency_key"]]
    _ran_once_on_record(held_server, thread_id, values)
    assert ran == "success"
    if strategy in ("interrupt", "rollback"):  # (they would cancel the run carrying out the call)
        assert status == 403
    else:
        assert status in (200, 409)  # busy, or nothing pending any more; or enqueued


async def _queued(client: LangGraphClient, thread_id: str, count: int) -> None:
    """Until `count` runs wait in the queue on the thread (the server's one worker is held)."""
    async with asyncio.timeout(CALL_TIMEOUT_S):
        while len(await client.runs.list(thread_id, status="pending")) < count:  # noqa: ASYNC110 (a server's state)
            await asyncio.sleep(0.05)


@pytest.mark.parametrize("graph", sorted(HELD))
async def test_two_approvers_at_once_one_applies_the_other_hears_so(
    held_server: Served, provider: Provider, graph: str
) -> None:
    """Both answers pass every check while the request waits; the one that runs second finds it
    answered by the first, and hears so (409), not a 200 for what it did not do."""
    provider.open.clear()
    graph_id = HELD[graph]
    async with (
        held_server.client() as client,
        httpx.AsyncClient(
            base_url=held_server.server.url, headers={"Authorization": f"Bearer {LOCAL_TOKEN}"}, timeout=CALL_TIMEOUT_S
        ) as http,
    ):
        busy, busy_request = await waiting(client, graph_id)
        thread_id, request = await waiting(client, graph_id)
        answer = {"resume": resume_for(request, [APPROVE])}
        holder = await client.runs.create(
            busy, graph_id, command=cast("Any", {"resume": resume_for(busy_request, [APPROVE])})
        )
        call = await provider.next_call()  # the one worker is held: runs on other threads wait their turn
        try:
            first = asyncio.create_task(http.post(f"/approvals/{thread_id}", json=answer))
            await _queued(client, thread_id, 1)
            second = asyncio.create_task(http.post(f"/approvals/{thread_id}", json=answer))
            await _queued(client, thread_id, 2)
        finally:
            provider.release(call)
        responses = await asyncio.gather(first, second)
        await client.runs.join(busy, holder["run_id"])
        values = cast("dict[str, Any]", (await client.threads.get_state(thread_id))["values"])
    assert sorted(r.status_code for r in responses) == [200, 409], [r.text for r in responses]
    (lost,) = [r.json()["detail"] for r in responses if r.status_code == 409]
    assert lost.startswith(f"Request {request['request_id']} was answered by another answer first"), lost
    (applied,) = [r for r in responses if r.status_code == 200]
    (entry,) = values[HITL_HISTORY]
    assert entry["answer_id"]  # (the route's own: the answer had none)
    assert applied.json()["pending"] == []
    assert len(held_server.attempts(thread_id)) == 1


def _http(served: Served) -> httpx.AsyncClient:
    """Raw HTTP as the local user (the cancel routes take `action` as a query parameter)."""
    return httpx.AsyncClient(base_url=served.server.url, headers={"x-api-key": LOCAL_TOKEN}, timeout=CALL_TIMEOUT_S)


def _answered(response: httpx.Response) -> tuple[int, Any]:
    """The status, and the one line of a refusal (`None` for an empty body: accepted)."""
    return response.status_code, response.json().get("detail") if response.content else None


ROLLBACK_ROUTES = ["per run", "bulk", "bulk by status"]


async def _rollback(http: httpx.AsyncClient, route: str, thread_id: str, run_id: str) -> httpx.Response:
    """`action=rollback` on one of the cancel routes, for the run `run_id`."""
    rollback = {"action": "rollback"}
    if route == "per run":
        return await http.post(f"/threads/{thread_id}/runs/{run_id}/cancel", params=rollback)
    body = {"thread_id": thread_id, "run_ids": [run_id]} if route == "bulk" else {"status": "running"}
    return await http.post("/runs/cancel", params=rollback, json=body)


@pytest.mark.parametrize("graph", sorted(HELD))
@pytest.mark.parametrize("route", ROLLBACK_ROUTES)
async def test_a_rollback_cancel_of_the_run_carrying_out_the_call_is_refused(
    held_server: Served, provider: Provider, graph: str, route: str
) -> None:
    """Rollback deletes the run's checkpoints while its approved call is at the provider: the
    thread would lose the call with the email sent. Refused on the per-run route and on the
    bulk one (by run id, and by status); the run goes on and says the call ran."""
    provider.open.clear()
    graph_id = HELD[graph]
    async with held_server.client() as client, _http(held_server) as http:
        thread_id, request = await waiting(client, graph_id)
        answer = cast("Any", {"resume": resume_for(request, [APPROVE])})
        run_id = (await client.runs.create(thread_id, graph_id, command=answer))["run_id"]
        call = await provider.next_call()  # the approved call is in the provider now
        try:
            cancel = await _rollback(http, route, thread_id, run_id)
        finally:
            provider.release(call)
        assert _answered(cancel) == (403, ROLLBACK_CANCEL)
        await client.runs.join(thread_id, run_id)
        ran = (await client.runs.get(thread_id, run_id))["status"]
        values = cast("dict[str, Any]", (await client.threads.get_state(thread_id))["values"])
    assert ran == "success"
    _ran_once_on_record(held_server, thread_id, values)


async def _cut_short(
    served: Served, provider: Provider, graph_id: str, turn: str | None = None
) -> tuple[str, PendingRequest, dict[str, Any]]:
    """A request on `turn` approved, its run cancelled (`action=interrupt`) with the approved call in
    the provider, then two new messages: the thread's id, the request, and the thread's values."""
    provider.open.clear()
    async with served.client() as client, _http(served) as http:
        thread_id, request = await waiting(client, graph_id, turn)
        answer = cast("Any", {"resume": resume_for(request, [APPROVE])})
        run_id = (await client.runs.create(thread_id, graph_id, command=answer))["run_id"]
        call_made = await provider.next_call()  # the approved call is in the provider now
        try:
            cancel = await http.post(f"/threads/{thread_id}/runs/{run_id}/cancel", params={"action": "interrupt"})
            await client.runs.join(thread_id, run_id)
        finally:
            provider.release(call_made)
        assert cancel.status_code == 202, cancel.text
        assert (await client.runs.get(thread_id, run_id))["status"] == "interrupted"
        for text in ("What happened?", "And now?"):
            await client.runs.wait(thread_id, graph_id, input=user_message(text))
        values = cast("dict[str, Any]", (await client.threads.get_state(thread_id))["values"])
    (action,) = request["action_requests"]
    assert [key for key in provider.keys if key.startswith(thread_id)] == [f"{thread_id}/{action['tool_call_id']}"]
    return thread_id, request, values


@pytest.mark.parametrize("graph", sorted(HELD))
async def test_an_approved_call_cut_short_by_a_cancel_is_said_as_it_is(
    held_server: Served, provider: Provider, graph: str
) -> None:
    """`action=interrupt` (the SDK's default cancel; the server's own on a client's disconnect)
    stops the run inside the tool, with the email at the provider. On the next message the
    thread says so: not "did not complete" beside an approval that reads as "it ran", but
    `interrupted` in the history and a result telling the model not to call it again."""
    _, request, values = await _cut_short(held_server, provider, HELD[graph])
    (action,) = request["action_requests"]
    (entry,) = values[HITL_HISTORY]
    assert entry["outcomes"] == {action["tool_call_id"]: {"status": "interrupted", "detail": CUT_SHORT}}
    (result,) = [m for m in values["messages"] if m["type"] == "tool"]
    assert result["status"] == "error"
    assert result["content"] == f"`send_email` was approved, and {CUT_SHORT}"


@pytest.mark.parametrize("graph", sorted(HELD))
async def test_a_subagents_approved_call_cut_short_is_said_as_it_is(
    held_server: Served, provider: Provider, graph: str
) -> None:
    """The same cancel while a `task` subagent carries out its approved call: the subagent never
    reports back, so its history entry never reached the thread's. On the next message the
    thread's `hitl_history` has the subagent's request as it was answered, the call
    `interrupted`, and the `task` result tells the model not to call it again."""
    turn = script(call("task", description=script(email()), subagent_type="general-purpose"))
    _, request, values = await _cut_short(held_server, provider, HELD[graph], turn)
    (action,) = request["action_requests"]
    (entry,) = values[HITL_HISTORY]
    assert (entry["request_id"], entry[SUBAGENT], entry[TASK_CALL_ID]) == (
        request["request_id"],
        request[SUBAGENT],
        request[TASK_CALL_ID],
    )
    assert [d["type"] for d in entry["decisions"]] == ["approve"]
    assert entry["outcomes"] == {action["tool_call_id"]: {"status": "interrupted", "detail": SUBAGENT_CUT_SHORT}}
    (result,) = [m for m in values["messages"] if m["type"] == "tool"]
    assert result["tool_call_id"] == request[TASK_CALL_ID]
    assert result["status"] == "error"
    said = f"`task` was stopped after its subagent's `send_email` was approved: {SUBAGENT_CUT_SHORT}"
    assert result["content"] == said


BARE_APPROVE: Any = {"resume": {"decisions": [APPROVE]}}
"""langchain's HITLResponse, naming no request: what HITL UIs send."""


def _to(served: Served, thread_id: str) -> list[str]:
    """Who the provider sent the thread's emails to."""
    return [str(record["to"]) for record in served.sent(thread_id)]


@pytest.mark.parametrize("graph", sorted(HELD))
async def test_an_answer_queued_behind_a_new_message_does_not_answer_what_it_makes(
    held_server: Served, provider: Provider, graph: str
) -> None:
    """A new message and then an answer naming no request, both queued (`enqueue`) while the
    request waits: the message closes the request and makes another (to eve); the answer,
    sent for the first, must not approve the second, which its sender never saw."""
    provider.open.clear()
    graph_id = HELD[graph]
    async with held_server.client() as client:
        busy, busy_request = await waiting(client, graph_id)
        thread_id, _ = await waiting(client, graph_id)
        holder = await client.runs.create(
            busy, graph_id, command=cast("Any", {"resume": resume_for(busy_request, [APPROVE])})
        )
        call = await provider.next_call()  # the one worker is held: runs on other threads wait their turn
        try:
            other = user_message(script(email(to="eve@example.com")))
            swap = await client.runs.create(thread_id, graph_id, input=other, multitask_strategy="enqueue")
            bare = await client.runs.create(thread_id, graph_id, command=BARE_APPROVE, multitask_strategy="enqueue")
        finally:
            provider.release(call)
        for run in (swap, bare):
            await client.runs.join(thread_id, run["run_id"])
        await client.runs.join(busy, holder["run_id"])
        values = cast("dict[str, Any]", (await client.threads.get_state(thread_id))["values"])
    assert _to(held_server, thread_id) == []
    assert values[PENDING_HITL]["action_requests"][0]["args"]["to"] == "eve@example.com"  # it waits, for its own answer
    assert "is not the pending request" in values[PENDING_HITL]["error"]


@pytest.mark.parametrize("graph", sorted(HELD))
async def test_an_answer_while_the_approved_call_runs_is_refused(
    held_server: Served, provider: Provider, graph: str
) -> None:
    """The request was approved and its call is at the provider; a new message is queued. An
    answer naming no request finds nothing to answer (409), instead of waiting its turn and
    approving what that message makes."""
    provider.open.clear()
    graph_id = HELD[graph]
    async with held_server.client() as client:
        thread_id, request = await waiting(client, graph_id)
        approved = await client.runs.create(
            thread_id, graph_id, command=cast("Any", {"resume": resume_for(request, [APPROVE])})
        )
        call = await provider.next_call()  # the approved call is in the provider now
        try:
            other = user_message(script(email(to="eve@example.com")))
            swap = await client.runs.create(thread_id, graph_id, input=other, multitask_strategy="enqueue")
            status, late = await _second_answer(client, thread_id, graph_id, BARE_APPROVE, "enqueue")
        finally:
            provider.release(call)
        for run in (approved, swap, *([late] if late else [])):
            await client.runs.join(thread_id, run["run_id"])
        values = cast("dict[str, Any]", (await client.threads.get_state(thread_id))["values"])
    assert (status, late) == (409, None)
    assert _to(held_server, thread_id) == ["ada@example.com"]
    assert values[PENDING_HITL]["action_requests"][0]["args"]["to"] == "eve@example.com"
