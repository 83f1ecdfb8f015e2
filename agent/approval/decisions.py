"""Checks a reviewer's answer against the pending request, before anything runs.

`check_answer` is pure: the same answer and request always give the same result.
That matters, because LangGraph replays earlier resume values into the approval
node when it runs again; a refused answer is refused again on replay and the
next one is read, so a bad answer can never wedge a thread.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any, cast

from langchain.agents.middleware.human_in_the_loop import Decision
from langchain_core.tools import BaseTool
from pydantic import BaseModel, ValidationError
from pydantic.fields import FieldInfo

from agent.approval.contract import ANSWER_ID_MAX, DECISION_TYPES, DISMISS, EXPIRE, ActionRequest, PendingRequest
from agent.approval.pending import has_expired

NOT_AN_ANSWER = "The resume value must be an object with `decisions` (and `request_id`), got {got}."
NOT_EXPIRED = "This request has not expired: it expires at {expires_at}. Answer it instead."


class DecisionRefused(ValueError):
    """The answer cannot be applied; the message says what was wrong."""


def _describe_validation_error(error: ValidationError) -> str:
    parts = []
    for issue in error.errors():
        where = ".".join(str(p) for p in issue["loc"]) or "args"
        parts.append(f"{where}: {issue['msg']}")
    return "; ".join(parts)


def _parsed(value: Any, field: FieldInfo) -> Any:
    """A string HITL UIs send for a non-string argument, parsed as JSON when it is (numbers, booleans,
    lists, objects); anything else as sent, for the schema to judge."""
    if not isinstance(value, str) or field.annotation is str:
        return value
    try:
        return json.loads(value)
    except ValueError:
        return value


def _check_edit(
    decision: Mapping[str, Any], request: ActionRequest, tool: BaseTool | None, label: str
) -> dict[str, Any]:
    """The edit decision with its args as they will run: checked, and coerced to the tool's types."""
    action = decision.get("edited_action")
    if not isinstance(action, Mapping):
        raise DecisionRefused(f"{label}: an edit needs `edited_action` with `name` and `args`.")
    if action.get("name") != request["name"]:
        raise DecisionRefused(
            f"{label}: an edit may change the arguments of `{request['name']}`, "
            f"not the tool (got name {action.get('name')!r})."
        )
    args = action.get("args")
    if not isinstance(args, Mapping):
        raise DecisionRefused(f"{label}: `edited_action.args` must be an object.")
    schema = tool.tool_call_schema if tool is not None else None
    if not (isinstance(schema, type) and issubclass(schema, BaseModel)):
        return dict(decision)
    # The tool would silently drop an argument it does not take, and the record
    # would claim it ran with it: refuse it instead.
    if unknown := sorted(set(args) - set(schema.model_fields)):
        raise DecisionRefused(
            f"{label}: `{request['name']}` takes no argument {', '.join(map(repr, unknown))}; "
            f"it takes {', '.join(schema.model_fields)}."
        )
    parsed = {name: _parsed(value, schema.model_fields[name]) for name, value in args.items()}
    try:
        valid = schema.model_validate(parsed)
    except ValidationError as error:
        raise DecisionRefused(
            f"{label}: the edited arguments do not fit `{request['name']}`: {_describe_validation_error(error)}."
        ) from None
    # What runs, and what the history records, is the coerced value ("3" for an int is 3).
    ran = valid.model_dump(mode="json", include=set(args))
    return {**decision, "edited_action": {"name": request["name"], "args": ran}}


def _check_decision(
    decision: object,
    request: ActionRequest,
    allowed: Sequence[str],
    tool: BaseTool | None,
    label: str,
) -> Decision:
    if not isinstance(decision, Mapping):
        raise DecisionRefused(f"{label} must be an object like {{'type': 'approve'}}.")
    kind = decision.get("type")
    if kind not in DECISION_TYPES:
        raise DecisionRefused(f"{label}: unknown type {kind!r}; use one of {', '.join(DECISION_TYPES)}.")
    if kind not in allowed:
        raise DecisionRefused(
            f"{label}: {kind!r} is not allowed for `{request['name']}`; allowed: {', '.join(allowed)}."
        )
    message = decision.get("message")
    if kind == "respond" and not isinstance(message, str):
        raise DecisionRefused(f"{label}: a respond decision needs a `message` string.")
    if kind == "reject" and message is not None and not isinstance(message, str):
        raise DecisionRefused(f"{label}: a reject `message` must be a string.")
    if kind == "edit":
        return cast("Decision", _check_edit(decision, request, tool, label))
    return cast("Decision", dict(decision))


def answer_id_of(answer: object) -> str | None:
    """The `answer_id` an answer carries, if it is one: a string of 1 to `ANSWER_ID_MAX` characters."""
    found = answer.get("answer_id") if isinstance(answer, Mapping) else None
    return found if isinstance(found, str) and 0 < len(found) <= ANSWER_ID_MAX else None


def check_answer_id(answer: Mapping[str, Any]) -> None:
    """Raises `DecisionRefused` for an `answer_id` that is given but is not one."""
    if answer.get("answer_id") is not None and answer_id_of(answer) is None:
        raise DecisionRefused(f"`answer_id` must be a string of 1 to {ANSWER_ID_MAX} characters.")


def check_expire(answer: object, pending: PendingRequest) -> None:
    """An `{"expire": true}` is taken only once the request's `expires_at` has passed.

    Raises:
        DecisionRefused: it has not expired.
    """
    if isinstance(answer, Mapping) and answer.get(EXPIRE) is True and not has_expired(pending):
        raise DecisionRefused(NOT_EXPIRED.format(expires_at=pending["expires_at"]))


def check_answer(
    answer: object,
    pending: PendingRequest,
    tools_by_name: Mapping[str, BaseTool],
) -> list[Decision]:
    """Return the decisions of a valid answer, in request order.

    What each call allows comes from the request itself (`review_configs`): the
    reviewer is held to what they were shown.

    Raises:
        DecisionRefused: the answer is not for this request or does not fit it.
    """
    if not isinstance(answer, Mapping):
        raise DecisionRefused(NOT_AN_ANSWER.format(got=type(answer).__name__))
    check_answer_id(answer)
    # Without `request_id` (langchain's HITLResponse, what HITL UIs send) the answer is
    # for whatever request is pending; with one, only for that request.
    if "request_id" in answer and answer["request_id"] != pending["request_id"]:
        raise DecisionRefused(
            f"request_id {answer.get('request_id')!r} is not the pending request "
            f"{pending['request_id']!r}; it may have been answered already."
        )
    decisions = answer.get("decisions")
    requests = pending["action_requests"]
    if not isinstance(decisions, list):
        raise DecisionRefused("`decisions` must be a list with one decision per action request.")
    if len(decisions) != len(requests):
        raise DecisionRefused(f"Expected {len(requests)} decision(s), one per action request, got {len(decisions)}.")
    allowed = {config["action_name"]: list(config["allowed_decisions"]) for config in pending["review_configs"]}
    return [
        _check_decision(
            decision,
            request,
            allowed.get(request["name"], []),
            tools_by_name.get(request["name"]),
            f"Decision {index} ({request['name']})",
        )
        for index, (decision, request) in enumerate(zip(decisions, requests, strict=True), start=1)
    ]


def check_shape(answer: object, pending: PendingRequest) -> None:
    """All of `check_answer` that needs no tool, for a server that has the request but not the
    graph's tools: so that an answer of the wrong shape is refused before it is sent to the graph.
    Only the graph checks an edit's arguments against its tool's schema.

    Raises:
        DecisionRefused: the answer does not fit the request.
    """
    if not isinstance(answer, Mapping):
        raise DecisionRefused(NOT_AN_ANSWER.format(got=type(answer).__name__))
    check_answer_id(answer)
    if answer.get(EXPIRE) is True:
        check_expire(answer, pending)
    elif answer.get(DISMISS) is not True:  # (a dismissal: the graph decides who may)
        check_answer(answer, pending, {})
