"""Settings: typed, read once, with clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from agent.models import make_model
from agent.models.offline import OfflineChatModel
from agent.settings import Settings, SettingsError


def test_defaults_to_the_offline_model() -> None:
    settings = Settings.from_env({})
    assert settings.model == "offline"
    assert isinstance(make_model(settings), OfflineChatModel)


def test_reads_openai_settings() -> None:
    env = {"MODEL": "openai:gpt-test", "OPENAI_API_KEY": "sk-test", "OPENAI_BASE_URL": "http://127.0.0.1:9/v1"}
    settings = Settings.from_env(env)
    assert settings.openai_model_name == "gpt-test"
    model = make_model(settings)
    assert type(model).__name__ == "ChatOpenAI"
    assert getattr(model, "model_name", None) == "gpt-test"


def test_reads_email_log(tmp_path: Path) -> None:
    assert Settings.from_env({"EMAIL_LOG": str(tmp_path / "e.jsonl")}).email_log == tmp_path / "e.jsonl"


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"MODEL": "anthropic:claude"}, "is not supported"),
        ({"MODEL": "openai:"}, "needs a model name"),
        ({"MODEL": "openai:gpt-test"}, "needs OPENAI_API_KEY"),
        ({"MODEL": "offline", "OPENAI_BASE_URL": "localhost:8000"}, "must start with http"),
    ],
)
def test_bad_settings_are_named(env: dict[str, str], message: str) -> None:
    with pytest.raises(SettingsError, match=message):
        Settings.from_env(env)


def test_environment_is_read_through_monkeypatch(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MODEL", "offline")
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    assert Settings.from_env().model == "offline"
