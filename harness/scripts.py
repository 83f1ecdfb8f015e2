"""Scripted turns for the offline model (the contract's `{"tool_calls": [...]}` messages)."""

from __future__ import annotations

import json
from typing import Any


def call(name: str, **args: Any) -> dict[str, Any]:
    return {"name": name, "args": args}


def email(to: str = "ada@example.com", subject: str = "Launch", body: str = "We launch on Monday.") -> dict[str, Any]:
    return call("send_email", to=to, subject=subject, body=body)


def script(*calls: dict[str, Any]) -> str:
    """A human message that makes the offline model reply with exactly `calls`."""
    return json.dumps({"tool_calls": list(calls)})
