"""Chat models: the offline default and the OpenAI path, chosen by `Settings.model`."""

from __future__ import annotations

from langchain_core.language_models import BaseChatModel

from agent.models.offline import OfflineChatModel
from agent.settings import Settings


def make_model(settings: Settings) -> BaseChatModel:
    """Build the chat model the settings name. Imports provider code only when used."""
    name = settings.openai_model_name
    if name is None:
        return OfflineChatModel()
    from langchain_openai import ChatOpenAI  # noqa: PLC0415  # only the OpenAI path needs it

    # Chat Completions, not the Responses API: it is what OpenAI-compatible servers speak.
    return ChatOpenAI(
        model=name,
        api_key=settings.openai_api_key,
        base_url=settings.openai_base_url,
        use_responses_api=False,
    )


__all__ = ["OfflineChatModel", "make_model"]
