"""A HITL UI's HTTP requests, replayed as its source builds them (through the JS SDK's
`useStream`): what `tests/integration/clients/test_agent_chat_ui.py` and `test_deep_agents_ui.py`
share. Each test's own class adds the UI's bodies."""

from __future__ import annotations

import json
from typing import Any

import httpx


class ReplayedUI:
    """The requests every such UI makes: a new thread, a streamed run, the thread's values."""

    def __init__(self, http: httpx.Client, graph_id: str) -> None:
        self.http = http
        self.graph_id = graph_id

    def new_thread(self) -> str:
        response = self.http.post("/threads", json={"metadata": {}})
        response.raise_for_status()
        return str(response.json()["thread_id"])

    def stream(self, thread_id: str, body: dict[str, Any]) -> list[tuple[str, Any]]:
        """POST .../runs/stream and read the whole event stream: (event, data) pairs; raises
        `httpx.HTTPStatusError` for a refused run, and fails on an `error` event."""
        events: list[tuple[str, Any]] = []
        with self.http.stream("POST", f"/threads/{thread_id}/runs/stream", json=body) as response:
            if response.status_code >= 400:
                response.read()
                response.raise_for_status()
            event = "message"
            for line in response.iter_lines():
                if line.startswith("event:"):
                    event = line.removeprefix("event:").strip()
                elif line.startswith("data:"):
                    events.append((event, json.loads(line.removeprefix("data:").strip() or "null")))
        assert not [data for event, data in events if event == "error"], events
        return events

    def values(self, thread_id: str) -> dict[str, Any]:
        response = self.http.get(f"/threads/{thread_id}/state")
        response.raise_for_status()
        return dict(response.json()["values"])


def interrupts(events: list[tuple[str, Any]]) -> list[Any]:
    """The interrupt values a UI renders, from the `values` events of a stream."""
    return [i["value"] for event, data in events if event == "values" for i in data.get("__interrupt__", [])]
