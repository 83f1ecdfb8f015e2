"""The default chat model: deterministic, offline, and driven only by the conversation.

It needs no key and no network, keeps no hidden position (so it answers the same
after a server restart), and makes the template runnable end to end anywhere:

- Scripted turn: when the latest message is a human message holding a JSON object
  with a `tool_calls` list, e.g.
  `{"tool_calls": [{"name": "send_email", "args": {"to": "a@example.com", ...}}]}`,
  it replies with exactly those calls.
- After tool results: a final text that mentions every result, rejections included.
- Otherwise, a small natural-language repertoire (see `REPERTOIRE` and the README):
  "email ada@example.com about the launch", "write /notes/todo.md saying buy milk",
  "edit /notes/todo.md replacing milk with bread", "read /notes/todo.md",
  "list files", "plan the launch", "delegate: email bob@example.com about lunch".

Tool call ids are derived from a hash of the conversation so far, so they are
unique within a thread and identical when the same conversation is replayed.

    python -c "from agent.models.offline import reply; print(reply([('human', 'hi')]))"
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Sequence
from typing import Any, cast

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel, LanguageModelInput
from langchain_core.messages import (
    AIMessage,
    AnyMessage,
    BaseMessage,
    HumanMessage,
    SystemMessage,
    ToolCall,
    ToolMessage,
    convert_to_messages,
)
from langchain_core.messages.utils import MessageLikeRepresentation
from langchain_core.outputs import ChatGeneration, ChatResult
from langchain_core.runnables import Runnable

from agent.approval.messages import REJECTED, RESULT_MARKER, said_not_run

EMAIL = r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"
PATH = r"/?[\w.-]+(?:/[\w.-]+)*"
RESULT_PREVIEW_CHARS = 160

CallSpec = tuple[str, dict[str, Any]]
Rule = tuple[re.Pattern[str], Callable[[re.Match[str]], list[CallSpec]]]


def _email(m: re.Match[str]) -> list[CallSpec]:
    to, topic = m["to"], (m["topic"] or "a quick hello").strip().rstrip(".!")
    name = to.split("@")[0].split(".")[0].capitalize()
    body = f"Hi {name},\n\nA quick note about {topic}.\n\nBest regards"
    return [("send_email", {"to": to, "subject": topic[:1].upper() + topic[1:], "body": body})]


def _absolute(path: str) -> str:
    return path if path.startswith("/") else f"/{path}"


REPERTOIRE: tuple[Rule, ...] = (
    (
        re.compile(rf"^(?:please\s+)?(?:send\s+an\s+)?e-?mail\s+(?P<to>{EMAIL})(?:\s+about\s+(?P<topic>.+))?$", re.I),
        _email,
    ),
    (
        re.compile(rf"^(?:write|save)\s+(?P<path>{PATH})\s+(?:saying|with)\s+(?P<text>.+)$", re.I | re.S),
        lambda m: [("write_file", {"file_path": _absolute(m["path"]), "content": m["text"].strip() + "\n"})],
    ),
    (
        re.compile(rf"^edit\s+(?P<path>{PATH})\s+replacing\s+(?P<old>.+?)\s+with\s+(?P<new>.+)$", re.I | re.S),
        lambda m: [("edit_file", {"file_path": _absolute(m["path"]), "old_string": m["old"], "new_string": m["new"]})],
    ),
    (
        re.compile(rf"^read\s+(?P<path>{PATH})$", re.I),
        lambda m: [("read_file", {"file_path": _absolute(m["path"])})],
    ),
    (re.compile(r"^(?:ls|list(?:\s+the)?\s+files)\b.*$", re.I), lambda m: [("ls", {"path": "/"})]),
    (
        re.compile(r"^plan\s+(?P<goal>.+)$", re.I),
        lambda m: [
            (
                "write_todos",
                {
                    "todos": [
                        {"content": f"Draft {m['goal']}", "status": "in_progress"},
                        {"content": f"Review {m['goal']}", "status": "pending"},
                        {"content": f"Share {m['goal']}", "status": "pending"},
                    ]
                },
            )
        ],
    ),
    (
        re.compile(r"^(?:delegate|ask\s+a\s+subagent\s+to)[:\s]+(?P<task>.+)$", re.I | re.S),
        lambda m: [("task", {"description": m["task"].strip(), "subagent_type": "general-purpose"})],
    ),
)

HELP_TEXT = (
    "I am the offline demo model: I follow a few fixed phrases. Try "
    "'email ada@example.com about the launch', 'write /notes/todo.md saying buy milk', "
    "'edit /notes/todo.md replacing milk with bread', 'read /notes/todo.md', 'list files', "
    "'plan the launch', 'delegate: email bob@example.com about lunch', or a scripted turn: "
    '{"tool_calls": [{"name": "send_email", "args": {"to": "a@example.com", '
    '"subject": "Hi", "body": "Hello"}}]}. Set MODEL=openai:<name> for a real model.'
)


class ScriptError(ValueError):
    """A human message that looks like a scripted turn but is not a valid one."""


def _text(message: BaseMessage) -> str:
    return message.text if isinstance(message.text, str) else str(message.content)


def _conversation_key(messages: Sequence[BaseMessage]) -> str:
    """A short stable digest of the conversation: the seed of this turn's call ids."""
    digest = hashlib.sha256()
    for message in messages:
        digest.update(json.dumps([message.type, message.id, _text(message)], default=str).encode())
    return digest.hexdigest()[:12]


def parse_script(text: str) -> list[CallSpec] | None:
    """Return the calls of a scripted turn, `None` if `text` is not one.

    Raises:
        ScriptError: the text is a JSON object with a malformed `tool_calls` list.
    """
    stripped = text.strip()
    if not stripped.startswith("{"):
        return None
    try:
        payload = json.loads(stripped)
    except json.JSONDecodeError:
        return None
    if not isinstance(payload, dict) or "tool_calls" not in payload:
        return None
    calls = payload["tool_calls"]
    if not isinstance(calls, list) or not calls:
        raise ScriptError("`tool_calls` must be a non-empty list of {name, args} objects")
    specs: list[CallSpec] = []
    for index, call in enumerate(calls, start=1):
        if not isinstance(call, dict) or not isinstance(call.get("name"), str) or not call["name"]:
            raise ScriptError(f"tool call {index} needs a string `name`")
        args = call.get("args", {})
        if not isinstance(args, dict):
            raise ScriptError(f"tool call {index} (`{call['name']}`): `args` must be an object")
        specs.append((call["name"], args))
    return specs


# A rejection in this gate's words or in langchain's built-in middleware's (the benchmarks' baseline).
REJECTIONS = (REJECTED, "User rejected the tool call")


def _outcome(result: ToolMessage, text: str) -> str:
    """What became of a call, in a word: done, rejected, not run (refused, cancelled) or failed."""
    if result.status != "error":
        return "done"
    if text.startswith(REJECTIONS):
        return "rejected"
    return "not run" if said_not_run(result) else "failed"


def _summarize_results(conversation: Sequence[BaseMessage]) -> AIMessage:
    """The final answer after tool results: one line per result of the last turn."""
    last_ai = next(i for i in range(len(conversation) - 1, -1, -1) if isinstance(conversation[i], AIMessage))
    results = {m.tool_call_id: m for m in conversation[last_ai + 1 :] if isinstance(m, ToolMessage)}
    lines = []
    asked = cast("AIMessage", conversation[last_ai])
    for call in asked.tool_calls:
        result = results.get(call["id"] or "")
        if result is None:
            continue
        text = _text(result)
        # A reviewer's edit prefixes the result with a long notice; keep the result itself.
        edited, _, after = text.rpartition(RESULT_MARKER)
        preview = ("(edited by the reviewer) " if edited else "") + " ".join((after if edited else text).split())
        if len(preview) > RESULT_PREVIEW_CHARS:
            preview = preview[: RESULT_PREVIEW_CHARS - 1] + "…"
        lines.append(f"- {call['name']} ({_outcome(result, text)}): {preview}")
    return AIMessage(content="Here is what happened:\n" + "\n".join(lines))


def reply(messages: Sequence[MessageLikeRepresentation]) -> AIMessage:
    """The offline model's answer to a conversation. Pure: same input, same output."""
    conversation = [m for m in convert_to_messages(messages) if not isinstance(m, SystemMessage)]
    if not conversation:
        return AIMessage(content=HELP_TEXT)
    if isinstance(conversation[-1], ToolMessage):
        return _summarize_results(conversation)
    last = conversation[-1]
    if not isinstance(last, HumanMessage):
        return AIMessage(content=HELP_TEXT)
    text = _text(last).strip()
    try:
        specs = parse_script(text)
    except ScriptError as error:
        return AIMessage(content=f"I could not follow that scripted turn: {error}.")
    if specs is None:
        specs = next((build(m) for pattern, build in REPERTOIRE if (m := pattern.match(text))), None)
    if specs is None:
        return AIMessage(content=HELP_TEXT)
    seed = _conversation_key(conversation)
    calls = [
        ToolCall(name=name, args=args, id=f"call_{seed}_{index}", type="tool_call")
        for index, (name, args) in enumerate(specs)
    ]
    return AIMessage(content="", tool_calls=calls)


class OfflineChatModel(BaseChatModel):
    """A deterministic chat model that needs no key and no network (see module doc)."""

    @property
    def _llm_type(self) -> str:
        return "offline"

    def bind_tools(
        self,
        tools: Sequence[dict[str, Any] | type | Callable[..., Any] | Any],
        *,
        tool_choice: str | None = None,
        **kwargs: Any,
    ) -> Runnable[LanguageModelInput, AIMessage]:
        # The repertoire names its tools itself; the tool list changes nothing.
        return self

    def _generate(
        self,
        messages: list[AnyMessage] | list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        return ChatResult(generations=[ChatGeneration(message=reply(messages))])
