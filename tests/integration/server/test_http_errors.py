"""The HTTP layer's early, clear errors, through a real `langgraph dev`, on both graph ids.

Every malformed request to a route the API guard or the approvals routes read gets a
4xx with a one-line `detail`, never a 500, with or without a token, and changes
nothing: a body nested 100,000 deep, NaN, invalid JSON, a list, wrong types in every
field they read. And an answer through `POST /approvals/<thread>` that did not apply
(the graph refused it, or the request had expired) says so instead of a 200.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any, cast

import httpx
import pytest
from langgraph_sdk.client import LangGraphClient

from agent.approval.contract import AUDIT, EXPIRE, GRAPH_IDS, HITL_HISTORY, PENDING_HITL, resume_for
from agent.approval.decisions import NOT_AN_ANSWER
from agent.approval.pending import pending_requests
from harness.scripts import call, email, script
from server.asgi import MAX_BODY, TOO_LARGE, shown
from server.run_request import INTERNAL
from tests.integration.conftest import PLAIN_GRAPH, USERS
from tests.support.runs import APPROVE, pause, waiting
from tests.support.served import Served, serve

TYPES: tuple[Any, ...] = ("x", 5, 1.5, True, [], [1], {}, {"a": 1})
"""A value of each JSON type, for every field the guard and the approvals routes read."""
OUT_OF_RANGE: dict[str, tuple[Any, ...]] = {"after_seconds": (1e300, 10**12, -1.0, 400 * 86_400)}
"""Values of the right type that the server cannot take: a date past year 9999 was a 500 that left
the thread busy."""
STEERING_KEY = "__pregel_resuming"
"""One of LangGraph's own keys, which no request may set (`server.run_request.internal`)."""
DEEP: dict[str, str | bytes] = {"lists": "[" * 100_000, "objects": '{"a":' * 100_000}
NOT_JSON: dict[str, str | bytes] = {
    "NaN": "NaN",
    "Infinity": '{"assistant_id": "agent", "input": Infinity}',
    "-Infinity in an answer": '{"resume": {"decisions": [-Infinity]}}',
    "cut short": '{"assistant_id": "agent", "command": {"resume": ',
    "not UTF-8": b'{"assistant_id": "\xff"}',
    "a list": "[1, 2]",
    "a string": '"resume"',
    "a number": "5",
}


@pytest.fixture(params=GRAPH_IDS)
def graph_id(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
async def http(users_server: Served) -> AsyncIterator[httpx.AsyncClient]:
    """ada, over plain HTTP: the bodies exactly as written."""
    async with _http(users_server, USERS["ada"]) as client:
        yield client


def _http(served: Served, token: str | None) -> httpx.AsyncClient:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    headers["Content-Type"] = "application/json"
    return httpx.AsyncClient(base_url=served.server.url, headers=headers, timeout=120)


def _one_line(response: httpx.Response) -> str:
    """The response is no 500, and an error says why in one line."""
    assert response.status_code < 500, f"{response.status_code} {response.text[:300]}"
    if response.status_code < 400:
        return ""
    detail = response.json().get("detail")
    assert isinstance(detail, str), response.text[:300]
    assert detail
    assert "\n" not in detail, detail
    return detail


class Unchanged:
    """What a refused request must leave as it was: the request waiting, no history, no email;
    and for a request refused before anything ran (a 4xx), the thread's latest checkpoint too."""

    def __init__(self, served: Served, client: LangGraphClient, thread_id: str) -> None:
        self.served, self.client, self.thread_id = served, client, thread_id
        self.checkpoint = ""
        self.requests: list[str] = []

    async def state(self) -> dict[str, Any]:
        return cast("dict[str, Any]", await self.client.threads.get_state(self.thread_id, subgraphs=True))

    async def take(self) -> Unchanged:
        state = await self.state()
        self.checkpoint = state["checkpoint"]["checkpoint_id"]
        self.requests = [r["request_id"] for r in pending_requests(state)]
        return self

    async def check(self, response: httpx.Response, what: str) -> None:
        _one_line(response)
        thread = await self.client.threads.get(self.thread_id)
        assert thread["status"] == "interrupted", f"{what}: the thread is {thread['status']}"
        state = await self.state()
        assert [r["request_id"] for r in pending_requests(state)] == self.requests, what
        assert state["values"][HITL_HISTORY] == [], what
        assert self.served.attempts(self.thread_id) == [], what
        if response.status_code >= 400:
            assert state["checkpoint"]["checkpoint_id"] == self.checkpoint, what
        self.checkpoint = state["checkpoint"]["checkpoint_id"]  # (a refusal by the graph writes its error)


def _routes(thread_id: str) -> list[str]:
    """Every route family the guard and the approvals routes read a body on."""
    runs = f"/threads/{thread_id}/runs"
    return ["/threads", runs, f"{runs}/stream", f"{runs}/wait", f"/approvals/{thread_id}"]


@pytest.mark.parametrize("token", [USERS["ada"], None], ids=["signed-in", "no-token"])
async def test_bodies_that_are_not_json_objects_get_one_line(
    users_server: Served, ada: LangGraphClient, graph_id: str, token: str | None
) -> None:
    thread_id, _ = await waiting(ada, graph_id)
    unchanged = await Unchanged(users_server, ada, thread_id).take()
    async with _http(users_server, token) as client:
        for route in _routes(thread_id):
            for name, body in {**DEEP, **NOT_JSON}.items():
                response = await client.post(route, content=body)
                await unchanged.check(response, f"{route}: {name}")
                assert response.status_code in (400, 401, 422), f"{route}: {name}: {response.status_code}"
                if name in DEEP and (token or not route.startswith("/approvals")):
                    # refused before anything parses it (the guard: before the server authenticates)
                    assert "nests deeper than 64 levels" in _one_line(response), route


async def test_every_field_the_guard_reads_may_have_any_type(
    users_server: Served, ada: LangGraphClient, http: httpx.AsyncClient, graph_id: str
) -> None:
    thread_id, request = await waiting(ada, graph_id)
    unchanged = await Unchanged(users_server, ada, thread_id).take()
    # An answer the graph refuses (no decisions): whatever gets past the guard changes nothing.
    refused: dict[str, Any] = {"request_id": request["request_id"], "decisions": []}
    base: dict[str, Any] = {"assistant_id": graph_id, "command": {"resume": refused}}
    fields = [
        *("command", "command.resume", "command.resume.request_id", "command.goto", "command.update"),
        *("config", "config.configurable", "context", "checkpoint", "checkpoint_id", "if_not_exists"),
        *("input", "metadata", "config.metadata", "langsmith_tracer", "after_seconds"),
        *(
            f"{place}.{key}"
            for place in ("checkpoint", "config.configurable", "context")
            for key in ("checkpoint_id", "checkpoint_ns", "checkpoint_map", STEERING_KEY)
        ),
    ]
    for field in fields:
        for value in (*TYPES, *OUT_OF_RANGE.get(field, ())):
            response = await http.post(f"/threads/{thread_id}/runs/wait", json=_put(base, field, value))
            await unchanged.check(response, f"{field} = {value!r}")
            if field.endswith(STEERING_KEY):  # set at all, whatever its value: LangGraph's own
                steered = (403, INTERNAL.format(field=shown(field)))
                assert (response.status_code, _one_line(response)) == steered, f"{field} = {value!r}"
    response = await http.post("/threads", json={"supersteps": [{"updates": "x"}]})
    assert response.status_code == 403
    _one_line(response)


def _put(body: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    """A copy of `body` with `value` at the dotted `path` (objects made on the way as needed)."""
    head, _, rest = path.partition(".")
    inner = body.get(head)
    return {**body, head: _put(inner if isinstance(inner, dict) else {}, rest, value) if rest else value}


async def test_every_field_of_an_approvals_answer_may_have_any_type(
    users_server: Served, ada: LangGraphClient, http: httpx.AsyncClient, graph_id: str
) -> None:
    thread_id, request = await waiting(ada, graph_id)
    unchanged = await Unchanged(users_server, ada, thread_id).take()
    refused = {"request_id": request["request_id"], "decisions": []}
    base = {"resume": refused}
    for field in ("resume", "resume.request_id", "resume.decisions", "resume.answer_id", f"resume.{EXPIRE}"):
        for value in (*TYPES, *([v] for v in TYPES)):
            response = await http.post(f"/approvals/{thread_id}", json=_put(base, field, value))
            await unchanged.check(response, f"{field} = {value!r}")
            assert response.status_code != 200, f"{field} = {value!r}: applied?"
    for spelled in ("not-a-uuid", "0" * 40):
        response = await http.post(f"/approvals/{spelled}", json={"resume": refused})
        assert response.status_code == 404
        _one_line(response)


async def test_an_unhashable_request_id_while_several_wait(
    users_server: Served, ada: LangGraphClient, http: httpx.AsyncClient, graph_id: str
) -> None:
    """Two subagents wait: an answer whose `request_id` is a list or an object names neither."""
    delegate = script(*(call("task", description=script(email(to=to)), subagent_type="general-purpose")
                        for to in ("ada@example.com", "bob@example.com")))  # fmt: skip
    thread_id = await pause(ada, delegate, graph_id=graph_id)
    unchanged = await Unchanged(users_server, ada, thread_id).take()
    assert len(unchanged.requests) == 2
    for value in ([1], {"a": 1}, ["x", "y"]):
        answer = {"resume": {"request_id": value, "decisions": [APPROVE]}}
        response = await http.post(
            f"/threads/{thread_id}/runs/wait", json={"assistant_id": graph_id, "command": answer}
        )
        await unchanged.check(response, f"runs/wait, request_id {value!r}")
        assert response.status_code == 409
        response = await http.post(f"/approvals/{thread_id}", json=answer)
        await unchanged.check(response, f"approvals, request_id {value!r}")
        assert response.status_code == 409


async def test_an_answer_the_graph_refuses_is_no_200(
    users_server: Served, ada: LangGraphClient, http: httpx.AsyncClient, graph_id: str
) -> None:
    thread_id, request = await waiting(ada, graph_id)
    unchanged = await Unchanged(users_server, ada, thread_id).take()
    # One call, two decisions: refused before anything runs.
    wrong = {"resume": resume_for(request, [APPROVE, APPROVE])}
    response = await http.post(f"/approvals/{thread_id}", json=wrong)
    await unchanged.check(response, "two decisions")
    assert response.status_code == 422, response.text
    assert "Expected 1 decision(s)" in _one_line(response)
    # An edit the tool does not take: only the graph knows its tools, and refuses it there.
    args = {**request["action_requests"][0]["args"], "bcc": "eve@example.com"}
    edit = {"type": "edit", "edited_action": {"name": "send_email", "args": args}}
    response = await http.post(f"/approvals/{thread_id}", json={"resume": resume_for(request, [edit])})
    assert response.status_code == 422, response.text
    detail = _one_line(response)
    state = await unchanged.state()
    assert detail == state["values"][PENDING_HITL]["error"]  # the graph's own words
    assert "takes no argument 'bcc'" in detail
    assert users_server.attempts(thread_id) == []

    answered = await http.post(f"/approvals/{thread_id}", json={"resume": resume_for(request, [APPROVE])})
    assert answered.status_code == 200, answered.text
    body = answered.json()
    assert (body["thread_id"], body["status"], body["pending"]) == (thread_id, "idle", [])
    assert body["decided"]["decisions"] == [APPROVE]  # (the approver's record of it)
    assert [r["to"] for r in users_server.sent(thread_id)] == ["ada@example.com"]


AGENT_INBOX: dict[str, list[dict[str, Any]]] = {
    # What agent-inbox sends as `command.resume` (its `HumanResponse[]`: `sendHumanResponse` in
    # src/components/agent-inbox/contexts/ThreadContext.tsx), with the arguments as it shows them:
    # it reads `action_requests[].arguments`, which langchain's request does not have.
    "agent-inbox accept": [{"type": "accept", "args": {"action": "send_email", "args": {}}}],
    "agent-inbox edit": [{"type": "edit", "args": {"action": "send_email", "args": {"to": "eve@example.com"}}}],
    "agent-inbox response": [{"type": "response", "args": "Not this one."}],
    "agent-inbox ignore": [{"type": "ignore", "args": None}],
}
MISSHAPEN: dict[str, Any] = {
    **AGENT_INBOX,
    "a string": "approve",
    "null": None,
    "decisions a string": {"decisions": "approve"},
    "a decision a string": {"decisions": ["approve"]},
    "an unknown decision type": {"decisions": [{"type": "accept"}]},
    "two decisions for one call": {"decisions": [APPROVE, APPROVE]},
    "an edit of another tool": {"decisions": [{"type": "edit", "edited_action": {"name": "write_file", "args": {}}}]},
}
"""Answers of the wrong shape: refused before anything runs, on every route that takes an answer."""
FOR_NO_REQUEST: dict[str, Any] = {
    "a request id that is not pending": {"request_id": "stale", "decisions": [APPROVE]},
    "a list as request id": {"request_id": ["x"], "decisions": [APPROVE]},
    "an interrupt id that is not pending": {"0" * 32: {"decisions": [APPROVE]}},
}
"""Answers to no pending request: refused (409) on the runs routes as on the approvals route."""


async def test_an_answer_of_the_wrong_shape_is_a_4xx_on_every_route(
    users_server: Served, ada: LangGraphClient, http: httpx.AsyncClient, graph_id: str
) -> None:
    """A client that reads only the HTTP status (agent-inbox: "Response submitted successfully")
    must not hear success for an answer that did nothing."""
    thread_id, request = await waiting(ada, graph_id)
    unchanged = await Unchanged(users_server, ada, thread_id).take()
    runs = f"/threads/{thread_id}/runs"
    named = {"request_id": request["request_id"]}  # (what the approvals route needs)
    for name, resume in MISSHAPEN.items():
        run = {"assistant_id": graph_id, "command": {"resume": resume}, "stream_mode": "events"}
        answer = {"resume": {**resume, **named} if isinstance(resume, dict) else resume}
        for route, body in [*((r, run) for r in (runs, f"{runs}/stream", f"{runs}/wait")),
                            (f"/approvals/{thread_id}", answer)]:  # fmt: skip
            response = await http.post(route, json=body)
            await unchanged.check(response, f"{route}: {name}")
            assert response.status_code == 422, f"{route}: {name}: {response.status_code} {response.text[:200]}"
    state = await unchanged.state()
    for interrupt in [i for task in state["tasks"] for i in task["interrupts"]]:  # (agent_interrupt's)
        by_id = {"assistant_id": graph_id, "command": {"resume": {interrupt["id"]: AGENT_INBOX["agent-inbox ignore"]}}}
        response = await http.post(f"{runs}/wait", json=by_id)
        await unchanged.check(response, "a resume map")
        assert response.status_code == 422, f"a resume map: {response.status_code} {response.text[:200]}"
    for name, resume in FOR_NO_REQUEST.items():
        response = await http.post(f"{runs}/wait", json={"assistant_id": graph_id, "command": {"resume": resume}})
        await unchanged.check(response, name)
        assert response.status_code == 409, f"{name}: {response.status_code} {response.text[:200]}"
    # On record, as the graph's own refusals are: one per distinct reason.
    trail = (await ada.store.search_items((AUDIT,), limit=100))["items"]
    on_record = {r["value"].get("error") for r in trail if r["value"]["thread_id"] == thread_id}
    assert NOT_AN_ANSWER.format(got="a list") in on_record
    assert "Expected 1 decision(s), one per action request, got 2." in on_record
    with pytest.raises(httpx.HTTPStatusError) as refused:  # the SDK, as a UI calls it
        await ada.runs.create(thread_id, graph_id, command={"resume": AGENT_INBOX["agent-inbox accept"]})
    assert _one_line(refused.value.response).startswith("The resume value must be an object with `decisions`")
    await unchanged.check(refused.value.response, "runs.create")


@pytest.fixture(scope="module")
def expiring(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """Every request has expired by the time anyone answers it (no clock moved, no test waits)."""
    env = {"AUTH_USERS": f"ada:{USERS['ada']}", "APPROVAL_TTL_SECONDS": "0"}
    with serve(tmp_path_factory.mktemp("expiring"), env) as running:
        yield running


@pytest.mark.parametrize("answer", ["yes", True, ["a", 1], {"decisions": "all of them"}])
async def test_a_graph_without_the_gate_takes_any_answer(ada: LangGraphClient, answer: Any) -> None:
    """A fork's own graph beside the agent: its interrupts are not approval requests."""
    thread_id = (await ada.threads.create())["thread_id"]
    await ada.runs.wait(thread_id, PLAIN_GRAPH, input={})
    assert (await ada.threads.get_state(thread_id))["next"] == ["ask"]
    await ada.runs.wait(thread_id, PLAIN_GRAPH, command={"resume": answer})
    assert (await ada.threads.get_state(thread_id))["values"] == {"answer": answer}


async def test_an_answer_to_an_expired_request_says_it_closed(expiring: Served, graph_id: str) -> None:
    ada = expiring.client(USERS["ada"])
    try:
        late, request = await waiting(ada, graph_id)
        swept, to_sweep = await waiting(ada, graph_id)
        async with _http(expiring, USERS["ada"]) as http:
            response = await http.post(f"/approvals/{late}", json={"resume": resume_for(request, [APPROVE])})
            assert response.status_code == 409, response.text
            assert f"Request {request['request_id']} had expired" in _one_line(response)
            # What the sweep sends: closing it is what was asked.
            expire = {"resume": {EXPIRE: True, "request_id": to_sweep["request_id"]}}
            closed = await http.post(f"/approvals/{swept}", json=expire)
            assert closed.status_code == 200, closed.text
            body = closed.json()
            assert (body["thread_id"], body["status"], body["pending"]) == (swept, "idle", [])
            assert [d["type"] for d in body["decided"]["decisions"]] == [EXPIRE]
        for thread_id in (late, swept):
            values = cast("dict[str, Any]", (await ada.threads.get_state(thread_id))["values"])
            assert values[PENDING_HITL] is None
            assert [d["type"] for d in values[HITL_HISTORY][0]["decisions"]] == [EXPIRE]
            assert expiring.attempts(thread_id) == []
    finally:
        await ada.aclose()


@pytest.mark.parametrize("route", ["/runs", "/runs/wait", "/runs/stream"])
async def test_an_answer_to_an_expired_request_on_the_runs_routes_says_it_closed(
    expiring: Served, graph_id: str, route: str
) -> None:
    """Not a 200 for a run that closes it: a 409 saying so, with the request closed as the
    contract says (one ending, `expired`), and nothing sent."""
    ada = expiring.client(USERS["ada"])
    try:
        thread_id, request = await waiting(ada, graph_id)
        async with _http(expiring, USERS["ada"]) as http:
            run = {"assistant_id": graph_id, "command": {"resume": {"decisions": [APPROVE]}}}
            response = await http.post(f"/threads/{thread_id}{route}", json=run)
        assert response.status_code == 409, response.text
        assert _one_line(response).startswith(f"Request {request['request_id']} had expired"), response.text
        values = cast("dict[str, Any]", (await ada.threads.get_state(thread_id))["values"])
        assert values[PENDING_HITL] is None
        (entry,) = values[HITL_HISTORY]
        assert [d["type"] for d in entry["decisions"]] == [EXPIRE]
        assert (await ada.threads.get(thread_id))["status"] == "idle"
        assert expiring.attempts(thread_id) == []
    finally:
        await ada.aclose()


STATELESS = ("/runs", "/runs/stream", "/runs/wait")
"""The runs without a thread (`server/auth.py` refuses them, but the server reads some fields first)."""


async def test_a_run_without_a_thread_may_have_any_type_in_any_field(http: httpx.AsyncClient, graph_id: str) -> None:
    """Each gets a 4xx with one line, never a 500, alone or in a batch."""
    base: dict[str, Any] = {"assistant_id": graph_id, "input": {}}
    fields = (
        *("checkpoint_id", "checkpoint", "checkpoint.checkpoint_id", "config", "config.configurable", "context"),
        *("input", "config.metadata", "langsmith_tracer", "after_seconds"),
    )
    for field in fields:
        for value in (*TYPES, *OUT_OF_RANGE.get(field, ())):
            run = _put(base, field, value)
            for route in STATELESS:
                response = await http.post(route, json=run)
                assert response.status_code >= 400, f"{route}: {field} = {value!r}"
                _one_line(response)
            response = await http.post("/runs/batch", json=[run])
            assert response.status_code >= 400, f"batch: {field} = {value!r}"
            _one_line(response)


async def test_a_run_that_keeps_its_new_thread_may_not_set_langgraphs_own_keys(
    http: httpx.AsyncClient, graph_id: str
) -> None:
    run = {
        "assistant_id": graph_id,
        "input": {},
        "on_completion": "keep",
        "config": {"configurable": {"__pregel_resuming": True}},
    }
    response = await http.post("/runs/wait", json=run)
    assert response.status_code == 403
    assert _one_line(response) == INTERNAL.format(field=shown("config.configurable.__pregel_resuming"))


async def test_a_body_past_the_limit_is_refused_unread(
    users_server: Served, ada: LangGraphClient, http: httpx.AsyncClient, graph_id: str
) -> None:
    """413 with one line, said by its Content-Length or, sent in chunks without one, once
    the bytes read pass `MAX_BODY`; nothing changes."""
    thread_id, _ = await waiting(ada, graph_id)
    unchanged = await Unchanged(users_server, ada, thread_id).take()
    text = '{"assistant_id": "' + graph_id + '", "input": {"messages": [{"role": "user", "content": "'
    big = text.encode() + b"x" * MAX_BODY + b'"}]}}'

    async def chunks() -> AsyncIterator[bytes]:
        for start in range(0, len(big), 1 << 16):
            yield big[start : start + (1 << 16)]

    for route in _routes(thread_id):
        for name, content in (("sized", big), ("chunked", chunks())):
            response = await http.post(route, content=content)
            assert response.status_code == 413, f"{route} {name}: {response.status_code}"
            assert _one_line(response) == TOO_LARGE
            await unchanged.check(response, f"{route} {name}")
