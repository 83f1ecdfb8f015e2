"""A small OpenAI-compatible chat server on loopback, answering with the offline model.

It speaks `POST /v1/chat/completions` (plain and `stream: true`), so the real
`langchain-openai` client code runs against it: request building, auth header,
tool-call parsing, streaming. Every request is recorded for the tests to check.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage, ToolMessage

from agent.models.offline import reply


def _text(content: Any) -> str:
    if isinstance(content, list):
        return "".join(part.get("text", "") for part in content if isinstance(part, dict))
    return str(content or "")


def to_messages(payload: list[dict[str, Any]]) -> list[BaseMessage]:
    """OpenAI chat messages to LangChain messages, as far as the offline model needs."""
    messages: list[BaseMessage] = []
    for item in payload:
        role = item.get("role")
        if role in ("system", "developer"):
            messages.append(SystemMessage(_text(item.get("content"))))
        elif role == "user":
            messages.append(HumanMessage(_text(item.get("content"))))
        elif role == "assistant":
            calls = [
                {"name": c["function"]["name"], "args": json.loads(c["function"]["arguments"] or "{}"), "id": c["id"]}
                for c in item.get("tool_calls") or []
            ]
            messages.append(AIMessage(content=_text(item.get("content")), tool_calls=calls))
        elif role == "tool":
            messages.append(ToolMessage(_text(item.get("content")), tool_call_id=item["tool_call_id"]))
    return messages


def _tool_calls(message: AIMessage) -> list[dict[str, Any]]:
    return [
        {"id": c["id"], "type": "function", "function": {"name": c["name"], "arguments": json.dumps(c["args"])}}
        for c in message.tool_calls
    ]


@dataclass
class FakeOpenAI:
    """The server, its address, and what it was asked."""

    api_key: str = "test-key"
    requests: list[dict[str, Any]] = field(default_factory=list)
    auth_headers: list[str | None] = field(default_factory=list)
    _server: ThreadingHTTPServer | None = None

    @property
    def base_url(self) -> str:
        assert self._server is not None
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}/v1"

    def start(self) -> FakeOpenAI:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:  # quiet
                return

            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers.get("content-length", 0))) or b"{}")
                fake.requests.append(body)
                fake.auth_headers.append(self.headers.get("authorization"))
                if self.path.rstrip("/") != "/v1/chat/completions":
                    self._send(404, {"error": {"message": f"no route {self.path}"}})
                elif self.headers.get("authorization") != f"Bearer {fake.api_key}":
                    self._send(401, {"error": {"message": "bad key", "type": "invalid_request_error"}})
                else:
                    answer = reply(to_messages(body.get("messages", [])))
                    if body.get("stream"):
                        self._stream(body.get("model", "fake"), answer)
                    else:
                        self._send(200, fake.completion(body.get("model", "fake"), answer))

            def _send(self, status: int, payload: dict[str, Any]) -> None:
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _stream(self, model: str, answer: AIMessage) -> None:
                self.send_response(200)
                self.send_header("content-type", "text/event-stream")
                self.end_headers()
                delta: dict[str, Any] = {"role": "assistant", "content": answer.text or None}
                if answer.tool_calls:
                    delta["tool_calls"] = [{"index": i, **c} for i, c in enumerate(_tool_calls(answer))]
                finish = "tool_calls" if answer.tool_calls else "stop"
                for choice in ({"index": 0, "delta": delta}, {"index": 0, "delta": {}, "finish_reason": finish}):
                    chunk = {"id": "chatcmpl-fake", "object": "chat.completion.chunk", "created": int(time.time())}
                    chunk |= {"model": model, "choices": [choice]}
                    self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
                self.wfile.write(b"data: [DONE]\n\n")

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    @staticmethod
    def completion(model: str, answer: AIMessage) -> dict[str, Any]:
        message: dict[str, Any] = {"role": "assistant", "content": answer.text or None}
        if answer.tool_calls:
            message["tool_calls"] = _tool_calls(answer)
        finish = "tool_calls" if answer.tool_calls else "stop"
        return {
            "id": "chatcmpl-fake",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": model,
            "choices": [{"index": 0, "message": message, "finish_reason": finish}],
            "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
        }

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
