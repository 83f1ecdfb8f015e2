"""Small ASGI pieces the HTTP layer shares (`server/api_guard.py`, `server/approvals.py`)."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any, Final

import httpx
from starlette.types import Message, Receive, Scope, Send

_PROPERTY: Final = re.compile(r'\["properties"\]\["([^"]+)"\]')


class Refused(Exception):
    """A request answered by the HTTP layer itself: `status`, and a one-line `detail`."""

    def __init__(self, status: int, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail


def route_path(scope: Scope) -> str:
    """The path routes match, without a trailing slash: the request's, less the prefix the
    app is mounted under (`root_path`), as Starlette's router reads it (`get_route_path`)."""
    path, root = str(scope.get("path", "")), str(scope.get("root_path", ""))
    mounted = bool(root) and (path == root or path.startswith(f"{root.rstrip('/')}/"))
    return (path[len(root.rstrip("/")) :] if mounted else path).rstrip("/")


MAX_BODY: Final = 4 << 20
"""The largest request body the HTTP layer reads (4 MiB): it reads a body whole, before auth."""
TOO_LARGE: Final = f"The request body is larger than {MAX_BODY} bytes: send a smaller one."


async def read_body(scope: Scope, receive: Receive) -> bytes:
    """The whole request body, however many messages it comes in.

    Raises `Refused` (413) past `MAX_BODY`: before reading, when `scope`'s Content-Length
    says so, else as soon as the bytes read pass it (the rest is never read)."""
    declared = dict(scope["headers"]).get(b"content-length", b"")
    if declared.isdigit() and int(declared) > MAX_BODY:
        raise Refused(413, TOO_LARGE)
    chunks: list[bytes] = []
    size, more = 0, True
    while more:
        message = await receive()
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > MAX_BODY:
            raise Refused(413, TOO_LARGE)
        chunks.append(chunk)
        more = message.get("more_body", False)
    return b"".join(chunks)


async def send_json(send: Send, status: int, body: Any, extra: Mapping[str, str] | None = None) -> None:
    """A JSON response (errors: `{"detail": "<one line>"}`, as the LangGraph API answers), with `extra` headers."""
    data = json.dumps(body).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(data)).encode())]
    headers += [(name.lower().encode(), value.encode()) for name, value in (extra or {}).items()]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": data})


def shown(value: Any, limit: int = 80) -> str:
    """A client's value in an error detail: quoted and escaped, so the detail stays one line; cut short."""
    text = repr(value)
    return text if len(text) <= limit else f"{text[: limit - 3]}..."


def flattened(text: str) -> str:
    """`text` with every run of whitespace, line breaks included, as one space: a detail on one line."""
    return " ".join(text.split())


def one_line(detail: str) -> str:
    """An error detail on one line: its first, and where the schema path says it failed
    (the server's validation errors span several lines, with a schema dump)."""
    lines = [line.strip() for line in detail.splitlines() if line.strip()]
    if len(lines) < 2:
        return lines[0] if lines else detail
    fields = _PROPERTY.findall(detail)
    return f"{lines[0]} (at `{'.'.join(fields)}`)" if fields else lines[0]


def one_line_errors(send: Send) -> Send:
    """A `send` that gives the server's own JSON errors a one-line `detail`, as ours have."""
    start: Message | None = None
    chunks: list[bytes] = []

    async def sending(message: Message) -> None:
        nonlocal start
        if message["type"] == "http.response.start" and message["status"] >= 400:
            start = message  # held until the body is whole
            return
        if start is None or message["type"] != "http.response.body":
            await send(message)
            return
        chunks.append(message.get("body", b""))
        if message.get("more_body", False):
            return
        body = b"".join(chunks)
        try:
            error = json.loads(body)
        except ValueError:
            error = None
        if isinstance(error, dict) and isinstance(detail := error.get("detail"), str) and "\n" in detail:
            body = json.dumps({**error, "detail": one_line(detail)}).encode()
        headers = [(k, v) for k, v in start.get("headers", []) if k.lower() != b"content-length"]
        await send({**start, "headers": [*headers, (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})

    return sending


def with_length(scope: Scope, length: int) -> Scope:
    """`scope` with its Content-Length header saying `length` (a body the layer rewrote)."""
    headers = [(k, v) for k, v in scope["headers"] if k.lower() != b"content-length"]
    return {**scope, "headers": [*headers, (b"content-length", str(length).encode())]}


def replay(body: bytes, receive: Receive) -> Receive:
    """A `receive` that gives the body already read, then defers to the real one (for disconnects)."""
    given = False

    async def replayed() -> Message:
        nonlocal given
        if given:
            return await receive()
        given = True
        return {"type": "http.request", "body": body, "more_body": False}

    return replayed


def detail_of(response: httpx.Response) -> str:
    """The `detail` of an error the API answered in-process (its text if it is not JSON)."""
    try:
        return str(response.json().get("detail") or response.text)
    except ValueError:
        return response.text
