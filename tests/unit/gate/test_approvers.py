"""Who may answer: approver roles and separation of duties, enforced in the graph itself."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from langchain_core.runnables import RunnableConfig, RunnableLambda
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.types import Command

from agent.approval.approvers import (
    ANSWERED_BY,
    AUTH_USER_KEY,
    ON_BEHALF,
    Rule,
    User,
    WhoMayAnswer,
    current_user,
    requester,
)
from agent.approval.audit.records import context
from agent.approval.contract import HITL_HISTORY, PENDING_HITL, Pause, PendingRequest, ReviewConfig, resume_for
from agent.email import read_log
from agent.graph import make_graph
from agent.settings import Settings, SettingsError
from client.approvals import user_message
from harness.scripts import email, script
from server.who_answers import who_may_answer

APPROVE = [{"type": "approve"}]


def as_user(thread: str, identity: str | None, *roles: str, owner: str | None = None) -> RunnableConfig:
    """A run's config as LangGraph's server builds it for a signed-in user (on `owner`'s thread)."""
    configurable: dict[str, Any] = {"thread_id": thread}
    if identity is not None:
        configurable[AUTH_USER_KEY] = {"identity": identity, "permissions": list(roles)}
    return {"configurable": configurable, "metadata": {"owner": owner or identity}}


@pytest.fixture(params=["breakpoint", "interrupt"], ids=["agent", "agent_interrupt"])
def separated(tmp_path: Path, request: pytest.FixtureRequest) -> tuple[Any, Path]:
    """A graph where only approvers answer, and never their own requests."""
    log = tmp_path / "emails.jsonl"
    settings = Settings(email_log=log, approver_roles=("approver",), requester_may_answer=False)
    pause: Pause = request.param
    return make_graph(checkpointer=InMemorySaver(), settings=settings, pause=pause), log


def _answer(graph: Any, config: RunnableConfig, pending: PendingRequest) -> PendingRequest | None:
    graph.invoke(Command(resume=resume_for(pending, APPROVE)), config)
    return graph.get_state(config).values[PENDING_HITL]  # type: ignore[no-any-return]


def test_only_another_user_with_the_role_may_answer(separated: tuple[Any, Path]) -> None:
    graph, log = separated
    graph.invoke(user_message(script(email())), as_user("t", "ada", "approver"))
    pending = graph.get_state(as_user("t", "ada")).values[PENDING_HITL]
    assert pending["requested_by"] == "ada"

    refused = _answer(graph, as_user("t", "ada", "approver"), pending)  # her own request
    assert refused is not None
    assert refused["error"].startswith("Separation of duties: ada asked")
    refused = _answer(graph, as_user("t", "carol"), pending)  # no role
    assert refused is not None
    assert "Only users with the role 'approver'" in refused["error"]
    refused = _answer(graph, as_user("t", None), pending)  # a server without auth
    assert refused is not None
    assert "need a signed-in approver" in refused["error"]
    assert read_log(log) == []
    assert refused["request_id"] == pending["request_id"]

    assert _answer(graph, as_user("t", "bob", "approver"), pending) is None
    (entry,) = graph.get_state(as_user("t", "bob")).values[HITL_HISTORY]
    assert entry["decided_by"] == "bob"
    assert [r["sent"] for r in read_log(log)] == [True]


def test_a_dismissal_needs_the_same_right(separated: tuple[Any, Path]) -> None:
    graph, _ = separated
    graph.invoke(user_message(script(email())), as_user("t", "ada"))
    graph.invoke(Command(resume={"dismiss": True}), as_user("t", "ada"))
    assert graph.get_state(as_user("t", "ada")).values[PENDING_HITL]["error"].startswith("Separation of duties")


def test_the_policy_overrides_the_defaults_per_tool() -> None:
    policy: dict[str, dict[str, Any]] = {
        "send_email": {"approver_roles": ["mail"]},
        "write_file": {"requester_may_answer": True},
    }
    who = WhoMayAnswer(policy, Rule(("approver",), requester_may_answer=False))
    assert who.rule("send_email") == Rule(("mail",), requester_may_answer=False)
    assert who.rule("write_file") == Rule(("approver",), requester_may_answer=True)
    assert who.rule("edit_file") == Rule(("approver",), requester_may_answer=False)
    request = _asked_by_ada("write_file")
    assert who.may_answer(User("ada", frozenset({"approver"})), request)  # write_file lets her
    assert not who.may_answer(User("bob", frozenset({"mail"})), request)


def test_without_roles_the_owner_answers_as_before(tmp_path: Path) -> None:
    graph = make_graph(checkpointer=InMemorySaver(), settings=Settings(email_log=tmp_path / "e.jsonl"))
    graph.invoke(user_message(script(email())), as_user("t", None))
    pending = graph.get_state(as_user("t", None)).values[PENDING_HITL]
    assert "requested_by" not in pending
    assert _answer(graph, as_user("t", None), pending) is None  # in-process, no auth: the local user


def test_a_request_made_in_an_approvers_run_is_still_the_owners(separated: tuple[Any, Path]) -> None:
    """After bob's answer the agent may ask again in the same run: ada asked, so bob may answer."""
    graph, _ = separated
    graph.invoke(user_message(script(email())), as_user("t", "bob", "approver", owner="ada"))
    assert graph.get_state(as_user("t", "bob")).values[PENDING_HITL]["requested_by"] == "ada"


def test_nobody_could_answer_is_refused_at_start() -> None:
    with pytest.raises(ValueError, match="Nobody could answer"):
        WhoMayAnswer({"send_email": {"requester_may_answer": False}})
    with pytest.raises(SettingsError, match="REQUESTER_MAY_ANSWER=false needs APPROVER_ROLES"):
        Settings.from_env({"REQUESTER_MAY_ANSWER": "false"})


def test_the_api_reads_who_may_answer_from_the_request_the_gate_wrote() -> None:
    """A fork's graph with its own policy and the API agree: the request carries its tools' rules."""
    review: ReviewConfig = {
        "action_name": "send_email",
        "allowed_decisions": ["approve"],
        "approver_roles": ["finance"],
        "requester_may_answer": False,
    }
    request = _asked_by_ada("send_email", [review])
    who = who_may_answer(request)  # (the served policy, INTERRUPT_ON, names no roles)
    assert who.may_answer(User("carol", frozenset({"finance"})), request)
    assert not who.may_answer(User("ada", frozenset({"finance"})), request)  # she asked
    assert not who.may_answer(User("bob", frozenset({"approver"})), request)


def test_each_review_config_carries_its_tools_rule(tmp_path: Path) -> None:
    settings = Settings(email_log=tmp_path / "e.jsonl", approver_roles=("approver",), requester_may_answer=False)
    graph = make_graph(checkpointer=InMemorySaver(), settings=settings)
    config: RunnableConfig = {"configurable": {"thread_id": "t"}}
    graph.invoke(user_message(script(email())), config)
    (review,) = graph.get_state(config).values[PENDING_HITL]["review_configs"]
    assert (review["approver_roles"], review["requester_may_answer"]) == (["approver"], False)


def _asked_by_ada(tool: str, reviews: list[ReviewConfig] | None = None) -> PendingRequest:
    """A request ada made for one `tool` call."""
    return PendingRequest(
        request_id="r",
        message_id="m",
        created_at="",
        expires_at="",
        requested_by="ada",
        action_requests=[{"tool_call_id": "c", "name": tool, "args": {}, "description": ""}],
        review_configs=reviews or [],
    )


@pytest.mark.parametrize(
    ("permissions", "seen"),
    [
        (["approver", ON_BEHALF], User("bob", frozenset({"approver", ON_BEHALF}))),
        (["approver"], User("ada", frozenset({"approver"}))),  # a user object naming an approver is not one
    ],
)
def test_the_graph_sees_the_approver_only_on_the_approvals_routes_behalf(permissions: list[str], seen: User) -> None:
    user = {"identity": "ada", "permissions": permissions, ANSWERED_BY: "bob"}
    config: RunnableConfig = {"configurable": {AUTH_USER_KEY: user}}

    def user_of_the_run(_: object) -> User:
        return current_user()

    assert RunnableLambda(user_of_the_run).invoke(None, config) == seen


@pytest.mark.parametrize(
    ("metadata", "owner"),
    [
        ({}, "ada"),  # aegra: no run metadata in the config; the server saw the owner
        ({"owner": "ada"}, "ada"),  # langgraph dev: the run's metadata names the owner
    ],
)
def test_an_approvers_answer_stays_the_owners_request_and_trail(metadata: dict[str, str], owner: str) -> None:
    """A request the run makes after an approver's answer is the owner's (separation of duties
    judges it by `requested_by`), and so is the audit record of the answer."""
    user = {"identity": "ada", "permissions": ["approver", ON_BEHALF], ANSWERED_BY: "bob"}
    config: RunnableConfig = {"configurable": {AUTH_USER_KEY: user, "thread_id": "t"}, "metadata": metadata}

    def seen(_: object) -> tuple[str | None, tuple[str, str, str | None]]:
        return requester(), context()

    assert RunnableLambda(seen).invoke(None, config) == (owner, ("t", owner, "bob"))
