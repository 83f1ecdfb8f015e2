"""`ApprovalGate`: reload-safe tool approval for a deep agent, in one middleware.

Why not a plain `interrupt()`: LangGraph keeps only the interrupt and resume
writes of an interrupted task, so whatever a node writes before it calls
`interrupt()` is lost, under every durability mode. Here the request is written
by a step that *completes*, the model's own, and the graph pauses only in a later
one, the approval node:

    agent:            model (+ pending_hitl) ─▶ route_turns ─▶ review_tool_calls ─▶ tools ─▶ …
                                                   │         ▲ the pause: a static breakpoint before it
                                                   └─ nothing pending: on to the tools or the end, past it
    agent_interrupt:  model (+ pending_hitl) ─▶ review_tool_calls ─▶ tools ─▶ …
                                                the pause: interrupt(request) in it;
                                                nothing pending: it routes the turn on itself

Its three hooks are three parts: around the model call, the request step
(`agent.approval.model_step`); after it, the approval node (`agent.approval.node`);
around every tool call, the tool guard (`agent.approval.tool_guard`).

The router (`agent.approval.planning`) takes the place of the after-model step deep agents
have anyway, planning's, whose check runs in the model's step here.
A reply that starts several subagents goes on with each call in a tools task of
its own (`agent.approval.fanout`), from the router or from the approval node.

Each `task` subagent has a gate of its own (`agent.approval.install`): its requests live
in the subagent's state and name the subagent and the parent's `task` call, which the
parent's gate passes down (`TaskCall`) around the call.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from langchain.agents.middleware import AgentMiddleware, InterruptOnConfig
from langchain_core.tools import BaseTool
from pydantic import BaseModel

from agent.approval.approvers import OWNER_ANSWERS, Rule, WhoMayAnswer
from agent.approval.base import WaitingObserver
from agent.approval.contract import REVIEW_TOOL_CALLS, Pause
from agent.approval.model_step import ModelStep
from agent.approval.node import ApprovalNode
from agent.approval.policy import resolve_policy
from agent.approval.state import ApprovalState
from agent.approval.tool_guard import ToolGuard


def compact_schema(tool: BaseTool) -> dict[str, Any]:
    """The JSON schema of a tool's arguments, without the tool's prose or titles."""
    schema = tool.tool_call_schema
    full = schema.model_json_schema() if isinstance(schema, type) and issubclass(schema, BaseModel) else {}

    def strip(node: Any) -> Any:
        if isinstance(node, dict):
            return {k: strip(v) for k, v in node.items() if k != "title"}
        if isinstance(node, list):
            return [strip(item) for item in node]
        return node

    return {key: strip(value) for key, value in full.items() if key not in ("description", "title")}


# (type: the approval node's after_model returns a Command, which langchain's hook type leaves out)
class ApprovalGate(ModelStep, ApprovalNode, ToolGuard, AgentMiddleware[ApprovalState, Any, Any]):  # type: ignore[misc]
    """Writes the pending request in the model's step, is the approval node, and guards every tool call.

    `pause="breakpoint"`: compile the graph with `interrupt_before=[APPROVAL_NODE]`
    (the node finds the answer the client resumed with); `pause="interrupt"`: the
    node itself pauses with `interrupt(<the pending request>)`.
    """

    state_schema = ApprovalState

    def __init__(
        self,
        interrupt_on: Mapping[str, bool | InterruptOnConfig],
        *,
        pause: Pause = "breakpoint",
        seal_key: bytes,
        subagent: str | None = None,
        ttl: timedelta = timedelta(days=1),
        observer: WaitingObserver | None = None,
        default_rule: Rule = OWNER_ANSWERS,
    ) -> None:
        super().__init__()
        self.policy = resolve_policy(interrupt_on)
        self.pause = pause
        self.seal_key = seal_key
        self.subagent = subagent
        """The subagent this gate serves (its requests say so), or `None` for the main agent."""
        self.ttl = ttl
        """How long a request waits before it expires, for tools whose policy does not say."""
        self.observer = observer
        self.who = WhoMayAnswer(self.policy, default_rule)
        """Who may answer this gate's requests (`agent.approval.approvers`)."""
        self.tools_by_name: dict[str, BaseTool] = {}
        self.args_schemas: dict[str, dict[str, Any]] = {}

    @property
    def name(self) -> str:
        return REVIEW_TOOL_CALLS

    def register_tools(self, tools: Iterable[BaseTool]) -> None:
        """Give the gate the agent's tools: edits are checked against their schemas, and
        each review config carries its tool's `args_schema`, for edit forms."""
        self.tools_by_name = {tool.name: tool for tool in tools}
        self.args_schemas = {
            name: compact_schema(tool) for name, tool in self.tools_by_name.items() if name in self.policy
        }


@dataclass(frozen=True)
class GateOptions:
    """What the gates of one agent share (the main agent's and each subagent's)."""

    seal_key: bytes
    ttl: timedelta = timedelta(days=1)
    observer: WaitingObserver | None = None
    """Told of each new request (`agent.notify.Notifier` sends notices)."""
    default_rule: Rule = OWNER_ANSWERS

    def gate(
        self, interrupt_on: Mapping[str, bool | InterruptOnConfig], *, pause: Pause, subagent: str | None = None
    ) -> ApprovalGate:
        """A gate for `interrupt_on`, for the main agent or for `subagent`."""
        return ApprovalGate(
            interrupt_on,
            pause=pause,
            seal_key=self.seal_key,
            subagent=subagent,
            ttl=self.ttl,
            observer=self.observer,
            default_rule=self.default_rule,
        )
