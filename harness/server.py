"""Start and stop a real `langgraph dev` on a free port, for integration tests.

Each server gets its own working directory (where the in-memory runtime keeps
its `.langgraph_api` persistence) and a `langgraph.json` pointing at this repo,
so tests never touch the developer's own `make dev` state or its port.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
START_TIMEOUT_S = 120.0
STOP_TIMEOUT_S = 30.0


def free_port() -> int:
    """A port nothing listens on right now (the OS picks it; no fixed port is assumed)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def server_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    """The environment for a server or client subprocess: offline, no telemetry, and this
    checkout's code first (a worktree sharing another checkout's venv, whose editable
    install points there, still serves its own)."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("MODEL", "OPENAI_", "LANGGRAPH_", "LANGSMITH_", "LANGCHAIN_"))
    }
    env.update(
        {
            "PATH": f"{BIN}{os.pathsep}{env.get('PATH', '')}",
            "LANGSMITH_TRACING": "false",
            "LANGGRAPH_CLI_NO_ANALYTICS": "1",
            "PYTHONUNBUFFERED": "1",
            "PYTHONPATH": os.pathsep.join(filter(None, (str(REPO), env.get("PYTHONPATH")))),
        }
    )
    env.update(extra or {})
    return env


def run_in_repo(
    *argv: str, env: dict[str, str] | None = None, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """Run a command of this repo's venv from the repo's root, offline, output captured.

    `env` is added to the offline environment. Standard input is empty, so a
    command that would wait for input ends instead.
    """
    command = argv[0] if "/" in argv[0] else str(BIN / argv[0])
    return subprocess.run(
        [command, *argv[1:]],
        cwd=REPO,
        env=server_env(env),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def write_config(
    workdir: Path, extra_graphs: dict[str, str] | None = None, http_app: bool = True, root: Path = REPO
) -> Path:
    """The `langgraph.json` of the checkout at `root` (this repo's by default) in `workdir`,
    `./` paths made absolute, plus `extra_graphs`.

    `http_app=False` leaves out `http.app` (the page and the API guard), as a fork might.
    """

    def absolute(value: object) -> object:
        if isinstance(value, str) and value.startswith("./"):
            return str(root / value.removeprefix("./"))
        return value

    config = json.loads((root / "langgraph.json").read_text())
    config["dependencies"] = [str(root)]
    config.pop("env", None)
    config["graphs"].update({key: f"./{value}" for key, value in (extra_graphs or {}).items()})
    if not http_app:
        config.get("http", {}).pop("app", None)
    for section in ("graphs", "auth", "http"):
        if section in config:
            config[section] = {key: absolute(value) for key, value in config[section].items()}
    path = workdir / "langgraph.json"
    path.write_text(json.dumps(config, indent=2))
    return path


def wait_until_up(url: str, process: subprocess.Popen[bytes], path: str = "/ok") -> bool:
    """Poll `url + path` until it answers 200; False if the process exits first."""
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            return False
        try:
            if httpx.get(f"{url}{path}", timeout=2).status_code == 200:
                return True
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise TimeoutError(f"{url} not up after {START_TIMEOUT_S}s")


def stop_process(process: subprocess.Popen[bytes] | None, graceful: bool = True) -> None:
    """Stop a process group started with `start_new_session`: Ctrl-C, or SIGKILL."""
    if process is None or process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGINT if graceful else signal.SIGKILL)
    try:
        process.wait(timeout=STOP_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=STOP_TIMEOUT_S)


@dataclass(kw_only=True)
class ServerProcess:
    """A server process on a free port, in a working directory of its own, logged to a file."""

    workdir: Path
    name: str = "server"
    port: int = 0
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def log_path(self) -> Path:
        return self.workdir / f"{self.name}.log"

    def log_tail(self, lines: int = 40) -> str:
        if not self.log_path.exists():
            return ""
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])

    def _launch(self, command: Callable[[int], list[str]], env: dict[str, str], health: str) -> None:
        """Start `command(port)` and wait until `health` answers; retry if the port was taken."""
        self.workdir.mkdir(parents=True, exist_ok=True)
        for _attempt in range(3):
            self.port = free_port()
            with self.log_path.open("ab") as log:
                self.process = subprocess.Popen(
                    command(self.port),
                    cwd=self.workdir,
                    env=env,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
            try:
                if wait_until_up(self.url, self.process, health):
                    return
            except TimeoutError:
                self.stop(graceful=False)
                raise RuntimeError(f"{self.name} not ready:\n{self.log_tail()}") from None
        raise RuntimeError(f"{self.name} did not start:\n{self.log_tail()}")

    def stop(self, graceful: bool = True) -> None:
        """Stop the server: Ctrl-C (it saves its state) or, if not graceful, SIGKILL."""
        stop_process(self.process, graceful)


@dataclass(kw_only=True)
class DevServer(ServerProcess):
    """One `langgraph dev` process serving this repo's `langgraph.json`."""

    name: str = "langgraph-dev"
    env: dict[str, str] = field(default_factory=dict)
    extra_graphs: dict[str, str] = field(default_factory=dict)
    """More graphs to serve beside `agent`, as `{id: "relative/path.py:attr"}`."""
    http_app: bool = True
    """Serve `langgraph.json`'s `http.app` (the page and the API guard); `False`: without them."""
    root: Path = REPO
    """The checkout served: this repo, or a fork's copy (its code first on `PYTHONPATH`)."""

    def start(self) -> DevServer:
        self.workdir.mkdir(parents=True, exist_ok=True)
        config = write_config(self.workdir, self.extra_graphs, self.http_app, self.root)
        langgraph = str(BIN / "langgraph")
        self._launch(
            lambda port: [
                langgraph,
                "dev",
                "--no-browser",
                "--no-reload",
                "--port",
                str(port),
                "--config",
                str(config),
            ],
            server_env({"PYTHONPATH": str(self.root), **self.env} if self.root != REPO else self.env),
            "/ok",
        )
        return self

    def wipe(self) -> None:
        shutil.rmtree(self.workdir / ".langgraph_api", ignore_errors=True)
