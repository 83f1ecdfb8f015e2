"""Settings: typed, read once, with clear errors."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from agent.models import ModelSetupError, make_model
from agent.models.offline import OfflineChatModel
from agent.settings import Settings, SettingsError


def test_defaults_to_the_offline_model() -> None:
    settings = Settings.from_env({})
    assert settings.model == "offline"
    assert isinstance(make_model(settings), OfflineChatModel)


def test_reads_openai_settings() -> None:
    env = {"MODEL": "openai:gpt-test", "OPENAI_API_KEY": "sk-test", "OPENAI_BASE_URL": "http://127.0.0.1:9/v1"}
    settings = Settings.from_env(env)
    assert settings.provider == "openai"
    model = make_model(settings)
    assert type(model).__name__ == "ChatOpenAI"
    assert getattr(model, "model_name", None) == "gpt-test"


def test_reads_email_log(tmp_path: Path) -> None:
    assert Settings.from_env({"EMAIL_LOG": str(tmp_path / "e.jsonl")}).email_log == tmp_path / "e.jsonl"


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"MODEL": "gpt-4.1"}, "must be 'offline' .* or 'provider:model'"),
        ({"MODEL": "openai:"}, "must be 'offline' .* or 'provider:model'"),
        ({"MODEL": "openai:gpt-test"}, "needs OPENAI_API_KEY"),
        ({"MODEL": "anthropic:claude-sonnet-4-5"}, "needs ANTHROPIC_API_KEY"),
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


def test_any_provider_model_through_init_chat_model() -> None:
    settings = Settings.from_env({"MODEL": "anthropic:claude-sonnet-4-5", "ANTHROPIC_API_KEY": "sk-ant-test"})
    model = make_model(settings)
    assert type(model).__name__ == "ChatAnthropic"


def test_a_provider_whose_package_is_missing_says_what_to_install() -> None:
    """A fresh process where `langchain_anthropic` cannot be imported, as if it were not installed."""
    program = (
        "import sys; sys.modules['langchain_anthropic'] = None\n"
        "from agent.models import make_model\n"
        "from agent.settings import Settings\n"
        "make_model(Settings.from_env({'MODEL': 'anthropic:claude-sonnet-4-5', 'ANTHROPIC_API_KEY': 'k'}))\n"
    )
    ran = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, check=False, timeout=120)
    assert ran.returncode == 1
    assert ran.stderr.strip().splitlines()[-1] == (
        "agent.models.ModelSetupError: MODEL='anthropic:claude-sonnet-4-5' needs the package langchain-anthropic: "
        ".venv/bin/pip install langchain-anthropic"
    )


def test_a_provider_without_a_package_here() -> None:
    with pytest.raises(ModelSetupError, match="needs the package langchain-ollama"):
        make_model(Settings.from_env({"MODEL": "ollama:llama3.1"}))


@pytest.mark.parametrize(
    ("env", "status", "line"),
    [
        ({}, 0, "settings: MODEL=offline, 1 user(s) with tokens"),
        (
            {"MODEL": "openai:gpt-4.1-mini"},
            1,
            "error: MODEL='openai:gpt-4.1-mini' needs OPENAI_API_KEY (see .env.example).",
        ),
        ({"MODEL": "ollama:llama3.1"}, 1, "error: MODEL='ollama:llama3.1' needs the package langchain-ollama: "),
    ],
)
def test_the_preflight_make_dev_runs_is_one_line(tmp_path: Path, env: dict[str, str], status: int, line: str) -> None:
    """`python -m server.preflight`, run from a folder without `.env`, with only `env` set."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("MODEL", "OPENAI_", "AUTH_", "APPROVAL_"))}
    ran = subprocess.run(
        [sys.executable, "-m", "server.preflight"],
        cwd=tmp_path,
        env={**clean, "PYTHONPATH": str(Path(__file__).resolve().parents[3]), **env},
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert ran.returncode == status
    (said,) = (ran.stdout + ran.stderr).strip().splitlines()
    assert said.startswith(line)


USE_THE_GRAPH = (
    "import agent.graph\n"
    "print('imported')\n"
    "agent.graph.graph.invoke({'messages': [{'role': 'user', 'content': 'hi'}]})\n"
)
"""A fresh process that imports the served graph's module, then runs it once."""


@pytest.mark.parametrize(
    ("env", "line"),
    [
        ({"MODEL": "openai:gpt-4o-mini"}, "MODEL='openai:gpt-4o-mini' needs OPENAI_API_KEY (see .env.example)."),
        ({"MODEL": "ollama:llama3.1"}, "MODEL='ollama:llama3.1' needs the package langchain-ollama: "),
    ],
)
def test_the_graph_imports_without_the_models_key_or_package(env: dict[str, str], line: str) -> None:
    """Importing needs neither; the first model call says which is missing, in one line."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("MODEL", "OPENAI_", "ANTHROPIC_"))}
    root = str(Path(__file__).resolve().parents[3])
    ran = subprocess.run(
        [sys.executable, "-c", USE_THE_GRAPH],
        cwd=root,
        env={**clean, **env},
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert ran.stdout.strip() == "imported", ran.stderr
    assert ran.returncode == 1
    said = f"agent.models.errors.ModelCallFailed: {line}"
    assert any(shown.startswith(said) for shown in ran.stderr.splitlines()), ran.stderr
