"""A real PostgreSQL for tests and benchmarks, in a schema (or a database) of its own.

The server comes from `DATABASE_URI`. Each user works in a fresh schema, dropped
at the end, so runs never see each other's threads. No server: `PostgresUnavailable`
with a one-line reason (tests turn it into a skip, see `tests/support/postgres.py`).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import quote, urlsplit

import psycopg


class PostgresUnavailable(Exception):
    """No PostgreSQL to use; the message is the one-line reason."""


def with_search_path(uri: str, schema: str) -> str:
    separator = "&" if "?" in uri else "?"
    return f"{uri}{separator}options={quote(f'-csearch_path={schema}')}"


@contextmanager
def isolated_schema() -> Iterator[str]:
    """Yield a `DATABASE_URI` whose tables live in a fresh schema, dropped afterwards.

    Raises:
        PostgresUnavailable: `DATABASE_URI` is unset or its server does not answer.
    """
    uri = os.environ.get("DATABASE_URI", "").strip()
    if not uri:
        raise PostgresUnavailable("no PostgreSQL: DATABASE_URI is not set")
    try:
        admin = psycopg.connect(uri, autocommit=True, connect_timeout=3)
    except psycopg.Error as error:
        raise PostgresUnavailable(f"no PostgreSQL at DATABASE_URI ({str(error).splitlines()[0]})") from None
    schema = f"test_{uuid.uuid4().hex[:10]}"
    with admin:
        admin.execute(f'CREATE SCHEMA "{schema}"')
        try:
            yield with_search_path(uri, schema)
        finally:
            admin.execute(f'DROP SCHEMA "{schema}" CASCADE')


@contextmanager
def isolated_database() -> Iterator[str]:
    """Yield the URI of a fresh database on the `DATABASE_URI` server, dropped afterwards.

    For servers that run their own migrations (aegra), which want a database to themselves.

    Raises:
        PostgresUnavailable: as `isolated_schema`.
    """
    with isolated_schema():  # checks the server is there, with the same one-line reasons
        pass
    uri = os.environ["DATABASE_URI"].strip()
    name = f"test_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(uri, autocommit=True, connect_timeout=3) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
        try:
            yield urlsplit(uri)._replace(path=f"/{name}").geturl()
        finally:
            admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')


def ensure_database(uri: str) -> bool:
    """Create the database `uri` names on its server unless it exists; whether it was created."""
    name = urlsplit(uri).path.lstrip("/")
    admin = urlsplit(uri)._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True, connect_timeout=3) as connection:
        if connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
            return False
        connection.execute(f'CREATE DATABASE "{name}"')
        return True


if __name__ == "__main__":  # python -m harness.postgres URI: make sure the database exists
    import sys

    target = sys.argv[1]
    try:
        made = ensure_database(target)
    except psycopg.Error as error:
        sys.exit(f"error: no PostgreSQL at {target} ({str(error).splitlines()[0]})")
    print(f"{'created' if made else 'using'} the database {target}")
