"""The graph: a deep agent whose gated tool calls wait for a human, reload-safe.

`langgraph.json` serves one agent under two ids, both built by `make_graph`:
`graph` as `agent` (the default: it pauses at a static breakpoint before the
approval node) and `graph_interrupt` as `agent_interrupt` (the approval node
pauses with `interrupt(<the pending request>)`, for servers and HITL UIs that
only understand interrupt values). `make_graph` also builds either with an
injected model and checkpointer (tests, benchmarks, forks).

    make dev                     # serve it with `langgraph dev`
    python -m client demo        # walk through an approval against the server
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from langchain.agents.middleware import AgentMiddleware
from langchain_core.language_models import BaseChatModel
from langgraph.graph.state import CompiledStateGraph
from langgraph.store.base import BaseStore
from langgraph.types import Checkpointer

from agent.approval import GateOptions, Rule, gated_deep_agent
from agent.approval.contract import Pause
from agent.email import EmailProvider, LoggingEmailProvider, NullEmailProvider
from agent.models import make_model, served_model
from agent.models.errors import ExplainModelErrors
from agent.notify import Notifier
from agent.policy import INTERRUPT_ON, SUBAGENT_INTERRUPT_ON
from agent.prompts import SYSTEM_PROMPT
from agent.settings import Settings
from agent.subagents import SUBAGENTS
from agent.tools import make_tools


def make_graph(
    model: BaseChatModel | None = None,
    checkpointer: Checkpointer = None,
    *,
    store: BaseStore | None = None,
    settings: Settings | None = None,
    email_provider: EmailProvider | None = None,
    pause: Pause = "breakpoint",
    middleware: Sequence[AgentMiddleware[Any, Any, Any]] = (),
) -> CompiledStateGraph[Any, Any, Any, Any]:
    """Build the agent. What is not given comes from `settings` (default: the environment).

    The model's step saves the pending request in `pending_hitl`; the graph then
    pauses before the approval node (`pause="breakpoint"`, a static
    `interrupt_before`) or in it (`pause="interrupt"`, an interrupt whose value
    is the request). Everything else is the same. `middleware` is added after the
    gate's and planning's (their after-model steps run before theirs).
    """
    settings = settings or Settings.from_env()
    model = model or make_model(settings)
    provider = email_provider or (
        LoggingEmailProvider(settings.email_log) if settings.email_log else NullEmailProvider()
    )
    tools = make_tools(provider)
    notifier = (
        Notifier(settings.notify_url, settings.notify_secret.encode(), public_url=settings.public_url)
        if settings.notify_url and settings.notify_secret
        else None
    )
    # A real model's failures become one clear line (the offline model cannot fail so).
    explain = [ExplainModelErrors(settings)] if settings.provider is not None else []
    return gated_deep_agent(
        model,
        tools,
        interrupt_on=INTERRUPT_ON,
        options=GateOptions(
            seal_key=settings.seal_key,
            ttl=timedelta(seconds=settings.approval_ttl_seconds),
            observer=notifier,
            default_rule=Rule(settings.approver_roles, settings.requester_may_answer),
        ),
        pause=pause,
        # Each subagent has its own gate: its gated calls wait for approval in its own state.
        subagents=SUBAGENTS,
        subagent_interrupt_on=SUBAGENT_INTERRUPT_ON,
        middleware=[*explain, *middleware],
        system_prompt=SYSTEM_PROMPT,
        checkpointer=checkpointer,
        store=store,
    )


def _served(pause: Pause) -> CompiledStateGraph[Any, Any, Any, Any]:
    """What `langgraph.json` serves. Importing needs no model key or provider package: without
    them, the first model call says which is missing (and `make dev` says so before serving)."""
    settings = Settings.from_env(need_key=False)
    return make_graph(served_model(settings), settings=settings, pause=pause)


graph = _served("breakpoint")
graph_interrupt = _served("interrupt")
