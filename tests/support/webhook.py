"""A loopback webhook receiver for the notice tests: records what arrives, answers as told."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

WAIT_S = 60
"""How long a test waits for a notice that should come (the worker retries with backoff)."""


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes

    @property
    def notice(self) -> dict[str, Any]:
        return dict(json.loads(self.body))


@dataclass
class Receiver:
    """Answers each POST with the next status in `statuses` (then 200); `hold` blocks it first."""

    port: int
    statuses: list[int] = field(default_factory=list)
    hold: threading.Event | None = None
    received: list[Received] = field(default_factory=list)
    _arrived: threading.Condition = field(default_factory=threading.Condition)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks"

    def accepted(self, count: int) -> list[Received]:
        """Wait until `count` notices were answered 2xx; those notices."""
        with self._arrived:
            self._arrived.wait_for(lambda: len(self._ok()) >= count, timeout=WAIT_S)
            ok = self._ok()
        assert len(ok) >= count, f"{len(ok)} of {count} notices arrived"
        return ok

    def _ok(self) -> list[Received]:
        return [r for r in self.received if r.headers.get("x-answered") == "200"]

    def _answer(self, handler: BaseHTTPRequestHandler) -> None:
        if self.hold is not None:
            self.hold.wait(WAIT_S)
        body = handler.rfile.read(int(handler.headers.get("content-length", 0)))
        with self._arrived:
            status = self.statuses.pop(0) if self.statuses else 200
            headers = {k.lower(): v for k, v in handler.headers.items()} | {"x-answered": str(status)}
            self.received.append(Received(headers, body))
            self._arrived.notify_all()
        handler.send_response(status)
        handler.send_header("content-length", "0")
        handler.end_headers()


@contextmanager
def receiving(receiver: Receiver) -> Iterator[Receiver]:
    """Listen on `receiver.port` until the block ends."""

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            receiver._answer(self)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", receiver.port), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        if receiver.hold is not None:
            receiver.hold.set()
        server.shutdown()
        server.server_close()
        thread.join()
