"""The gate's clock: one place that says what time it is, so tests can move it.

from agent.approval import clock
clock.now()            # an aware UTC datetime
"""

from __future__ import annotations

from datetime import UTC, datetime


def now() -> datetime:
    return datetime.now(UTC)


def passed(moment: str | None) -> bool:
    """Whether a contract timestamp (`None`: never) is now or earlier."""
    return moment is not None and now() >= datetime.fromisoformat(moment)


def stamp(moment: datetime) -> str:
    """The contract's timestamp format (ISO 8601, UTC, seconds)."""
    return moment.isoformat(timespec="seconds")
