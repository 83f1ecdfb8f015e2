"""The stand-in for a model that cannot be built here: its key or its provider's package is missing.

The graph `langgraph.json` serves is built when its module is imported; with this in
place of the model, importing needs neither, and the first model call fails with
the reason in one line (`ModelCallFailed`, which the server passes on to the client).
`make dev` says the same before the server starts (`python -m server.preflight`).

    MODEL=openai:gpt-4o-mini python -c "import agent.graph"   # no key: fine, until it is used
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel, LanguageModelInput
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.outputs import ChatResult
from langchain_core.runnables import Runnable

from agent.models.errors import ModelCallFailed


class UnavailableModel(BaseChatModel):
    """Raises `ModelCallFailed(reason)` on every call."""

    reason: str

    @property
    def _llm_type(self) -> str:
        return "unavailable"

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        raise ModelCallFailed(self.reason)

    def bind_tools(self, tools: Sequence[Any], **kwargs: Any) -> Runnable[LanguageModelInput, AIMessage]:
        return self  # (it fails before tools would matter)
