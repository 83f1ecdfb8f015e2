"""The request: which calls of the model's reply wait for a human, and how they are shown."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from langchain.agents.middleware import InterruptOnConfig, ToolCallRequest
from langchain.tools import ToolRuntime
from langchain_core.messages import AIMessage, ToolCall
from langgraph.config import get_config
from langgraph.runtime import Runtime

from agent.approval import clock
from agent.approval.approvers import requester
from agent.approval.base import GateBase, task_call_var
from agent.approval.contract import SUBAGENT, TASK_CALL_ID, ActionRequest, PendingRequest, ReviewConfig


class RequestBuilder(GateBase):
    """Builds `pending_hitl` from a model reply, as the gate's policy says."""

    def _describe(self, call: ToolCall, config: InterruptOnConfig, state: Any, runtime: Runtime[Any]) -> str:
        description = config.get("description")
        if callable(description):
            return description(call, state, runtime)
        return description or f"Run `{call['name']}` with the arguments shown."

    def _needs_review(self, call: ToolCall, state: Any, runtime: Runtime[Any]) -> bool:
        """Whether the policy gates this call (its `when` predicate, if any, sees the call as a tool would)."""
        config = self.policy.get(call["name"])
        if config is None or "when" not in config:
            return config is not None
        tool_runtime = ToolRuntime(
            state=state,
            context=runtime.context,
            config=get_config(),
            stream_writer=runtime.stream_writer,
            tool_call_id=call["id"],
            store=runtime.store,
        )
        return self._gated(
            ToolCallRequest(
                tool_call=call, tool=self.tools_by_name.get(call["name"]), state=state, runtime=tool_runtime
            )
        )

    def build_request(self, message: AIMessage, state: Any, runtime: Runtime[Any]) -> PendingRequest | None:
        """The pending request for the gated calls in `message`, or `None` if it has none."""
        actions: list[ActionRequest] = []
        configs: dict[str, ReviewConfig] = {}
        for call in message.tool_calls:
            if not self._needs_review(call, state, runtime):
                continue
            config = self.policy[call["name"]]
            actions.append(
                ActionRequest(
                    tool_call_id=call["id"] or "",
                    name=call["name"],
                    args=call["args"],
                    description=self._describe(call, config, state, runtime),
                )
            )
            if call["name"] not in configs:
                rule = self.who.rule(call["name"])  # (the API reads who may answer here, never recomputes it)
                review = ReviewConfig(
                    action_name=call["name"],
                    allowed_decisions=list(config["allowed_decisions"]),
                    approver_roles=list(rule.approver_roles),
                    requester_may_answer=rule.requester_may_answer,
                )
                if schema := self.args_schemas.get(call["name"]):
                    review["args_schema"] = schema
                configs[call["name"]] = review
        if not actions:
            return None
        created = clock.now()
        ttl = min(self._ttl(action["name"]) for action in actions)
        pending = PendingRequest(
            request_id=uuid.uuid4().hex,
            message_id=message.id or "",
            created_at=clock.stamp(created),
            expires_at=clock.stamp(created + ttl),
            action_requests=actions,
            review_configs=list(configs.values()),
        )
        if (asker := requester()) is not None:
            pending["requested_by"] = asker
        if self.subagent is not None:
            pending[SUBAGENT] = self.subagent
            task_call = task_call_var.get()
            pending[TASK_CALL_ID] = task_call.call_id if task_call else ""
        return pending

    def _ttl(self, tool: str) -> timedelta:
        seconds = self.policy[tool].get("ttl_seconds")
        return self.ttl if seconds is None else timedelta(seconds=seconds)
