"""Start and stop aegra, a Postgres-backed Agent Protocol server, on this repo's langgraph.json.

aegra lives in its own venv (`make aegra`, path in `AEGRA_BIN`), since its newest
release needs Python 3.12. Several instances may share one database: that is the
multi-instance deployment the tests exercise. The tests' wrapper (`tests/support/aegra.py`)
skips where aegra is missing; the benchmarks (`bench/approvals.py`) say so and go on.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

from harness.server import ServerProcess, server_env, write_config

BIN_VARIABLE: Final = "AEGRA_BIN"
SHARED_KEY: Final = {"APPROVAL_KEY": "test-seal-key-shared-by-every-instance"}
"""What a deployment of several instances on one database sets: one seal key for all (each
instance here has a folder of its own, so a kept key file would not be shared)."""


class AegraMissing(RuntimeError):
    """No aegra executable where `AEGRA_BIN` says."""


def find_aegra() -> Path:
    """The aegra executable; raises `AegraMissing` (its message says what to run)."""
    path = Path(os.environ.get(BIN_VARIABLE, "")).expanduser()
    if os.environ.get(BIN_VARIABLE) and path.is_file():
        return path
    raise AegraMissing(
        f"no aegra: run `make aegra` (looked for {BIN_VARIABLE}={os.environ.get(BIN_VARIABLE, '(unset)')})"
    )


@dataclass(kw_only=True)
class AegraServer(ServerProcess):
    """One `aegra serve` process on the database `database_url`."""

    database_url: str
    name: str = "aegra"
    env: dict[str, str] = field(default_factory=dict)
    extra_graphs: dict[str, str] = field(default_factory=dict)
    """More graphs to serve beside this repo's, as `{id: "relative/path.py:attr"}`."""

    def start(self) -> AegraServer:
        self.workdir.mkdir(parents=True, exist_ok=True)
        config = write_config(self.workdir, self.extra_graphs)
        aegra = str(find_aegra())
        self._launch(
            lambda port: [aegra, "serve", "--host", "127.0.0.1", "--port", str(port), "-c", str(config)],
            server_env({"DATABASE_URL": self.database_url, **self.env}),
            "/health",
        )
        return self
