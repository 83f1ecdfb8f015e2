"""`make dev`: check the settings, then serve the agent with `langgraph dev`, saying the address
it really serves and how to sign in.

    python -m server.dev        # what `make dev` runs; PORT=<port> to choose the port

On `PORT` when it is set (a busy one is refused in one line: `langgraph dev` would move to a
random port with only a warning, and the client would talk to another server), else on 2024,
else on the next free port; restarted when the agent's own source changes (server/reload.py).
"""

from __future__ import annotations

import json
import os
import socket
import sys
from collections.abc import Mapping
from pathlib import Path

from agent.settings import LOCAL_TOKEN, Settings
from server import preflight, reload

DEFAULT_PORT = 2024
HOST = "127.0.0.1"


def is_free(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex((HOST, port)) != 0


def choose_port(env: Mapping[str, str]) -> int:
    """The port to serve on. Raises ValueError, with the line to print, for a bad or busy PORT."""
    wanted = env.get("PORT", "").strip()
    if wanted:
        if not wanted.isdigit() or not 0 < int(wanted) < 65536:
            raise ValueError(f"PORT={wanted} is not a port number (1-65535).")
        if not is_free(int(wanted)):
            raise ValueError(f"PORT={wanted} is busy: stop what serves it, or choose another PORT.")
        return int(wanted)
    free = next((p for p in range(DEFAULT_PORT, DEFAULT_PORT + 100) if is_free(p)), None)
    if free is None:
        raise ValueError(f"Ports {DEFAULT_PORT}-{DEFAULT_PORT + 99} are all busy: set PORT to a free one.")
    return free


def banner(port: int, env: Mapping[str, str]) -> list[str]:
    """What `make dev` says before serving: the address, and the token to sign in with."""
    url = f"http://{HOST}:{port}"
    lines = []
    if port != DEFAULT_PORT:
        why = "PORT" if env.get("PORT", "").strip() else f"{DEFAULT_PORT} is taken"
        lines.append(f"Serving on port {port} ({why}). For the client: export LANGGRAPH_URL={url}")
    settings = Settings.from_env(env, need_key=False)
    local = LOCAL_TOKEN in settings.users_by_token
    sign_in = f"token: {LOCAL_TOKEN}" if local else "sign in with a token from AUTH_USERS or a JWT"
    lines.append(f"The inbox: {url}/inbox ({sign_in})")
    return lines


def main() -> int:
    if status := preflight.main():
        return status
    env = {**preflight.env_file_values(), **os.environ}
    try:
        port = choose_port(env)
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    print("\n".join(banner(port, env)), flush=True)
    langgraph = str(Path(sys.executable).with_name("langgraph"))
    root = Path.cwd()
    watched = reload.source_roots(root, json.loads((root / "langgraph.json").read_text()))
    return reload.supervise([langgraph, "dev", "--no-browser", "--no-reload", "--port", str(port)], watched, root)


if __name__ == "__main__":
    raise SystemExit(main())
