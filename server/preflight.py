"""Check the settings a server will start with, in one line: `python -m server.preflight`.

`make dev` runs it first, with the environment and `.env` as `langgraph dev` reads
them (the environment wins), so that a missing key or package is one line and a
non-zero exit, instead of tracebacks from a server that then keeps running.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from dotenv import dotenv_values

from agent.models import make_model
from agent.settings import Settings, SettingsError


def env_file_values(env_file: Path = Path(".env")) -> dict[str, str]:
    """`.env` as `langgraph dev` reads it (the environment wins over it)."""
    return {k: v for k, v in dotenv_values(env_file).items() if v is not None} if env_file.is_file() else {}


def main(env_file: Path = Path(".env")) -> int:
    try:
        settings = Settings.from_env({**env_file_values(env_file), **os.environ})
        make_model(settings)
        settings.seal_key  # noqa: B018  # (made now, so that a file it cannot be kept in is one line)
    except SettingsError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    users = len(settings.users_by_token)
    print(f"settings: MODEL={settings.model}, {users} user(s) with tokens; seal key: {settings.seal_key_source}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
