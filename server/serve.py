"""`make serve`: the crash-safe local server, aegra on PostgreSQL with its runs queued in Redis.

    python -m server.serve <aegra>      # what `make serve` runs, with DATABASE_URL and REDIS_URL set

It checks first, each in one line: Redis answers at `REDIS_URL`, and the port is free (as
`make dev` chooses it: `server/dev.py`). Then it serves aegra in a process group of its own
and, told to stop (SIGTERM, SIGINT, SIGHUP), stops that whole group: aegra alone, stopped,
left its uvicorn running on the port.
"""

from __future__ import annotations

import os
import signal
import socket
import sys
from types import FrameType
from urllib.parse import urlsplit

from server import process_group
from server.dev import HOST, choose_port


def redis_refusal(url: str) -> str | None:
    """Why Redis at `url` cannot queue runs, in one line; None when it answers PING."""
    parts = urlsplit(url)
    where = f"{parts.hostname or '127.0.0.1'}:{parts.port or 6379}"
    try:
        with socket.create_connection((parts.hostname or "127.0.0.1", parts.port or 6379), timeout=3) as redis:
            redis.sendall(b"PING\r\n")
            reply = redis.recv(64)
    except OSError as error:
        reply, reason = b"", error.strerror or type(error).__name__
    else:
        reason = f"it answered {reply[:20]!r}"
    if reply.startswith((b"+PONG", b"-NOAUTH")):  # (NOAUTH: it is Redis; the URL's password is aegra's to use)
        return None
    return (
        f"Redis does not answer at {where} ({reason}): make serve queues its runs there. "
        "Start it (`redis-server --daemonize yes`, or `docker run -d -p 6379:6379 redis`) or set SERVE_REDIS_URL."
    )


def serve(aegra: str, port: int) -> int:
    """Run aegra until it exits or this process is told to stop; then stop its whole group."""
    server = process_group.start([aegra, "serve", "--host", HOST, "--port", str(port), "-c", "langgraph.json"])

    def stop(signum: int, _frame: FrameType | None) -> None:
        process_group.send(server, signal.SIGINT if signum == signal.SIGINT else signal.SIGTERM)

    for signum in process_group.STOP_SIGNALS:
        signal.signal(signum, stop)
    code = server.wait()
    process_group.stop(server)  # what aegra started and left behind
    return code


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python -m server.serve <aegra>", file=sys.stderr)
        return 2
    try:
        if why := redis_refusal(os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")):
            raise ValueError(why)
        port = choose_port(os.environ)
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    url = f"http://{HOST}:{port}"
    print(f"Serving on {url}; clients: LANGGRAPH_URL={url} LANGGRAPH_GRAPH=agent_interrupt", flush=True)
    return serve(argv[0], port)


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
