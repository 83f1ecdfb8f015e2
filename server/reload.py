"""`make dev`'s reloads: `langgraph dev --no-reload`, restarted when the project's own source changes.

    python -m server.dev        # what `make dev` runs; it serves through `supervise` below

`langgraph dev`'s own reloader watches the whole checkout (langgraph-cli passes uvicorn no
directories to watch), so building `.venv-aegra/` or `npm ci` restarted the server, and the
in-memory runtime's writes to `.langgraph_api/` logged "N changes detected" every 10 seconds.
This watches only the `.py` files of the packages langgraph.json loads code from (agent/ and
server/ here, a fork's own as it names them) and says which file changed.
"""

from __future__ import annotations

import logging
import signal
import sys
import threading
from collections.abc import Iterable, Mapping
from pathlib import Path
from types import FrameType
from typing import Any

import watchfiles

from server import process_group


def source_roots(root: Path, config: Mapping[str, Any]) -> list[Path]:
    """The top-level packages (or files) of `root` that langgraph.json's graphs, auth and http app load."""
    graphs = config.get("graphs", {}).values()
    specs = [
        *(graph["path"] if isinstance(graph, Mapping) else graph for graph in graphs),
        config.get("auth", {}).get("path"),
        config.get("http", {}).get("app"),
    ]
    found = set()
    for spec in filter(None, specs):
        where = str(spec).split(":", 1)[0]  # "./agent/graph.py", or a module: "agent.graph"
        file = Path(where) if where.endswith(".py") else Path(*where.split(".")).with_suffix(".py")
        found.add(root / file.parts[0])
    return sorted(path for path in found if path.exists())


def is_source(_change: watchfiles.Change, path: str) -> bool:
    return path.endswith(".py")


def supervise(command: list[str], watched: Iterable[Path], root: Path) -> int:
    """Serve with `command` until told to stop (SIGTERM, SIGINT, SIGHUP); restart it when a watched file changes."""
    stopping = threading.Event()

    def stop(_signum: int, _frame: FrameType | None) -> None:
        stopping.set()

    for signum in process_group.STOP_SIGNALS:
        signal.signal(signum, stop)
    logging.getLogger("watchfiles").setLevel(logging.WARNING)  # (its "N changes detected" on every save)
    server = process_group.start(command)
    try:
        for changes in watchfiles.watch(*watched, watch_filter=is_source, stop_event=stopping):
            names = ", ".join(sorted({str(Path(path).relative_to(root)) for _, path in changes}))
            print(f"{names} changed: restarting the server", file=sys.stderr, flush=True)
            process_group.stop(server)
            server = process_group.start(command)
    finally:
        process_group.stop(server)
    return 0
