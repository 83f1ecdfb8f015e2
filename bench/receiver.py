"""A notice receiver on loopback in a process of its own: `python -m bench.receiver`.

It prints its port, takes every POST (204) and answers `GET /count` with how many it took.
`bench.team` runs it apart from the measured agent, as a deployment's receiver is: in the
agent's own process its HTTP handling would compete with the agent for the interpreter,
and be counted as the team features' cost.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx


class _Receiver(BaseHTTPRequestHandler):
    received = 0

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        type(self).received += 1
        self.send_response(204)
        self.end_headers()

    def do_GET(self) -> None:
        body = str(type(self).received).encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *_: Any) -> None:  # (quiet)
        pass


@contextmanager
def receiver() -> Iterator[tuple[str, httpx.Client]]:
    """The receiver's process, for as long as the block runs: the URL notices go to, and a client
    of it (`GET /count`)."""
    process = subprocess.Popen([sys.executable, "-m", "bench.receiver"], stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        base = f"http://127.0.0.1:{int(process.stdout.readline())}"
        with httpx.Client(base_url=base, timeout=10) as client:
            yield f"{base}/notices", client
    finally:
        process.terminate()
        process.wait(timeout=10)


def received(client: httpx.Client) -> int:
    return int(client.get("/count").text)


def main() -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Receiver)
    print(server.server_port, flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
