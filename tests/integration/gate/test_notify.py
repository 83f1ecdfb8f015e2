"""The notice that a request waits: signed, at least once, retried, and never in the run's way."""

from __future__ import annotations

import gc
import logging
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from langchain_core.runnables import RunnableConfig
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.graph.state import CompiledStateGraph
from langgraph.store.memory import InMemoryStore

from agent import notify
from agent.approval.contract import PENDING_HITL
from agent.graph import make_graph
from agent.settings import Settings
from client.approvals import user_message
from harness.scripts import email, script
from harness.server import free_port
from tests.support.served import serve
from tests.support.webhook import WAIT_S, Receiver, receiving

SECRET = "s" * 40
FAST = {"first_delay_s": 0.05, "max_delay_s": 0.2}
"""Backoff for tests: the same doubling, shorter."""


def _graph(url: str, monkeypatch: pytest.MonkeyPatch) -> CompiledStateGraph[Any, Any, Any, Any]:
    for name, value in FAST.items():
        monkeypatch.setattr(notify.Notifier, name, value)
    settings = Settings(notify_url=url, notify_secret=SECRET, public_url="https://agent.example.com")
    return make_graph(checkpointer=InMemorySaver(), store=InMemoryStore(), settings=settings)


def _request(graph: CompiledStateGraph[Any, Any, Any, Any], thread: str) -> dict[str, Any]:
    config: RunnableConfig = {"configurable": {"thread_id": thread}}
    graph.invoke(user_message(script(email())), config)
    return dict(graph.get_state(config).values[PENDING_HITL])


def test_a_notice_is_signed_and_names_the_request_without_argument_values(monkeypatch: pytest.MonkeyPatch) -> None:
    with receiving(Receiver(free_port())) as receiver:
        graph = _graph(receiver.url, monkeypatch)
        request = _request(graph, "t1")
        (got,) = receiver.accepted(1)
    notice = got.notice
    assert got.headers["webhook-id"] == request["request_id"]
    timestamp = int(got.headers["webhook-timestamp"])
    assert got.headers["webhook-signature"] == notify.sign(SECRET.encode(), request["request_id"], timestamp, got.body)
    assert (
        notify.sign(b"another secret", request["request_id"], timestamp, got.body) != got.headers["webhook-signature"]
    )
    assert (notice["type"], notice["thread_id"], notice["request_id"]) == (notify.EVENT, "t1", request["request_id"])
    assert notice["expires_at"] == request["expires_at"]
    assert notice["link"] == f"https://agent.example.com/inbox#thread=t1&request={request['request_id']}"
    assert [a["name"] for a in notice["actions"]] == ["send_email"]
    assert "args" not in notice["actions"][0]  # no argument values unless the policy says so
    assert "ada@example.com" not in got.body.decode()


def test_a_failing_receiver_gets_the_notice_again_until_it_accepts(monkeypatch: pytest.MonkeyPatch) -> None:
    with receiving(Receiver(free_port(), statuses=[500, 503])) as receiver:
        graph = _graph(receiver.url, monkeypatch)
        request = _request(graph, "t2")
        (got,) = receiver.accepted(1)
    assert [r.headers["x-answered"] for r in receiver.received] == ["500", "503", "200"]
    assert {r.headers["webhook-id"] for r in receiver.received} == {request["request_id"]}  # the idempotency key
    assert got.notice["request_id"] == request["request_id"]


def test_a_receiver_that_is_down_and_comes_back_gets_it(monkeypatch: pytest.MonkeyPatch) -> None:
    port = free_port()
    refused = threading.Event()

    class Watch(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            if "not delivered" in record.getMessage():
                refused.set()

    watch = Watch(level=logging.INFO)
    logger = logging.getLogger(notify.__name__)
    logger.addHandler(watch)
    monkeypatch.setattr(logger, "level", logging.INFO)
    try:
        graph = _graph(f"http://127.0.0.1:{port}/hooks", monkeypatch)
        request = _request(graph, "t3")  # nothing listens: the run goes on regardless
        assert refused.wait(WAIT_S)
        with receiving(Receiver(port)) as receiver:
            (got,) = receiver.accepted(1)
    finally:
        logger.removeHandler(watch)
    assert got.notice["request_id"] == request["request_id"]


def test_a_slow_receiver_does_not_hold_up_the_run(monkeypatch: pytest.MonkeyPatch) -> None:
    hold = threading.Event()
    with receiving(Receiver(free_port(), hold=hold)) as receiver:
        graph = _graph(receiver.url, monkeypatch)
        _request(graph, "t4")  # returns while the receiver still holds the notice
        assert receiver.received == []
        hold.set()
        assert len(receiver.accepted(1)) == 1


def test_the_server_notifies_once_per_request(tmp_path: Path) -> None:
    with receiving(Receiver(free_port())) as receiver:
        env = {"NOTIFY_URL": receiver.url, "NOTIFY_SECRET": SECRET, "PUBLIC_URL": "https://agent.example.com"}
        with serve(tmp_path, env) as served:
            thread_id = served.cli_start(script(email()))
            approved = served.cli("approve", thread_id)
            assert approved.returncode == 0, approved.stderr
            (got,) = receiver.accepted(1)
    assert got.notice["thread_id"] == thread_id
    assert len({r.headers["webhook-id"] for r in receiver.received}) == 1
    assert time.time() - int(got.headers["webhook-timestamp"]) < 3600


def test_a_new_process_sends_what_an_earlier_one_left_undelivered(monkeypatch: pytest.MonkeyPatch) -> None:
    store = InMemoryStore()
    left = {"type": notify.EVENT, "request_id": "earlier", "thread_id": "t0"}
    store.put(notify.NOTICES, "earlier", {"notice": left, "delivered": False}, index=False)
    with receiving(Receiver(free_port())) as receiver:
        for name, value in FAST.items():
            monkeypatch.setattr(notify.Notifier, name, value)
        notifier = notify.Notifier(receiver.url, SECRET.encode())
        notifier.submit({"type": notify.EVENT, "request_id": "now", "thread_id": "t1"}, store)
        got = receiver.accepted(2)
        # One worker, one notice at a time: once a later one arrives, both are marked.
        notifier.submit({"type": notify.EVENT, "request_id": "later", "thread_id": "t2"}, None)
        receiver.accepted(3)
    assert sorted(r.headers["webhook-id"] for r in got[:2]) == ["earlier", "now"]
    delivered = {item.key: item.value["delivered"] for item in store.search(notify.NOTICES)}
    assert delivered == {"earlier": True, "now": True}


def test_a_new_store_where_a_dropped_one_was_is_still_recovered(monkeypatch: pytest.MonkeyPatch) -> None:
    """The notifier remembers the stores it recovered: a new one at a dropped one's address is another.

    CPython often makes a new object where one was just dropped (here about every other time,
    as other threads allocate too), so ten rounds of it: a notifier that knew stores by `id`
    takes one of the new stores for an old one and leaves its undelivered notice."""
    for name, value in FAST.items():
        monkeypatch.setattr(notify.Notifier, name, value)
    with receiving(Receiver(free_port())) as receiver:
        notifier = notify.Notifier(receiver.url, SECRET.encode())
        for round_ in range(10):
            store = InMemoryStore()
            left = {"type": notify.EVENT, "request_id": f"left-{round_}", "thread_id": "t0"}
            store.put(notify.NOTICES, left["request_id"], {"notice": left, "delivered": False}, index=False)
            notifier.submit({"type": notify.EVENT, "request_id": f"now-{round_}", "thread_id": "t1"}, store)
            notifier.submit({"type": notify.EVENT, "request_id": f"flush-{round_}", "thread_id": "t2"}, None)
            got = receiver.accepted(3 * (round_ + 1))  # (then the worker holds the store no more)
            del store
            gc.collect()
    assert {r.headers["webhook-id"] for r in got} >= {f"left-{n}" for n in range(10)}
