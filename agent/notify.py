"""A notice when a request starts waiting: a signed JSON POST to `NOTIFY_URL`.

    NOTIFY_URL=https://hooks.example.com/approvals
    NOTIFY_SECRET=...                   # the HMAC key (at least 32 characters)
    PUBLIC_URL=https://agent.example.com   # where the inbox page is, for the notice's link

The body says which thread and request wait, for which tools, until when, and
links to the inbox page; argument values only for tools whose policy says
`notify_args: True`. Headers follow the Standard Webhooks convention:
`webhook-id` (the request id: the receiver's idempotency key), `webhook-timestamp`
(Unix seconds) and `webhook-signature: v1,<base64 HMAC-SHA256 of
"<id>.<timestamp>.<body>">`.

Delivery is at least once and never touches the run: the gate tells the
`Notifier` (its observer: `agent.approval.WaitingObserver`), which hands the notice
to a background thread, and goes on. The thread files it in the store (namespace
`("hitl_notices",)`, so a restarted server sends what it had not), POSTs it, and
retries with exponential backoff until a 2xx comes back or the attempts run out.
"""

from __future__ import annotations

import base64
import hashlib
import heapq
import hmac
import itertools
import json
import logging
import threading
import time
import weakref
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final

import httpx
from langgraph.store.base import BaseStore

from agent.approval.contract import PendingRequest, with_origin
from agent.settings import DEFAULT_PUBLIC_URL

NOTICES: Final = ("hitl_notices",)
EVENT: Final = "hitl.request.pending"

log = logging.getLogger(__name__)


def sign(secret: bytes, notice_id: str, timestamp: int, body: bytes) -> str:
    """The `webhook-signature` header value for a body (what a receiver recomputes)."""
    digest = hmac.new(secret, f"{notice_id}.{timestamp}.".encode() + body, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def notice_for(
    request: PendingRequest, thread_id: str, public_url: str, show_args: frozenset[str] = frozenset()
) -> dict[str, Any]:
    """The notice's JSON body for a request that waits on `thread_id`."""
    actions = [
        {"tool_call_id": a["tool_call_id"], "name": a["name"]} | ({"args": a["args"]} if a["name"] in show_args else {})
        for a in request["action_requests"]
    ]
    notice: dict[str, Any] = {
        "type": EVENT,
        "thread_id": thread_id,
        "request_id": request["request_id"],
        "created_at": request["created_at"],
        "expires_at": request["expires_at"],
        "actions": actions,
        "link": f"{public_url.rstrip('/')}/inbox#thread={thread_id}&request={request['request_id']}",
    }
    return with_origin(notice, request)


@dataclass
class _Delivery:
    notice: dict[str, Any]
    store: BaseStore | None
    attempt: int = 0
    filed: bool = False
    """Whether the notice is in the store already."""


@dataclass
class Notifier:
    """Sends notices from a background thread, retrying with backoff (see module doc)."""

    url: str
    secret: bytes
    max_attempts: int = 12
    first_delay_s: float = 0.5
    max_delay_s: float = 60.0
    timeout_s: float = 5.0
    public_url: str = DEFAULT_PUBLIC_URL
    """Where the inbox page is served, for each notice's link (PUBLIC_URL)."""
    _due: list[tuple[float, int, _Delivery]] = field(default_factory=list)
    _order: itertools.count[int] = field(default_factory=itertools.count)
    _wake: threading.Condition = field(default_factory=threading.Condition)
    _worker: threading.Thread | None = None
    _recovered: weakref.WeakSet[BaseStore] = field(default_factory=weakref.WeakSet)
    """The stores whose undelivered notices were queued (not by `id`: a new store may take a dropped one's)."""

    def waiting(
        self, request: PendingRequest, thread_id: str, show_args: frozenset[str], store: BaseStore | None
    ) -> None:
        """The gate's observer call (`agent.approval.WaitingObserver`): send this request's notice."""
        self.submit(notice_for(request, thread_id, self.public_url, show_args), store)

    def submit(self, notice: dict[str, Any], store: BaseStore | None) -> None:
        """Queue `notice`; returns at once and never raises."""
        try:
            self._schedule(_Delivery(notice, store), delay_s=0.0)
        except Exception:  # a notice must never fail the run
            log.exception("could not queue the notice for request %s", notice.get("request_id"))

    def _schedule(self, delivery: _Delivery, delay_s: float) -> None:
        with self._wake:
            heapq.heappush(self._due, (time.monotonic() + delay_s, next(self._order), delivery))
            if self._worker is None:
                self._worker = threading.Thread(target=self._run, name="hitl-notices", daemon=True)
                self._worker.start()
            self._wake.notify()

    def _next(self) -> _Delivery:
        with self._wake:
            while not self._due or self._due[0][0] > time.monotonic():
                self._wake.wait(timeout=(self._due[0][0] - time.monotonic()) if self._due else None)
            return heapq.heappop(self._due)[2]

    def _run(self) -> None:
        with httpx.Client(timeout=self.timeout_s) as http:
            while True:
                delivery = self._next()
                try:
                    self._deliver(http, delivery)
                except Exception:  # keep the worker alive, whatever happens
                    log.exception("notice for request %s", delivery.notice.get("request_id"))

    def _deliver(self, http: httpx.Client, delivery: _Delivery) -> None:
        notice, store = delivery.notice, delivery.store
        if not delivery.filed:
            self._file(delivery)
        if self._post(http, notice):
            if store is not None:
                store.put(NOTICES, notice["request_id"], {"notice": notice, "delivered": True}, index=False)
            return
        delivery.attempt += 1
        if delivery.attempt >= self.max_attempts:
            log.warning(
                "gave up on the notice for request %s after %d attempts", notice["request_id"], delivery.attempt
            )
            return
        self._schedule(delivery, delay_s=min(self.first_delay_s * 2 ** (delivery.attempt - 1), self.max_delay_s))

    def _file(self, delivery: _Delivery) -> None:
        """Keep the notice in the store until it is delivered; on the first use of a store,
        queue what an earlier process left undelivered."""
        delivery.filed = True
        store = delivery.store
        if store is None:
            return
        request_id = delivery.notice["request_id"]
        store.put(NOTICES, request_id, {"notice": delivery.notice, "delivered": False}, index=False)
        if store in self._recovered:
            return
        self._recovered.add(store)
        for item in store.search(NOTICES, filter={"delivered": False}, limit=1000):
            if item.key != request_id:
                self._schedule(_Delivery(item.value["notice"], store, filed=True), delay_s=0.0)

    def _post(self, http: httpx.Client, notice: Mapping[str, Any]) -> bool:
        body = json.dumps(notice, sort_keys=True).encode()
        timestamp = int(time.time())
        headers = {
            "content-type": "application/json",
            "webhook-id": str(notice["request_id"]),
            "webhook-timestamp": str(timestamp),
            "webhook-signature": sign(self.secret, str(notice["request_id"]), timestamp, body),
        }
        try:
            response = http.post(self.url, content=body, headers=headers)
        except httpx.HTTPError as failed:
            log.info("notice for request %s not delivered: %s", notice["request_id"], failed)
            return False
        return response.is_success
