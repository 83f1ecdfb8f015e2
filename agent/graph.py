"""The graph: a deep agent whose gated tool calls wait for a human, reload-safe.

`graph` is what `langgraph.json` serves under the id `agent`; `make_graph` builds
the same graph with an injected model and checkpointer (tests, benchmarks, forks).

    make dev                     # serve it with `langgraph dev`
    python -m client demo        # walk through an approval against the server
"""

from __future__ import annotations

from typing import Any

from deepagents import create_deep_agent
from deepagents.middleware.subagents import GENERAL_PURPOSE_SUBAGENT, SubAgent
from langchain_core.language_models import BaseChatModel
from langgraph.graph.state import CompiledStateGraph
from langgraph.prebuilt import ToolNode
from langgraph.store.base import BaseStore
from langgraph.types import Checkpointer

from agent.approval import RefuseGatedTools, approval_middleware
from agent.contract import APPROVAL_NODE
from agent.email import EmailProvider, LoggingEmailProvider, NullEmailProvider
from agent.models import make_model
from agent.policy import INTERRUPT_ON
from agent.prompts import SUBAGENT_PROMPT, SYSTEM_PROMPT
from agent.settings import Settings
from agent.tools import make_tools


def make_graph(
    model: BaseChatModel | None = None,
    checkpointer: Checkpointer = None,
    *,
    store: BaseStore | None = None,
    settings: Settings | None = None,
    email_provider: EmailProvider | None = None,
    breakpoint: bool = False,
) -> CompiledStateGraph[Any, Any, Any, Any]:
    """Build the agent. What is not given comes from `settings` (default: the environment).

    The graph pauses on a regular interrupt in the approval node, right after the
    model's step, which saved `pending_hitl`. With `breakpoint=True` it pauses at a static
    `interrupt_before` on that node instead: same contract on `langgraph dev`, but
    the pause then has no interrupt value, which some servers (aegra) and HITL UIs
    do not recognise as a pause (see README, "Other servers").
    """
    settings = settings or Settings.from_env()
    model = model or make_model(settings)
    provider = email_provider or (
        LoggingEmailProvider(settings.email_log) if settings.email_log else NullEmailProvider()
    )
    gate, middleware = approval_middleware(INTERRUPT_ON, breakpoint=breakpoint)
    # Subagents cannot pause the parent for review, so gated tools are refused there.
    general_purpose: SubAgent = {
        **GENERAL_PURPOSE_SUBAGENT,
        "system_prompt": SUBAGENT_PROMPT,
        "middleware": [RefuseGatedTools(INTERRUPT_ON)],
    }
    agent = create_deep_agent(
        model=model,
        tools=make_tools(provider),
        system_prompt=SYSTEM_PROMPT,
        middleware=middleware,
        subagents=[general_purpose],
        checkpointer=checkpointer,
        store=store,
    )
    tool_node = agent.nodes["tools"].bound
    if not isinstance(tool_node, ToolNode):
        raise TypeError("create_deep_agent no longer builds a ToolNode named 'tools'; update agent/graph.py")
    gate.register_tools(tool_node.tools_by_name.values())
    return agent.copy(update={"interrupt_before_nodes": [APPROVAL_NODE]}) if breakpoint else agent


graph = make_graph()
