"""The command-line client reads its settings from the environment, then from `.env`."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from langgraph_sdk.errors import PermissionDeniedError

from agent.approval.contract import GRAPH_ID
from client.cli import DEFAULT_URL, _error_line, client_settings, parser


def test_env_file_is_read_and_the_environment_wins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text(
        "LANGGRAPH_URL=http://127.0.0.1:2031\nLANGGRAPH_GRAPH=agent_interrupt\nLANGGRAPH_TOKEN=from-file\n"
    )
    monkeypatch.delenv("LANGGRAPH_URL", raising=False)
    monkeypatch.delenv("LANGGRAPH_GRAPH", raising=False)
    monkeypatch.setenv("LANGGRAPH_TOKEN", "from-env")
    settings = client_settings(env_file)
    assert settings == {
        "LANGGRAPH_URL": "http://127.0.0.1:2031",
        "LANGGRAPH_GRAPH": "agent_interrupt",
        "LANGGRAPH_TOKEN": "from-env",
    }
    args = parser(settings).parse_args(["inbox"])
    assert (args.url, args.graph) == ("http://127.0.0.1:2031", "agent_interrupt")


def test_without_env_file_the_defaults_hold(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("LANGGRAPH_URL", "LANGGRAPH_GRAPH", "LANGGRAPH_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    settings = client_settings(tmp_path / "missing.env")
    assert settings == {}
    args = parser(settings).parse_args(["inbox"])
    assert (args.url, args.graph) == (DEFAULT_URL, GRAPH_ID)


def test_an_unknown_graph_is_refused_in_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        parser({"LANGGRAPH_GRAPH": "agent"}).parse_args(["--graph", "nope", "inbox"])
    assert exited.value.code == 2
    assert "invalid choice: 'nope'" in capsys.readouterr().err


def test_a_refusal_to_a_signed_in_user_does_not_blame_the_token() -> None:
    request = httpx.Request("POST", "http://server/approvals/t")
    why = "Separation of duties: ada asked for this call and may not answer it."
    response = httpx.Response(403, json={"detail": why}, request=request)
    refused = PermissionDeniedError(why, response=response, body={"detail": why})  # (what the SDK raises)
    line, status = _error_line(refused, "http://server")
    assert (line, status) == (f"not allowed (403): {why}", 1)
