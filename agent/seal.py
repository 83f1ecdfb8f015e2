"""Seals on answered requests: proof that the approval node, not a client, recorded a decision.

The auth layer refuses every client write to a thread's state, but a server
without that layer (or a route it does not see) could still write a forged
`hitl_history` entry. So the approval node seals each entry it writes, an
HMAC-SHA256 over the thread, the request, the calls (their tools and arguments)
and the decisions, and the tool guard runs an approved call only when the entry's
seal checks out.

The key is `APPROVAL_KEY`; without it, a key derived from the server's auth
secrets (its users' tokens, its JWT secret), which clients do not know once there
is more than one user. Every process that serves the same threads needs the same key.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping
from typing import Any, Final

from agent.contract import HistoryEntry

SEAL: Final = "seal"
"""History entry key holding the seal (an extra the contract allows)."""


def derived_key(users_by_token: Mapping[str, str], jwt_secret: str | None) -> bytes:
    """The default key: a digest of the auth secrets, stable for one configuration."""
    material = json.dumps({"tokens": sorted(users_by_token), "jwt": jwt_secret})
    return hashlib.sha256(b"approval-seal\x00" + material.encode()).digest()


def _sealed_fields(entry: Mapping[str, Any], thread_id: str) -> bytes:
    fields = {
        "thread_id": thread_id,
        "request_id": entry["request_id"],
        # Each call's tool and arguments too: an approval binds exactly the call shown (`agent.binding`).
        "calls": [[a["tool_call_id"], a["name"], a["args"]] for a in entry["action_requests"]],
        "decisions": entry["decisions"],
        "decided_by": entry.get("decided_by"),
    }
    return json.dumps(fields, sort_keys=True, separators=(",", ":"), default=str).encode()


def seal(entry: HistoryEntry, thread_id: str, key: bytes) -> str:
    return hmac.new(key, _sealed_fields(entry, thread_id), hashlib.sha256).hexdigest()


def is_sealed(entry: Mapping[str, Any], thread_id: str, key: bytes) -> bool:
    """Whether `entry` carries the seal the approval node would have given it on this thread."""
    given = entry.get(SEAL)
    if not isinstance(given, str):
        return False
    try:
        expected = hmac.new(key, _sealed_fields(entry, thread_id), hashlib.sha256).hexdigest()
    except (KeyError, TypeError):
        return False
    return hmac.compare_digest(given, expected)
