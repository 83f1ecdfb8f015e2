"""The offline model: scripted turns, final answers, repertoire, determinism."""

from __future__ import annotations

import pytest
from langchain_core.messages import AIMessage, HumanMessage, SystemMessage, ToolMessage

from agent.models.offline import HELP_TEXT, OfflineChatModel, reply
from harness.scripts import call, email, script


def test_scripted_turn_replies_with_exactly_those_calls() -> None:
    calls = [email(), call("write_file", file_path="/a.md", content="x"), call("ls", path="/")]
    message = reply([HumanMessage(script(*calls))])
    assert [(c["name"], c["args"]) for c in message.tool_calls] == [(c["name"], c["args"]) for c in calls]
    ids = [c["id"] for c in message.tool_calls]
    assert len(set(ids)) == 3
    assert all(isinstance(i, str) and i.startswith("call_") for i in ids)


def test_ids_are_deterministic_and_differ_between_turns() -> None:
    first = [HumanMessage(script(email()), id="h1")]
    again = reply(first)
    assert again.tool_calls == reply(first).tool_calls
    later = [*first, again, ToolMessage("ok", tool_call_id=again.tool_calls[0]["id"]), AIMessage("done")]
    later.append(HumanMessage(script(email()), id="h2"))
    assert reply(later).tool_calls[0]["id"] != again.tool_calls[0]["id"]


def test_final_text_mentions_every_result_including_rejections() -> None:
    turn = reply([HumanMessage(script(email(), call("write_file", file_path="/a.md", content="x")))])
    first, second = turn.tool_calls
    results = [
        ToolMessage("Email sent to ada@example.com", tool_call_id=first["id"]),
        ToolMessage("User rejected the tool call: not today", tool_call_id=second["id"], status="error"),
    ]
    final = reply([HumanMessage("x"), turn, *results])
    assert not final.tool_calls
    assert "send_email (done): Email sent to ada@example.com" in final.text
    assert "write_file (rejected): User rejected the tool call: not today" in final.text


def test_final_text_tells_a_failure_from_a_call_never_run() -> None:
    turn = reply([HumanMessage(script(email(), email(to="bob@example.com")))])
    first, second = turn.tool_calls
    results = [
        ToolMessage("SMTP 550: mailbox unavailable", name="send_email", tool_call_id=first["id"], status="error"),
        ToolMessage("`send_email` was not run: gone", name="send_email", tool_call_id=second["id"], status="error"),
    ]
    final = reply([HumanMessage("x"), turn, *results])
    assert "send_email (failed): SMTP 550" in final.text
    assert "send_email (not run): `send_email` was not run" in final.text


@pytest.mark.parametrize(
    ("text", "name", "args"),
    [
        (
            "email ada@example.com about the launch",
            "send_email",
            {"to": "ada@example.com", "subject": "The launch"},
        ),
        ("write notes/todo.md saying buy milk", "write_file", {"file_path": "/notes/todo.md"}),
        (
            "edit /notes/todo.md replacing milk with bread",
            "edit_file",
            {"old_string": "milk", "new_string": "bread"},
        ),
        ("read /notes/todo.md", "read_file", {"file_path": "/notes/todo.md"}),
        ("list files", "ls", {"path": "/"}),
        ("delegate: email bob@example.com about lunch", "task", {"subagent_type": "general-purpose"}),
    ],
)
def test_repertoire(text: str, name: str, args: dict[str, str]) -> None:
    (only,) = reply([SystemMessage("ignored"), HumanMessage(text)]).tool_calls
    assert only["name"] == name
    assert args.items() <= only["args"].items()


def test_plan_writes_todos() -> None:
    (only,) = reply([HumanMessage("plan the launch")]).tool_calls
    assert only["name"] == "write_todos"
    assert [t["status"] for t in only["args"]["todos"]] == ["in_progress", "pending", "pending"]


def test_unknown_text_gets_the_help_text() -> None:
    assert reply([HumanMessage("what's the weather?")]).text == HELP_TEXT


@pytest.mark.parametrize(
    ("payload", "problem"),
    [
        ('{"tool_calls": []}', "non-empty list"),
        ('{"tool_calls": [{"args": {}}]}', "needs a string `name`"),
        ('{"tool_calls": [{"name": "ls", "args": [1]}]}', "`args` must be an object"),
    ],
)
def test_malformed_script_gets_a_clear_message(payload: str, problem: str) -> None:
    message = reply([HumanMessage(payload)])
    assert not message.tool_calls
    assert problem in message.text


def test_model_object_binds_tools_and_answers() -> None:
    model = OfflineChatModel()
    assert model.bind_tools([]) is model
    result = model.invoke([HumanMessage(script(email()))])
    assert isinstance(result, AIMessage)
    assert result.tool_calls[0]["name"] == "send_email"
