"""A fork of this repo in a folder of its own, edited as the docs tell a forker to, for `serve(root=...)`.

Only what a server imports is copied (the agent, the server, the clients, `langgraph.json`);
the venv stays this repo's. Each edit must find the text it changes, so a doc that no longer
matches the code fails the test that applies it.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Final

from harness.server import REPO

COPIED: Final = ("agent", "server", "client", "langgraph.json")
LEFT_OUT: Final = shutil.ignore_patterns("node_modules", "__pycache__")


def fork(dest: Path) -> Path:
    """A copy of what this repo serves, at `dest`."""
    for name in COPIED:
        source = REPO / name
        if source.is_dir():
            shutil.copytree(source, dest / name, ignore=LEFT_OUT)
        else:
            dest.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, dest / name)
    return dest


def replace_definition(path: Path, start: str, new: str) -> None:
    """Put `new` in place of the top-level statement of `path` that begins with the line `start`
    and ends at the first line that closes it (a `}` or `)` at the start of a line)."""
    lines = path.read_text().splitlines(keepends=True)
    first = next(n for n, line in enumerate(lines) if line.startswith(start))
    last = next(n for n in range(first, len(lines)) if lines[n].rstrip() in ("}", ")"))
    path.write_text("".join([*lines[:first], new, *lines[last + 1 :]]))


def append(path: Path, code: str) -> None:
    """Add `code` at the end of the module at `path`."""
    path.write_text(path.read_text() + "\n" + code)
