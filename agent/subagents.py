"""The `task` subagents: each asks for approval like the main agent, from its own state.

A subagent is a graph of its own, run inside the parent's `task` tool call. It gets
a gate like the main agent's (`agent.approval.install`), so a gated call there waits
for a human too: the request is written in the subagent's state (found with
`get_state(thread_id, subgraphs=True)`), carries `subagent` and `task_call_id`, and the
parent thread pauses with it, at the subagent's own static breakpoint (`agent`) or on
its interrupt (`agent_interrupt`). The same resume answers it.

To add a subagent, add a spec to `SUBAGENTS` (deepagents' `SubAgent` shape); its
approval policy is its spec's `interrupt_on`, else
`agent.policy.SUBAGENT_INTERRUPT_ON[name]`, else the main agent's.
"""

from __future__ import annotations

from deepagents.middleware import SubAgent
from deepagents.middleware.subagents import GENERAL_PURPOSE_SUBAGENT

from agent.prompts import SUBAGENT_PROMPT

SUBAGENTS: list[SubAgent] = [
    {**GENERAL_PURPOSE_SUBAGENT, "system_prompt": SUBAGENT_PROMPT},
]
"""The subagents the main agent can delegate to with `task`."""
