"""Seals on answered requests: proof that the approval node, not a client, recorded a decision.

The auth layer refuses every client write to a thread's state, but a server
without that layer (or a route it does not see) could still write a forged
`hitl_history` entry. So the approval node seals each entry it writes, an
HMAC-SHA256 over the thread, the request, the calls (their tools and arguments)
and the decisions, and the tool guard runs an approved call only when the entry's
seal checks out.

The key is `APPROVAL_KEY`; without it, a random key kept in a file
(`kept_key`: `.langgraph_api/approval.key` by default, made by the first process
that needs it, readable by its owner only), so that nothing public (the local
`demo-token`, say) gives it away. Every process that serves the same threads needs
the same key: processes that share the file share it; a deployment on several
machines sets `APPROVAL_KEY`, the same in each.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import json
import os
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Final

from agent.approval.contract import HistoryEntry

SEAL: Final = "seal"
"""History entry key holding the seal (an extra the contract allows)."""


MIN_KEY_LENGTH: Final = 32


class KeyFileError(OSError):
    """The key file cannot be made or read, or holds no key; the message says which."""


def kept_key(path: Path) -> bytes:
    """The key kept in `path`, made (random, mode 0600) by the first process that asks.

    Several processes may ask at once: each writes a key of its own to a temporary
    file and links it to `path`, which only the first link makes; the others read it.
    """
    return _kept(path.resolve())


@functools.cache
def _kept(path: Path) -> bytes:
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        draft = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
        fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(fd, "w") as out:
                out.write(secrets.token_hex(MIN_KEY_LENGTH) + "\n")
            os.link(draft, path)  # (atomic: the first process's key wins, whole)
        except FileExistsError:
            pass
        finally:
            draft.unlink()
    key = path.read_text().strip()
    if len(key) < MIN_KEY_LENGTH:
        raise KeyFileError(f"{path} holds no key (fewer than {MIN_KEY_LENGTH} characters): delete it to make a new one")
    return key.encode()


def _sealed_fields(entry: Mapping[str, Any], thread_id: str) -> bytes:
    fields = {
        "thread_id": thread_id,
        "request_id": entry["request_id"],
        # Each call's tool and arguments too: an approval binds exactly the call shown (`agent.approval.binding`).
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
