"""What the approvals benchmark reads of the machine: a server's memory, and its database settled.

`rss_mb(pid)` is the resident memory of a process group (a server and its workers).
`settle(database)` runs `VACUUM ANALYZE` on a PostgreSQL database: after thousands of
seeding runs, autovacuum and the planner's statistics lag behind, and for a minute or two
every query on the server is slower (measured at 10,000 waiting: bob's page 19.0 ms and
`threads.search` 34.1 ms at once, 11.6 and 18.8 ms a minute later). The pages are timed on
a settled database, as an approver meets it, not in the minutes after the seeding.
"""

from __future__ import annotations

import os
from pathlib import Path

import psycopg


def rss_mb(pid: int) -> float:
    """The resident memory of the process group `pid` leads (the server and its workers), in MiB."""
    total = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if os.getpgid(int(entry.name)) != pid:
                continue
            status = (entry / "status").read_text()
        except (OSError, ProcessLookupError):
            continue
        total += next((int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS:")), 0)
    return total / 1024


def settle(database: str) -> None:
    """`VACUUM ANALYZE` the database `database` (a URI): what autovacuum does soon after a burst of writes."""
    with psycopg.connect(database, autocommit=True) as connection:
        connection.execute("VACUUM ANALYZE")
