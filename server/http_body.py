"""A request body, read safely, for the HTTP layer's own routes and the requests it checks.

`json.loads` recurses once per level of nesting: a body of 100,000 `[` raised
`RecursionError` inside the middleware, a 500. `nesting_depth` scans the bytes for
brackets outside strings first (no parsing, linear), so such a body is refused
with one line before anything reads it. The JSON that is parsed is strict, as the
server's own parser (orjson) is: UTF-8, no `NaN` or `Infinity`. A body that one
parser reads and the other refuses cannot be checked as one thing and run as another.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Callable
from typing import Any, Final, NoReturn, TypeVar

from server.asgi import Refused

MAX_DEPTH: Final = 64
"""Deeper than any request of the API needs (a run's body nests about ten levels)."""
TOO_DEEP: Final = f"The request body nests deeper than {MAX_DEPTH} levels: send a flatter JSON object."
NOT_JSON: Final = "The request body is not valid JSON ({why}): send a JSON object."
NOT_AN_OBJECT: Final = "The request body must be a JSON object, got {kind}."

# A string, escapes included; `"?` takes an unterminated one to the end, so no match
# ever fails and backtracks (the scan stays linear whatever the bytes).
_STRING: Final = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"?', re.DOTALL)
_NOT_BRACKETS: Final = bytes(b for b in range(256) if b not in b"[]{}")
_OPENING: Final = frozenset(b"[{")


class BadBody(Refused):
    """A body refused before it is used."""


def nesting_depth(body: bytes, limit: int = MAX_DEPTH) -> int:
    """How deep `body`'s brackets nest outside strings, counted up to `limit + 1` at most."""
    depth = deepest = 0
    for bracket in _STRING.sub(b"", body).translate(None, _NOT_BRACKETS):
        depth += 1 if bracket in _OPENING else -1
        deepest = max(deepest, depth)
        if deepest > limit:
            break
    return deepest


def _no_constant(name: str) -> NoReturn:
    raise ValueError(f"{name} is not JSON")


def parse(body: bytes) -> Any:
    """`body` as strict JSON.

    Raises:
        BadBody: 400, nested too deep, not UTF-8, or not JSON.
    """
    if nesting_depth(body) > MAX_DEPTH:
        raise BadBody(400, TOO_DEEP)
    try:
        return json.loads(body.decode("utf-8"), parse_constant=_no_constant)
    except ValueError as bad:  # (UnicodeDecodeError is one too)
        raise BadBody(400, NOT_JSON.format(why=str(bad).splitlines()[0])) from None


def json_object(body: bytes) -> dict[str, Any]:
    """`body` as a strict JSON object.

    Raises:
        BadBody: 400 as `parse`; 422, JSON but not an object.
    """
    payload = parse(body)
    if not isinstance(payload, dict):
        raise BadBody(422, NOT_AN_OBJECT.format(kind=kind_of(payload)))
    return payload


def kind_of(value: Any) -> str:
    """The JSON name of `value`'s type, for error details."""
    names = {dict: "an object", list: "a list", str: "a string", bool: "a boolean", type(None): "null"}
    return names.get(type(value), "a number")


OFF_LOOP: Final = 64 << 10
"""Bodies larger than this (64 KiB) are read in a worker thread: one large body must not
stall the server's event loop for every other request."""
Parsed = TypeVar("Parsed")


async def off_the_loop(read: Callable[[bytes], Parsed], body: bytes) -> Parsed:
    """`read(body)` (`parse`, `json_object`), in a worker thread for a large body."""
    return read(body) if len(body) <= OFF_LOOP else await asyncio.to_thread(read, body)
