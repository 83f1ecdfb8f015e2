"""Plain-text rendering of requests, inbox rows and run progress for the terminal."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from agent.approval.contract import HITL_HISTORY, PENDING_HITL, PendingRequest
from client.approvals import InboxItem, Pending, Update
from client.team import Assigned

PREVIEW = 100


def _short(text: str, limit: int = PREVIEW) -> str:
    flat = " ".join(str(text).split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def _args(args: dict[str, Any]) -> str:
    return ", ".join(f"{key}={_short(json.dumps(value), 40)}" for key, value in args.items())


def asker(item: Pending | InboxItem) -> str:
    """Who asks: "general-purpose subagent asks: " for a subagent's request, else nothing."""
    return f"{item.subagent} subagent asks: " if item.subagent else ""


def owner(item: Assigned) -> str:
    """Whose request it is: "ada", or "ada (no longer a user)" when the server does not know her now."""
    name = item.owner or "an unknown owner"
    return name if item.owner_known else f"{name} (no longer a user)"


def calls(req: PendingRequest, limit: int = 60) -> str:
    """The request's calls on one line: `name(args), ...`."""
    return ", ".join(f"{a['name']}({_short(_args(a['args']), limit)})" for a in req["action_requests"])


def expiry(req: PendingRequest, now: datetime | None = None) -> str:
    """How long the request can still be answered: "expires in 3 h 12 min", or "expired"."""
    expires_at = req.get("expires_at")
    if not expires_at:
        return ""
    left = datetime.fromisoformat(expires_at) - (now or datetime.now(UTC))
    if left <= timedelta(0):
        return "expired"
    hours, minutes = divmod(int(left.total_seconds()) // 60, 60)
    return f"expires in {hours} h {minutes} min" if hours else f"expires in {max(minutes, 1)} min"


def request(pending: Pending) -> str:
    """A pending request, whole: who asks, every call with its args and what may be decided."""
    req = pending.request
    allowed = {c["action_name"]: c["allowed_decisions"] for c in req["review_configs"]}
    when = f"{req['created_at']}, {expiry(req)}" if req.get("expires_at") else req["created_at"]
    lines = [f"Thread {pending.thread_id} waits for approval (request {req['request_id']}, {when}):"]
    if pending.subagent:
        lines.append(f"  {pending.subagent} subagent asks (it runs the thread's task call {pending.task_call_id}):")
    for index, action in enumerate(req["action_requests"], start=1):
        lines.append(f"  {index}. {action['name']} — {action['description']}")
        lines.extend(f"       {key}: {json.dumps(value)}" for key, value in action["args"].items())
        lines.append(f"       allowed: {', '.join(allowed.get(action['name'], []))}")
    if pending.error:
        lines.append(f"  Last answer refused: {pending.error}")
    return "\n".join(lines)


def inbox_row(item: InboxItem) -> str:
    req = item.request
    parts = [item.thread_id, req["created_at"], expiry(req), f"request {item.request_id}", asker(item) + calls(req)]
    return "  ".join(part for part in parts if part)


def choice(pending: Pending) -> str:
    """A request in a one-line list of requests to choose from."""
    return f"{pending.request_id} ({asker(pending)}{calls(pending.request, 30)})"


def _message_line(message: dict[str, Any]) -> str | None:
    kind = message.get("type")
    if kind == "ai" and message.get("tool_calls"):
        return "model calls " + "; ".join(f"{c['name']}({_short(_args(c['args']), 80)})" for c in message["tool_calls"])
    if kind == "ai" and message.get("content"):
        return f"model: {_short(message['content'], 400)}"
    if kind == "tool":
        return f"tool {message.get('name') or ''}: {_short(message.get('content', ''))}"
    return None


def update(step: Update) -> list[str]:
    """Progress lines for one step of a run."""
    if step.node == "__interrupt__":
        return []
    history = step.values.get(HITL_HISTORY) or []
    kinds = [d.get("type") for entry in history for d in entry.get("decisions", [])]
    lines = [f"decision recorded: {', '.join(str(k) for k in kinds)}"] if kinds else []
    messages = step.values.get("messages") or []
    lines += [line for m in messages if isinstance(m, dict) and (line := _message_line(m))]
    if step.values.get(PENDING_HITL):
        count = len(step.values[PENDING_HITL]["action_requests"])
        lines.append(f"approval requested for {count} call(s); the run pauses here")
    return lines


def final_answer(messages: list[dict[str, Any]]) -> str | None:
    last = messages[-1] if messages else None
    if last and last.get("type") == "ai" and not last.get("tool_calls"):
        return str(last.get("content") or "")
    return None
