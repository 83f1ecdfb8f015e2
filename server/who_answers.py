"""Who may answer a request, as the API reads it: the rules the gate wrote into the request
(`agent.approval.approvers.carried_rules`), or, for a request made before requests carried
them, the policy this server serves (`agent.policy`, with `APPROVER_ROLES` and
`REQUESTER_MAY_ANSWER`). The graph checks again with its own policy on every answer.
"""

from __future__ import annotations

import functools

from agent.approval.approvers import Rule, WhoMayAnswer, carried_rules
from agent.approval.contract import PendingRequest
from agent.settings import Settings


def who_may_answer(request: PendingRequest) -> WhoMayAnswer:
    return carried_rules(request) or _served_rules(request.get("subagent"))


@functools.cache
def _served_rules(subagent: str | None) -> WhoMayAnswer:
    from agent.policy import INTERRUPT_ON, SUBAGENT_INTERRUPT_ON  # noqa: PLC0415  # policy imports langchain

    settings = Settings.from_env(need_key=False)
    policy = SUBAGENT_INTERRUPT_ON.get(subagent, INTERRUPT_ON) if subagent else INTERRUPT_ON
    return WhoMayAnswer(policy, Rule(settings.approver_roles, settings.requester_may_answer))
