"""MODEL=openai:<name> runs the same graph on langchain-openai, against a loopback server."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import openai
import pytest
from langchain_core.runnables import RunnableConfig
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.types import Command

from agent.approval.contract import PENDING_HITL, resume_for
from agent.email import read_log
from agent.graph import make_graph
from agent.models.errors import ModelCallFailed
from agent.settings import Settings
from client.approvals import user_message
from harness.scripts import email, script
from harness.server import free_port
from tests.support.fake_openai import FakeOpenAI
from tests.support.served import serve


@pytest.fixture
def fake_openai() -> Iterator[FakeOpenAI]:
    server = FakeOpenAI().start()
    yield server
    server.stop()


def test_the_graph_pauses_and_resumes_on_the_openai_client(fake_openai: FakeOpenAI, tmp_path: Path) -> None:
    settings = Settings.from_env(
        {
            "MODEL": "openai:fake-gpt",
            "OPENAI_API_KEY": fake_openai.api_key,
            "OPENAI_BASE_URL": fake_openai.base_url,
            "EMAIL_LOG": str(tmp_path / "emails.jsonl"),
        }
    )
    graph = make_graph(checkpointer=InMemorySaver(), settings=settings)
    config: RunnableConfig = {"configurable": {"thread_id": "openai"}}
    # Streaming tokens makes the client use the server's SSE path.
    chunks = list(graph.stream(user_message(script(email())), config, stream_mode="messages"))
    assert chunks
    pending = graph.get_state(config).values[PENDING_HITL]
    assert pending["action_requests"][0]["args"] == email()["args"]

    graph.invoke(Command(resume=resume_for(pending, [{"type": "approve"}])), config)
    final = graph.get_state(config).values["messages"][-1]
    assert "Email sent to ada@example.com" in final.text
    assert [r["to"] for r in read_log(tmp_path / "emails.jsonl")] == ["ada@example.com"]

    assert len(fake_openai.requests) == 2
    assert set(fake_openai.auth_headers) == {f"Bearer {fake_openai.api_key}"}
    first = fake_openai.requests[0]
    assert first["model"] == "fake-gpt"
    assert first["stream"] is True
    assert {"send_email", "write_file", "task"} <= {t["function"]["name"] for t in first["tools"]}


def test_a_wrong_key_is_one_clear_line(fake_openai: FakeOpenAI) -> None:
    settings = Settings(model="openai:fake-gpt", openai_api_key="wrong", openai_base_url=fake_openai.base_url)
    graph = make_graph(checkpointer=InMemorySaver(), settings=settings)
    with pytest.raises(ModelCallFailed) as failed:
        graph.invoke(user_message("hello"), {"configurable": {"thread_id": "bad-key"}})
    assert str(failed.value).startswith("The model call failed (MODEL=openai:fake-gpt): OpenAIAuthenticationError:")
    assert str(failed.value).endswith("Check OPENAI_API_KEY.")
    assert isinstance(failed.value.__cause__, openai.AuthenticationError)


def test_an_unreachable_provider_is_one_clear_line_in_the_cli(tmp_path: Path) -> None:
    nowhere = f"http://127.0.0.1:{free_port()}/v1"  # nothing listens there
    env = {"MODEL": "openai:fake-gpt", "OPENAI_API_KEY": "k", "OPENAI_BASE_URL": nowhere}
    with serve(tmp_path, env) as served:
        started = served.cli("start", "hello")
        assert started.returncode == 1
        (line,) = started.stderr.strip().splitlines()
        assert line.startswith("error: the run failed: The model call failed (MODEL=openai:fake-gpt): ")
        assert "ConnectionError: Connection error. Cannot reach" in line
        assert line.endswith(f"Cannot reach {nowhere} (OPENAI_BASE_URL): is it running, and is the address right?")


def test_a_server_without_the_key_starts_and_says_so_in_one_line(tmp_path: Path) -> None:
    """`langgraph dev` run by hand, without `make dev`'s preflight: the graph imports, the
    server serves (auth included), and the first run fails with the missing key's line."""
    with serve(tmp_path, {"MODEL": "openai:fake-gpt"}) as served:
        started = served.cli("start", "hello")
        assert started.returncode == 1
        (line,) = started.stderr.strip().splitlines()
        assert line == "error: the run failed: MODEL='openai:fake-gpt' needs OPENAI_API_KEY (see .env.example)."


def test_langgraph_dev_serves_the_openai_model(fake_openai: FakeOpenAI, tmp_path: Path) -> None:
    with serve(
        tmp_path,
        {"MODEL": "openai:fake-gpt", "OPENAI_API_KEY": fake_openai.api_key, "OPENAI_BASE_URL": fake_openai.base_url},
    ) as served:
        thread_id = served.cli_start("email ada@example.com about the launch")
        approved = served.cli("approve", thread_id)
        assert approved.returncode == 0, approved.stderr
        assert "Email sent to ada@example.com" in approved.stdout
        assert len(served.sent(thread_id)) == 1
        assert len(fake_openai.requests) == 2
