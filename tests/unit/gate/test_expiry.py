"""Every request carries `expires_at`; past it, no answer runs anything and the request closes."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from agent.approval import clock
from agent.approval.contract import EXPIRE, HITL_HISTORY, PENDING_HITL, resume_for
from agent.approval.decisions import NOT_EXPIRED
from harness.scripts import email, script
from tests.unit.conftest import Harness

DAY = timedelta(days=1)  # Settings' default APPROVAL_TTL_SECONDS


class Clock:
    """The gate's clock, moved by hand."""

    def __init__(self) -> None:
        self.at = datetime.fromisoformat("2026-11-25T09:00:00+00:00")

    def now(self) -> datetime:
        return self.at


@pytest.fixture
def fake_clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    fake = Clock()
    monkeypatch.setattr(clock, "now", fake.now)
    return fake


def test_a_request_expires_after_its_ttl(harness: Harness, fake_clock: Clock) -> None:
    thread = harness.start(script(email()))
    pending = harness.pending(thread)
    assert datetime.fromisoformat(pending["expires_at"]) == fake_clock.at + DAY


def test_an_answer_after_expiry_runs_nothing_and_closes_the_request(harness: Harness, fake_clock: Clock) -> None:
    thread = harness.start(script(email()))
    pending = harness.pending(thread)
    fake_clock.at += DAY
    harness.resume(thread, resume_for(pending, [{"type": "approve"}]))
    state = harness.state(thread)
    assert state.next == ()  # idle
    assert state.values[PENDING_HITL] is None
    assert harness.sent() == []
    (entry,) = state.values[HITL_HISTORY]
    assert entry["decisions"] == [{"type": EXPIRE}]
    (outcome,) = entry["outcomes"].values()
    assert outcome["status"] == "expired"
    (result,) = [m for m in state.values["messages"] if m.type == "tool"]
    assert result.status == "error"
    assert f"expired at {pending['expires_at']}" in result.text  # what the model is told


def test_the_sweep_closes_an_expired_request_but_not_a_live_one(harness: Harness, fake_clock: Clock) -> None:
    thread = harness.start(script(email()))
    pending = harness.pending(thread)
    fake_clock.at += DAY - timedelta(seconds=1)
    harness.resume(thread, {EXPIRE: True})  # a second early: refused, nothing changes
    assert harness.refusal(thread) == NOT_EXPIRED.format(expires_at=pending["expires_at"])
    assert harness.state(thread).values.get(HITL_HISTORY) in (None, [])
    fake_clock.at += timedelta(seconds=1)
    harness.resume(thread, {EXPIRE: True})
    assert harness.state(thread).next == ()
    assert harness.state(thread).values[HITL_HISTORY][0]["outcomes"]
    assert harness.sent() == []
