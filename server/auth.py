"""Who may use the server, and whose threads they see: LangGraph custom auth.

`langgraph.json` points at `auth` here. Every request needs `Authorization:
Bearer <token>` or `X-Api-Key: <token>`; no token or an unknown one gets 401. Tokens come from
`AUTH_USERS` (`name:token[:role+role],...`) or are HS256 JWTs signed with `AUTH_JWT_SECRET`
(the user is the `sub` claim, their roles the `roles` claim; `server/identity.py`). Roles are the user's
permissions; they say who may answer what (`agent/approval/approvers.py`). With neither set, the one local user `demo`
(token `demo-token`) exists, so `make dev` works out of the box.

A thread belongs to the user who created it; the server sets the owner, and no
client chooses or changes it. Every thread action (read, search, update, delete,
runs: stream, wait, resume) is filtered by owner, so another user gets 404, as if
the thread did not exist. Only an answer through the contract changes a pending
request: writing a thread's state (`update_state`, `supersteps`), `Command(update=...)`,
`Command(goto=...)`, copies and runs without a thread are refused with 403 and one
line saying why. So is every run that could go around the approval, on any route
that starts one (REST, stateless, batch, the v2 protocol, crons): one started by the
v2 event-streaming protocol, one with its own breakpoints (`interrupt_before`,
`interrupt_after`), `multitask_strategy` `interrupt` or `rollback`, one that sets
LangGraph's own config keys (`__pregel_...`), and one that names
a checkpoint (no time travel, no forks). Crons are refused, and so is cancelling a run
with `action=rollback` (on `/threads/{id}/runs/{run_id}/cancel` and `/runs/cancel`): it
deletes the checkpoints of a run that may be carrying out an approved call. These rules
(the run rules and their messages in `server/steering.py`) are applied here because every
route the server authorizes passes them; the HTTP guard
(`server/api_guard.py`) is mounted through `langgraph.json`'s `http.app` only.
The store holds the audit trail (`agent/approval/audit/`): a user may read
their own records; nobody may write or delete any. Anything not allowed here is denied.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final, NoReturn

from langgraph_sdk import Auth

from agent.approval.approvers import ANSWERED_BY, ON_BEHALF
from agent.approval.audit import namespace
from agent.approval.contract import AUDIT
from server.identity import on_behalf_owner, served_settings, signed_in
from server.steering import V2_PROTOCOL, is_v2, run_fields, steering_refusal

OWNER = "owner"
"""Thread metadata key naming the user who created the thread."""

auth = Auth()


# `headers` is the parameter both LangGraph's server (by name, bytes keys) and
# aegra (positionally, str keys) can give.
@auth.authenticate
async def authenticate(headers: Mapping[Any, Any]) -> dict[str, Any]:
    user = signed_in(headers)
    if owner := on_behalf_owner(headers):  # the server sees the owner, the graph the approver
        return {"identity": owner, "permissions": sorted(user.roles), ANSWERED_BY: str(user.identity)}
    return {"identity": str(user.identity), "permissions": sorted(user.roles)}


@auth.on
async def deny_by_default(ctx: Auth.types.AuthContext, value: Any) -> bool:
    """Whatever is not allowed below is refused."""
    return False


def _refuse(detail: str, status: int = 403) -> NoReturn:
    raise Auth.exceptions.HTTPException(status_code=status, detail=detail)


def _owned_by(ctx: Auth.types.AuthContext, metadata: Any) -> Auth.types.FilterType:
    """Set the owner to the signed-in user, refusing any other a client names; filter by owner."""
    user = ctx.user.identity
    if isinstance(metadata, dict):
        if metadata.get(OWNER, user) != user:
            _refuse(f"A thread's owner is the user who creates it; leave `metadata.{OWNER}` out.")
        metadata[OWNER] = user
    return {OWNER: user}


@auth.on.threads
async def own_threads(ctx: Auth.types.AuthContext, value: Any) -> Auth.types.FilterType | None:
    """Threads (and the runs on them) are visible to their owner only: read, search, delete.
    The approvals routes read any thread for an approver (and show them only the request)."""
    if ON_BEHALF in ctx.permissions:
        if ctx.action not in ("read", "search"):
            _refuse("An approver may only read the pending request and answer it.")
        return None
    return {OWNER: ctx.user.identity}


@auth.on.threads.create
async def create_thread(ctx: Auth.types.AuthContext, value: Auth.types.ThreadsCreate) -> Auth.types.FilterType:
    if "metadata" not in value:  # how the server asks when it copies a thread
        _refuse(
            "Copying a thread is refused: the copy would carry the original's pending request, "
            "so an approved call could run twice. Start a new thread instead."
        )
    return _owned_by(ctx, value["metadata"])


ROLLBACK_CANCEL: Final = (
    'Cancelling a run with action="rollback" is refused: the run may be carrying out an approved call, and '
    "the rollback deletes its checkpoints, so the thread would lose the call with the email already sent. "
    'Use action="interrupt", which keeps them.'
)


AEGRA_CANCEL: Final = (
    "Cancelling a run is refused on this server: aegra hands this check the cancel's path fields only, the "
    "same as a write of the thread's state (POST /threads/{id}/state), so it cannot let one through without "
    "the other. Let the run finish; on `make dev` (langgraph dev) runs can be cancelled."
)
CANCEL_FIELDS: Final = frozenset({"thread_id", "run_id", "run_ids", "status"})


def _cancel_on_aegra(value: Any) -> bool:
    """What aegra passes for a cancel (`/threads/{id}/runs/{run_id}/cancel`, `PATCH` of a run, `/runs/cancel`):
    the body and path fields, with no `action` (langgraph-api passes one)."""
    return bool(value.keys() & (CANCEL_FIELDS - {"thread_id"})) and value.keys() <= CANCEL_FIELDS


@auth.on.threads.update
async def update_thread(ctx: Auth.types.AuthContext, value: Auth.types.ThreadsUpdate) -> Auth.types.FilterType:
    """Metadata edits and run cancellation, by the owner; never the owner itself, never the state."""
    if value.get("action") == "rollback":  # (either cancel route, by run ids or by status)
        _refuse(ROLLBACK_CANCEL)
    if value.get("action") is not None:  # cancelling a run
        return {OWNER: ctx.user.identity}
    if _cancel_on_aegra(value):
        _refuse(AEGRA_CANCEL)
    if "metadata" not in value:  # update_state, or a thread created with supersteps
        _refuse(
            "Writing a thread's state directly is refused: pending requests, decisions and tool calls "
            "change only through the agent. Answer a pending request with Command(resume=...)."
        )
    if OWNER in (value["metadata"] or {}):
        _refuse(f"A thread's owner cannot be changed; leave `metadata.{OWNER}` out.")
    return {OWNER: ctx.user.identity}


CRONS: Final = (
    "Crons are refused: a cron starts runs later, with nobody watching, on a thread where a request may "
    "be waiting. Start each run yourself (runs.create, runs.wait)."
)


@auth.on.threads.create_run
async def create_run(ctx: Auth.types.AuthContext, value: Auth.types.RunsCreate) -> Auth.types.FilterType | None:
    """Runs on one's own threads, with new input or an answer; nothing that routes around the approval.

    Every run the server creates passes here (REST, stateless, batch, v2, cron runs)."""
    run = run_fields(value)
    if is_v2(value, run):
        _refuse(V2_PROTOCOL)
    if value.get("thread_id") is None:
        _refuse("Runs need a thread: create one with threads.create, then run the agent on it.")
    if why := steering_refusal(value, run):
        _refuse(why)
    command = run.get("command") or {}
    if ON_BEHALF in ctx.permissions:  # an approver's answer on another user's thread, and nothing else
        if run.get("input") is not None or "resume" not in command or set(command) - {"resume"}:
            _refuse("An approver may only answer the pending request: Command(resume=...), no input.")
        return None
    if command.get("update") is not None:
        _refuse("Command(update=...) is refused: state changes only through the agent.")
    if command.get("goto"):  # goto "__end__" arrives here as a dismissal (server/api_guard.py)
        _refuse("Command(goto=...) is refused: the agent routes itself; answer with Command(resume=...).")
    config_metadata = run["config"].get("metadata") if isinstance(run.get("config"), dict) else None
    if isinstance(config_metadata, dict) and config_metadata.get(OWNER, ctx.user.identity) != ctx.user.identity:
        _refuse(f"A thread's owner is the user who creates it; leave `metadata.{OWNER}` out.")
    return _owned_by(ctx, value.get("metadata"))


@auth.on.crons
async def no_crons(ctx: Auth.types.AuthContext, value: Any) -> bool:
    """Every cron action (create, search, update, delete): the template has no scheduled runs."""
    _refuse(CRONS)


@auth.on.assistants.read
async def read_assistants(ctx: Auth.types.AuthContext, value: Any) -> bool:
    """The graph's assistant is shared: everyone may read it (and run it on their threads)."""
    return True


@auth.on.assistants.search
async def search_assistants(ctx: Auth.types.AuthContext, value: Any) -> bool:
    return True


def _own_trail(ctx: Auth.types.AuthContext, value: Any) -> None:
    """Reads of the audit trail go to the signed-in user's own records, whatever namespace is
    asked; an auditor (AUDITOR_ROLES) reads everyone's."""
    asked = tuple(value.get("namespace") or ())
    if asked[:1] != (AUDIT,):
        _refuse(f"The store holds the audit trail only: read it under the namespace ({AUDIT!r},).")
    if not set(ctx.permissions) & set(served_settings().auditor_roles):
        value["namespace"] = namespace(ctx.user.identity)


@auth.on.store.search
async def search_trail(ctx: Auth.types.AuthContext, value: Any) -> None:
    _own_trail(ctx, value)


@auth.on.store.get
async def get_trail_record(ctx: Auth.types.AuthContext, value: Any) -> None:
    _own_trail(ctx, value)


@auth.on.store.put
async def add_refusal_record(ctx: Auth.types.AuthContext, value: Any) -> None:
    """Only the API guard, in-process, adds to the trail: the answers it refuses (`server/api_guard.py`)."""
    if ON_BEHALF not in ctx.permissions or tuple(value.get("namespace") or ())[:1] != (AUDIT,):
        _refuse("The audit trail is written by the agent only; nobody may change or delete it.")
    if (value.get("value") or {}).get("event") != "refused":
        _refuse("The audit trail is written by the agent only; nobody may change or delete it.")
