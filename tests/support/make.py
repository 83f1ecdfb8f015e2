"""`make <target>` in this checkout, as a newcomer runs it: its output on a pipe, its log in a file."""

from __future__ import annotations

import contextlib
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

from harness.server import REPO, server_env, stop_process


@contextlib.contextmanager
def running_make(target: str, env: dict[str, str], log: Path) -> Iterator[subprocess.Popen[bytes]]:
    """`make -s <target>` with `env`, stderr in `log`; its process group stopped after."""
    with log.open("wb") as stderr:
        process = subprocess.Popen(
            [shutil.which("make") or "make", "-s", target],
            cwd=REPO,
            env=server_env(env),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=stderr,
            start_new_session=True,
        )
        try:
            yield process
        finally:
            stop_process(process)
            assert process.stdout is not None
            process.stdout.close()
