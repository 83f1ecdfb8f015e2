"""Routes the template's configuration switches off or refuses, on every server that serves them.

A real `langgraph dev` with the template's `langgraph.json`, and one without its `http.app`
(the page and the API guard), as a fork that dropped the page would serve it: the rules
hold on both, since they live in `server/auth.py`, which every route the server authorizes
passes. Both serve the v2 event-streaming protocol (`FF_V2_EVENT_STREAMING=true`, as on a
deployment that does not set the flag off: langgraph-api 0.16.7 drops `langgraph.json`'s
`http.disable_event_streaming`). On a thread with a pending request, each attempt is off
(404/405) or refused with one line, and changes nothing: the same request waits, no run
was added, the email provider received nothing.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator, Iterator
from typing import Any, cast

import httpx
import pytest
from langgraph_sdk.client import LangGraphClient
from websockets.asyncio.client import connect as websocket
from websockets.exceptions import InvalidStatus

from agent.approval.contract import (
    APPROVAL_NODE,
    GRAPH_IDS,
    HITL_HISTORY,
    INTERRUPT_GRAPH_ID,
    PENDING_HITL,
    PendingRequest,
)
from agent.settings import LOCAL_TOKEN
from client.approvals import user_message
from harness.scripts import email, script
from harness.server import DevServer
from server.asgi import shown
from server.auth import AEGRA_CANCEL, CRONS
from server.run_request import EARLIER_CHECKPOINT, INTERNAL
from server.steering import CANCELLING_STRATEGY, NAMED_CHECKPOINT, OWN_BREAKPOINTS, V2_PROTOCOL
from tests.support.aegra import AegraServer, aegra_bin
from tests.support.postgres import database_for_tests
from tests.support.runs import resume_command, waiting
from tests.support.served import Served, serve

V2_ON = {"FF_V2_EVENT_STREAMING": "true"}
WS_TIMEOUT_S = 60


@pytest.fixture(scope="module", params=["page", "no-page"])
def server(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    with serve(tmp_path_factory.mktemp(str(request.param)), V2_ON, http_app=request.param == "page") as running:
        yield running


@pytest.fixture
async def sdk(server: Served) -> AsyncIterator[LangGraphClient]:
    async with server.client() as client:
        yield client


def _http(served: Served) -> httpx.AsyncClient:
    """Raw HTTP as the local user, for the routes and fields the SDK does not send."""
    return httpx.AsyncClient(base_url=served.server.url, headers={"x-api-key": LOCAL_TOKEN}, timeout=60)


@pytest.fixture
async def http(server: Served) -> AsyncIterator[httpx.AsyncClient]:
    async with _http(server) as client:
        yield client


def _has_page(served: Served) -> bool:
    return isinstance(served.server, DevServer) and served.server.http_app


@pytest.fixture(params=GRAPH_IDS)
def graph_id(request: pytest.FixtureRequest) -> str:
    return str(request.param)


class Waiting:
    """A thread with a pending request, and what must stay as it is."""

    def __init__(self, thread_id: str, request: PendingRequest, runs: int) -> None:
        self.thread_id = thread_id
        self.request = request
        self.runs = runs

    async def unchanged(self, served: Served, sdk: LangGraphClient) -> None:
        """The same request waits at the approval node, no run was added, no email was attempted."""
        state = cast("dict[str, Any]", await sdk.threads.get_state(self.thread_id))
        assert state["next"] == [APPROVAL_NODE]
        assert state["values"][PENDING_HITL]["request_id"] == self.request["request_id"]
        assert state["values"][HITL_HISTORY] == []
        assert len(await sdk.runs.list(self.thread_id)) == self.runs
        assert served.attempts(self.thread_id) == []


async def _waiting(sdk: LangGraphClient, graph_id: str) -> Waiting:
    thread_id, request = await waiting(sdk, graph_id)
    return Waiting(thread_id, request, len(await sdk.runs.list(thread_id)))


def _one_line(response: httpx.Response) -> str:
    """The refusal's one line: langgraph-api's `detail`, aegra's `message`."""
    body = response.json()
    detail = str(body.get("detail") or body.get("message") or "")
    assert detail, response.text
    assert "\n" not in detail
    return detail


def _refused(response: httpx.Response, status: int = 403) -> str:
    assert response.status_code == status, response.text
    return _one_line(response)


def _v2_refused(response: httpx.Response) -> None:
    """A v2 command that starts nothing: the route off, a 4xx with one line (the API guard's),
    or langgraph-api's error envelope (it answers 200) around the auth handler's refusal."""
    if response.status_code in (404, 405):
        return
    if response.status_code != 200:
        assert 400 <= response.status_code < 500, response.text
        _one_line(response)
        return
    body = response.json()
    assert body["type"] == "error", body
    assert V2_PROTOCOL in body["message"], body


async def _ws_reply(url: str, command: dict[str, Any]) -> dict[str, Any] | None:
    """The reply to `command` over a WebSocket as the local user; `None` if the handshake is refused."""
    try:
        async with websocket(url, additional_headers={"x-api-key": LOCAL_TOKEN}) as ws:
            await ws.send(json.dumps(command))
            async with asyncio.timeout(WS_TIMEOUT_S):
                while (reply := json.loads(await ws.recv())).get("id") != command["id"]:
                    pass  # (an event of the thread's stream)
    except InvalidStatus:
        return None
    return cast("dict[str, Any]", reply)


def _interrupt_ids(state: dict[str, Any]) -> list[str]:
    return [str(i["id"]) for task in state.get("tasks") or [] for i in task.get("interrupts") or []]


async def test_the_v2_protocol_starts_and_answers_nothing(
    server: Served, sdk: LangGraphClient, http: httpx.AsyncClient, graph_id: str
) -> None:
    waiting = await _waiting(sdk, graph_id)
    thread_id = waiting.thread_id
    state = cast("dict[str, Any]", await sdk.threads.get_state(thread_id))
    earlier = (await sdk.threads.get_history(thread_id, limit=3))[-1]["checkpoint"]["checkpoint_id"]
    commands: list[dict[str, Any]] = [
        # a new message (on a waiting thread the server makes it the answer)
        {"method": "run.start", "params": {"assistant_id": graph_id, "input": user_message("hello")}},
        # from a made-up checkpoint (an empty thread), and from an earlier one
        *(
            {
                "method": "run.start",
                "params": {"assistant_id": graph_id, "config": {"configurable": {"checkpoint_id": c}}},
            }
            for c in (str(uuid.uuid4()), earlier)
        ),
        # the pending request's answer, past the checks on answers
        *(
            {"method": "input.respond", "params": {"interrupt_id": i, "response": resume_command(waiting.request)}}
            for i in _interrupt_ids(state)
        ),
    ]
    assert len(commands) == (4 if graph_id == INTERRUPT_GRAPH_ID else 3)
    for number, command in enumerate(commands, 1):
        _v2_refused(await http.post(f"/threads/{thread_id}/commands", json={"id": number, **command}))

    # The same over the protocol's WebSocket.
    ws_url = server.server.url.replace("http://", "ws://")
    for number, command in enumerate(commands, 1):
        reply = await _ws_reply(f"{ws_url}/threads/{thread_id}/stream/events", {"id": number, **command})
        if reply is not None:  # (`None`: the route is off)
            assert reply["type"] == "error", reply
            assert V2_PROTOCOL in reply["message"], reply
    # The attach route the protocol's docs name: not served.
    run_id = (await sdk.runs.list(thread_id))[0]["run_id"]
    assert await _ws_reply(f"{ws_url}/threads/{thread_id}/runs/{run_id}/protocol", {"id": 1, **commands[0]}) is None
    await waiting.unchanged(server, sdk)


async def test_mcp_and_a2a_are_off(server: Served, sdk: LangGraphClient, http: httpx.AsyncClient) -> None:
    waiting = await _waiting(sdk, INTERRUPT_GRAPH_ID)
    assistant_id = (await sdk.assistants.search(graph_id=INTERRUPT_GRAPH_ID))[0]["assistant_id"]
    call = {"name": INTERRUPT_GRAPH_ID, "arguments": user_message(script(email()))}
    message = {
        "role": "user",
        "parts": [{"kind": "text", "text": "approve"}],
        "messageId": str(uuid.uuid4()),
        "contextId": waiting.thread_id,
    }
    attempts = {
        "mcp": await http.post("/mcp", json={"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": call}),
        "mcp tools": await http.post("/mcp", json={"jsonrpc": "2.0", "id": 2, "method": "tools/list"}),
        "a2a": await http.post(
            f"/a2a/{assistant_id}",
            json={"jsonrpc": "2.0", "id": 3, "method": "message/send", "params": {"message": message}},
        ),
        "a2a card": await http.get("/.well-known/agent-card.json", params={"assistant_id": assistant_id}),
    }
    assert {name: r.status_code for name, r in attempts.items()} == dict.fromkeys(attempts, 404)
    await waiting.unchanged(server, sdk)


@pytest.mark.parametrize(
    "case",
    [
        ({"interrupt_before": ["tools"]}, OWN_BREAKPOINTS.format(field="interrupt_before")),
        ({"interrupt_after": "*"}, OWN_BREAKPOINTS.format(field="interrupt_after")),
        ({"multitask_strategy": "interrupt"}, CANCELLING_STRATEGY.format(strategy="interrupt")),
        ({"multitask_strategy": "rollback"}, CANCELLING_STRATEGY.format(strategy="rollback")),
    ],
    ids=["interrupt_before", "interrupt_after", "interrupt", "rollback"],
)
async def test_runs_that_could_go_around_the_approval_are_refused(
    server: Served, sdk: LangGraphClient, http: httpx.AsyncClient, graph_id: str, case: tuple[dict[str, Any], str]
) -> None:
    """The answer that would approve the call, a new message or none, with breakpoints of its own
    or a strategy that cancels the run in flight."""
    extra, refusal = case
    waiting = await _waiting(sdk, graph_id)
    answer = {"command": resume_command(waiting.request)}
    for body in (answer, {"input": user_message("hello")}, {"input": None}):
        response = await http.post(
            f"/threads/{waiting.thread_id}/runs/wait", json={"assistant_id": graph_id, **body, **extra}
        )
        assert _refused(response) == refusal
    await waiting.unchanged(server, sdk)


MALFORMED: dict[str, tuple[dict[str, Any], str]] = {
    "input a list": ({"input": [1]}, "`input` must be an object, got a list."),
    "input a string": ({"input": "hello"}, "`input` must be an object, got a string 'hello'."),
    "unknown command key": (
        {"command": {"resume_": True}},
        "`command` holds `resume` (an answer), `update` or `goto`; 'resume_' is none of them.",
    ),
    "config.metadata a number": ({"config": {"metadata": 5}}, "`config.metadata` must be an object, got a number 5."),
    "after_seconds past year 9999": (
        {"after_seconds": 10**12},
        "`after_seconds` must be a number of seconds from 0 to 31,622,400 (a year), got a number 1000000000000.",
    ),
}
"""Runs the server failed on (a 500, or a run that failed inside and left the thread `error`)."""


@pytest.mark.parametrize("case", MALFORMED.values(), ids=MALFORMED.keys())
async def test_runs_with_a_field_the_server_fails_on_are_refused(
    server: Served, sdk: LangGraphClient, http: httpx.AsyncClient, graph_id: str, case: tuple[dict[str, Any], str]
) -> None:
    """With the page its API guard answers 422, without it the server's auth 403, in the same
    line; the request waits as it was, the thread not `error`."""
    extra, refusal = case
    waiting = await _waiting(sdk, graph_id)
    response = await http.post(f"/threads/{waiting.thread_id}/runs/wait", json={"assistant_id": graph_id, **extra})
    assert _refused(response, 422 if _has_page(server) else 403) == refusal
    assert (await sdk.threads.get(waiting.thread_id))["status"] == "interrupted"
    await waiting.unchanged(server, sdk)


NOT_AN_OBJECT: tuple[Any, ...] = (5, "x", [1])
UPSTREAM_TRACER = (
    "langgraph-api reads `langsmith_tracer` (`.get`) in create_valid_run, before the auth handlers and "
    "with no hook of the template's that sees the body: without the page's http.app, {failed}"
)


async def test_a_tracer_that_is_not_an_object_changes_nothing(
    server: Served, sdk: LangGraphClient, http: httpx.AsyncClient, graph_id: str
) -> None:
    """`langsmith_tracer` of another type, on the waiting thread, stateless and in a batch: the API
    guard answers 422 with one line. Without it, langgraph-api fails first (a 500, the connection
    then dropped), which nothing of the template can precede; either way nothing changes."""
    waiting = await _waiting(sdk, graph_id)
    failed = []
    for value in NOT_AN_OBJECT:
        run = {"assistant_id": graph_id, "input": {"messages": []}, "langsmith_tracer": value}
        for route, body in (
            (f"/threads/{waiting.thread_id}/runs/wait", run),
            ("/runs/wait", run),
            ("/runs/batch", [run]),
        ):
            try:
                response = await http.post(route, json=body)
            except httpx.TransportError as dropped:
                failed.append(f"{route} {value!r}: {type(dropped).__name__}")
                continue
            if response.status_code >= 500:
                failed.append(f"{route} {value!r}: {response.status_code}")
                continue
            assert _refused(response, 422) == f"`langsmith_tracer` must be an object, got {_a(value)}.", route
    await waiting.unchanged(server, sdk)
    assert (await sdk.threads.get(waiting.thread_id))["status"] == "interrupted"
    if failed and not _has_page(server):
        pytest.xfail(UPSTREAM_TRACER.format(failed=", ".join(failed)))
    assert failed == []


def _a(value: Any) -> str:
    """How the guard names a value of the wrong type (`server.run_request.WRONG_TYPE`)."""
    return {int: f"a number {value}", str: f"a string {value!r}", list: "a list"}[type(value)]


async def test_runs_that_name_a_checkpoint_are_refused(
    server: Served, sdk: LangGraphClient, http: httpx.AsyncClient, graph_id: str
) -> None:
    """In every place a run names one; from an earlier checkpoint or a made-up one (a fork, an
    emptied thread). Where the page is mounted its API guard refuses them first (409, naming
    the place and the latest checkpoint); without it, the server's auth (403), which reads the
    checkpoint where the server has put it by then, the run's `configurable`."""
    waiting = await _waiting(sdk, graph_id)
    thread_id = waiting.thread_id
    latest = (await sdk.threads.get_state(thread_id))["checkpoint"]["checkpoint_id"]
    earlier = (await sdk.threads.get_history(thread_id, limit=3))[-1]["checkpoint"]["checkpoint_id"]
    answered: dict[tuple[str, str], tuple[int, str]] = {}
    wanted: dict[tuple[str, str], tuple[int, str]] = {}
    for which, checkpoint_id in (("earlier", earlier), ("made up", str(uuid.uuid4()))):
        places: dict[str, dict[str, Any]] = {
            "checkpoint_id": {"checkpoint_id": checkpoint_id},
            "checkpoint": {"checkpoint": {"checkpoint_id": checkpoint_id, "checkpoint_ns": ""}},
            "config.configurable": {"config": {"configurable": {"checkpoint_id": checkpoint_id}}},
            "context": {"context": {"checkpoint_id": checkpoint_id}},
        }
        for place, named in places.items():
            response = await http.post(
                f"/threads/{thread_id}/runs/wait", json={"assistant_id": graph_id, "input": None, **named}
            )
            answered[which, place] = response.status_code, _one_line(response) if response.is_error else ""
            field = place if place == "checkpoint_id" else f"{place}.checkpoint_id"
            by_guard = (
                409,
                EARLIER_CHECKPOINT.format(named=shown(checkpoint_id), thread_id=thread_id, field=field, latest=latest),
            )
            by_auth = 403, NAMED_CHECKPOINT.format(field="config.configurable.checkpoint_id")
            wanted[which, place] = by_guard if _has_page(server) else by_auth
    assert answered == wanted
    await waiting.unchanged(server, sdk)


async def test_without_the_page_even_the_latest_checkpoint_is_refused(
    server: Served, sdk: LangGraphClient, http: httpx.AsyncClient
) -> None:
    """The page's guard lets an answer naming the thread's latest checkpoint (Agent Chat UI's) go
    on without it; without the guard nothing can tell it is the latest, so it is refused."""
    if _has_page(server):
        pytest.skip("with the page, an answer naming the latest checkpoint is taken (test_adversarial.py)")
    waiting = await _waiting(sdk, INTERRUPT_GRAPH_ID)
    latest = (await sdk.threads.get_state(waiting.thread_id))["checkpoint"]["checkpoint_id"]
    body = {"assistant_id": INTERRUPT_GRAPH_ID, "command": resume_command(waiting.request)}
    response = await http.post(
        f"/threads/{waiting.thread_id}/runs/wait", json={**body, "checkpoint": {"checkpoint_id": latest}}
    )
    assert _refused(response) == NAMED_CHECKPOINT.format(field="config.configurable.checkpoint_id")
    await waiting.unchanged(server, sdk)


async def test_stateless_runs_and_crons_are_refused(
    server: Served, sdk: LangGraphClient, http: httpx.AsyncClient
) -> None:
    waiting = await _waiting(sdk, INTERRUPT_GRAPH_ID)
    threads = len(await sdk.threads.search(limit=1000))
    run = {"assistant_id": INTERRUPT_GRAPH_ID, "input": user_message(script(email()))}
    cron = {**run, "schedule": "* * * * *"}
    stateless = {
        "/runs": await http.post("/runs", json=run),
        "/runs/wait": await http.post("/runs/wait", json=run),
        "/runs/stream": await http.post("/runs/stream", json=run),
        "/runs/batch": await http.post("/runs/batch", json=[run, run]),
    }
    for name, response in stateless.items():
        assert _refused(response).startswith("Runs need a thread"), name
    crons = {
        "/runs/crons": await http.post("/runs/crons", json=cron),
        "/threads/{id}/runs/crons": await http.post(f"/threads/{waiting.thread_id}/runs/crons", json=cron),
        "/runs/crons/search": await http.post("/runs/crons/search", json={}),
    }
    for name, response in crons.items():
        assert _refused(response) == CRONS, name
    assert len(await sdk.threads.search(limit=1000)) == threads
    await waiting.unchanged(server, sdk)


@pytest.fixture(scope="module")
def aegra(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """aegra (`make serve`'s server) on the same `langgraph.json`, its v2 protocol on."""
    aegra_bin()  # skip early (before creating a database) when aegra is not installed
    with database_for_tests() as database:
        workdir = tmp_path_factory.mktemp("aegra")
        log = workdir / "emails.jsonl"
        server = AegraServer(workdir=workdir, database_url=database, env={"EMAIL_LOG": str(log), **V2_ON})
        served = Served(server=server.start(), email_log=log, graph_id=INTERRUPT_GRAPH_ID)
        try:
            yield served
        finally:
            server.stop()


async def test_the_same_runs_are_refused_on_aegra(aegra: Served) -> None:
    """aegra's v2 commands pass no check of a run at all but this one; its runs' fields are the
    request's own (not langgraph-api's `kwargs`). A cancel is refused saying why: aegra passes it
    as it passes a state write."""
    async with aegra.client() as sdk:
        waiting = await _waiting(sdk, INTERRUPT_GRAPH_ID)
        thread_id = waiting.thread_id
        answer = resume_command(waiting.request)
        async with _http(aegra) as http:
            start = {"assistant_id": INTERRUPT_GRAPH_ID, "input": user_message("hello")}
            for number, command in enumerate(
                [
                    {"method": "run.start", "params": start},
                    {"method": "input.respond", "params": {"interrupt_id": "x", "response": answer}},
                ],
                1,
            ):
                response = await http.post(f"/threads/{thread_id}/commands", json={"id": number, **command})
                if response.status_code not in (404, 405, 503):  # (503: aegra's flag off)
                    assert _refused(response) == V2_PROTOCOL
            refusals: dict[str, tuple[dict[str, Any], str | None]] = {
                "interrupt_before": ({"interrupt_before": ["tools"]}, OWN_BREAKPOINTS.format(field="interrupt_before")),
                "rollback": ({"multitask_strategy": "rollback"}, CANCELLING_STRATEGY.format(strategy="rollback")),
                "checkpoint_id": ({"checkpoint_id": str(uuid.uuid4())}, None),
                "input a list": ({"input": [1]}, "`input` must be an object, got a list."),
            }
            for name, (extra, refusal) in refusals.items():
                body = {"assistant_id": INTERRUPT_GRAPH_ID, "command": answer, **extra}
                response = await http.post(f"/threads/{thread_id}/runs/wait", json=body)
                assert response.status_code in (403, 409, 422), (name, response.text)
                detail = _one_line(response)
                assert refusal is None or detail == refusal, name
            run_id = (await sdk.runs.list(thread_id))[0]["run_id"]
            cancels = {
                "per run": await http.post(f"/threads/{thread_id}/runs/{run_id}/cancel"),
                "bulk": await http.post("/runs/cancel", json={"thread_id": thread_id, "run_ids": [run_id]}),
                "by status": await http.post("/runs/cancel", json={"status": "running"}),
                "patch": await http.patch(f"/threads/{thread_id}/runs/{run_id}", json={"status": "interrupted"}),
            }
            assert {name: _refused(response) for name, response in cancels.items()} == dict.fromkeys(
                cancels, AEGRA_CANCEL
            )
            cron = {"assistant_id": INTERRUPT_GRAPH_ID, "schedule": "* * * * *", "input": user_message("hello")}
            assert _refused(await http.post(f"/threads/{thread_id}/runs/crons", json=cron)) == CRONS
        await waiting.unchanged(aegra, sdk)


STEERING_KEY = "__pregel_resuming"
"""One of LangGraph's own keys: set, it has a run resume from the thread's checkpoint as if replaying."""


async def test_runs_that_set_langgraphs_own_keys_are_refused(
    server: Served, sdk: LangGraphClient, http: httpx.AsyncClient, graph_id: str
) -> None:
    """On a thread and on the stateless route that keeps the thread it makes, with the page
    (its API guard names the key where the client wrote it) and without it (the server's
    auth, where the server has put it: the run's `configurable`): 403 and one line."""
    waiting = await _waiting(sdk, graph_id)
    threads = len(await sdk.threads.search(limit=1000))
    new: dict[str, Any] = {"assistant_id": graph_id, "input": user_message("hello")}
    routes = {
        f"/threads/{waiting.thread_id}/runs/wait": new,
        "/runs/wait": {**new, "on_completion": "keep"},
    }
    answered: dict[str, tuple[int, str]] = {}
    wanted: dict[str, tuple[int, str]] = {}
    for url, body in routes.items():
        response = await http.post(url, json={**body, "config": {"configurable": {STEERING_KEY: True}}})
        answered[url] = response.status_code, _one_line(response) if response.is_error else ""
        wanted[url] = 403, INTERNAL.format(field=shown(f"config.configurable.{STEERING_KEY}"))
    assert answered == wanted
    assert len(await sdk.threads.search(limit=1000)) == threads
    await waiting.unchanged(server, sdk)
