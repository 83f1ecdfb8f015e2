"""Chat models: the offline default, or any `provider:model` through langchain's `init_chat_model`.

    MODEL=offline                 # default: no key, no network
    MODEL=openai:gpt-4.1-mini     # OPENAI_API_KEY; OPENAI_BASE_URL for OpenAI-compatible servers
    MODEL=anthropic:claude-sonnet-4-5, ollama:llama3.1, ...   # the provider's package: pip install -e '.[ollama]'

Provider code is imported only when its model is built, and the graph's module is
built on `served_model`, so importing the agent needs no key and no provider package.
"""

from __future__ import annotations

import re
from typing import Any

from langchain_core.language_models import BaseChatModel

from agent.models.offline import OfflineChatModel
from agent.models.unavailable import UnavailableModel
from agent.settings import OPENAI, Settings, SettingsError, needs_key


class ModelSetupError(SettingsError):
    """The model the settings name cannot be built; the message says what to install or set."""


def served_model(settings: Settings) -> BaseChatModel:
    """The model the settings name, or, when it cannot be built (no key, no package), a
    stand-in whose first call raises the reason in one line: a served graph's module
    then imports without them."""
    try:
        return make_model(settings)
    except ModelSetupError as problem:
        return UnavailableModel(reason=str(problem))


def make_model(settings: Settings) -> BaseChatModel:
    """Build the chat model the settings name.

    Raises:
        ModelSetupError: its provider's package is missing, or it refuses its settings.
    """
    model = _built(settings)
    if settings.context_window is not None:
        # deepagents' summarization reads the window from the model's profile.
        model.profile = {**(model.profile or {}), "max_input_tokens": settings.context_window}
    return model


def _built(settings: Settings) -> BaseChatModel:
    if settings.provider is None:
        return OfflineChatModel()
    if settings.missing_key:
        raise ModelSetupError(needs_key(settings.model, settings.missing_key))
    from langchain.chat_models import init_chat_model  # noqa: PLC0415  # only real models need it

    options: dict[str, Any] = {}
    if settings.provider == OPENAI:
        # Chat Completions, not the Responses API: it is what OpenAI-compatible servers speak.
        options = {"api_key": settings.openai_api_key, "base_url": settings.openai_base_url, "use_responses_api": False}
    try:
        model: BaseChatModel = init_chat_model(settings.model, **options)
    except ImportError as missing:
        named = re.search(r"requires the ([\w.-]+) package", str(missing))
        package = named[1] if named else f"langchain-{settings.provider.replace('_', '-')}"
        raise ModelSetupError(
            f"MODEL={settings.model!r} needs the package {package}: .venv/bin/pip install {package}"
        ) from None
    except Exception as refused:  # a provider's own validation, e.g. of its key or base URL
        raise ModelSetupError(f"MODEL={settings.model!r} cannot be set up: {str(refused).splitlines()[0]}") from None
    return model


__all__ = ["ModelSetupError", "OfflineChatModel", "UnavailableModel", "make_model", "served_model"]
