"""Start and stop aegra, a Postgres-backed Agent Protocol server, on this repo's langgraph.json.

aegra lives in its own venv (`make aegra`, path in `AEGRA_BIN`), since its newest
release needs Python 3.12. Several instances may share one database: that is the
multi-instance deployment the tests exercise.
"""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.support.server import free_port, server_env, stop_process, wait_until_up, write_config

BIN_VARIABLE = "AEGRA_BIN"
REQUIRE_VARIABLE = "REQUIRE_AEGRA"


def aegra_bin() -> Path:
    """The aegra executable, or a skip (a failure when CI requires aegra)."""
    path = Path(os.environ.get(BIN_VARIABLE, "")).expanduser()
    if os.environ.get(BIN_VARIABLE) and path.is_file():
        return path
    reason = f"no aegra: run `make aegra` (looked for {BIN_VARIABLE}={os.environ.get(BIN_VARIABLE, '(unset)')})"
    if os.environ.get(REQUIRE_VARIABLE) == "1":
        pytest.fail(f"{REQUIRE_VARIABLE}=1 but {reason}", pytrace=False)
    pytest.skip(reason)


@dataclass
class AegraServer:
    """One `aegra serve` process on the database `database_url`."""

    workdir: Path
    database_url: str
    name: str = "aegra"
    env: dict[str, str] | None = None
    port: int = 0
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def log_path(self) -> Path:
        return self.workdir / f"{self.name}.log"

    def start(self) -> AegraServer:
        self.workdir.mkdir(parents=True, exist_ok=True)
        config = write_config(self.workdir)
        env = server_env({"DATABASE_URL": self.database_url, **(self.env or {})})
        for _attempt in range(3):
            self.port = free_port()
            with self.log_path.open("ab") as log:
                self.process = subprocess.Popen(
                    [str(aegra_bin()), "serve", "--host", "127.0.0.1", "--port", str(self.port), "-c", str(config)],
                    cwd=self.workdir,
                    env=env,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
            if wait_until_up(self.url, self.process, path="/health"):
                return self
        tail = "\n".join(self.log_path.read_text(errors="replace").splitlines()[-30:])
        raise RuntimeError(f"aegra did not start:\n{tail}")

    def stop(self, graceful: bool = True) -> None:
        stop_process(self.process, graceful)
