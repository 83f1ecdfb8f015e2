"""Model call failures as one clear line: which model, what went wrong, which setting to check.

A provider's client raises its own exception types (`openai.APIConnectionError`,
...), which the LangGraph server reports only as "An internal error occurred".
This middleware turns them into `ModelCallFailed`, a `RuntimeError` whose message
the server passes on to the client, the CLI and the page. It is added only for
real models: the offline model cannot fail this way.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from langchain.agents.middleware import AgentMiddleware, ModelRequest, ModelResponse
from langgraph.errors import GraphBubbleUp

from agent.settings import KEY_VARIABLES, OPENAI, Settings

OPENAI_DEFAULT_URL = "https://api.openai.com/v1"


class ModelCallFailed(RuntimeError):
    """The model provider could not answer; the message names the model and what to check."""


def explain(error: Exception, settings: Settings) -> str:
    """One line: the model, the provider's error, and the setting most likely at fault."""
    kind = type(error).__name__
    cause = (str(error).splitlines() or [""])[0].rstrip(".")
    line = f"The model call failed (MODEL={settings.model}): {kind}: {cause}".rstrip(": ")
    if any(word in kind for word in ("Connection", "Timeout", "Connect")):
        where = (settings.openai_base_url or OPENAI_DEFAULT_URL) if settings.provider == OPENAI else "the provider"
        variable = " (OPENAI_BASE_URL)" if settings.provider == OPENAI else ""
        return f"{line}. Cannot reach {where}{variable}: is it running, and is the address right?"
    if any(word in kind for word in ("Authentication", "PermissionDenied", "Unauthorized")):
        return f"{line}. Check {KEY_VARIABLES.get(settings.provider or '', 'the provider key')}."
    return f"{line}."


class ExplainModelErrors(AgentMiddleware[Any, Any, Any]):
    """Re-raises a failed model call as `ModelCallFailed`, with `explain`'s line."""

    def __init__(self, settings: Settings) -> None:
        super().__init__()
        self.settings = settings

    def wrap_model_call(
        self, request: ModelRequest[Any], handler: Callable[[ModelRequest[Any]], ModelResponse[Any]]
    ) -> ModelResponse[Any]:
        try:
            return handler(request)
        except (GraphBubbleUp, ModelCallFailed):
            raise
        except Exception as error:
            raise ModelCallFailed(explain(error, self.settings)) from error

    async def awrap_model_call(
        self, request: ModelRequest[Any], handler: Callable[[ModelRequest[Any]], Awaitable[ModelResponse[Any]]]
    ) -> ModelResponse[Any]:
        try:
            return await handler(request)
        except (GraphBubbleUp, ModelCallFailed):
            raise
        except Exception as error:
            raise ModelCallFailed(explain(error, self.settings)) from error
