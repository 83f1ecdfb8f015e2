"""What a request that starts runs on a thread names, read the way the server reads it.

For the API guard (`server/api_guard.py`), which must judge exactly what the server
will run, and must not fail on a request the server would refuse:

- `run_thread`: the thread of `POST /threads/{thread_id}/runs` (`/stream`, `/wait`).
  The server takes the id in any form `uuid.UUID` reads (`urn:uuid:...`, `{...}`, upper
  case, no dashes); so does this, and gives it in the canonical form. (Crons and the v2
  protocol's runs, which start runs too, `server/auth.py` refuses outright.)
- `malformed`: the fields the guard or the server reads, when one has a type or value the
  server would not take or would fail on (each of those was a 500): 422, one line. The
  agent's input must be an object (its state) too.
- `internal`: LangGraph's own keys (`__pregel_...`) in the run's config, which steer
  the run past the API (resuming, replaying): refused.
- `named_checkpoints`, `fork`: every checkpoint a run names (`server/auth.py` reads it too), wherever the server takes
  one, and why it is refused unless it is the thread's latest: `checkpoint_id`,
  `checkpoint` (merged into the run's `configurable`, over `checkpoint_id`),
  `config.configurable`, `context` (which replaces `configurable`); and
  `checkpoint_ns` and `checkpoint_map`, which choose checkpoints too. `unpinned`: the
  run without them, once they named the latest.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Iterator, Mapping
from typing import Any, Final, NamedTuple

from server.asgi import shown
from server.http_body import kind_of

ROUTE: Final = re.compile(r"^/threads/(?P<thread_id>[^/]+)/runs(?:/stream|/wait)?$")
STATELESS: Final = frozenset({"/runs", "/runs/stream", "/runs/wait", "/runs/batch"})
"""The routes that start runs without a thread in the path (a batch: a list of runs)."""
CHECKPOINT_KEYS: Final = ("checkpoint_id", "checkpoint_ns", "checkpoint_map")
OBJECTS: Final = ("input", "command", "config", "context", "checkpoint", "langsmith_tracer")
"""Fields that must be objects: the agent's input is its state (`{"messages": [...]}`), and a list or a
string there fails the run on the waiting thread; the server reads the others as objects (a number in
`langsmith_tracer` or `config.metadata` was a 500)."""
MAX_DELAY: Final = 366 * 24 * 3600
"""The longest `after_seconds` taken: a year. The server adds it to the current date, and past year
9999 that was a 500 that left the thread busy."""
INTERNAL_PREFIX: Final = "__pregel_"

EARLIER_CHECKPOINT: Final = (
    "This run is addressed to checkpoint {named} of thread {thread_id} (`{field}`), not to its latest one "
    "({latest}): a run goes on from the thread as it is now. Leave `{field}` out, or read the thread again."
)
OTHER_NAMESPACE: Final = (
    "This run names `{field}`: runs go on from the thread's own latest checkpoint, in no other namespace "
    "and from no checkpoint map. Leave `{field}` out."
)
INTERNAL: Final = "{field} is LangGraph's own run state: a request may not set it. Leave it out."
WRONG_TYPE: Final = "`{field}` must be {wanted}, got {got}."
COMMAND: Final = frozenset({"resume", "update", "goto"})
UNKNOWN_COMMAND: Final = "`command` holds `resume` (an answer), `update` or `goto`; {key} is none of them."


def _is_uuid(value: Any) -> bool:
    try:
        uuid.UUID(value)
    except (TypeError, ValueError, AttributeError):
        return False
    return True


def _is_delay(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and 0 <= value <= MAX_DELAY


Expected = tuple[str, Callable[[Any], bool]]
"""What a field must be, in words for the refusal, and the check."""
AN_OBJECT: Final[Expected] = ("an object", lambda value: isinstance(value, dict))
A_STRING: Final[Expected] = ("a string", lambda value: isinstance(value, str))
A_UUID: Final[Expected] = ("a checkpoint id (a UUID)", _is_uuid)
A_DELAY: Final[Expected] = (f"a number of seconds from 0 to {MAX_DELAY:,} (a year)", _is_delay)


class Named(NamedTuple):
    """A checkpoint a run names: where (`field`), which key it is, and the value."""

    field: str
    key: str
    value: Any


NOT_A_UUID: Final = "No thread {thread_id}: a thread id is a UUID."
NEW_THREAD_ID: Final = (
    "A new thread's id is a UUID as the server writes it (lower case, with dashes): {canonical}, not {thread_id}."
)


def run_thread(path: str) -> str | None:
    """The thread id a run route names, as written (`thread_of` reads it); `None` for other paths."""
    match = ROUTE.match(path)
    return None if match is None else match["thread_id"]


def thread_of(thread_id: str, creates: bool) -> str:
    """`thread_id` (as written) as the server stores it; raises `ValueError` with a message for one
    that is no UUID (langgraph-api refuses it too: aegra would take it, and keep it as written),
    or, where it `creates` the thread, one not written as the server writes it (aegra would keep
    that too, and no later reading of it as a UUID would find it)."""
    try:
        canonical = str(uuid.UUID(thread_id))
    except ValueError:
        raise ValueError(NOT_A_UUID.format(thread_id=shown(thread_id))) from None
    if creates and thread_id != canonical:
        raise ValueError(NEW_THREAD_ID.format(canonical=canonical, thread_id=shown(thread_id)))
    return canonical


def new_thread_id(payload: Mapping[str, Any]) -> str | None:
    """Why `POST /threads` may not create the thread its `thread_id` names (see `thread_of`), if so."""
    thread_id = payload.get("thread_id")
    if thread_id is None:
        return None
    if not isinstance(thread_id, str):
        return WRONG_TYPE.format(field="thread_id", wanted="a UUID", got=kind_of(thread_id))
    try:
        thread_of(thread_id, creates=True)
    except ValueError as wrong:
        return str(wrong)
    return None


def _places(run: Mapping[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """Where a run's keys reach its `configurable`, by the field a client wrote them in."""
    config = run.get("config")
    configurable = config.get("configurable") if isinstance(config, dict) else None
    for field, place in (("checkpoint", run.get("checkpoint")), ("config.configurable", configurable)):
        if isinstance(place, dict):
            yield field, place
    if isinstance(context := run.get("context"), dict):
        yield "context", context


def malformed(run: Mapping[str, Any]) -> str | None:
    """Why a field the guard or the server reads has the wrong type or value; `None` if none has."""
    wanted: list[tuple[str, Any, Expected]] = [(key, run.get(key), AN_OBJECT) for key in OBJECTS]
    config = run.get("config")
    if isinstance(config, dict):
        wanted.extend((f"config.{key}", config.get(key), AN_OBJECT) for key in ("configurable", "metadata"))
    wanted.append(("checkpoint_id", run.get("checkpoint_id"), A_UUID))
    wanted.append(("after_seconds", run.get("after_seconds"), A_DELAY))
    for field, place in _places(run):
        wanted.extend((f"{field}.{key}", place.get(key), A_STRING) for key in CHECKPOINT_KEYS[:2])
        wanted.append((f"{field}.checkpoint_map", place.get("checkpoint_map"), AN_OBJECT))
    for field, value, (description, fits) in wanted:
        if value is not None and not fits(value):
            return WRONG_TYPE.format(field=field, wanted=description, got=_got(value))
    if isinstance(command := run.get("command"), dict) and (unknown := sorted(map(str, set(command) - COMMAND))):
        return UNKNOWN_COMMAND.format(key=shown(unknown[0]))  # (the server failed the run inside)
    return None


def _got(value: Any) -> str:
    """What a client sent, for `WRONG_TYPE`: its type, and the value itself where the type was right."""
    kind = kind_of(value)
    return f"{kind} {shown(value)}" if kind in ("a string", "a number") else kind


def internal(run: Mapping[str, Any]) -> str | None:
    """Why the run's config is refused for setting LangGraph's own keys; `None` if it sets none."""
    for field, place in _places(run):
        if steering := next((key for key in place if str(key).startswith(INTERNAL_PREFIX)), None):
            return INTERNAL.format(field=shown(f"{field}.{steering}"))
    return None


def named_checkpoints(run: Mapping[str, Any]) -> list[Named]:
    """Every checkpoint, namespace and checkpoint map the run names (empty ones name nothing)."""
    named = [Named("checkpoint_id", "checkpoint_id", run["checkpoint_id"])] if run.get("checkpoint_id") else []
    for field, place in _places(run):
        named.extend(Named(f"{field}.{key}", key, place[key]) for key in CHECKPOINT_KEYS if place.get(key))
    return named


def fork(named: list[Named], latest: str | None, thread_id: str) -> str | None:
    """Why a run naming `named` is refused: any checkpoint but `latest`, any namespace, any map."""
    for field, key, value in named:
        if key == "checkpoint_id" and value != latest:
            return EARLIER_CHECKPOINT.format(
                named=shown(value), thread_id=thread_id, field=field, latest=latest or "none yet"
            )
        if key != "checkpoint_id":
            return OTHER_NAMESPACE.format(field=field)
    return None


def unpinned(run: dict[str, Any]) -> dict[str, Any]:
    """`run` with every checkpoint it names left out, so that it goes on from the thread's latest
    checkpoint when it starts: one named as the latest when it was sent may not be by then (it
    waited behind another run, `multitask_strategy="enqueue"`)."""
    plain = {key: value for key, value in run.items() if key not in ("checkpoint_id", "checkpoint")}
    for field, place in _places(run):
        if field == "context":
            plain["context"] = _without_checkpoints(place)
        elif field == "config.configurable":
            plain["config"] = {**run["config"], "configurable": _without_checkpoints(place)}
    return plain


def _without_checkpoints(place: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in place.items() if key not in CHECKPOINT_KEYS}
