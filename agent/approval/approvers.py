"""Who may answer a request: roles, and separation of duties.

Per tool, from the policy (`agent.policy`, our keys in the `interrupt_on` shape),
else from the deployment's defaults (`APPROVER_ROLES`, `REQUESTER_MAY_ANSWER`):

- `approver_roles`: users with one of these roles may answer; with none listed,
  only the user who asked (the thread's owner) may;
- `requester_may_answer: False`: the user who asked may not answer, whatever
  their roles (separation of duties).

A request needs every one of its tools' rules met. The graph checks this on every
answer with the user the server authenticated (`langgraph_auth_user` in the run's
config), so a server without this template's auth cannot be used to skip it; the
API refuses a user who may not answer before the graph runs (`server/api_guard.py`,
`server/approvals.py`), by the rules the gate wrote in the request's review configs.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from langgraph.config import get_config

from agent.approval.contract import PendingRequest

AUTH_USER_KEY: Final = "langgraph_auth_user"
AUTH_USER_ID_KEY: Final = "langgraph_auth_user_id"
AUTH_PERMISSIONS_KEY: Final = "langgraph_auth_permissions"
ON_BEHALF: Final = "approvals:on-behalf"
"""The permission of a server's own requests made for a signed-in approver (`server/approvals.py`)."""
ANSWERED_BY: Final = "answered_by"
"""With `ON_BEHALF`, the approver a run answers for: the server's user is then the thread's owner,
as servers that show a thread to its owner only (aegra) need, and the approver is who answers."""


@dataclass(frozen=True)
class User:
    """A signed-in user and their roles; `identity` is `None` when the graph runs without a server's auth."""

    identity: str | None
    roles: frozenset[str] = frozenset()


def _server_user() -> tuple[Any, str | None, frozenset[str]] | None:
    """The server's user object of the run, the identity the server saw, and the permissions."""
    try:
        configurable = get_config().get("configurable", {})
    except RuntimeError:
        return None
    user = configurable.get(AUTH_USER_KEY)
    identity = _field(user, "identity") or configurable.get(AUTH_USER_ID_KEY)
    permissions = configurable.get(AUTH_PERMISSIONS_KEY)
    if permissions is None:
        permissions = _field(user, "permissions")
    return user, str(identity) if identity else None, frozenset(str(p) for p in permissions or ())


def current_user() -> User:
    """The user of the run, as the server authenticated them (LangGraph's server and aegra): for
    an approver's answer through the approvals routes, the approver (`ANSWERED_BY`)."""
    if (seen := _server_user()) is None:
        return User(None)
    user, identity, roles = seen
    if ON_BEHALF in roles and (approver := _field(user, ANSWERED_BY)):
        return User(str(approver), roles)
    return User(identity, roles)


def _field(user: Any, name: str) -> Any:
    """A field of the server's user object: a dict (aegra), or LangGraph's user proxy."""
    if isinstance(user, Mapping):
        return user.get(name)
    try:
        return user[name]
    except (KeyError, TypeError, IndexError):
        return getattr(user, name, None)


def requester() -> str | None:
    """Who asks, for a request made now: the thread's owner.

    The run's metadata names the owner (set by `server/auth.py`, by the approvals
    routes for an approver's run): after an approver's answer, a request the same run
    makes is still the owner's. Without it (aegra keeps run metadata out of the run's
    config), the user the server saw: the owner too, since an approver's answer reaches
    the thread as its owner (`server.identity.ON_BEHALF_OWNER_HEADER`), never the approver.
    """
    try:
        owner = (get_config().get("metadata") or {}).get("owner")
    except RuntimeError:
        return None
    if owner:
        return str(owner)
    seen = _server_user()
    return seen[1] if seen else None


@dataclass(frozen=True)
class Rule:
    approver_roles: tuple[str, ...] = ()
    requester_may_answer: bool = True


OWNER_ANSWERS: Final = Rule()
"""The default without roles: the user who asked (the thread's owner) answers."""


@dataclass(frozen=True)
class WhoMayAnswer:
    """The rules of a policy, with the deployment's defaults for tools that do not say."""

    policy: Mapping[str, Any]
    """`{tool: InterruptOnConfig-like}` (`True` entries: no rules of their own)."""
    default: Rule = OWNER_ANSWERS

    def __post_init__(self) -> None:
        for tool in [*self.policy, None]:
            rule = self.default if tool is None else self.rule(tool)
            if not rule.requester_may_answer and not rule.approver_roles:
                where = "APPROVER_ROLES" if tool is None else f"agent.policy for `{tool}`"
                raise ValueError(
                    f"Nobody could answer: the user who asked may not (separation of duties) and no approver "
                    f"role is named. Set {where} too, e.g. approver_roles=['approver']."
                )

    def rule(self, tool: str) -> Rule:
        found = self.policy.get(tool)
        config: Mapping[str, Any] = found if isinstance(found, Mapping) else {}
        roles = config.get("approver_roles")
        may = config.get("requester_may_answer")
        return Rule(
            approver_roles=self.default.approver_roles if roles is None else tuple(roles),
            requester_may_answer=self.default.requester_may_answer if may is None else bool(may),
        )

    def refusal(self, user: User, request: PendingRequest) -> str | None:
        """Why `user` may not answer `request`, or `None` if they may."""
        requester = request.get("requested_by")
        for tool in dict.fromkeys(action["name"] for action in request["action_requests"]):
            rule = self.rule(tool)
            constrained = rule.approver_roles or not rule.requester_may_answer
            if user.identity is None:
                if constrained:
                    return f"Requests to run `{tool}` need a signed-in approver; this answer came without one."
                continue
            if not rule.requester_may_answer and user.identity == requester:
                return (
                    f"Separation of duties: {user.identity} asked for this `{tool}` call and may not answer "
                    "the request; another approver must."
                )
            if rule.approver_roles and not user.roles & set(rule.approver_roles):
                roles = " or ".join(repr(r) for r in rule.approver_roles)
                return f"Only users with the role {roles} may answer requests to run `{tool}`; {user.identity} has not."
            if not rule.approver_roles and requester is not None and user.identity != requester:
                return f"Only {requester}, who asked, may answer requests to run `{tool}`."
        return None

    def may_answer(self, user: User, request: PendingRequest) -> bool:
        return self.refusal(user, request) is None


def carried_rules(request: PendingRequest) -> WhoMayAnswer | None:
    """The rules for `request` as the gate that made it wrote them in its review configs, so the
    API holds an answer to the graph's rule and recomputes nothing (the graph checks again with
    its own policy). None for a request not as the gate writes them (made before review configs
    carried rules): the server falls back to the policy it serves."""
    configs = request.get("review_configs") or []
    try:
        if configs and all("approver_roles" in c and "requester_may_answer" in c for c in configs):
            rules = (
                (c["action_name"], tuple(map(str, c["approver_roles"])), c["requester_may_answer"] is True)
                for c in configs
            )
            return _rules_of(tuple(rules))
    except (TypeError, ValueError):
        pass
    return None


@functools.lru_cache(maxsize=256)
def _rules_of(rules: tuple[tuple[str, tuple[str, ...], bool], ...]) -> WhoMayAnswer:
    policy = {tool: {"approver_roles": list(roles), "requester_may_answer": may} for tool, roles, may in rules}
    return WhoMayAnswer(policy, OWNER_ANSWERS)
