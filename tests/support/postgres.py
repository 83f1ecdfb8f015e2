"""A real PostgreSQL for tests: reachable or skipped (or failed, when CI requires it).

The server comes from `DATABASE_URI`. Each test session works in a schema of its
own, dropped at the end, so runs never see each other's threads.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import quote

import psycopg
import pytest

REQUIRE_VARIABLE = "REQUIRE_POSTGRES"


def unavailable(reason: str) -> None:
    """Skip with a one-line reason, or fail when CI requires Postgres."""
    if os.environ.get(REQUIRE_VARIABLE) == "1":
        pytest.fail(f"{REQUIRE_VARIABLE}=1 but {reason}", pytrace=False)
    pytest.skip(reason)


def with_search_path(uri: str, schema: str) -> str:
    separator = "&" if "?" in uri else "?"
    return f"{uri}{separator}options={quote(f'-csearch_path={schema}')}"


@contextmanager
def isolated_schema() -> Iterator[str]:
    """Yield a `DATABASE_URI` whose tables live in a fresh schema, dropped afterwards."""
    uri = os.environ.get("DATABASE_URI", "").strip()
    if not uri:
        unavailable("no PostgreSQL: DATABASE_URI is not set")
    try:
        admin = psycopg.connect(uri, autocommit=True, connect_timeout=3)
    except psycopg.Error as error:
        unavailable(f"no PostgreSQL at DATABASE_URI ({str(error).splitlines()[0]})")
    schema = f"test_{uuid.uuid4().hex[:10]}"
    with admin:
        admin.execute(f'CREATE SCHEMA "{schema}"')
        try:
            yield with_search_path(uri, schema)
        finally:
            admin.execute(f'DROP SCHEMA "{schema}" CASCADE')
