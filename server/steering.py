"""Which runs could go around the approval, whoever starts them: the rules `server/auth.py`'s
`create_run` handler applies on every route that creates a run (REST, stateless, batch, the v2
protocol, crons), with the one line each refusal says.

A run with a field of the wrong type (`server.run_request.malformed`), one with its own
breakpoints, a `multitask_strategy` that cancels the run in flight, one that sets LangGraph's
own config keys, one that names a checkpoint, and one started by the v2 event-streaming
protocol. Read from what langgraph-api passes auth (the run nested in
`kwargs`) and from what aegra passes (the request's own fields).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final, cast

from langgraph_sdk import Auth

from server.run_request import internal, malformed, named_checkpoints

V2_RUN: Final = "__event_streaming_v2"
"""The key langgraph-api sets in the `configurable` of every run its v2 protocol starts
(`langgraph_api.event_streaming.constants.EVENT_STREAMING_V2_CONFIG_KEY`)."""
V2_PROTOCOL: Final = (
    "The v2 event-streaming protocol (/threads/{id}/commands, /threads/{id}/stream/events) starts and "
    "answers runs past this server's checks, so it is off here: use POST /threads/{id}/runs (the SDKs' runs.*)."
)
OWN_BREAKPOINTS: Final = (
    "`{field}` is refused: the agent sets its own breakpoints, and a run's own would keep it from pausing "
    "for approval (or loop its approval step). Leave `{field}` out."
)
CANCELLING_STRATEGY: Final = (
    'multitask_strategy="{strategy}" is refused: it cancels the run in flight, which may be carrying out an '
    'approved call, and can drop its result with the email already sent. Use "reject" or "enqueue".'
)
NAMED_CHECKPOINT: Final = (
    "Runs go on from the thread's latest checkpoint; leave checkpoint out (this run names `{field}`): "
    "from an earlier one a decided request would be pending again."
)


def run_fields(value: Auth.types.RunsCreate) -> Mapping[str, Any]:
    """The run a client asked for: langgraph-api nests it in `kwargs` (a checkpoint it names is
    merged into `config.configurable` by then); aegra gives the request's own fields."""
    kwargs = value.get("kwargs")
    return kwargs if isinstance(kwargs, dict) else cast("Mapping[str, Any]", value)


def is_v2(value: Auth.types.RunsCreate, run: Mapping[str, Any]) -> bool:
    """Started by the v2 protocol: langgraph-api marks the run's config; aegra gives the command itself."""
    places = ((run.get("config") or {}).get("configurable"), run.get("context"))
    marked = any(isinstance(place, dict) and place.get(V2_RUN) for place in places)
    return marked or isinstance(cast("Mapping[str, Any]", value).get("method"), str)


def detour(run: Mapping[str, Any], strategy: object) -> str | None:
    """Why this run could go around the approval with its own breakpoints, or with a
    `multitask_strategy` that cancels the run in flight; `None` if neither."""
    for field in ("interrupt_before", "interrupt_after"):
        if run.get(field):  # `[]` or none: the graph's own breakpoints
            return OWN_BREAKPOINTS.format(field=field)
    if strategy in ("interrupt", "rollback"):
        return CANCELLING_STRATEGY.format(strategy=strategy)
    return None


def steering_refusal(value: Auth.types.RunsCreate, run: Mapping[str, Any]) -> str | None:
    """Why this run could go around the approval, whoever starts it; `None` if it cannot."""
    # (the API guard answers these first, with 422; here for a server without it)
    if why := malformed({**run, "after_seconds": value.get("after_seconds")}):
        return why
    if why := detour(run, value.get("multitask_strategy")):
        return why
    # LangGraph's own keys (resuming, replaying): the server sets none before this handler
    # (`__pregel_node_finished` only once the run starts), so any here is the client's.
    if why := internal(run):
        return why
    # (an empty one names nothing: Agent Chat UI sends `checkpoint_ns: ""`)
    if named := named_checkpoints(run):
        return NAMED_CHECKPOINT.format(field=named[0].field)
    return None
