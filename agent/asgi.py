"""Small ASGI pieces the HTTP layer shares (`agent/api_guard.py`, `agent/approver_api.py`)."""

from __future__ import annotations

import json
from typing import Any

from starlette.types import Receive, Send


async def read_body(receive: Receive) -> bytes:
    """The whole request body, however many messages it comes in."""
    chunks: list[bytes] = []
    more = True
    while more:
        message = await receive()
        chunks.append(message.get("body", b""))
        more = message.get("more_body", False)
    return b"".join(chunks)


async def send_json(send: Send, status: int, body: Any) -> None:
    """A JSON response (errors: `{"detail": "<one line>"}`, as the LangGraph API answers)."""
    data = json.dumps(body).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(data)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": data})
