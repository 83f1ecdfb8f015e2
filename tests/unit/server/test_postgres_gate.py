"""Postgres tests skip with one line when no server is reachable, unless CI requires them."""

from __future__ import annotations

import pytest

from harness.postgres import with_search_path
from tests.support.postgres import REQUIRE_VARIABLE, postgres_for_tests

NOWHERE = "postgresql://postgres@/test?host=/nonexistent-socket-dir"


def test_unreachable_server_skips_with_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URI", NOWHERE)
    monkeypatch.delenv(REQUIRE_VARIABLE, raising=False)
    with pytest.raises(pytest.skip.Exception) as skipped, postgres_for_tests():
        pass
    assert str(skipped.value).startswith("no PostgreSQL at DATABASE_URI")
    assert "\n" not in str(skipped.value)


def test_missing_uri_skips(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DATABASE_URI", raising=False)
    monkeypatch.delenv(REQUIRE_VARIABLE, raising=False)
    with pytest.raises(pytest.skip.Exception, match="DATABASE_URI is not set"), postgres_for_tests():
        pass


def test_ci_turns_the_skip_into_a_failure(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URI", NOWHERE)
    monkeypatch.setenv(REQUIRE_VARIABLE, "1")
    with pytest.raises(pytest.fail.Exception, match="REQUIRE_POSTGRES=1 but no PostgreSQL"), postgres_for_tests():
        pass


def test_schema_goes_into_the_search_path() -> None:
    assert with_search_path("postgresql://h/db", "s1") == "postgresql://h/db?options=-csearch_path%3Ds1"
    assert with_search_path("postgresql://h/db?sslmode=off", "s1").endswith("&options=-csearch_path%3Ds1")
