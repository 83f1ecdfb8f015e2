"""PostgreSQL for tests: a fresh schema or database, or a one-line skip.

Tests skip when no server is reachable, and fail instead when `REQUIRE_POSTGRES=1`
(set by `.ci/run`).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager

import pytest

from harness.postgres import PostgresUnavailable, isolated_database, isolated_schema

REQUIRE_VARIABLE = "REQUIRE_POSTGRES"


@contextmanager
def required(resource: AbstractContextManager[str]) -> Iterator[str]:
    """`resource`, or a skip with its one-line reason (a failure when CI requires Postgres)."""
    try:
        with resource as uri:
            yield uri
    except PostgresUnavailable as missing:
        if os.environ.get(REQUIRE_VARIABLE) == "1":
            pytest.fail(f"{REQUIRE_VARIABLE}=1 but {missing}", pytrace=False)
        pytest.skip(str(missing))


def postgres_for_tests() -> AbstractContextManager[str]:
    """A fresh schema for a test module (see `isolated_schema`)."""
    return required(isolated_schema())


def database_for_tests() -> AbstractContextManager[str]:
    """A fresh database for a server under test (see `isolated_database`)."""
    return required(isolated_database())
