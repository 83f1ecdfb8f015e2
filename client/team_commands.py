"""The client's team commands: approvals (other users' requests open to me), sweep, audit.

Each is `async def cmd_<name>(client, args) -> exit status`, as in `client.commands`;
what they do is `client.team`'s.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from datetime import UTC, datetime

from langgraph_sdk.client import LangGraphClient

from client import render
from client.commands import UsageError, say
from client.team import assigned_pages, audit_records, sweep


async def cmd_approvals(client: LangGraphClient, args: argparse.Namespace) -> int:
    count = 0
    async for page in assigned_pages(client):  # (printed as each page comes: newest first)
        for item in page:
            say(
                f"{item.thread_id}  {render.owner(item)}'s request {item.request_id}  {render.expiry(item.request)}  "
                f"{render.asker(item)}{render.calls(item.request)}"
            )
        count += len(page)
    say(f"{count} request(s) on other users' threads wait for you.")
    return 0


async def cmd_sweep(client: LangGraphClient, args: argparse.Namespace) -> int:
    closed = await sweep(client)
    for item in closed:
        expired_at = item.request["expires_at"]
        say(f"closed expired request {item.request_id} on thread {item.thread_id} (expired {expired_at})")
    say(f"{len(closed)} expired request(s) closed.")
    return 0


AUDIT_FIELDS = ("at", "event", "thread_id", "owner", "request_id", "who", "tools", "decisions", "args_digest", "error")


def _instant(text: str | None, flag: str) -> datetime | None:
    if text is None:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise UsageError(
            f"{flag} {text!r}: use an ISO 8601 date or time, e.g. 2026-11-25 or 2026-11-25T09:00"
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


async def cmd_audit(client: LangGraphClient, args: argparse.Namespace) -> int:
    since, until = _instant(args.since, "--since"), _instant(args.until, "--until")
    records = await audit_records(client, since=since, until=until, user=args.user)
    if args.format == "csv":
        writer = csv.DictWriter(sys.stdout, fieldnames=AUDIT_FIELDS, extrasaction="ignore")
        writer.writeheader()
        for record in records:
            writer.writerow({k: json.dumps(v) if isinstance(v, list | dict) else v for k, v in record.items()})
    else:
        for record in records:
            say(json.dumps(record, sort_keys=True))
    return 0
